"""The annual report's draft prose: generated sentences, every number computed, for the complaints
officer to edit. ``summary_draft`` (the opening summary), ``area_draft`` (one service area's learning),
``previous_actions_draft`` (the progress of last year's actions), ``computed_drafts`` (all of a report's
by key), ``drafts`` (the report's sections as it will print them: the saved text where a section has been
written, else the computed draft), ``with_sections`` (a report with the saved sections put in), and the
words they share with the document (``were``, ``sentence_case``, ``status_words``).

A section's text is saved once for the year (``services.report_sections``) and goes into every version
of the report; a section not written yet prints the draft computed from the figures of that version
(suppressed or not, as at its date). Each section of a report carries ``draft`` (the text it prints) and
``draft_status`` (its status, or ``SECTION_NOT_WRITTEN``).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from ...rules.periods import long_date, year_label
from ...rules.vocabulary import (
    LEARNING_SECTION,
    PREVIOUS_ACTIONS_SECTION,
    REPORT_SECTION_STATUSES,
    SECTION_NOT_WRITTEN,
    SUMMARY_SECTION,
    report_section_key,
)
from ..render import Percent, count, plural, show

# Lists this short are written out in the draft prose; longer ones are left to the tables.
PROSE_LIST_LIMIT = 4


def were(n: Any) -> str:
    return "was" if n == 1 else "were"


def _have(n: Any) -> str:
    return "has" if n == 1 else "have"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def status_words(by_status: dict[str, int]) -> str:
    """"3 verified and 1 in progress": the statuses with a count."""
    return _and([f"{n:,} {status}" for status, n in by_status.items() if n])


AS_AT = "[the date the figures are as at]"


def figures_of(draft: str, as_of: date) -> str:
    """A draft without the day it was computed for ("... overdue on 2 December 2026"): what a saved section was
    based on, so that the page says the figures have changed only when they have, not every new day."""
    return draft.replace(f" on {long_date(as_of)}", f" on {AS_AT}")


def area_draft(entry: dict, year: str, as_of: date) -> str:
    """The draft prose of one service area's learning: generated sentences, every number computed,
    for the complaints officer to edit."""
    fy = year_label(year)
    name = entry["service_area"]
    paragraphs = []
    first = (
        f"In {fy}, {name} received {plural(entry['complaints'], 'complaint')}; "
        f"{count(entry['upheld'])} {were(entry['upheld'])} upheld and {count(entry['partly_upheld'])} partly upheld."
    )
    if entry["no_learning_identified"]:
        n = entry["no_learning_identified"]
        first += f" For {plural(n, 'upheld or partly upheld complaint')} the service recorded that no learning was identified."
    if entry["learning_gaps"]:
        n = entry["learning_gaps"]
        first += f" {sentence_case(plural(n, 'upheld or partly upheld complaint'))} {_have(n)} no learning recorded yet."
    paragraphs.append(first)

    points = entry["learning_points"]
    if points:
        themes = Counter(p["theme"] for p in points).most_common()
        about = _and([f"{theme} ({n:,})" if len(themes) > 1 else theme for theme, n in themes])
        text = f"{sentence_case(plural(len(points), 'learning point'))} {were(len(points))} drawn from the year's complaints, about {about}."
        if len(points) <= PROSE_LIST_LIMIT:
            text += " " + " ".join(_sentence(p["description"]) for p in points)
        paragraphs.append(text)
    else:
        paragraphs.append("No learning point has been drawn from the year's complaints yet.")

    actions = [a for p in points for a in p["actions"]]
    if actions:
        text = (
            f"{sentence_case(plural(len(actions), 'improvement action'))} {were(len(actions))} agreed: "
            f"{status_words(entry['actions_by_status'])}"
        )
        overdue = entry["overdue_actions"]
        text += f"; {count(overdue)} {'is' if overdue == 1 else 'are'} overdue on {long_date(as_of)}." if overdue else "."
        if len(actions) <= PROSE_LIST_LIMIT:
            text += " " + " ".join(
                f"{_sentence(a['description'])[:-1]} ({a['owner']}, due {long_date(a['due_on'])}, {a['status']})."
                for a in actions
            )
        paragraphs.append(text)
    elif points:
        paragraphs.append("No improvement action has been agreed yet.")
    return "\n\n".join(paragraphs)


def previous_actions_draft(section: dict, as_of: date) -> str:
    """The draft prose of the progress of last year's actions."""
    fy = year_label(section["financial_year"])
    total = section["actions"]
    if not total:
        return f"No improvement actions were agreed from the learning of {fy}'s complaints."
    text = (
        f"Of the {plural(total, 'improvement action')} agreed from the learning of {fy}'s complaints, "
        f"{status_words(section['by_status'])} on {long_date(as_of)}."
    )
    if section["overdue"]:
        n = section["overdue"]
        text += f" {sentence_case(plural(n, 'action'))} {'is' if n == 1 else 'are'} overdue."
    open_count = len(section["still_open"])
    if open_count:
        text += f" The {plural(open_count, 'action')} not yet verified {'is' if open_count == 1 else 'are'} listed below."
    return text


def summary_draft(report: dict) -> str:
    """The opening summary: complaints, who made them, stage 1 resolution, compliments."""
    fy = year_label(report["financial_year"])
    received = report["complaints_received"]
    earlier = report["earlier_years"]
    previous = next(iter(earlier.items()), None)
    text = (
        f"In {fy}, children's services received {plural(received['total'], 'complaint')} "
        f"({received['statutory']:,} statutory, {received['corporate']:,} corporate and {received['informal']:,} informal)"
    )
    if previous:
        text += f", compared to {previous[1]['complaints_received']['total']:,} in {year_label(previous[0])}"
    people = report["complainants"]
    text += (
        f". {sentence_case(plural(people['children_and_young_people'], 'complaint'))} "
        f"{were(people['children_and_young_people'])} made by children and young people, and "
        f"{count(people['with_advocate'])} {were(people['with_advocate'])} supported by an advocate."
    )
    stages = report["statutory_by_final_stage"]
    stage1 = stages.get("1", {}).get("complaints", 0)
    if received["statutory"]:
        text += (
            f" Of the {received['statutory']:,} statutory complaints, {stage1:,} "
            f"({show(Percent(stage1 / received['statutory']))}) {were(stage1)} resolved at stage 1"
        )
        if previous and previous[1]["stage1_resolved_share"] is not None:
            text += f", compared to {show(Percent(previous[1]['stage1_resolved_share']))} in {year_label(previous[0])}"
        text += "."
    averages = [
        (f"{show(row['average_working_days'])} working days" if i == 0 else show(row["average_working_days"]))
        + f" at stage {stage}"
        for i, (stage, row) in enumerate((s, r) for s, r in stages.items() if r["average_working_days"] is not None)
    ]  # fmt: skip
    if averages:
        text += f" On average, a complaint's final stage took {_and(averages)}."
    compliments = report["compliments"]["total"]
    text += f"\n\n{sentence_case(plural(compliments, 'compliment'))} {were(compliments)} received"
    if previous:
        text += f", compared to {previous[1]['compliments']:,} in {year_label(previous[0])}"
    return text + "."


def _sections_of(report: dict) -> dict[str, dict]:
    """Where each section of ``report`` keeps its ``draft`` and ``draft_status``, by key."""
    return {
        SUMMARY_SECTION: report["summary"],
        **{report_section_key(LEARNING_SECTION, e["service_area"]): e for e in report["service_improvements"]},
        PREVIOUS_ACTIONS_SECTION: report["previous_year_actions"],
    }


def computed_drafts(report: dict) -> dict[str, str]:
    """The draft of each section computed from the report's figures (suppressed or not, as at its date),
    by key: ``"summary"``, ``"learning:<service area>"`` for each service area, ``"previous-actions"``.
    Whatever text has been saved, this is what the figures say now."""
    year, as_of = report["financial_year"], date.fromisoformat(report["as_of"])
    return {
        SUMMARY_SECTION: summary_draft(report),
        **{report_section_key(LEARNING_SECTION, e["service_area"]): area_draft(e, year, as_of)
           for e in report["service_improvements"]},
        PREVIOUS_ACTIONS_SECTION: previous_actions_draft(report["previous_year_actions"], as_of),
    }  # fmt: skip


def drafts(report: dict) -> dict[str, str]:
    """The report's sections by key (as ``computed_drafts``) as it prints them: the saved text of a written
    section, the computed draft of the others."""
    return {key: place["draft"] for key, place in _sections_of(report).items()}


def section_statuses(report: dict) -> dict[str, str]:
    """Each section's status by key: draft, reviewed or approved, or ``SECTION_NOT_WRITTEN``."""
    return {key: place.get("draft_status", SECTION_NOT_WRITTEN) for key, place in _sections_of(report).items()}


def put_sections(report: dict, sections: Mapping[str, Mapping[str, Any]]) -> None:
    """Put the saved ``sections`` (``read.report_sections.saved_sections``: text and status by key) into
    ``report`` itself; a section not saved gets the draft computed from the report's figures."""
    computed = computed_drafts(report)
    for key, place in _sections_of(report).items():
        saved = sections.get(key)
        place["draft"] = saved["text"] if saved else computed[key]
        place["draft_status"] = saved["status"] if saved else SECTION_NOT_WRITTEN


def with_sections(report: dict, sections: Mapping[str, Mapping[str, Any]]) -> dict:
    """A copy of ``report`` with the saved ``sections`` put in (``put_sections``): the report as it prints
    with the text saved now, whatever was saved when it was computed."""
    result = copy.deepcopy(report)
    put_sections(result, sections)
    return result


def redraft(report: dict) -> None:
    """Compute again, from the report's figures, the draft of each section that has no saved text (after
    the figures changed: suppressed for publication); written sections keep their text."""
    computed = computed_drafts(report)
    for key, place in _sections_of(report).items():
        if place.get("draft_status") not in REPORT_SECTION_STATUSES:
            place["draft"], place["draft_status"] = computed[key], SECTION_NOT_WRITTEN
