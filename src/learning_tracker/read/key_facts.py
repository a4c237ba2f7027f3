"""The Overview page's key facts: a financial year's headline figures, each beside the previous year's."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from ..rules import periods, vocabulary
from .report_figures import (
    YEAR_LEARNING_POINTS_SQL,
    complaints_by_procedure,
    compliments_received,
    final_stages,
    year_holds_records,
)

def action_counts(db: sqlite_utils.Database, year: str, as_of: date) -> dict[str, int]:
    """``{open, overdue}`` actions of the learning points drawn from the year's complaints.

    Open and overdue as ``rules.vocabulary`` defines them (overdue: open with the due date before ``as_of``).
    """
    start, end = periods.period_bounds_iso(year)
    open_count, overdue = db.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(due_on < :as_of), 0) FROM actions
            WHERE status IN {vocabulary.OPEN_ACTION_SQL} AND learning_point_id IN ({YEAR_LEARNING_POINTS_SQL})""",
        {"start": start, "end": end, "as_of": as_of.isoformat()},
    ).fetchone()
    return {"open": open_count, "overdue": overdue}


def learning_gaps(db: sqlite_utils.Database, year: str) -> int:
    """Upheld or partly upheld complaints received in the year with no learning point and no recorded
    "no learning identified" decision."""
    start, end = periods.period_bounds_iso(year)
    return db.execute(
        f"SELECT COUNT(*) FROM complaints c WHERE c.received_on BETWEEN ? AND ? AND {vocabulary.learning_gap_sql('c')}",
        [start, end],
    ).fetchone()[0]


def _key_values(db: sqlite_utils.Database, year: str, as_of: date) -> dict[str, object]:
    received = complaints_by_procedure(db, year)
    stages = final_stages(db, year, as_of, "statutory")
    statutory = received["statutory"]
    stage1 = stages.get("1", {}).get("complaints", 0)
    actions = action_counts(db, year, as_of)
    compliment_total = compliments_received(db, year)
    values: dict[str, object] = {
        "complaints_received": received["total"],
        "statutory_complaints": received["statutory"],
        "corporate_complaints": received["corporate"],
        "informal_complaints": received["informal"],
        "resolved_at_stage_1": round(stage1 / statutory, 3) if statutory else None,
    }
    for stage, row in stages.items():
        values[f"stage{stage}_average_working_days"] = row["average_working_days"]
    values.update(
        compliments_received=compliment_total,
        open_actions=actions["open"],
        overdue_actions=actions["overdue"],
        learning_gaps=learning_gaps(db, year),
    )
    return values


_KEY_FACTS = [
    ("complaints_received", "Complaints received", "count", "Statutory, corporate and informal complaints received in the year."),
    ("statutory_complaints", "Statutory complaints", "count", None),
    ("corporate_complaints", "Corporate complaints", "count", None),
    ("informal_complaints", "Informal complaints", "count", None),
    ("resolved_at_stage_1", "Resolved at stage 1", "percent",
     "The year's statutory complaints that did not go on to stage 2."),
    ("stage1_average_working_days", "Stage 1 average", "days",
     "Statutory stage 1: average working days from the clock start to the response, over the year's "
     "complaints answered at their final stage."),
    ("stage2_average_working_days", "Stage 2 average", "days", "Statutory stage 2: average working days, likewise."),
    ("stage3_average_working_days", "Stage 3 average", "days", "Statutory stage 3: average working days, likewise."),
    ("compliments_received", "Compliments", "count", "Compliments received in the year."),
    ("open_actions", "Open actions", "count",
     "Improvement actions not started or in progress, on learning drawn from the year's complaints."),
    ("overdue_actions", "Overdue actions", "count",
     "Open improvement actions whose due date has passed."),
    ("learning_gaps", "Learning gaps", "count",
     "Upheld or partly upheld complaints with no learning recorded and no 'no learning identified' decision."),
]  # fmt: skip


def format_fact(value: object, fmt: str) -> str:
    """A key fact's value as shown: ``"235"``, ``"92%"``, ``"7.0 days"``; ``"–"`` when there is none."""
    if value is None:
        return "–"
    if fmt == "percent":
        return f"{value:.0%}"
    if fmt == "days":
        return f"{value:.1f} days"
    return f"{value:,}"


def key_facts(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """The Overview page's key facts for ``year`` as at ``as_of``, each beside the previous year's.

    A list of ``{key, label, value, previous, format, text, previous_text, help}`` in display order,
    where ``format`` is ``"count"`` (an int), ``"percent"`` (a share between 0 and 1, three decimals) or
    ``"days"`` (a float, one decimal). ``value`` is ``None`` when there is nothing to measure (say, no
    stage 3 answered); ``previous`` is ``None`` as well when the previous year holds no complaints or
    compliments. ``text`` and ``previous_text`` are the values as shown (``format_fact``);
    ``previous_text`` is ``None`` when the previous year holds no records. ``help`` explains the figure
    (or is ``None``).

    The keys: complaints_received, statutory/corporate/informal_complaints, resolved_at_stage_1 (final
    stage 1 / statutory complaints), stage1/2/3_average_working_days, compliments_received,
    open_actions and overdue_actions (of the learning points drawn from the year's complaints; overdue
    is open (``rules.vocabulary``) with the due date before ``as_of``; the previous year's are
    counted on the same ``as_of``), learning_gaps (upheld or partly upheld complaints of the year with
    neither learning nor a "no learning identified" decision).
    """
    current = _key_values(db, year, as_of)
    previous_year = periods.previous_financial_year(year)
    previous = _key_values(db, previous_year, as_of) if year_holds_records(db, previous_year) else {}
    facts = []
    for key, label, fmt, help_text in _KEY_FACTS:
        value, before = current.get(key), previous.get(key)
        facts.append({
            "key": key, "label": label, "value": value, "previous": before, "format": fmt,
            "text": format_fact(value, fmt), "previous_text": format_fact(before, fmt) if previous else None,
            "help": help_text,
        })  # fmt: skip
    return facts
