"""Complaint stages still waiting for their response on a date, with their RAG: the weekly RAG report's rows.

A stage is **open on** a date (the "as of" date) when its clock had started, no response had been given
by then (a response given later is "not yet given"), the complaint had been received and had not been
withdrawn. Its RAG is ``rules.rag``'s rule, computed in SQL (``OPEN_STAGES_SQL``), so the register's
RAG filter, the monitoring dashboard and the report count exactly the same stages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlite_utils

from .. import config, workdays
from ..rules.rag import RAG_ORDER, rag_rank_sql, rag_sql
from ..rules.vocabulary import WITHDRAWN

# The report's columns, in order: also the keys of ``learning-tracker rag --format json``.
COLUMNS = [
    "reference", "procedure", "stage", "service_area", "clock_started_on", "due_on", "working_days_remaining", "rag",
]
# Stages open on :as_of with their effective due date, working days remaining and RAG.
# Parameters: :as_of (ISO date) and :amber (working days). Working days remaining is negative when overdue;
# Amber is "due within :amber working days counting :as_of as day 1", i.e. fewer than :amber days remain.
OPEN_STAGES_SQL = f"""
SELECT s.id AS stage_id,
       s.complaint_id,
       s.procedure,
       s.stage,
       s.clock_started_on,
       COALESCE(s.extended_due_on, s.due_on) AS due_on,
       working_days(:as_of, COALESCE(s.extended_due_on, s.due_on)) AS working_days_remaining,
       {rag_sql("COALESCE(s.extended_due_on, s.due_on)")} AS rag
FROM complaint_stages s
JOIN complaints c ON c.id = s.complaint_id
WHERE (s.responded_on IS NULL OR s.responded_on > :as_of)
  AND s.clock_started_on <= :as_of
  AND c.received_on <= :as_of
  AND NOT (COALESCE(c.outcome, '') = '{WITHDRAWN}' AND COALESCE(c.outcome_on, '') <= :as_of)
"""


def open_stages_params(db: sqlite_utils.Database, as_of: date) -> dict[str, Any]:
    """The parameters ``OPEN_STAGES_SQL`` needs for ``as_of``."""
    return {"as_of": as_of.isoformat(), "amber": config.amber_threshold(db)}


def rag_rows(db: sqlite_utils.Database, as_of: date, service_area_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The report's rows on ``as_of``: one per open stage, grouped by service area, Red first within each.

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
        SELECT c.reference, o.procedure, o.stage, sa.name AS service_area, o.clock_started_on, o.due_on,
               o.working_days_remaining, o.rag
        FROM ({OPEN_STAGES_SQL}) o
        JOIN complaints c ON c.id = o.complaint_id
        JOIN service_areas sa ON sa.id = c.service_area_id
        {area_filter}
        ORDER BY sa.name COLLATE NOCASE, {rag_rank_sql('o.rag')},
                 o.working_days_remaining, c.reference COLLATE NOCASE
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
