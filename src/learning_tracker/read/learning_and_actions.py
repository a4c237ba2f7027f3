"""The read side of learning from complaints: learning gaps, the actions list and a learning point's detail.

Everything here filters, sorts and pages in SQL and builds a DataFrame only from the page it returns,
so the screens stay fast at 100,000 complaints. Overdue is derived, never stored: an action is overdue
when its due date is before ``as_of`` and it is not started or in progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from ..rules import vocabulary
from . import sql as query
from ..rules import roles
from ..rules import sql as rules_sql
from ..rules.vocabulary import OPEN_ACTION_SQL


OVERDUE = "overdue"
# The due windows a list can be narrowed to: overdue, or due from today up to N calendar days ahead.
DUE_WINDOWS: dict[str, int | None] = {OVERDUE: None, "due in 7 days": 7, "due in 30 days": 30}


@dataclass(frozen=True)
class Filters:
    """What the actions list and the learning points list are narrowed to; empty means everything.

    ``responsible`` is (user id, that user's service area ids): the actions a user owns or that belong to
    their areas ("My actions"). ``search`` finds actions by number or by words of their description. On the
    learning points list, action fields (statuses, owner, due window,
    responsible) keep the learning points that have at least one matching action.
    """

    service_area_ids: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    owner_id: int | None = None
    due_window: str | None = None
    complaint_reference: str | None = None
    learning_statuses: tuple[str, ...] = ()
    responsible: tuple[int, tuple[int, ...]] | None = None
    search: str | None = None

    def __post_init__(self):
        if self.due_window is not None and self.due_window not in DUE_WINDOWS:
            raise ValueError(f"due window {self.due_window!r} is not one of {', '.join(DUE_WINDOWS)}")

    @property
    def narrows_actions(self) -> bool:
        return bool(self.statuses or self.owner_id is not None or self.due_window or self.responsible
                    or (self.search or "").strip())


def _action_conditions(filters: Filters, as_of: date, alias: str = "a") -> tuple[list[str], list[Any]]:
    """The WHERE conditions on an action row (alias ``a``) for the action-level filters."""
    where, params = [], []
    if filters.statuses:
        sql, values = query.in_list(f"{alias}.status", filters.statuses)
        where.append(sql)
        params += values
    if filters.owner_id is not None:
        where.append(f"{alias}.owner_id = ?")
        params.append(filters.owner_id)
    if filters.due_window:
        days = DUE_WINDOWS[filters.due_window]
        if days is None:
            where.append(f"{alias}.status IN {OPEN_ACTION_SQL} AND {alias}.due_on < ?")
            params.append(as_of.isoformat())
        else:
            where.append(f"{alias}.status IN {OPEN_ACTION_SQL} AND {alias}.due_on BETWEEN ? AND ?")
            params += [as_of.isoformat(), (as_of + timedelta(days=days)).isoformat()]
    if filters.responsible:
        user_id, area_ids = filters.responsible
        if area_ids:
            sql, values = query.in_list(f"{alias}.service_area_id", tuple(area_ids))
            where.append(f"({alias}.owner_id = ? OR {sql})")
            params += [user_id, *values]
        else:
            where.append(f"{alias}.owner_id = ?")
            params.append(user_id)
    words = (filters.search or "").strip().removeprefix("#")
    if words:
        # A number finds that action (and any whose words contain it); anything else, the actions whose words do.
        where.append(f"({alias}.id = ? OR {alias}.description LIKE ? ESCAPE '\\')")
        number = int(words) if words.isascii() and words.isdecimal() and len(words) <= 18 else None  # fits SQLite's integer
        params += [number, query.contains(words)]
    return where, params


def _complaint_condition(reference: str | None, lp_column: str) -> tuple[list[str], list[Any]]:
    if not reference or not reference.strip():
        return [], []
    return (
        [(f"{lp_column} IN (SELECT lpc.learning_point_id FROM learning_point_complaints lpc"
          " JOIN complaints c ON c.id = lpc.complaint_id WHERE c.reference = ? COLLATE NOCASE)")],
        [reference.strip()],
    )


# --- actions -------------------------------------------------------------------------------------

ACTION_COLUMNS = [
    "id", "learning_point_id", "description", "service_area", "theme", "owner", "owner_id", "due_on",
    "status", "priority", "overdue", "days_overdue", "completed_on", "verified_on", "complaints", "version",
]


def _actions_from(filters: Filters, as_of: date) -> tuple[str, list[Any]]:
    """``FROM actions a JOIN learning_points lp ... WHERE ...`` for every filter, and its parameters."""
    where, params = _action_conditions(filters, as_of)
    for column, values in (("a.service_area_id", filters.service_area_ids), ("lp.theme", filters.themes),
                           ("lp.status", filters.learning_statuses)):
        if values:
            sql, values = query.in_list(column, values)
            where.append(sql)
            params += values
    more, more_params = _complaint_condition(filters.complaint_reference, "a.learning_point_id")
    return (f"FROM actions a JOIN learning_points lp ON lp.id = a.learning_point_id {query.where(where + more)}",
            params + more_params)


def due_text(due_on: str, status: str, as_of: date) -> str:
    """When an action is due, in words: '9 days overdue', 'due today', 'due in 3 days', or its status when done."""
    if not vocabulary.action_is_open(status):
        return status
    days = (date.fromisoformat(due_on) - as_of).days
    if days < 0:
        return f"{-days:,} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days:,} days"


def actions(
    db: sqlite_utils.Database, filters: Filters, as_of: date, *, limit: int = 25, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """One page of improvement actions matching ``filters`` and how many match in all.

    Sorted overdue first (longest overdue first), then open actions by due date (soonest first), then
    the completed, verified and cancelled ones. ``complaints`` lists the references the learning came from.
    """
    base, params = _actions_from(filters, as_of)
    total = db.execute(f"SELECT COUNT(*) {base}", params).fetchone()[0]
    today = as_of.isoformat()
    # The page is chosen first, so the per-row lookups (names, complaint references) run for its rows only.
    sql = f"""
        SELECT p.id, p.learning_point_id, p.description, sa.name AS service_area, p.theme, u.name AS owner,
               p.owner_id, p.due_on, p.status, p.priority, p.overdue,
               CASE WHEN p.overdue THEN julianday(?) - julianday(p.due_on) ELSE 0 END AS days_overdue,
               p.completed_on, p.verified_on,
               (SELECT group_concat(reference, ', ') FROM (
                   SELECT c.reference FROM learning_point_complaints lpc JOIN complaints c ON c.id = lpc.complaint_id
                   WHERE lpc.learning_point_id = p.learning_point_id ORDER BY c.reference)) AS complaints,
               p.version
        FROM (
            SELECT a.*, lp.theme, (a.status IN {OPEN_ACTION_SQL} AND a.due_on < ?) AS overdue
            {base}
            ORDER BY overdue DESC, (a.status IN {OPEN_ACTION_SQL}) DESC, a.due_on, a.id
            LIMIT ? OFFSET ?
        ) p
        JOIN service_areas sa ON sa.id = p.service_area_id
        JOIN users u ON u.id = p.owner_id
        ORDER BY p.overdue DESC, (p.status IN {OPEN_ACTION_SQL}) DESC, p.due_on, p.id
    """
    frame = query.frame(db, sql, [today, today, *params, limit, offset])
    frame["overdue"] = frame["overdue"].astype(bool)
    frame["days_overdue"] = frame["days_overdue"].astype(int)
    return frame, total


def action_counts(db: sqlite_utils.Database, filters: Filters, as_of: date) -> dict[str, int]:
    """How many actions matching ``filters`` are open, overdue, due within 7 days, and completed awaiting verification."""
    base, params = _actions_from(filters, as_of)
    today = as_of.isoformat()
    week = (as_of + timedelta(days=7)).isoformat()
    row = db.execute(
        f"""SELECT COUNT(*),
                   COALESCE(SUM(a.status IN {OPEN_ACTION_SQL}), 0),
                   COALESCE(SUM(a.status IN {OPEN_ACTION_SQL} AND a.due_on < ?), 0),
                   COALESCE(SUM(a.status IN {OPEN_ACTION_SQL} AND a.due_on BETWEEN ? AND ?), 0),
                   COALESCE(SUM(a.status = '{vocabulary.COMPLETED}'), 0)
            {base}""",
        [today, today, week, *params],
    ).fetchone()
    return dict(zip(["actions", "open", "overdue", "due_in_7_days", "awaiting_verification"], row))


def action(db: sqlite_utils.Database, action_id: int, as_of: date) -> dict[str, Any] | None:
    """One action with its names and derived overdue flag, or None."""
    cursor = db.execute(
        f"""SELECT a.*, sa.name AS service_area, u.name AS owner, u.email AS owner_email, lp.theme,
                   lp.description AS learning_point, (a.status IN {OPEN_ACTION_SQL} AND a.due_on < ?) AS overdue
            FROM actions a JOIN service_areas sa ON sa.id = a.service_area_id JOIN users u ON u.id = a.owner_id
            JOIN learning_points lp ON lp.id = a.learning_point_id WHERE a.id = ?""",
        [as_of.isoformat(), action_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    result = dict(zip([c[0] for c in cursor.description], row))
    result["overdue"] = bool(result["overdue"])
    return result


def action_history(db: sqlite_utils.Database, action_id: int) -> pd.DataFrame:
    """An action's history, oldest first: status changes, notes, due-date moves, evidence, verification."""
    return query.frame(
        db,
        # In the order they were recorded; the time shown to the minute, in UTC as stored.
        """SELECT replace(substr(au.at, 1, 16), 'T', ' ') AS at, u.name AS by, au.kind, au.from_value,
                  au.to_value, au.note
           FROM action_updates au LEFT JOIN users u ON u.id = au.user_id
           WHERE au.action_id = ? ORDER BY au.id""",
        [action_id],
    )


def action_evidence(db: sqlite_utils.Database, action_id: int) -> pd.DataFrame:
    """An action's evidence, without the stored files' contents (see ``evidence_file``)."""
    return query.frame(
        db,
        """SELECT e.id, e.description, e.link, e.filename, e.size_bytes, u.name AS added_by, e.added_at
           FROM action_evidence e LEFT JOIN users u ON u.id = e.added_by
           WHERE e.action_id = ? ORDER BY e.id""",
        [action_id],
    )


def evidence_file(db: sqlite_utils.Database, evidence_id: int) -> tuple[str, bytes] | None:
    """The stored file of one piece of evidence, as (filename, content), or None when it is a link."""
    row = db.execute("SELECT filename, content FROM action_evidence WHERE id = ?", [evidence_id]).fetchone()
    if row is None or row[1] is None:
        return None
    return row[0] or f"evidence-{evidence_id}", bytes(row[1])


def action_owners(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) of every user who owns at least one action, by name."""
    return [tuple(r) for r in db.execute(
        "SELECT u.id, u.name FROM users u WHERE u.id IN (SELECT owner_id FROM actions) ORDER BY u.name"
    )]


def possible_owners(db: sqlite_utils.Database, service_area_id: int | None = None) -> list[tuple[str, str]]:
    """(email, name) of the active users who may own an action of the service area: those who can update it
    (``services.permissions.may_own_action``), the area's service managers first, then the complaints officers.

    Without an area, everyone who could own an action of some area: the officers and the service managers
    with an area.
    """
    in_area = ("u.id IN (SELECT user_id FROM user_service_areas WHERE service_area_id = ?)" if service_area_id is not None
               else "u.id IN (SELECT user_id FROM user_service_areas)")
    rows = db.execute(
        f"""SELECT u.email, u.name FROM users u
           WHERE u.active AND u.role IN {rules_sql.values(roles.LEARNING_RECORDERS)}
             AND (u.role NOT IN {rules_sql.values(roles.AREA_BOUND_ROLES)} OR {in_area})
           ORDER BY u.role IN {rules_sql.values(roles.AREA_BOUND_ROLES)} DESC, u.name""",
        [service_area_id] if service_area_id is not None else [],
    ).fetchall()
    return [tuple(r) for r in rows]


# --- learning points -----------------------------------------------------------------------------


def learning_points(
    db: sqlite_utils.Database, filters: Filters, as_of: date, *, limit: int = 10, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """One page of learning points matching ``filters`` (newest first) and how many match in all.

    Each row counts its complaints, actions, open actions and overdue actions.
    """
    where, params = [], []
    if filters.service_area_ids:
        sql, values = query.in_list("lp.service_area_id", filters.service_area_ids)
        where.append(sql)
        params += values
    if filters.themes:
        sql, values = query.in_list("lp.theme", filters.themes)
        where.append(sql)
        params += values
    if filters.learning_statuses:
        sql, values = query.in_list("lp.status", filters.learning_statuses)
        where.append(sql)
        params += values
    more, more_params = _complaint_condition(filters.complaint_reference, "lp.id")
    where += more
    params += more_params
    if filters.narrows_actions:
        conditions, action_params = _action_conditions(filters, as_of)
        where.append(f"EXISTS (SELECT 1 FROM actions a WHERE a.learning_point_id = lp.id AND {' AND '.join(conditions)})")
        params += action_params
    base = f"FROM learning_points lp {query.where(where)}"
    total = db.execute(f"SELECT COUNT(*) {base}", params).fetchone()[0]
    today = as_of.isoformat()
    sql = f"""
        SELECT p.id, sa.name AS service_area, p.theme, p.description, p.status, p.created_on,
               (SELECT COUNT(*) FROM learning_point_complaints lpc WHERE lpc.learning_point_id = p.id) AS complaints,
               (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = p.id) AS actions,
               (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = p.id AND a.status IN {OPEN_ACTION_SQL}) AS open_actions,
               (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = p.id AND a.status IN {OPEN_ACTION_SQL}
                   AND a.due_on < ?) AS overdue_actions,
               p.version
        FROM (SELECT lp.* {base} ORDER BY lp.created_on DESC, lp.id DESC LIMIT ? OFFSET ?) p
        JOIN service_areas sa ON sa.id = p.service_area_id
        ORDER BY p.created_on DESC, p.id DESC
    """
    return query.frame(db, sql, [today, *params, limit, offset]), total


@dataclass
class LearningPointDetail:
    """A learning point with its complaints, its actions, and each action's history and evidence."""

    point: dict[str, Any]
    complaints: pd.DataFrame
    actions: pd.DataFrame
    history: dict[int, pd.DataFrame] = field(default_factory=dict)
    evidence: dict[int, pd.DataFrame] = field(default_factory=dict)


def learning_point(db: sqlite_utils.Database, learning_point_id: int, as_of: date) -> LearningPointDetail | None:
    """One learning point in full, or None when it does not exist."""
    cursor = db.execute(
        """SELECT lp.*, sa.name AS service_area, u.name AS created_by_name
           FROM learning_points lp JOIN service_areas sa ON sa.id = lp.service_area_id
           LEFT JOIN users u ON u.id = lp.created_by WHERE lp.id = ?""",
        [learning_point_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    point = dict(zip([c[0] for c in cursor.description], row))
    complaints = query.frame(
        db,
        """SELECT c.reference, c.received_on, sa.name AS service_area, c.procedure, c.outcome, c.outcome_on
           FROM learning_point_complaints lpc JOIN complaints c ON c.id = lpc.complaint_id
           JOIN service_areas sa ON sa.id = c.service_area_id
           WHERE lpc.learning_point_id = ? ORDER BY c.received_on, c.reference""",
        [learning_point_id],
    )
    point_actions = query.frame(
        db,
        f"""SELECT a.id, a.description, sa.name AS service_area, u.name AS owner, a.due_on, a.status, a.priority,
                   (a.status IN {OPEN_ACTION_SQL} AND a.due_on < ?) AS overdue, a.completed_on, a.verified_on,
                   a.cancel_reason, a.version
            FROM actions a JOIN service_areas sa ON sa.id = a.service_area_id JOIN users u ON u.id = a.owner_id
            WHERE a.learning_point_id = ?
            ORDER BY overdue DESC, (a.status IN {OPEN_ACTION_SQL}) DESC, a.due_on, a.id""",
        [as_of.isoformat(), learning_point_id],
    )
    point_actions["overdue"] = point_actions["overdue"].astype(bool)
    ids = [int(i) for i in point_actions["id"]]
    return LearningPointDetail(
        point=point,
        complaints=complaints,
        actions=point_actions,
        history={i: action_history(db, i) for i in ids},
        evidence={i: action_evidence(db, i) for i in ids},
    )


def learning_point_choices(
    db: sqlite_utils.Database, *, service_area_ids: tuple[int, ...] = (), search: str | None = None, limit: int = 100
) -> list[tuple[int, str]]:
    """(id, label) of learning points to link a complaint to, newest first, optionally searched by words."""
    where, params = [], []
    if service_area_ids:
        sql, values = query.in_list("lp.service_area_id", service_area_ids)
        where.append(sql)
        params += values
    if search and search.strip():
        where.append("(lp.description LIKE ? OR lp.theme LIKE ? OR sa.name LIKE ?)")
        params += [f"%{search.strip()}%"] * 3
    rows = db.execute(
        f"""SELECT lp.id, sa.name, lp.theme, lp.description, lp.status FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id {query.where(where)}
            ORDER BY lp.created_on DESC, lp.id DESC LIMIT ?""",
        [*params, limit],
    ).fetchall()
    return [(r[0], f"{r[0]}: {r[1]}, {r[2]} ({r[4]}): {_short(r[3])}") for r in rows]


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def service_area_names(db: sqlite_utils.Database, ids: tuple[int, ...] = ()) -> list[str]:
    """The names of the active service areas (only those with ``ids`` when given), by name."""
    where, params = "", []
    if ids:
        sql, params = query.in_list("id", tuple(ids))
        where = f" AND {sql}"
    return [r[0] for r in db.execute(f"SELECT name FROM service_areas WHERE active{where} ORDER BY name", params)]


def service_area_ids(db: sqlite_utils.Database, names: list[str]) -> tuple[int, ...]:
    """The ids of the service areas with these names."""
    if not names:
        return ()
    sql, params = query.in_list("name", tuple(names))
    return tuple(r[0] for r in db.execute(f"SELECT id FROM service_areas WHERE {sql} ORDER BY name", params))


# --- a complaint's learning ----------------------------------------------------------------------


def complaint_learning(db: sqlite_utils.Database, reference: str) -> dict[str, Any] | None:
    """A complaint's learning decision: the complaint, its linked learning points, its "no learning" decision.

    None when no complaint has this reference.
    """
    cursor = db.execute(
        """SELECT c.id, c.reference, c.received_on, c.procedure, c.service_area_id, sa.name AS service_area,
                  c.outcome, c.outcome_on, c.no_learning_reason, c.no_learning_recorded_on,
                  u.name AS no_learning_recorded_by, c.version
           FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
           LEFT JOIN users u ON u.id = c.no_learning_recorded_by
           WHERE c.reference = ? COLLATE NOCASE""",
        [(reference or "").strip()],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    complaint = dict(zip([c[0] for c in cursor.description], row))
    complaint["learning_points"] = query.frame(
        db,
        """SELECT lp.id, sa.name AS service_area, lp.theme, lp.description, lp.status,
                  (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = lp.id) AS actions
           FROM learning_point_complaints lpc JOIN learning_points lp ON lp.id = lpc.learning_point_id
           JOIN service_areas sa ON sa.id = lp.service_area_id
           WHERE lpc.complaint_id = ? ORDER BY lp.id""",
        [complaint["id"]],
    )
    complaint["learning_expected"] = vocabulary.is_upheld(complaint["outcome"])
    return complaint


# --- learning gaps -------------------------------------------------------------------------------

# Learning gaps (the rule: ``vocabulary.learning_gap_sql``).
_GAP = f"FROM complaints c WHERE {vocabulary.learning_gap_sql('c')}"


def _gap_where(service_area_ids: tuple[int, ...]) -> tuple[str, list[Any]]:
    if not service_area_ids:
        return "", []
    sql, params = query.in_list("c.service_area_id", service_area_ids)
    return f" AND {sql}", params


def learning_gaps_by_area(db: sqlite_utils.Database, service_area_ids: tuple[int, ...] = ()) -> pd.DataFrame:
    """Per service area: how many learning gaps, and when the oldest of them was received."""
    where, params = _gap_where(service_area_ids)
    return query.frame(
        db,
        f"""SELECT sa.name AS service_area, g.gaps, g.oldest_received_on
            FROM (SELECT c.service_area_id, COUNT(*) AS gaps, MIN(c.received_on) AS oldest_received_on {_GAP}{where}
                  GROUP BY c.service_area_id) g
            JOIN service_areas sa ON sa.id = g.service_area_id
            ORDER BY sa.name""",
        params,
    )


def learning_gap_count(db: sqlite_utils.Database, *, service_area_ids: tuple[int, ...] = ()) -> int:
    """How many learning gaps there are (in these service areas)."""
    where, params = _gap_where(service_area_ids)
    return db.execute(f"SELECT COUNT(*) {_GAP}{where}", params).fetchone()[0]


def learning_gap_page(
    db: sqlite_utils.Database, *, service_area_ids: tuple[int, ...] = (), limit: int = 50, offset: int = 0
) -> pd.DataFrame:
    """One page of learning gaps, oldest first (by the date received). A page that has shown the count
    (``learning_gap_count``) asks for its rows here, so the count is not made twice."""
    where, params = _gap_where(service_area_ids)
    return query.frame(
        db,
        f"""SELECT c.reference, sa.name AS service_area, c.received_on, c.procedure, c.outcome, c.outcome_on
            {_GAP.replace('FROM complaints c', 'FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id')}{where}
            ORDER BY c.received_on, c.reference LIMIT ? OFFSET ?""",
        [*params, limit, offset],
    )


def learning_gaps(
    db: sqlite_utils.Database, *, service_area_ids: tuple[int, ...] = (), limit: int = 50, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """One page of learning gaps, oldest first (by the date received), and how many there are in all."""
    return (learning_gap_page(db, service_area_ids=service_area_ids, limit=limit, offset=offset),
            learning_gap_count(db, service_area_ids=service_area_ids))
