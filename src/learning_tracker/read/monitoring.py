"""The monitoring dashboard's figures, aggregated in SQL into small DataFrames.

Open steps, their RAG, what is due this week and what is overdue are those of the weekly RAG report
(``read.open_stages.OPEN_STEPS_SQL``) on the same date, so the dashboard and the report always agree.

Working days taken are counted from a stage's clock start to its response, by the **quarter of the
response** (April to June is Q1): the dashboard follows how quickly stages are being answered now. A
stage closed by the complaint's withdrawal was not answered and is left out of the averages, as is every
stage of a declined complaint (``procedures.counts_for_timescales_sql``: timescale figures never count them).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from .. import config
from .open_stages import OPEN_STEPS_SQL, open_stages_params
from ..rules.rag import AMBER, RAG_ORDER, RED
from ..rules.vocabulary import WITHDRAWN
from ..rules.vocabulary import stage_label
from ..rules import periods, procedures, sql


def _stage_order(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """Every (procedure, stage) in the order of the procedures' vocabulary, then stage."""
    procedures = config.vocabulary(db, "procedure")
    keys = set(config.timescales(db))
    return sorted(keys, key=lambda k: (procedures.index(k[0]) if k[0] in procedures else len(procedures), k[1]))


def open_by_stage_and_rag(db: sqlite_utils.Database, as_of: date) -> pd.DataFrame:
    """Open steps on ``as_of`` counted by stage and RAG: columns Stage, RAG, Open steps (zeros left out)."""
    rows = db.execute(
        f"SELECT o.procedure, o.stage, o.rag, COUNT(*) FROM ({OPEN_STEPS_SQL}) o GROUP BY 1, 2, 3",
        open_stages_params(db, as_of),
    ).fetchall()
    order = {key: i for i, key in enumerate(_stage_order(db))}
    rows.sort(key=lambda r: (order.get((r[0], r[1]), len(order)), RAG_ORDER.index(r[2])))
    return pd.DataFrame(
        [(stage_label(p, s), rag, n) for p, s, rag, n in rows], columns=["Stage", "RAG", "Open steps"]
    )


def end_of_week(as_of: date) -> date:
    """The Sunday that ends ``as_of``'s week (Monday to Sunday)."""
    return as_of + timedelta(days=6 - as_of.weekday())


def due_this_week(db: sqlite_utils.Database, as_of: date) -> pd.DataFrame:
    """Open steps due from ``as_of`` to the end of its week (not yet overdue), soonest first."""
    rows = db.execute(
        f"""
        SELECT c.reference, o.procedure, o.stage, sa.name, o.due_on, o.working_days_remaining, o.rag
        FROM ({OPEN_STEPS_SQL}) o
        JOIN complaints c ON c.id = o.complaint_id JOIN service_areas sa ON sa.id = c.service_area_id
        WHERE o.due_on BETWEEN :as_of AND :week_end
        ORDER BY o.due_on, sa.name, c.reference
        """,
        open_stages_params(db, as_of) | {"week_end": end_of_week(as_of).isoformat()},
    ).fetchall()
    return pd.DataFrame(
        [(ref, stage_label(p, s), area, date.fromisoformat(due), left, rag) for ref, p, s, area, due, left, rag in rows],
        columns=["Reference", "Stage", "Service area", "Due", "Working days left", "RAG"],
    )


def overdue_by_service_area(db: sqlite_utils.Database, as_of: date) -> pd.DataFrame:
    """Open steps past their (extended) due date on ``as_of``, by service area, most first."""
    rows = db.execute(
        f"""
        SELECT sa.name, COUNT(*) FROM ({OPEN_STEPS_SQL}) o
        JOIN complaints c ON c.id = o.complaint_id JOIN service_areas sa ON sa.id = c.service_area_id
        WHERE o.rag = '{RED}' GROUP BY sa.name ORDER BY COUNT(*) DESC, sa.name
        """,
        open_stages_params(db, as_of),
    ).fetchall()
    return pd.DataFrame(rows, columns=["Service area", "Overdue"])


def headline(db: sqlite_utils.Database, as_of: date) -> dict[str, int]:
    """Open steps, and how many are overdue (Red), Amber and due this week, on ``as_of``."""
    row = db.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(o.rag = '{RED}'), 0), COALESCE(SUM(o.rag = '{AMBER}'), 0),
                   COALESCE(SUM(o.due_on BETWEEN :as_of AND :week_end), 0)
            FROM ({OPEN_STEPS_SQL}) o""",
        open_stages_params(db, as_of) | {"week_end": end_of_week(as_of).isoformat()},
    ).fetchone()
    return dict(zip(["open", "overdue", "amber", "due_this_week"], row))


def average_working_days_by_quarter(
    db: sqlite_utils.Database, as_of: date, *, procedure: str = "statutory", stages: tuple[int, ...] = (1, 2)
) -> pd.DataFrame:
    """Average working days to answer stages 1 and 2 of ``procedure``, by quarter of the response, for
    ``as_of``'s financial year and the one before. Columns: Financial year, Quarter, Stage, Answered,
    Average working days (every quarter of both years present; the average blank when none was answered)."""
    current = periods.financial_year_of(as_of)
    previous = periods.previous_financial_year(current)
    start, _ = periods.period_bounds_iso(previous)
    current_start, end = periods.period_bounds_iso(current)
    rows = db.execute(
        f"""
        SELECT CASE WHEN s.responded_on >= :current_start THEN :current ELSE :previous END AS year,
               {periods.quarter_sql("s.responded_on")} AS quarter,
               s.stage, COUNT(*), AVG(working_days(s.clock_started_on, s.responded_on))
        FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id
        WHERE s.responded_on BETWEEN :start AND :end AND s.procedure = :procedure
          AND s.stage IN ({", ".join(str(int(n)) for n in stages)})
          AND NOT (COALESCE(c.outcome, '') = '{WITHDRAWN}' AND s.responded_on = COALESCE(c.outcome_on, ''))
          AND {procedures.counts_for_timescales_sql("c")}
        GROUP BY 1, 2, 3
        """,
        {"current_start": current_start, "current": current, "previous": previous,
         "start": start, "end": end, "procedure": procedure},
    ).fetchall()
    found = {(year, quarter, stage): (n, avg) for year, quarter, stage, n, avg in rows}
    table = []
    for stage in stages:
        for year in (previous, current):
            for quarter in periods.QUARTERS:
                n, avg = found.get((year, quarter, stage), (0, None))
                table.append((year, quarter, f"Stage {stage}", n, None if avg is None else round(avg, 1)))
    return pd.DataFrame(table, columns=["Financial year", "Quarter", "Stage", "Answered", "Average working days"])


def escalation_rate(db: sqlite_utils.Database, year: str) -> dict[str, Any]:
    """Of the statutory and corporate complaints received in ``year`` whose stage 1 was answered (those
    withdrawn or declined at stage 1 left out), how many went on to stage 2: ``{answered_at_stage_1, escalated, rate}``,
    the rate a fraction (None when none was answered)."""
    start, end = periods.period_bounds_iso(year)
    answered, escalated = db.execute(
        f"""
        SELECT COUNT(*), COALESCE(SUM(has_stage_2), 0) FROM (
            SELECT EXISTS (SELECT 1 FROM complaint_stages s2 WHERE s2.complaint_id = c.id
                             AND s2.procedure = c.procedure AND s2.stage = 2) AS has_stage_2,
                   c.outcome
            FROM complaints c
            JOIN complaint_stages s1 ON s1.complaint_id = c.id AND s1.procedure = c.procedure AND s1.stage = 1
            WHERE c.received_on BETWEEN :start AND :end AND c.procedure IN ('statutory', 'corporate')
              AND s1.responded_on IS NOT NULL
        ) WHERE has_stage_2 OR COALESCE(outcome, '') NOT IN {sql.values(procedures.CLOSED_WITHOUT_DECISION)}
        """,
        {"start": start, "end": end},
    ).fetchone()
    return {"answered_at_stage_1": answered, "escalated": escalated, "rate": escalated / answered if answered else None}


def timescale_targets(db: sqlite_utils.Database, procedure: str = "statutory") -> dict[str, int]:
    """The working days each stage of ``procedure`` has from its start to its response (a review panel's
    three steps together), keyed like the averages' Stage column."""
    return {f"Stage {stage}": t.working_days_to_response for (p, stage), t in config.timescales(db).items() if p == procedure}
