"""Read-side SQL of the annual report's "Service improvements and learning": each service area's
complaints of a financial year (how many were upheld, partly upheld, decided "no learning identified"
and are learning gaps), and the learning points drawn from a year's complaints with their actions.

The rules (upheld, learning gap, overdue) are ``rules.vocabulary``'s SQL forms; "drawn from the year's
complaints" is ``report_figures.YEAR_LEARNING_POINTS_SQL``.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from ..rules import periods, vocabulary
from .report_figures import YEAR_LEARNING_POINTS_SQL

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
WHERE lp.id IN ({YEAR_LEARNING_POINTS_SQL})
ORDER BY sa.name COLLATE NOCASE, lp.created_on, lp.id
"""

_ACTIONS_SQL = f"""
SELECT a.learning_point_id, a.description, u.name, a.due_on, a.status, a.completed_on,
       {vocabulary.action_overdue_sql('a', ':as_of')}
FROM actions a JOIN users u ON u.id = a.owner_id
WHERE a.learning_point_id IN ({YEAR_LEARNING_POINTS_SQL})
ORDER BY a.learning_point_id, a.due_on, a.id
"""


def area_complaints(db: sqlite_utils.Database, year: str) -> dict[str, dict]:
    """The complaints of the year (all procedures) of each service area that has any, by name:
    ``{service_area, complaints, upheld, partly_upheld, no_learning_identified, learning_gaps}``, where
    ``no_learning_identified`` counts the upheld or partly upheld complaints with that decision."""
    start, end = periods.period_bounds_iso(year)
    return {
        name: {"service_area": name, "complaints": n, "upheld": upheld, "partly_upheld": partly,
               "no_learning_identified": no_learning, "learning_gaps": gaps}
        for name, n, upheld, partly, no_learning, gaps in db.execute(
            _AREA_COMPLAINTS_SQL, {"start": start, "end": end}).fetchall()
    }  # fmt: skip


def year_learning_points(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """The learning points drawn from the year's complaints, each with its actions, by area then age:
    ``{id, service_area, theme, description, status, complaints, actions [{description, owner, due_on,
    status, completed_on, overdue}]}``, overdue on ``as_of``."""
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
