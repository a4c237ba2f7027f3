"""Did the learning work? Recurrence of a learning point's theme before it and after it was embedded
(``rules.effectiveness``), counted in SQL, and the reviews of it.

``embedded_learning`` gives one row per embedded learning point with the keys of ``COLUMNS`` (those of
``learning-tracker effectiveness --format json``) and, for the pages, the review's note, who made it and
when, and whether a review is due (the after window complete and no verdict yet).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlite_utils

from .. import config
from ..rules import effectiveness, periods, vocabulary
from ..rules.vocabulary import VERIFIED, split_concern_code
from . import sql as query

COLUMNS = ["learning_point_id", "service_area", "theme", "created_on", "embedded_on", "window_months", "before",
           "after", "after_window_complete", "p_value", "review"]


def _embedded(db: sqlite_utils.Database, as_of: date, service_area_ids: Iterable[int] | None) -> list[tuple]:
    """(id, area id, area, theme, created on, embedded on) of the learning points embedded by ``as_of``: every
    action verified or cancelled, at least one verified, the latest verification on or before ``as_of``."""
    area_filter = "" if service_area_ids is None else f"AND {query.in_ids('lp.service_area_id', tuple(service_area_ids))}"
    return db.execute(
        f"""SELECT lp.id, lp.service_area_id, sa.name, lp.theme, substr(lp.created_on, 1, 10),
                   MAX(substr(a.verified_on, 1, 10)) AS embedded_on
            FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id
            JOIN actions a ON a.learning_point_id = lp.id
            WHERE 1 {area_filter}
            GROUP BY lp.id
            HAVING SUM(a.status NOT IN {vocabulary.sql.values(vocabulary.FINISHED_ACTION_STATUSES)}) = 0
               AND SUM(a.status = '{VERIFIED}') > 0 AND embedded_on <= ?
            ORDER BY embedded_on DESC, lp.id""",
        [as_of.isoformat()],
    ).fetchall()


def _daily_counts(db: sqlite_utils.Database, area_ids: set[int]) -> dict[tuple, tuple[list[str], list[int]]]:
    """For each (area id, category, subcategory or '') of the areas, the days complaints raising it were received
    and the running total of those complaints, counted once each (aggregated in SQL, by day): a window's count
    is then two look-ups. A category's key counts a complaint once however many of its subcategories it raises."""
    if not area_ids:
        return {}
    areas = query.in_ids("c.service_area_id", tuple(sorted(area_ids)))
    rows = db.execute(
        f"""SELECT c.service_area_id, lower(cc.category), '', c.received_on, COUNT(DISTINCT c.id)
            FROM complaints c JOIN concerns k ON k.complaint_id = c.id JOIN concern_codes cc ON cc.id = k.concern_code_id
            WHERE {areas} GROUP BY 1, 2, 4
            UNION ALL
            SELECT c.service_area_id, lower(cc.category), lower(cc.subcategory), c.received_on, COUNT(DISTINCT c.id)
            FROM complaints c JOIN concerns k ON k.complaint_id = c.id JOIN concern_codes cc ON cc.id = k.concern_code_id
            WHERE {areas} AND cc.subcategory <> '' GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 3, 4"""
    ).fetchall()
    series: dict[tuple, tuple[list[str], list[int]]] = {}
    for area, category, subcategory, day, n in rows:
        days, totals = series.setdefault((area, category, subcategory), ([], []))
        days.append(day)
        totals.append((totals[-1] if totals else 0) + n)
    return series


def _between(series: tuple[list[str], list[int]] | None, first: date, last: date) -> int:
    """Complaints in ``series`` (``_daily_counts``) received from ``first`` to ``last``, both included."""
    if series is None:
        return 0
    days, totals = series
    upto = bisect_right(days, last.isoformat())
    before = bisect_left(days, first.isoformat())
    return (totals[upto - 1] if upto else 0) - (totals[before - 1] if before else 0)


def recurrence(db: sqlite_utils.Database, embeddings: list[tuple[int, str, str, str]], months: int) -> list[tuple[int, int]]:
    """(before, after) for each embedding (area id, theme, created on, embedded on), in order: the complaints of
    the area raising the theme in the ``months`` before the learning point was created and after it was
    embedded (``rules.effectiveness.windows``)."""
    daily = _daily_counts(db, {e[0] for e in embeddings})
    counts = []
    for area_id, theme, created_on, embedded_on in embeddings:
        category, subcategory = split_concern_code(theme)
        b_from, b_to, a_from, a_to = effectiveness.windows(date.fromisoformat(created_on),
                                                           date.fromisoformat(embedded_on), months)
        found = daily.get((area_id, category.lower(), subcategory.lower()))
        counts.append((_between(found, b_from, b_to), _between(found, a_from, a_to)))
    return counts


def embedded_learning(
    db: sqlite_utils.Database, as_of: date, *, window_months: int | None = None,
    service_area_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Every learning point embedded by ``as_of`` with its recurrence and its review: reviews due first, then
    the most recently embedded. ``window_months`` defaults to the configured window."""
    months = window_months or config.effectiveness_window_months(db)
    points = _embedded(db, as_of, service_area_ids)
    counts = dict(zip((p[0] for p in points),
                      recurrence(db, [(area_id, theme, created, embedded) for _, area_id, _, theme, created, embedded
                                      in points], months)))
    reviews = _reviews(db, [p[0] for p in points])
    rows = []
    for lp_id, _, area, theme, created_on, embedded_on in points:
        before, after = counts[lp_id]
        complete = effectiveness.after_window_complete(date.fromisoformat(embedded_on), months, as_of)
        review = reviews.get((lp_id, embedded_on))
        rows.append({
            "learning_point_id": lp_id, "service_area": area, "theme": theme, "created_on": created_on,
            "embedded_on": embedded_on, "window_months": months, "before": before, "after": after,
            "after_window_complete": complete, "p_value": effectiveness.p_value(before, after),
            "review": review["verdict"] if review else None,
            "review_due": complete and review is None,
            "review_note": review["note"] if review else None,
            "reviewed_on": review["reviewed_on"] if review else None,
        })
    rows.sort(key=lambda r: not r["review_due"])  # stable: the most recently embedded first within each
    return rows


def embedded_on(db: sqlite_utils.Database, learning_point_id: int) -> date | None:
    """The day the learning point was embedded (its latest verification), or ``None`` while it is not."""
    row = db.execute(
        f"""SELECT MAX(substr(verified_on, 1, 10)) FROM actions WHERE learning_point_id = ?
            HAVING SUM(status NOT IN {vocabulary.sql.values(vocabulary.FINISHED_ACTION_STATUSES)}) = 0
               AND SUM(status = '{VERIFIED}') > 0""",
        [learning_point_id],
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def _reviews(db: sqlite_utils.Database, ids: list[int]) -> dict[tuple[int, str], dict[str, Any]]:
    if not ids:
        return {}
    cursor = db.execute(
        f"SELECT learning_point_id, embedded_on, verdict, note, reviewed_on FROM effectiveness_reviews"
        f" WHERE {query.in_ids('learning_point_id', tuple(ids))}")
    return {(r[0], r[1]): {"verdict": r[2], "note": r[3], "reviewed_on": r[4]} for r in cursor.fetchall()}


def monthly_series(db: sqlite_utils.Database, service_area_id: int, theme: str, start: date, end: date) -> list[dict]:
    """Complaints of the service area raising the theme, per calendar month from ``start``'s month to
    ``end``'s (every month present, zeros included): ``{"month": first day, "complaints": n}``."""
    category, subcategory = split_concern_code(theme)
    rows = db.execute(
        """SELECT substr(c.received_on, 1, 7), COUNT(DISTINCT c.id) FROM complaints c
           JOIN concerns k ON k.complaint_id = c.id JOIN concern_codes cc ON cc.id = k.concern_code_id
           WHERE c.service_area_id = ? AND c.received_on BETWEEN ? AND ?
             AND cc.category = ? COLLATE NOCASE AND (? = '' OR cc.subcategory = ? COLLATE NOCASE)
           GROUP BY 1""",
        [service_area_id, start.replace(day=1).isoformat(), end.isoformat(), category, subcategory, subcategory],
    ).fetchall()
    found = dict(rows)
    series, month = [], start.replace(day=1)
    while month <= end:
        series.append({"month": month, "complaints": found.get(month.isoformat()[:7], 0)})
        month = periods.add_months(month, 1)
    return series


def rising_elsewhere(db: sqlite_utils.Database, theme: str, service_area_id: int, as_of: date,
                     window_months: int | None = None) -> list[dict[str, Any]]:
    """Other service areas where complaints raising the theme rose: more in the last ``window_months`` to
    ``as_of`` than in the window before, most risen first (areas to share the learning with)."""
    months = window_months or config.effectiveness_window_months(db)
    category, subcategory = split_concern_code(theme)
    recent_from = periods.add_months(as_of, -months)
    earlier_from = periods.add_months(recent_from, -months)
    rows = db.execute(
        """SELECT sa.name,
                  COUNT(DISTINCT CASE WHEN c.received_on < :recent THEN c.id END),
                  COUNT(DISTINCT CASE WHEN c.received_on >= :recent THEN c.id END)
           FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
           JOIN concerns k ON k.complaint_id = c.id JOIN concern_codes cc ON cc.id = k.concern_code_id
           WHERE c.service_area_id <> :area AND c.received_on >= :earlier AND c.received_on <= :as_of
             AND cc.category = :category COLLATE NOCASE AND (:sub = '' OR cc.subcategory = :sub COLLATE NOCASE)
           GROUP BY sa.id""",
        {"recent": recent_from.isoformat(), "earlier": earlier_from.isoformat(), "as_of": as_of.isoformat(),
         "area": service_area_id, "category": category, "sub": subcategory},
    ).fetchall()
    risen = [{"service_area": name, "before": before, "recent": recent} for name, before, recent in rows if recent > before]
    return sorted(risen, key=lambda r: (-(r["recent"] - r["before"]), r["service_area"]))


def unmatched_themes(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Learning points whose theme is not a concern code (recorded before themes were codes): id, area, theme."""
    return [dict(zip(("learning_point_id", "service_area", "theme"), r)) for r in db.execute(
        """SELECT lp.id, sa.name, lp.theme FROM learning_points lp JOIN service_areas sa ON sa.id = lp.service_area_id
           WHERE NOT EXISTS (SELECT 1 FROM concern_codes cc WHERE lower(trim(lp.theme)) = lower(cc.category
                 || CASE WHEN cc.subcategory = '' THEN '' ELSE ' > ' || cc.subcategory END))
           ORDER BY lp.id""")]
