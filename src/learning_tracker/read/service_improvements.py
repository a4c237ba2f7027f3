"""Read-side SQL of the annual report's "Service improvements and learning": each service area's
complaints of a financial year (how many were upheld, partly upheld, decided "no learning identified"
and are learning gaps), and the learning points drawn from a year's complaints with their actions.

The rules (upheld, learning gap, overdue) are ``rules.vocabulary``'s SQL forms; "drawn from the year's
complaints" is ``report_figures.YEAR_LEARNING_POINTS_SQL``. ``embedded_in_year`` gives the learning points
embedded in a year with their recurrence and review (``read.effectiveness``), for "how last year's learning
fared".
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .. import config
from ..rules import effectiveness, periods, vocabulary
from . import effectiveness as read_effectiveness
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


def embedded_in_year(db: sqlite_utils.Database, year: str, as_of: date) -> list[dict]:
    """The embeddings of learning points in ``year`` (embedded on the latest verification of their actions),
    by area then date: ``{learning_point_id, service_area, theme, embedded_on, before, after,
    after_window_complete, review}`` as ``read.effectiveness.embedded_learning`` counts them as at ``as_of``;
    ``review`` is the verdict recorded by ``as_of`` (``None``: not yet reviewed). A learning point reviewed
    "not effective" and given a new action since keeps its embedding of the year and that verdict."""
    start, end = periods.period_bounds_iso(year)
    months = config.effectiveness_window_months(db)
    keys = ("learning_point_id", "service_area", "theme", "embedded_on", "before", "after", "after_window_complete", "review")
    rows = []
    for row in read_effectiveness.embedded_learning(db, as_of, window_months=months):
        if start <= row["embedded_on"] <= end:
            late = row["reviewed_on"] is not None and row["reviewed_on"] > as_of.isoformat()
            rows.append({**{k: row[k] for k in keys}, "review": None if late else row["review"]})
    current = {(r["learning_point_id"], r["embedded_on"]) for r in rows}
    # Embeddings of the year that are no longer the learning point's latest: reopened by a "not effective"
    # verdict, they are known only by their review.
    reviewed = [r for r in db.execute(
        """SELECT r.learning_point_id, lp.service_area_id, sa.name, lp.theme, substr(lp.created_on, 1, 10),
                  r.embedded_on, r.verdict
           FROM effectiveness_reviews r JOIN learning_points lp ON lp.id = r.learning_point_id
           JOIN service_areas sa ON sa.id = lp.service_area_id
           WHERE r.embedded_on BETWEEN ? AND ? AND r.reviewed_on <= ?""",
        [start, end, as_of.isoformat()]).fetchall() if (r[0], r[5]) not in current]
    # Counted as embedded_learning counts them, so that both kinds of embedding are counted alike.
    counts = read_effectiveness.recurrence(db, [(area_id, theme, created_on, embedded_on) for _, area_id, _, theme,
                                                created_on, embedded_on, _ in reviewed], months)
    for i, (lp_id, _, area, theme, _, embedded_on, verdict) in enumerate(reviewed):
        before, after = counts[i]
        rows.append({"learning_point_id": lp_id, "service_area": area, "theme": theme, "embedded_on": embedded_on,
                     "before": before, "after": after, "review": verdict, "after_window_complete":
                     effectiveness.after_window_complete(date.fromisoformat(embedded_on), months, as_of)})
    return sorted(rows, key=lambda r: (r["service_area"].lower(), r["embedded_on"], r["learning_point_id"]))
