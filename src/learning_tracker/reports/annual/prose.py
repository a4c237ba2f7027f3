"""The annual report's draft prose: generated sentences, every number computed, for the complaints
officer to edit. ``summary_draft`` (the opening summary), ``area_draft`` (one service area's learning),
``previous_actions_draft`` (the progress of last year's actions), ``drafts`` (a report's editable
paragraphs by key), and the words they share with the document (``were``, ``sentence_case``, ``status_words``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from ...rules.periods import long_date, year_label
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


def drafts(report: dict) -> dict[str, str]:
    """The report's editable draft paragraphs by key: ``"summary"``, ``"learning:<service area>"`` for
    each service area, ``"previous-actions"``."""
    return {
        "summary": summary_draft(report),
        **{f"learning:{e['service_area']}": e["draft"] for e in report["service_improvements"]},
        "previous-actions": report["previous_year_actions"]["draft"],
    }
