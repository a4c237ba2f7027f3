"""Complaint stages' steps still waiting on a date, with their RAG: the weekly RAG report's rows.

A stage is **open on** a date (the "as of" date) when its clock had started, no response had been given
by then (a response given later is "not yet given"), the complaint had been received and had not been
withdrawn or declined. An open stage's **steps** (``rules.procedures``) are each open until done:

- the acknowledgement (stages opened since acknowledgements were tracked), until acknowledged;
- the response, until given; at a review panel (statutory stage 3) it is the council's response, which
  waits for the panel's report;
- a review panel's meeting, until held; its report, from the meeting until received.

Each open step's RAG is ``rules.rag``'s rule on its own due date, computed in SQL (``open_steps_sql``), so
the register's RAG, the monitoring dashboard and the report count exactly the same steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlite_utils

from .. import config, workdays
from ..rules import procedures
from ..rules.procedures import ACKNOWLEDGEMENT, PANEL_MEETING, PANEL_REPORT, RESPONSE
from ..rules.rag import RAG_ORDER, rag_rank_sql, rag_sql
from ..rules.sql import literal, values

# The report's columns, in order: also the keys of ``learning-tracker rag --format json``.
COLUMNS = [
    "reference", "procedure", "stage", "step", "service_area", "clock_started_on", "due_on",
    "working_days_remaining", "rag",
]
# The outcomes that close a complaint's open stage on the day they are recorded.
_CLOSING_OUTCOMES = values(procedures.CLOSED_WITHOUT_DECISION)
_PANEL_PROCEDURE, _PANEL_STAGE = procedures.PANEL_STAGE
_STEP_KINDS = " UNION ALL ".join(f"SELECT {literal(k)} AS step" for k in (ACKNOWLEDGEMENT, RESPONSE, PANEL_MEETING,
                                                                           PANEL_REPORT))


def open_steps_sql(where: str = "") -> str:
    """The steps open on :as_of with their due date, working days remaining and RAG.

    Columns: stage_id, complaint_id, procedure, stage, step, clock_started_on, due_on, working_days_remaining,
    rag. Parameters: :as_of (ISO date) and :amber (working days). ``where`` adds a condition on the stage
    (``s``) or its complaint (``c``). Working days remaining is negative when overdue; Amber is "due within
    :amber working days counting :as_of as day 1", i.e. fewer than :amber days remain.
    """
    is_panel = f"(s.procedure = {literal(_PANEL_PROCEDURE)} AND s.stage = {_PANEL_STAGE})"
    return f"""
SELECT stage_id, complaint_id, procedure, stage, step, clock_started_on, due_on,
       working_days(:as_of, due_on) AS working_days_remaining,
       {rag_sql("due_on")} AS rag
FROM (
    SELECT s.id AS stage_id, s.complaint_id, s.procedure, s.stage,
           CASE WHEN k.step = {literal(RESPONSE)} AND {is_panel} THEN {literal(procedures.COUNCIL_RESPONSE)}
                ELSE k.step END AS step,
           CASE k.step WHEN {literal(PANEL_REPORT)} THEN s.panel_met_on
                       WHEN {literal(RESPONSE)} THEN COALESCE(s.response_clock_started_on, s.clock_started_on)
                       ELSE s.clock_started_on END AS clock_started_on,
           CASE k.step WHEN {literal(ACKNOWLEDGEMENT)} THEN s.acknowledgement_due_on
                       WHEN {literal(PANEL_MEETING)} THEN s.panel_meeting_due_on
                       WHEN {literal(PANEL_REPORT)} THEN s.panel_report_due_on
                       ELSE COALESCE(s.extended_due_on, s.due_on) END AS due_on
    FROM complaint_stages s
    JOIN complaints c ON c.id = s.complaint_id
    CROSS JOIN ({_STEP_KINDS}) k
    WHERE (s.responded_on IS NULL OR s.responded_on > :as_of)
      AND s.clock_started_on <= :as_of
      AND c.received_on <= :as_of
      AND NOT (COALESCE(c.outcome, '') IN {_CLOSING_OUTCOMES} AND COALESCE(c.outcome_on, '') <= :as_of)
      AND CASE k.step
          WHEN {literal(ACKNOWLEDGEMENT)} THEN s.acknowledgement_due_on IS NOT NULL
               AND (s.acknowledged_on IS NULL OR s.acknowledged_on > :as_of)
          WHEN {literal(PANEL_MEETING)} THEN s.panel_meeting_due_on IS NOT NULL
               AND (s.panel_met_on IS NULL OR s.panel_met_on > :as_of)
          WHEN {literal(PANEL_REPORT)} THEN s.panel_met_on <= :as_of
               AND (s.panel_report_on IS NULL OR s.panel_report_on > :as_of)
          ELSE s.panel_meeting_due_on IS NULL OR s.panel_report_on <= :as_of
      END
      {f"AND {where}" if where else ""}
)
"""


OPEN_STEPS_SQL = open_steps_sql()


def worst_rag_sql(where: str = "") -> str:
    """Each complaint with an open step on :as_of, and its most pressing open step: the worst RAG (Red before
    Amber before Green), then the soonest due. Columns complaint_id, step, due_on, rag. ``where`` as for
    ``open_steps_sql``."""
    return f"""
SELECT complaint_id, step, due_on, rag FROM (
    SELECT o.complaint_id, o.step, o.due_on, o.rag,
           ROW_NUMBER() OVER (PARTITION BY o.complaint_id ORDER BY {rag_rank_sql('o.rag')}, o.due_on, o.stage_id)
               AS pressing
    FROM ({open_steps_sql(where)}) o
) WHERE pressing = 1"""


def open_stages_params(db: sqlite_utils.Database, as_of: date) -> dict[str, Any]:
    """The parameters ``open_steps_sql`` needs for ``as_of``."""
    return {"as_of": as_of.isoformat(), "amber": config.amber_threshold(db)}


def rag_rows(db: sqlite_utils.Database, as_of: date, service_area_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The report's rows on ``as_of``: one per open step, grouped by service area, Red first within each.

    Each row has exactly ``COLUMNS`` (dates as ISO strings). ``service_area_ids`` limits it to those areas.
    Raises ``ValueError`` for a date outside the working-day calendar.
    """
    workdays.working_days_between(as_of, as_of)  # refuses a date the calendar does not cover, rows or not
    params = open_stages_params(db, as_of)
    area_filter = ""
    if service_area_ids is not None:
        ids = sorted(set(service_area_ids))
        area_filter = f"WHERE c.service_area_id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    cursor = db.execute(
        f"""
        SELECT c.reference, o.procedure, o.stage, o.step, sa.name AS service_area, o.clock_started_on, o.due_on,
               o.working_days_remaining, o.rag
        FROM ({OPEN_STEPS_SQL}) o
        JOIN complaints c ON c.id = o.complaint_id
        JOIN service_areas sa ON sa.id = c.service_area_id
        {area_filter}
        ORDER BY sa.name COLLATE NOCASE, {rag_rank_sql('o.rag')},
                 o.working_days_remaining, c.reference COLLATE NOCASE, o.stage_id, o.step
        """,
        params,
    )
    return [dict(zip(COLUMNS, row)) for row in cursor.fetchall()]


def rag_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows are Red, Amber and Green (each present, zero when none)."""
    counts = dict.fromkeys(RAG_ORDER, 0)
    for row in rows:
        counts[row["rag"]] += 1
    return counts
