"""The annual report's figures: ``annual_report(db, year, as_of)`` assembles every figure of the JSON
data contract in the README ("The annual report's data") from the read side: the tables of
``report_figures.annual_figures`` plus how complaints were received with "not recorded" shown,
Ombudsman investigations, remedy payments by route, earlier years, the service improvements and
learning of each service area with a draft of its prose, the progress of last year's actions, the
procedures' steps and findings (``read.procedure_figures``), and the reconciliation warnings
(``read.reconciliation``). The summary, each area's learning and last year's actions carry ``draft`` (the section's saved text, ``read.report_sections``, or else the draft computed
from the figures) and ``draft_status`` (draft, reviewed, approved, or "not yet written").

The counting rules are the README's "How the reports count"; they are the read side's, which this
module reuses rather than restates.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlite_utils

from ... import config
from ...read import procedure_figures, reconciliation, report_figures
from ...read.report_sections import saved_sections
from ...read.service_improvements import area_complaints, year_learning_points
from ...rules import periods, vocabulary
from ...rules.vocabulary import NOT_RECORDED
from .prose import area_draft, previous_actions_draft, put_sections

EARLIER_YEARS = 4


def annual_report(db: sqlite_utils.Database, year: str, as_of: date | None = None) -> dict:
    """Every figure of the annual report of financial ``year`` (like ``"2021-22"``) as at ``as_of``
    (default today), as a JSON-able dict in the order of the README's data contract, with the report's
    sections as saved now (``prose.put_sections``).

    Raises ``ValueError`` (a sentence for the user) when ``year`` is not a financial year.
    """
    as_of = as_of or date.today()
    figures = report_figures.annual_figures(db, year, as_of, reconcile=False)
    received = figures["complaints_received"]
    report: dict[str, Any] = {
        "financial_year": year,
        "as_of": as_of.isoformat(),
        "small_numbers_suppressed": False,
        "summary": {},  # its draft is written from the figures below, at the end
        "complaints_received": received,
        "received_via": _with_not_recorded(figures["received_via"], received["total"]),
        "complainants": figures["complainants"],
        "statutory_outcomes": figures["statutory_outcomes"],
        "statutory_by_service_area": figures["statutory_by_service_area"],
        "statutory_by_final_stage": figures["statutory_by_final_stage"],
        "corporate_by_final_stage": figures["corporate_by_final_stage"],
        "stage1_average_working_days_by_quarter": figures["stage1_average_working_days_by_quarter"],
        # The procedures' steps and findings: acknowledgements, stage 2 findings, the review panel's clocks,
        # recommendations and their actions, advocacy offered to children, late and declined complaints.
        **procedure_figures.annual(db, year, as_of),
        "concerns_by_category": figures["concerns_by_category"],
        "compliments": figures["compliments"],
        "equality": figures["equality"],
        "ombudsman": _ombudsman(figures["ombudsman"]),
        "remedy_payments_gbp": {**figures["remedy_payments_gbp"],
                                "by_route": report_figures.remedy_payments_by_route(db, year)},
        "learning": figures["learning"],
        "service_improvements": service_improvements(db, year, as_of),
        "previous_year_actions": previous_year_actions(db, year, as_of),
        "earlier_years": earlier_years(db, year, as_of),
        "timescales": [
            {"procedure": t.procedure, "stage": t.stage, "clock_starts": t.clock_starts,
             "due_working_days": t.due_working_days, "max_working_days": t.max_working_days,
             "acknowledge_working_days": t.acknowledge_working_days,
             "panel_meeting_working_days": t.panel_meeting_working_days,
             "panel_report_working_days": t.panel_report_working_days}
            for t in sorted(config.timescales(db).values(), key=lambda t: (t.procedure, t.stage))
        ],
    }  # fmt: skip
    checks = reconciliation.annual(db, report)
    report["checks_made"] = len(checks)
    report["reconciliation"] = reconciliation.warnings(checks)
    put_sections(report, saved_sections(db, year))
    return report


def _with_not_recorded(ways: dict[str, int], total: int) -> dict[str, int]:
    """``report_figures.received_via`` leaves out the complaints with no way recorded (the reference
    report's "not knowns excluded"); the report shows them as "not recorded" so that nothing is hidden."""
    missing = total - sum(ways.values())
    return {**ways, NOT_RECORDED: missing} if missing else dict(ways)


def _ombudsman(ombudsman: dict) -> dict:
    """``report_figures.ombudsman`` plus ``investigated``: the decisions made after an investigation
    (upheld or not upheld), as the LGSCO's annual letter counts them."""
    decisions = ombudsman["decisions"]
    investigated = sum(n for decision, n in decisions.items() if decision.lower() in ("upheld", "not upheld"))
    return {"referred": ombudsman["referred"], "investigated": investigated, "decisions": decisions}


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


def service_improvements(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """For each service area with upheld or partly upheld complaints in the year, or learning drawn from
    the year's complaints (by name): its complaints of the year (all procedures), how many were upheld
    and partly upheld, how many of those have a "no learning identified" decision and how many are
    learning gaps, its learning points with their actions (owner, due date, status, overdue on
    ``as_of``), the actions by status, and ``draft``: the section's prose, every number computed."""
    areas = area_complaints(db, year)
    points_by_area: dict[str, list[dict]] = {}
    for point in year_learning_points(db, year, as_of):
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
    for point in year_learning_points(db, previous, as_of):
        for action in point["actions"]:
            actions_by_area.setdefault(point["service_area"], []).append(action)
            if action["status"] not in vocabulary.FINISHED_ACTION_STATUSES:
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
