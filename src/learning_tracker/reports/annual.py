"""The statutory annual complaints report of a financial year, computed from the records.

``annual_report(db, year, as_of)`` gives every figure (the JSON data contract in the README, "The
annual report's data"): the tables of ``figures.annual_figures`` plus how complaints were received
with "not recorded" shown, Ombudsman investigations, remedy payments by route, earlier years, the
service improvements and learning of each service area with a draft of its prose, the progress of last
year's actions, and the reconciliation warnings. ``publishable(report)`` is the same report with small
counts suppressed; ``annual_document(report)`` turns either into a ``render.Document``.

The counting rules are the README's "How the reports count"; they are ``queries``' rules, which this
module reuses rather than restates.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date
from typing import Any

import pandas as pd
import sqlite_utils

from .. import charts, config
from ..read import report_figures
from . import render
from .render import (
    Chart,
    Document,
    Heading,
    Paragraph,
    Percent,
    Pounds,
    Table,
    count,
    plural,
    show,
    year_label,
)
from ..rules import vocabulary
from ..rules import periods

NOT_RECORDED = report_figures.NOT_RECORDED
SUPPRESSED = "fewer than 5"
SMALLEST_SHOWN = 5
EARLIER_YEARS = 4
# Lists this short are written out in the draft prose; longer ones are left to the tables.
PROSE_LIST_LIMIT = 4

# Breakdowns whose small counts could point at a person, and so are suppressed in published output.
SUPPRESSED_TABLES = (
    "equality (gender, age band, ethnicity, disability)",
    "how complaints were received",
    "statutory complaints by service area",
    "complaints from children and young people and with an advocate (this year and earlier years)",
    "each service area's complaints, upheld, partly upheld, 'no learning identified' and learning gaps",
)


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------


def annual_report(db: sqlite_utils.Database, year: str, as_of: date | None = None) -> dict:
    """Every figure of the annual report of financial ``year`` (like ``"2021-22"``) as at ``as_of``
    (default today), as a JSON-able dict in the order of the README's data contract.

    Raises ``ValueError`` (a sentence for the user) when ``year`` is not a financial year.
    """
    as_of = as_of or date.today()
    figures = report_figures.annual_figures(db, year, as_of)
    received = figures["complaints_received"]
    report: dict[str, Any] = {
        "financial_year": year,
        "as_of": as_of.isoformat(),
        "small_numbers_suppressed": False,
        "complaints_received": received,
        "received_via": _with_not_recorded(figures["received_via"], received["total"]),
        "complainants": figures["complainants"],
        "statutory_outcomes": figures["statutory_outcomes"],
        "statutory_by_service_area": figures["statutory_by_service_area"],
        "statutory_by_final_stage": figures["statutory_by_final_stage"],
        "corporate_by_final_stage": figures["corporate_by_final_stage"],
        "stage1_average_working_days_by_quarter": figures["stage1_average_working_days_by_quarter"],
        "concerns_by_category": figures["concerns_by_category"],
        "compliments": figures["compliments"],
        "equality": figures["equality"],
        "ombudsman": _ombudsman(figures["ombudsman"]),
        "remedy_payments_gbp": {**figures["remedy_payments_gbp"], "by_route": remedy_payments_by_route(db, year)},
        "learning": figures["learning"],
        "service_improvements": service_improvements(db, year, as_of),
        "previous_year_actions": previous_year_actions(db, year, as_of),
        "earlier_years": earlier_years(db, year, as_of),
        "timescales": [
            {"procedure": t.procedure, "stage": t.stage, "clock_starts": t.clock_starts,
             "due_working_days": t.due_working_days, "max_working_days": t.max_working_days}
            for t in sorted(config.timescales(db).values(), key=lambda t: (t.procedure, t.stage))
        ],
    }  # fmt: skip
    all_checks = checks(db, report)
    report["checks_made"] = len(all_checks)
    report["reconciliation"] = [
        {key: check[key] for key in ("check", "expected", "found", "message")} for check in all_checks if not check["ok"]
    ]
    return report


def _with_not_recorded(ways: dict[str, int], total: int) -> dict[str, int]:
    """``figures.received_via`` leaves out the complaints with no way recorded (the reference report's
    "not knowns excluded"); the report shows them as "not recorded" so that nothing is hidden."""
    missing = total - sum(ways.values())
    return {**ways, NOT_RECORDED: missing} if missing else dict(ways)


def _ombudsman(ombudsman: dict) -> dict:
    """``figures.ombudsman`` plus ``investigated``: the decisions made after an investigation (upheld or
    not upheld), as the LGSCO's annual letter counts them."""
    decisions = ombudsman["decisions"]
    investigated = sum(n for decision, n in decisions.items() if decision.lower() in ("upheld", "not upheld"))
    return {"referred": ombudsman["referred"], "investigated": investigated, "decisions": decisions}


def remedy_payments_by_route(db: sqlite_utils.Database, year: str) -> dict[str, float]:
    """Remedy payments on the year's complaints in pounds, by the route that led to them: "<procedure>
    via Ombudsman" when the complaint went to the LGSCO, else "<procedure> stage <final stage>"."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """
        SELECT c.procedure, c.lgsco_referred_on IS NOT NULL,
               (SELECT MAX(s.stage) FROM complaint_stages s WHERE s.complaint_id = c.id AND s.procedure = c.procedure),
               SUM(c.remedy_pence)
        FROM complaints c
        WHERE c.received_on BETWEEN ? AND ? AND c.remedy_pence > 0
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """,
        [start, end],
    ).fetchall()
    routes: dict[str, float] = {}
    for procedure, ombudsman, stage, pence in rows:
        route = f"{procedure} via Ombudsman" if ombudsman else f"{procedure} stage {stage or 1}"
        routes[route] = round(routes.get(route, 0) + pence / 100, 2)
    return routes


def earlier_years(db: sqlite_utils.Database, year: str, as_of: date, years: int = EARLIER_YEARS) -> dict[str, dict]:
    """The headline figures of up to ``years`` financial years before ``year`` that hold records,
    newest first: complaints by procedure, complainants, final stages, the share of statutory
    complaints resolved at stage 1, compliments and concerns."""
    result = {}
    label = year
    for _ in range(years):
        label = periods.previous_financial_year(label)
        if report_figures.year_holds_records(db, label):
            result[label] = headline(db, label, as_of)
    return result


def headline(db: sqlite_utils.Database, year: str, as_of: date) -> dict:
    """The figures of ``year`` that the report compares across years."""
    received = report_figures.complaints_by_procedure(db, year)
    statutory = report_figures.final_stages(db, year, as_of, "statutory")
    stage1 = statutory.get("1", {}).get("complaints", 0)
    return {
        "complaints_received": received,
        "complainants": report_figures.complainants(db, year),
        "statutory_by_final_stage": statutory,
        "corporate_by_final_stage": report_figures.final_stages(db, year, as_of, "corporate"),
        "stage1_resolved_share": round(stage1 / received["statutory"], 3) if received["statutory"] else None,
        "compliments": report_figures.compliments_received(db, year),
        "concerns_by_category": report_figures.concerns_by_category(db, year),
    }


# ---------------------------------------------------------------------------------------------
# Service improvements and learning
# ---------------------------------------------------------------------------------------------

_AREA_COMPLAINTS_SQL = f"""
SELECT sa.name, COUNT(*),
       COALESCE(SUM(c.outcome = '{vocabulary.UPHELD}'), 0),
       COALESCE(SUM(c.outcome = '{vocabulary.PARTLY_UPHELD}'), 0),
       COALESCE(SUM({vocabulary.upheld_sql('c')} AND c.no_learning_reason IS NOT NULL), 0),
       COALESCE(SUM({vocabulary.learning_gap_sql('c')}), 0)
FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
WHERE c.received_on BETWEEN :start AND :end
GROUP BY sa.id
"""

_POINTS_SQL = f"""
SELECT lp.id, sa.name, lp.theme, lp.description, lp.status,
       (SELECT COUNT(*) FROM learning_point_complaints l WHERE l.learning_point_id = lp.id)
FROM learning_points lp JOIN service_areas sa ON sa.id = lp.service_area_id
WHERE lp.id IN ({report_figures.YEAR_LEARNING_POINTS_SQL})
ORDER BY sa.name COLLATE NOCASE, lp.created_on, lp.id
"""

_ACTIONS_SQL = f"""
SELECT a.learning_point_id, a.description, u.name, a.due_on, a.status, a.completed_on,
       {vocabulary.action_overdue_sql('a', ':as_of')}
FROM actions a JOIN users u ON u.id = a.owner_id
WHERE a.learning_point_id IN ({report_figures.YEAR_LEARNING_POINTS_SQL})
ORDER BY a.learning_point_id, a.due_on, a.id
"""


def _learning_points(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """The learning points drawn from the year's complaints, each with its actions, by area then age."""
    start, end = periods.period_bounds_iso(year)
    params = {"start": start, "end": end, "as_of": as_of.isoformat()}
    points = {
        lp_id: {"id": lp_id, "service_area": area, "theme": theme, "description": description, "status": status,
                "complaints": linked, "actions": []}
        for lp_id, area, theme, description, status, linked in db.execute(_POINTS_SQL, params).fetchall()
    }  # fmt: skip
    for lp_id, description, owner, due_on, status, completed_on, overdue in db.execute(_ACTIONS_SQL, params).fetchall():
        points[lp_id]["actions"].append(
            {"description": description, "owner": owner, "due_on": due_on, "status": status,
             "completed_on": completed_on, "overdue": bool(overdue)}
        )  # fmt: skip
    return list(points.values())


def service_improvements(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """For each service area with upheld or partly upheld complaints in the year, or learning drawn from
    the year's complaints (by name): its complaints of the year (all procedures), how many were upheld
    and partly upheld, how many of those have a "no learning identified" decision and how many are
    learning gaps, its learning points with their actions (owner, due date, status, overdue on
    ``as_of``), the actions by status, and ``draft``: the section's prose, every number computed."""
    start, end = periods.period_bounds_iso(year)
    areas = {
        name: {"service_area": name, "complaints": n, "upheld": upheld, "partly_upheld": partly,
               "no_learning_identified": no_learning, "learning_gaps": gaps}
        for name, n, upheld, partly, no_learning, gaps in db.execute(
            _AREA_COMPLAINTS_SQL, {"start": start, "end": end}).fetchall()
    }  # fmt: skip
    points_by_area: dict[str, list[dict]] = {}
    for point in _learning_points(db, year, as_of):
        area = point.pop("service_area")
        point.pop("id")
        points_by_area.setdefault(area, []).append(point)
    names = {name for name, entry in areas.items() if entry["upheld"] or entry["partly_upheld"]} | set(points_by_area)
    result = []
    for name in sorted(names, key=str.lower):
        entry = areas.get(name) or {"service_area": name, "complaints": 0, "upheld": 0, "partly_upheld": 0,
                                    "no_learning_identified": 0, "learning_gaps": 0}  # fmt: skip
        points = points_by_area.get(name, [])
        actions = [a for p in points for a in p["actions"]]
        entry["learning_points"] = points
        entry["actions_by_status"] = _by_status(actions)
        entry["overdue_actions"] = sum(a["overdue"] for a in actions)
        entry["draft"] = area_draft(entry, year, as_of)
        result.append(entry)
    return result


def _by_status(actions: list[dict]) -> dict[str, int]:
    counts = Counter(a["status"] for a in actions)
    statuses = list(vocabulary.ACTION_STATUSES) + sorted(set(counts) - set(vocabulary.ACTION_STATUSES))
    return {status: counts.get(status, 0) for status in statuses}


def previous_year_actions(db: sqlite_utils.Database, year: str, as_of: date) -> dict:
    """The progress of the actions agreed from the previous financial year's complaints, as at ``as_of``:
    ``{financial_year, actions, by_status, overdue, by_service_area {area: {status: n, ..., overdue}},
    still_open [actions not verified or cancelled, with their area and theme], draft}``."""
    previous = periods.previous_financial_year(year)
    actions_by_area: dict[str, list[dict]] = {}
    still_open = []
    for point in _learning_points(db, previous, as_of):
        for action in point["actions"]:
            actions_by_area.setdefault(point["service_area"], []).append(action)
            if action["status"] not in ("verified", "cancelled"):
                still_open.append({"service_area": point["service_area"], "theme": point["theme"], **action})
    every = [a for actions in actions_by_area.values() for a in actions]
    section = {
        "financial_year": previous,
        "actions": len(every),
        "by_status": _by_status(every),
        "overdue": sum(a["overdue"] for a in every),
        "by_service_area": {
            name: {**_by_status(actions), "overdue": sum(a["overdue"] for a in actions)}
            for name, actions in sorted(actions_by_area.items(), key=lambda item: item[0].lower())
        },
        "still_open": still_open,
    }
    section["draft"] = previous_actions_draft(section, as_of)
    return section


# ---------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------


def checks(db: sqlite_utils.Database, report: dict) -> list[dict]:
    """Every check that a breakdown adds up to the total it breaks down, as
    ``{check, expected, found, ok, message}``; ``message`` says what differs and what to correct.

    A breakdown's ``found`` counts the records whose value is one of the configured values. A blank
    equality field counts as "not recorded", itself a configured value (the equality fields are
    optional); a blank way of receipt is a gap in the records, shown as "not recorded" in the table
    but counted as a difference here, as is any value that is not configured (say, a typing error in an
    import). Statutory complaints without any stage have no final stage; a compliment needs a category.
    """
    year = report["financial_year"]
    start, end = periods.period_bounds_iso(year)
    received = report["complaints_received"]
    total, statutory = received["total"], received["statutory"]
    result = []

    def add(name: str, expected: int, found: int, why: str) -> None:
        ok = expected == found
        message = "" if ok else f"{name}: {found:,} of {expected:,} add up; {why or 'correct the records.'}"
        result.append({"check": name, "expected": expected, "found": found, "ok": ok, "message": message})

    procedures = config.vocabulary(db, "procedure")
    known, unknown = _split(received, procedures, skip=("total",))
    add("complaints by procedure", total, known, _unknown_words(unknown, "complaint", "a procedure"))

    add(
        "statutory complaints by service area", statutory, sum(report["statutory_by_service_area"].values()),
        "some statutory complaints belong to no service area; correct their service area.",
    )  # fmt: skip
    known, unknown = _split(report["statutory_outcomes"], config.vocabulary(db, "outcome") + ["open"])
    add("statutory complaints by outcome", statutory, known, _unknown_words(unknown, "statutory complaint", "an outcome"))

    for procedure, key in (("statutory", "statutory_by_final_stage"), ("corporate", "corporate_by_final_stage")):
        expected = received.get(procedure, 0)
        found = sum(stage["complaints"] for stage in report[key].values())
        missing = expected - found
        add(
            f"{procedure} complaints by final stage", expected, found,
            f"{plural(missing, procedure + ' complaint')} {_have(missing)} no stage recorded, so no final stage; "
            "record their stage 1.",
        )  # fmt: skip

    ways = report["received_via"]
    blank = ways.get(NOT_RECORDED, 0)
    known, unknown = _split({k: v for k, v in ways.items() if k != NOT_RECORDED}, config.vocabulary(db, "received_via"))
    reasons = []
    if blank:
        reasons.append(
            f"{plural(blank, 'complaint')} {_have(blank)} no record of how it was received (shown as "
            f"'{NOT_RECORDED}'); record it on the complaint."
        )
    if unknown:
        reasons.append(_unknown_words(unknown, "complaint", "a way of receipt"))
    add("complaints by how received (incl. not recorded)", total, known, " ".join(reasons))

    for field, values in report["equality"].items():
        known, unknown = _split(values, config.vocabulary(db, field))
        label = field.replace("_", " ")
        add(f"complaints by {label}", total, known, _unknown_words(unknown, "complaint", f"a {label}"))

    with_concern = db.execute(
        """SELECT COUNT(*) FROM complaints c WHERE c.received_on BETWEEN ? AND ? AND c.procedure = 'statutory'
           AND EXISTS (SELECT 1 FROM concerns k WHERE k.complaint_id = c.id)""",
        [start, end],
    ).fetchone()[0]
    missing = statutory - with_concern
    add(
        "statutory complaints with a concern recorded", statutory, with_concern,
        f"{plural(missing, 'statutory complaint')} {_have(missing)} no concern code; record what they were about.",
    )  # fmt: skip

    compliments = report["compliments"]
    with_category = db.execute(
        """SELECT COUNT(*) FROM compliments m WHERE m.received_on BETWEEN ? AND ?
           AND EXISTS (SELECT 1 FROM compliment_categories cc WHERE cc.compliment_id = m.id
                       AND LOWER(TRIM(cc.category)) IN
                           (SELECT LOWER(value) FROM vocabularies WHERE field = 'compliment_category'))""",
        [start, end],
    ).fetchone()[0]
    missing = compliments["total"] - with_category
    _, unknown = _split(compliments["by_category"], config.vocabulary(db, "compliment_category"))
    add(
        "compliments with a category", compliments["total"], with_category,
        f"{plural(missing, 'compliment')} {_have(missing)} no configured category"
        + (f" (found: {', '.join(repr(v) for v in unknown)})" if unknown else "")
        + "; give each one a category.",
    )  # fmt: skip
    for name, by_status in (
        ("improvement actions by status", report["learning"]["actions_by_status"]),
        ("last year's improvement actions by status", report["previous_year_actions"]["by_status"]),
    ):
        known, unknown = _split(by_status, vocabulary.ACTION_STATUSES)
        add(name, sum(by_status.values()), known, _unknown_words(unknown, "action", "a status"))

    known, unknown = _split(compliments["by_source"], config.vocabulary(db, "compliment_source"))
    add("compliments by source", compliments["total"], known, _unknown_words(unknown, "compliment", "a source"))
    add(
        "compliments by service area", compliments["total"], sum(compliments["by_service_area"].values()),
        "some compliments belong to no service area; correct their service area.",
    )  # fmt: skip
    return result


def _split(counts: dict[str, int], configured: list[str], skip: tuple[str, ...] = ()) -> tuple[int, dict[str, int]]:
    """(how many have a configured value, {other value: count}), matching without regard to case."""
    allowed = {value.strip().lower() for value in configured}
    known, unknown = 0, {}
    for value, n in counts.items():
        if value in skip:
            continue
        if str(value).strip().lower() in allowed:
            known += n
        elif n:
            unknown[value] = n
    return known, unknown


def _unknown_words(unknown: dict[str, int], noun: str, what: str) -> str:
    if not unknown:
        return ""
    listed = ", ".join(f"'{value}' ({n:,})" for value, n in unknown.items())
    n = sum(unknown.values())
    return f"{plural(n, noun)} {_have(n)} {what} that is not configured: {listed}; correct them or add the value."


def _have(n: Any) -> str:
    return "has" if n == 1 else "have"


# ---------------------------------------------------------------------------------------------
# Small-number suppression
# ---------------------------------------------------------------------------------------------


def suppress(value: Any) -> Any:
    """A count from 1 to 4 becomes "fewer than 5"; anything else is kept."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN:
        return SUPPRESSED
    return value


def _suppress_values(counts: dict) -> dict:
    return {key: suppress(value) for key, value in counts.items()}


def publishable(report: dict) -> dict:
    """A copy of ``report`` for publication: in the breakdowns of ``SUPPRESSED_TABLES`` every count from
    1 to 4 reads "fewer than 5" (totals stay), and the draft prose is written from those figures."""
    published = copy.deepcopy(report)
    published["small_numbers_suppressed"] = True
    published["equality"] = {field: _suppress_values(values) for field, values in published["equality"].items()}
    published["received_via"] = _suppress_values(published["received_via"])
    published["statutory_by_service_area"] = _suppress_values(published["statutory_by_service_area"])
    published["complainants"] = _suppress_values(published["complainants"])
    for figures in published["earlier_years"].values():
        figures["complainants"] = _suppress_values(figures["complainants"])
    year, as_of = published["financial_year"], date.fromisoformat(published["as_of"])
    for entry in published["service_improvements"]:
        for key in ("complaints", "upheld", "partly_upheld", "no_learning_identified", "learning_gaps"):
            entry[key] = suppress(entry[key])
        entry["draft"] = area_draft(entry, year, as_of)
    return published


# ---------------------------------------------------------------------------------------------
# Draft prose
# ---------------------------------------------------------------------------------------------


def long_date(iso: str | date) -> str:
    day = date.fromisoformat(iso) if isinstance(iso, str) else iso
    return f"{day.day} {day:%B %Y}"


def _were(n: Any) -> str:
    return "was" if n == 1 else "were"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _status_words(by_status: dict[str, int]) -> str:
    return _and([f"{n:,} {status}" for status, n in by_status.items() if n])


def area_draft(entry: dict, year: str, as_of: date) -> str:
    """The draft prose of one service area's learning: generated sentences, every number computed,
    for the complaints officer to edit."""
    fy = year_label(year)
    name = entry["service_area"]
    paragraphs = []
    first = (
        f"In {fy}, {name} received {plural(entry['complaints'], 'complaint')}; "
        f"{count(entry['upheld'])} {_were(entry['upheld'])} upheld and {count(entry['partly_upheld'])} partly upheld."
    )
    if entry["no_learning_identified"]:
        n = entry["no_learning_identified"]
        first += f" For {plural(n, 'upheld or partly upheld complaint')} the service recorded that no learning was identified."
    if entry["learning_gaps"]:
        n = entry["learning_gaps"]
        first += f" {_sentence_case(plural(n, 'upheld or partly upheld complaint'))} {_have(n)} no learning recorded yet."
    paragraphs.append(first)

    points = entry["learning_points"]
    if points:
        themes = Counter(p["theme"] for p in points).most_common()
        about = _and([f"{theme} ({n:,})" if len(themes) > 1 else theme for theme, n in themes])
        text = f"{_sentence_case(plural(len(points), 'learning point'))} {_were(len(points))} drawn from the year's complaints, about {about}."
        if len(points) <= PROSE_LIST_LIMIT:
            text += " " + " ".join(_sentence(p["description"]) for p in points)
        paragraphs.append(text)
    else:
        paragraphs.append("No learning point has been drawn from the year's complaints yet.")

    actions = [a for p in points for a in p["actions"]]
    if actions:
        text = (
            f"{_sentence_case(plural(len(actions), 'improvement action'))} {_were(len(actions))} agreed: "
            f"{_status_words(entry['actions_by_status'])}"
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


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def previous_actions_draft(section: dict, as_of: date) -> str:
    """The draft prose of the progress of last year's actions."""
    fy = year_label(section["financial_year"])
    total = section["actions"]
    if not total:
        return f"No improvement actions were agreed from the learning of {fy}'s complaints."
    text = (
        f"Of the {plural(total, 'improvement action')} agreed from the learning of {fy}'s complaints, "
        f"{_status_words(section['by_status'])} on {long_date(as_of)}."
    )
    if section["overdue"]:
        n = section["overdue"]
        text += f" {_sentence_case(plural(n, 'action'))} {'is' if n == 1 else 'are'} overdue."
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
        f". {_sentence_case(plural(people['children_and_young_people'], 'complaint'))} "
        f"{_were(people['children_and_young_people'])} made by children and young people, and "
        f"{count(people['with_advocate'])} {_were(people['with_advocate'])} supported by an advocate."
    )
    stages = report["statutory_by_final_stage"]
    stage1 = stages.get("1", {}).get("complaints", 0)
    if received["statutory"]:
        text += (
            f" Of the {received['statutory']:,} statutory complaints, {stage1:,} "
            f"({show(Percent(stage1 / received['statutory']))}) {_were(stage1)} resolved at stage 1"
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
    text += f"\n\n{_sentence_case(plural(compliments, 'compliment'))} {_were(compliments)} received"
    if previous:
        text += f", compared to {previous[1]['compliments']:,} in {year_label(previous[0])}"
    return text + "."


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------

PROCEDURE_LABELS = {"statutory": "Statutory", "corporate": "Corporate", "informal": "Informal"}


def _label(value: str) -> str:
    return value[:1].upper() + value[1:]


def _total(values) -> Any:
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(numbers) if len(numbers) == len(list(values)) else None


def _counts_table(sheet: str, title: str, label: str, counts: dict, *, percent_of: int | None = None,
                  total: Any = "sum", note: str | None = None, value_title: str = "Complaints") -> Table:
    """A table of ``{value: count}`` with an optional % column and a total row."""
    columns = [label, value_title] + (["%"] if percent_of is not None else [])
    rows = []
    for value, n in counts.items():
        row = [_label(str(value)), n]
        if percent_of is not None:
            row.append(Percent(n / percent_of) if isinstance(n, int) and percent_of else None)
        rows.append(row)
    if total is not None:
        total_value = _total(list(counts.values())) if total == "sum" else total
        if total_value is None and percent_of is not None:
            total_value = percent_of
        rows.append(["Total", total_value] + ([None] if percent_of is not None else []))
    return Table(sheet, title, columns, rows, note)


def _stages_table(sheet: str, title: str, stages: dict) -> Table:
    columns = ["Stage", "Complaints", "Within timescale", "Over timescale", "Pending", "Average working days"]
    rows = [
        [int(stage), row["complaints"], row["within_timescale"], row["over_timescale"], row["pending"],
         row["average_working_days"]]
        for stage, row in stages.items()
    ]  # fmt: skip
    rows.append(["Total", *(sum(r[i] for r in rows) for i in range(1, 5)), None])
    return Table(sheet, title, columns, rows,
                 "The final stage is the highest stage a complaint reached. Pending: not answered and not yet due. "
                 "Average working days over the answered final stages.")  # fmt: skip


def drafts(report: dict) -> dict[str, str]:
    """The report's editable draft paragraphs by key: ``"summary"``, ``"learning:<service area>"`` for
    each service area, ``"previous-actions"``."""
    return {
        "summary": summary_draft(report),
        **{f"learning:{e['service_area']}": e["draft"] for e in report["service_improvements"]},
        "previous-actions": report["previous_year_actions"]["draft"],
    }


def annual_document(report: dict, prose: dict[str, str] | None = None, *, include_checks: bool = True) -> Document:
    """The annual report as a document. ``prose`` replaces draft paragraphs by their key (see ``drafts``):
    the officer's edits. ``include_checks=False`` leaves out the reconciliation section (the page shows
    the warnings above its preview instead)."""
    prose = prose or {}
    fy = year_label(report["financial_year"])
    start, end = periods.financial_year_bounds(report["financial_year"])
    suppressed = report["small_numbers_suppressed"]
    doc = Document(
        f"Children's Services complaints and representations annual report {fy}",
        f"Financial year {long_date(start)} to {long_date(end)}. Every figure is computed from the records "
        f"as at {long_date(report['as_of'])}"
        + ("; counts from 1 to 4 in small breakdowns are shown as \"fewer than 5\"." if suppressed else "."),
    )

    def draft(key: str, text: str) -> Paragraph:
        return Paragraph(prose.get(key, text), key=key)

    # Reconciliation first, so that no difference is missed.
    warnings = report["reconciliation"]
    if include_checks:
        doc.add(Heading("Checks on the figures", 1))
        if warnings:
            n = len(warnings)
            doc.add(Paragraph(
                f"{plural(n, 'breakdown')} of the {report['checks_made']} checked {'does' if n == 1 else 'do'} not add "
                "up to the total it breaks down. Correct the records, or explain the difference, before publishing.",
                style="warning",
            ))  # fmt: skip
        else:
            doc.add(Paragraph(f"All {report['checks_made']} breakdowns add up to the totals they break down."))
        doc.add(Table("Checks", "Reconciliation warnings", ["Check", "Expected", "Found", "Message"],
                      [[w["check"], w["expected"], w["found"], w["message"]] for w in warnings]))  # fmt: skip

    # Summary and comparison with earlier years.
    doc.add(Heading("Summary", 1), draft("summary", summary_draft(report)))
    received = report["complaints_received"]
    doc.add(_counts_table(
        "Complaints by procedure", f"Complaints received in {fy} by procedure", "Procedure",
        {PROCEDURE_LABELS.get(p, p): n for p, n in received.items() if p != "total"}, percent_of=received["total"],
    ))  # fmt: skip
    earlier = report["earlier_years"]
    if earlier:
        doc.add(_comparison_table(report))
        years = [*reversed(list(earlier.items())), (report["financial_year"], headline_of(report))]
        frame = pd.DataFrame(
            {"Financial year": [year_label(y) for y, _ in years],
             "Statutory complaints": [f["complaints_received"]["statutory"] for _, f in years],
             "Compliments": [f["compliments"] for _, f in years]}
        )  # fmt: skip
        doc.add(Chart("Statutory complaints by year", charts.by_year_chart(frame, "Statutory complaints", "Statutory complaints by year")))

    # Who complained and how.
    people = report["complainants"]
    doc.add(Heading("Advocacy", 1))
    years = [(report["financial_year"], people), *((y, f["complainants"]) for y, f in earlier.items())]
    doc.add(Table(
        "Children and advocates", "Complaints from children and young people and with an advocate",
        ["Complaints", *(year_label(y) for y, _ in years)],
        [["Made by children and young people", *(p["children_and_young_people"] for _, p in years)],
         ["Supported by an advocate", *(p["with_advocate"] for _, p in years)]],
        "Complaints of all procedures. An advocate may support a complaint made by an adult on behalf of a child.",
    ))  # fmt: skip
    doc.add(Heading("How complaints were received", 1))
    doc.add(_counts_table(
        "Received via", f"How complaints were received, {fy}", "Method", report["received_via"],
        total=received["total"], note="All procedures. Complaints with no way of receipt recorded are shown as 'not recorded'.",
    ))  # fmt: skip

    # Statutory complaints.
    statutory = received["statutory"]
    doc.add(Heading("Statutory complaints", 1))
    doc.add(Paragraph(f"{plural(statutory, 'statutory complaint')} {_were(statutory)} received in {fy}."))
    outcomes = {("Still open" if k == "open" else _label(k)): v for k, v in report["statutory_outcomes"].items()}
    doc.add(_counts_table("Statutory outcomes", f"Statutory complaints by outcome, {fy}", "Outcome", outcomes,
                          percent_of=statutory))  # fmt: skip
    doc.add(Chart("Statutory complaints by outcome", charts.breakdown_chart(
        pd.DataFrame({"Outcome": list(outcomes), "Complaints": list(report["statutory_outcomes"].values())}),
        "Outcome", "Complaints", "Statutory complaints by outcome")))  # fmt: skip
    doc.add(_counts_table("Statutory by area", f"Statutory complaints by service area, {fy}", "Service area",
                          report["statutory_by_service_area"], total=statutory))  # fmt: skip

    # Resolution and timescales.
    doc.add(Heading("Resolution of complaints and timescales", 1))
    doc.add(_timescales_table(report["timescales"]))
    doc.add(_stages_table("Statutory final stage", f"Statutory complaints by final stage and timescale, {fy}",
                          report["statutory_by_final_stage"]))  # fmt: skip
    doc.add(_stages_table("Corporate final stage", f"Corporate complaints by final stage and timescale, {fy}",
                          report["corporate_by_final_stage"]))  # fmt: skip
    doc.add(Table("Stage 1 by quarter", f"Average working days of statutory complaints answered at stage 1, by quarter received, {fy}",
                  ["Quarter", "Average working days"],
                  [[q, v] for q, v in report["stage1_average_working_days_by_quarter"].items()]))  # fmt: skip

    # Concerns.
    doc.add(Heading("Concerns raised", 1))
    concerns = report["concerns_by_category"]
    doc.add(_counts_table("Concerns", f"Concerns raised in statutory complaints by category, {fy}", "Category of concern",
                          concerns, value_title="Times raised",
                          note="Counted per concern raised: a complaint raising two concerns counts twice."))  # fmt: skip
    doc.add(Chart("Concerns raised by category", charts.breakdown_chart(
        pd.DataFrame({"Category": list(concerns), "Times raised": list(concerns.values())}),
        "Category", "Times raised", "Concerns raised by category")))  # fmt: skip

    # Equality.
    doc.add(Heading("Equality", 1))
    doc.add(Paragraph(f"Equality information over all {received['total']:,} complaints of {fy}; "
                      "a complaint with a field left blank counts as 'not recorded'."))  # fmt: skip
    for field, title in (("gender", "Gender"), ("age_band", "Age band"), ("ethnicity", "Ethnicity"), ("disability", "Disability")):
        doc.add(_counts_table(title, f"Complaints by {title.lower()}, {fy}", title, report["equality"][field],
                              percent_of=received["total"], total=received["total"]))  # fmt: skip

    # Ombudsman and remedies.
    ombudsman = report["ombudsman"]
    doc.add(Heading("Ombudsman", 1))
    doc.add(Paragraph(
        f"{_sentence_case(plural(ombudsman['referred'], 'complaint'))} received in {fy} {_were(ombudsman['referred'])} "
        f"referred to the Local Government and Social Care Ombudsman (LGSCO). It investigated {ombudsman['investigated']:,}, "
        f"of which {ombudsman['decisions'].get('upheld', 0):,} {_were(ombudsman['decisions'].get('upheld', 0))} upheld."
    ))  # fmt: skip
    doc.add(_counts_table("Ombudsman decisions", f"Ombudsman decisions on complaints received in {fy}", "Decision",
                          {**ombudsman["decisions"]}, total=ombudsman["referred"]))  # fmt: skip
    remedies = report["remedy_payments_gbp"]
    doc.add(Heading("Remedy payments", 2))
    doc.add(Table("Remedy payments", f"Remedy payments on complaints received in {fy}", ["Route", "Amount"],
                  [[_label(route), Pounds(amount)] for route, amount in remedies["by_route"].items()]
                  + [["Total", Pounds(remedies["total"])]]))  # fmt: skip

    # Compliments.
    compliments = report["compliments"]
    doc.add(Heading("Compliments", 1))
    text = f"{plural(compliments['total'], 'compliment')} {_were(compliments['total'])} received in {fy}"
    if earlier:
        y, f = next(iter(earlier.items()))
        text += f", compared to {f['compliments']:,} in {year_label(y)}"
    doc.add(Paragraph(_sentence_case(text) + "."))
    if earlier:
        doc.add(Chart("Compliments by year", charts.by_year_chart(frame, "Compliments", "Compliments by year")))
    doc.add(_counts_table("Compliments by category", f"Compliments by category, {fy}", "Category", compliments["by_category"],
                          total=None, value_title="Compliments",
                          note="A compliment may fall under more than one category, so these need not add up to the total."))  # fmt: skip
    doc.add(_counts_table("Compliments by source", f"Compliments by who made them, {fy}", "Compliment from",
                          compliments["by_source"], total=compliments["total"], value_title="Compliments"))  # fmt: skip
    doc.add(Chart("Compliments by source", charts.breakdown_chart(
        pd.DataFrame({"Compliment from": [_label(k) for k in compliments["by_source"]],
                      "Compliments": list(compliments["by_source"].values())}),
        "Compliment from", "Compliments", "Compliments by who made them")))  # fmt: skip
    doc.add(_counts_table("Compliments by area", f"Compliments by service area, {fy}", "Service area",
                          compliments["by_service_area"], total=compliments["total"], value_title="Compliments"))  # fmt: skip

    _learning_section(doc, report, draft)
    return doc


def headline_of(report: dict) -> dict:
    """The report's own year in the shape of ``earlier_years``' entries."""
    received = report["complaints_received"]
    stage1 = report["statutory_by_final_stage"].get("1", {}).get("complaints", 0)
    return {
        "complaints_received": received,
        "complainants": report["complainants"],
        "statutory_by_final_stage": report["statutory_by_final_stage"],
        "corporate_by_final_stage": report["corporate_by_final_stage"],
        "stage1_resolved_share": round(stage1 / received["statutory"], 3) if received["statutory"] else None,
        "compliments": report["compliments"]["total"],
        "concerns_by_category": report["concerns_by_category"],
    }


def _comparison_table(report: dict) -> Table:
    years = [(report["financial_year"], headline_of(report)), *report["earlier_years"].items()]
    stages = sorted({s for _, f in years for s in f["statutory_by_final_stage"]})
    measures: list[tuple[str, Any]] = [
        ("Complaints received", lambda f: f["complaints_received"]["total"]),
        ("Statutory", lambda f: f["complaints_received"]["statutory"]),
        ("Corporate", lambda f: f["complaints_received"]["corporate"]),
        ("Informal", lambda f: f["complaints_received"]["informal"]),
        ("Made by children and young people", lambda f: f["complainants"]["children_and_young_people"]),
        ("Supported by an advocate", lambda f: f["complainants"]["with_advocate"]),
        *((f"Statutory, final stage {s}", lambda f, s=s: f["statutory_by_final_stage"].get(s, {}).get("complaints")) for s in stages),
        ("Statutory resolved at stage 1", lambda f: None if f["stage1_resolved_share"] is None else Percent(f["stage1_resolved_share"])),
        *((f"Average working days, statutory stage {s}", lambda f, s=s: f["statutory_by_final_stage"].get(s, {}).get("average_working_days")) for s in stages),
        ("Corporate, final stage 2", lambda f: f["corporate_by_final_stage"].get("2", {}).get("complaints")),
        ("Compliments received", lambda f: f["compliments"]),
    ]  # fmt: skip
    rows = [[label, *(get(f) for _, f in years)] for label, get in measures]
    return Table("Comparison", "Comparison with earlier years", ["Measure", *(year_label(y) for y, _ in years)], rows,
                 "Earlier years as their records stand today, counted by the same rules.")  # fmt: skip


def _timescales_table(timescales: list[dict]) -> Table:
    by_stage: dict[int, dict[str, str]] = {}
    for t in timescales:
        if t["procedure"] not in ("statutory", "corporate"):
            continue
        text = f"{t['due_working_days']} working days"
        if t["max_working_days"]:
            text += f" (can be extended to {t['max_working_days']})"
        by_stage.setdefault(t["stage"], {})[t["procedure"]] = text
    rows = [[stage, limits.get("statutory", "not applicable"), limits.get("corporate", "not applicable")]
            for stage, limits in sorted(by_stage.items())]  # fmt: skip
    return Table("Timescales", "Timescales by stage", ["Stage", "Statutory complaints", "Corporate complaints"], rows)


def _learning_section(doc: Document, report: dict, draft) -> None:
    fy = year_label(report["financial_year"])
    entries = report["service_improvements"]
    doc.add(Heading("Service improvements and learning", 1))
    learning = report["learning"]
    points_total = sum(learning["learning_points_by_status"].values())
    actions_total = sum(learning["actions_by_status"].values())
    doc.add(Paragraph(
        f"{_sentence_case(plural(points_total, 'learning point'))} {_were(points_total)} drawn from the complaints of {fy}, "
        f"with {plural(actions_total, 'improvement action')}: {_status_words(learning['actions_by_status']) or 'none yet'}."
    ))  # fmt: skip
    doc.add(Table(
        "Learning by area", f"Learning from the complaints of {fy} by service area",
        ["Service area", "Complaints", "Upheld", "Partly upheld", "Learning points", "Actions", "Overdue actions"],
        [[e["service_area"], e["complaints"], e["upheld"], e["partly_upheld"], len(e["learning_points"]),
          sum(e["actions_by_status"].values()), e["overdue_actions"]] for e in entries],
        f"Service areas with upheld or partly upheld complaints in {fy} or learning drawn from them. "
        "Overdue: not started or in progress with the due date passed.",
    ))  # fmt: skip
    doc.add(Table(
        "Learning points", f"Learning points drawn from the complaints of {fy}",
        ["Service area", "Theme", "Learning", "Status", "Complaints"],
        [[e["service_area"], p["theme"], p["description"], p["status"], p["complaints"]]
         for e in entries for p in e["learning_points"]],
        formats=frozenset({"xlsx"}),
    ))  # fmt: skip
    doc.add(Table(
        "Actions", f"Improvement actions from the learning of {fy}",
        ["Service area", "Theme", "Action", "Owner", "Due", "Status", "Completed", "Overdue"],
        [[e["service_area"], p["theme"], a["description"], a["owner"], a["due_on"], a["status"], a["completed_on"], a["overdue"]]
         for e in entries for p in e["learning_points"] for a in p["actions"]],
        formats=frozenset({"xlsx"}),
    ))  # fmt: skip
    per_area = frozenset({"preview", "md", "docx"})
    for entry in entries:
        area = entry["service_area"]
        doc.add(Heading(area, 2), draft(f"learning:{area}", entry["draft"]))
        if entry["learning_points"]:
            doc.add(Table(f"Learning {area}", f"{area}: learning points", ["Theme", "Learning", "Status", "Complaints"],
                          [[p["theme"], p["description"], p["status"], p["complaints"]] for p in entry["learning_points"]],
                          formats=per_area))  # fmt: skip
        actions = [(p, a) for p in entry["learning_points"] for a in p["actions"]]
        if actions:
            doc.add(Table(f"Actions {area}", f"{area}: improvement actions", ["Action", "Owner", "Due", "Status"],
                          [[a["description"], a["owner"], long_date(a["due_on"]),
                            a["status"] + (" (overdue)" if a["overdue"] else "")] for _, a in actions],
                          formats=per_area))  # fmt: skip

    previous = report["previous_year_actions"]
    pfy = year_label(previous["financial_year"])
    doc.add(Heading(f"Progress of the actions from {pfy}", 1), draft("previous-actions", previous["draft"]))
    statuses = list(previous["by_status"])
    doc.add(Table(
        "Last year's actions", f"Actions from the learning of {pfy} by service area and status",
        ["Service area", *(_label(s) for s in statuses), "Overdue"],
        [[area, *(counts.get(s, 0) for s in statuses), counts["overdue"]] for area, counts in previous["by_service_area"].items()]
        + [["Total", *(previous["by_status"].get(s, 0) for s in statuses), previous["overdue"]]],
    ))  # fmt: skip
    doc.add(Table(
        "Last year's open actions", f"Actions from the learning of {pfy} not yet verified",
        ["Service area", "Theme", "Action", "Owner", "Due", "Status"],
        [[a["service_area"], a["theme"], a["description"], a["owner"], long_date(a["due_on"]),
          a["status"] + (" (overdue)" if a["overdue"] else "")] for a in previous["still_open"]],
    ))  # fmt: skip


def about(report: dict) -> list[tuple[str, Any]]:
    """The lines of the Excel workbook's "About" sheet."""
    return [
        ("Financial year", year_label(report["financial_year"])),
        ("Figures as at", report["as_of"]),
        ("Small numbers suppressed", "yes" if report["small_numbers_suppressed"] else "no"),
        ("Reconciliation warnings", len(report["reconciliation"])),
    ]


# ---------------------------------------------------------------------------------------------
# One call per output, for scripts (benchmarks/run.py uses these names)
# ---------------------------------------------------------------------------------------------

def to_json(report: dict) -> str:
    """The report's figures as JSON."""
    return render.to_json(report)


def to_docx(report: dict, prose: dict[str, str] | None = None) -> bytes:
    """The report as a Word file (``prose``: edited draft paragraphs by key)."""
    return render.to_docx(annual_document(report, prose))
