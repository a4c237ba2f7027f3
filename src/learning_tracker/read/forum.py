"""What the Practice Improvement Forum's pack reads: the meetings and their decisions, the open learning
by service area and theme, the open learning points (those with overdue actions first), and what is
new or changed in a window (learning points created, action updates made).

Every list is selected, sorted and cut to ``limit`` rows in SQL, with its full count. The learning
lists can be narrowed to service areas and themes. Open is ``rules.vocabulary``'s rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlite_utils

from ..rules.vocabulary import OPEN_ACTION_SQL, OPEN_LEARNING_POINT_SQL
from . import sql as query


@dataclass(frozen=True)
class Meeting:
    """A forum meeting as the pack shows it."""

    id: int
    held_on: date
    attendees: list[str]
    version: int = 1

    @property
    def title(self) -> str:
        return f"{self.held_on:%-d %B %Y}"


def short(text: str, length: int = 80) -> str:
    """``text`` on one line, cut to ``length`` characters with "…"."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- meetings ------------------------------------------------------------------------------------


def _meeting(row) -> Meeting:
    attendees = [a.strip() for a in (row[2] or "").split(";") if a.strip()]
    return Meeting(id=row[0], held_on=date.fromisoformat(row[1]), attendees=attendees, version=row[3])


def meetings(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every meeting, newest first: id, held_on, attendees, decisions (how many were recorded)."""
    return query.frame(
        db,
        """SELECT m.id, m.held_on, m.attendees,
                  (SELECT COUNT(*) FROM forum_decisions d WHERE d.meeting_id = m.id) AS decisions
           FROM forum_meetings m ORDER BY m.held_on DESC, m.id DESC""",
        [],
    )


def meeting(db: sqlite_utils.Database, meeting_id: int) -> Meeting | None:
    """One meeting, or None."""
    row = db.execute("SELECT id, held_on, attendees, version FROM forum_meetings WHERE id = ?", [meeting_id]).fetchone()
    return _meeting(row) if row else None


def previous_meeting(db: sqlite_utils.Database, of: Meeting) -> Meeting | None:
    """The latest meeting held before ``of``, or None for the first one."""
    row = db.execute(
        "SELECT id, held_on, attendees, version FROM forum_meetings WHERE held_on < ? ORDER BY held_on DESC, id DESC LIMIT 1",
        [of.held_on.isoformat()],
    ).fetchone()
    return _meeting(row) if row else None


def decisions(db: sqlite_utils.Database, meeting_id: int) -> pd.DataFrame:
    """The decisions recorded at a meeting, in the order they were recorded.

    Columns: Item (in words), Service area, Decision, Note, Recorded by, Recorded at, and the item's
    kind and id (``item``, ``item_id``) for matching decisions to the pack's rows.
    """
    frame = query.frame(
        db,
        """SELECT d.learning_point_id, d.action_id, d.complaint_id, d.decision, d.note, u.name AS recorded_by,
                  d.recorded_at, lp.description AS lp_description, a.description AS action_description,
                  c.reference, COALESCE(lsa.name, asa.name, csa.name) AS service_area
           FROM forum_decisions d
           LEFT JOIN users u ON u.id = d.recorded_by
           LEFT JOIN learning_points lp ON lp.id = d.learning_point_id
           LEFT JOIN service_areas lsa ON lsa.id = lp.service_area_id
           LEFT JOIN actions a ON a.id = d.action_id
           LEFT JOIN service_areas asa ON asa.id = a.service_area_id
           LEFT JOIN complaints c ON c.id = d.complaint_id
           LEFT JOIN service_areas csa ON csa.id = c.service_area_id
           WHERE d.meeting_id = ? ORDER BY d.recorded_at, d.id""",
        [meeting_id],
    )
    records = []
    for r in frame.itertuples(index=False):
        if pd.notna(r.learning_point_id):
            kind, item_id, label = "learning point", int(r.learning_point_id), f"Learning point {int(r.learning_point_id)}: {short(r.lp_description)}"
        elif pd.notna(r.action_id):
            kind, item_id, label = "action", int(r.action_id), f"Action {int(r.action_id)}: {short(r.action_description)}"
        else:
            kind, item_id, label = "learning gap", int(r.complaint_id), f"Learning gap: complaint {r.reference}"
        records.append({"Item": label, "Service area": r.service_area, "Decision": r.decision, "Note": r.note,
                        "Recorded by": r.recorded_by, "Recorded at": str(r.recorded_at).replace("T", " ")[:16],
                        "item": kind, "item_id": item_id})
    return pd.DataFrame(records, columns=["Item", "Service area", "Decision", "Note", "Recorded by", "Recorded at", "item", "item_id"])


# --- the pack's learning ---------------------------------------------------------------------------


def _lp_conditions(service_area_ids: tuple[int, ...], themes: tuple[str, ...]) -> tuple[str, list]:
    where, params = [], []
    if service_area_ids:
        sql, values = query.in_list("lp.service_area_id", service_area_ids)
        where.append(sql)
        params += values
    if themes:
        sql, values = query.in_list("lp.theme", themes)
        where.append(sql)
        params += values
    return query.and_all(where), params


def open_learning_summary(
    db: sqlite_utils.Database, as_of: date, service_area_ids: tuple[int, ...] = (), themes: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Open learning by service area and theme: Service area, Theme, Open learning points, Open actions,
    Overdue actions (on ``as_of``), those with the most overdue actions first."""
    lp_where, lp_params = _lp_conditions(service_area_ids, themes)
    return query.frame(
        db,
        f"""SELECT sa.name AS "Service area", lp.theme AS "Theme", COUNT(*) AS "Open learning points",
                   COALESCE(SUM(a.open), 0) AS "Open actions", COALESCE(SUM(a.overdue), 0) AS "Overdue actions"
            FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id
            LEFT JOIN (SELECT learning_point_id, SUM(status IN {OPEN_ACTION_SQL}) AS open,
                              SUM(status IN {OPEN_ACTION_SQL} AND due_on < ?) AS overdue
                       FROM actions GROUP BY learning_point_id) a ON a.learning_point_id = lp.id
            WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}
            GROUP BY sa.name, lp.theme
            ORDER BY "Overdue actions" DESC, sa.name, lp.theme""",
        [as_of.isoformat(), *lp_params],
    )


def open_learning_points(
    db: sqlite_utils.Database, as_of: date, service_area_ids: tuple[int, ...] = (), themes: tuple[str, ...] = (),
    *, limit: int,
) -> tuple[pd.DataFrame, int]:
    """The open learning points (those with overdue actions on ``as_of`` first), at most ``limit``, and
    how many there are in all. Columns: id, service_area, theme, description, status, created_on,
    version, open_actions, overdue_actions, complaints."""
    lp_where, lp_params = _lp_conditions(service_area_ids, themes)
    total = db.execute(
        f"SELECT COUNT(*) FROM learning_points lp WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}", lp_params
    ).fetchone()[0]
    points = query.frame(
        db,
        f"""SELECT p.id, sa.name AS service_area, p.theme, p.description, p.status, p.created_on, p.version,
                   p.open_actions, p.overdue_actions,
                   (SELECT COUNT(*) FROM learning_point_complaints lpc WHERE lpc.learning_point_id = p.id) AS complaints
            FROM (SELECT lp.*,
                         (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = lp.id AND a.status IN {OPEN_ACTION_SQL}) AS open_actions,
                         (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = lp.id AND a.status IN {OPEN_ACTION_SQL}
                              AND a.due_on < ?) AS overdue_actions
                  FROM learning_points lp WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}) p
            JOIN service_areas sa ON sa.id = p.service_area_id
            ORDER BY p.overdue_actions DESC, sa.name, p.theme, p.created_on, p.id
            LIMIT ?""",
        [as_of.isoformat(), *lp_params, limit],
    )
    return points, total


# --- what is new or changed ------------------------------------------------------------------------


def new_learning_points(
    db: sqlite_utils.Database, since: date, until: date, service_area_ids: tuple[int, ...] = (),
    themes: tuple[str, ...] = (), *, limit: int,
) -> tuple[pd.DataFrame, int]:
    """The learning points created after ``since`` up to and including ``until``, newest first, at most
    ``limit``, and how many there are in all."""
    lp_where, lp_params = _lp_conditions(service_area_ids, themes)
    window = [since.isoformat(), until.isoformat()]
    new_where = f"lp.created_on > ? AND lp.created_on <= ?{lp_where}"
    total = db.execute(f"SELECT COUNT(*) FROM learning_points lp WHERE {new_where}", [*window, *lp_params]).fetchone()[0]
    points = query.frame(
        db,
        f"""SELECT lp.id AS "Learning point", sa.name AS "Service area", lp.theme AS "Theme",
                   lp.description AS "Description", lp.status AS "Status", lp.created_on AS "Created on"
            FROM learning_points lp JOIN service_areas sa ON sa.id = lp.service_area_id
            WHERE {new_where} ORDER BY lp.created_on DESC, lp.id DESC LIMIT ?""",
        [*window, *lp_params, limit],
    )
    return points, total


def action_updates(
    db: sqlite_utils.Database, since: date, until: date, service_area_ids: tuple[int, ...] = (),
    themes: tuple[str, ...] = (), *, limit: int,
) -> tuple[pd.DataFrame, int]:
    """The action updates made after the day ``since`` up to the end of the day ``until``, newest first,
    at most ``limit``, and how many there are in all."""
    lp_where, lp_params = _lp_conditions(service_area_ids, themes)
    # Timestamps are ISO strings: "~" sorts after any time of day, so "> since~" is "after that day".
    update_where = f"au.at > ? AND au.at < ?{lp_where}"
    update_params = [since.isoformat() + "~", until.isoformat() + "~", *lp_params]
    update_from = """FROM action_updates au JOIN actions a ON a.id = au.action_id
                     JOIN learning_points lp ON lp.id = a.learning_point_id"""
    total = db.execute(f"SELECT COUNT(*) {update_from} WHERE {update_where}", update_params).fetchone()[0]
    updates = query.frame(
        db,
        f"""SELECT substr(replace(au.at, 'T', ' '), 1, 16) AS "When", a.id AS "Action", lp.id AS "Learning point",
                   sa.name AS "Service area", a.description AS "Description", au.kind AS "What changed",
                   au.from_value AS "From", au.to_value AS "To", au.note AS "Note", u.name AS "By"
            {update_from}
            JOIN service_areas sa ON sa.id = a.service_area_id
            LEFT JOIN users u ON u.id = au.user_id
            WHERE {update_where} ORDER BY au.at DESC, au.id DESC LIMIT ?""",
        [*update_params, limit],
    )
    return updates, total


# --- look-ups ----------------------------------------------------------------------------------------


def complaint_ids(db: sqlite_utils.Database, references: list[str]) -> dict[str, int]:
    """The ids of the complaints with these references."""
    if not references:
        return {}
    sql, params = query.in_list("reference", tuple(references))
    return {r[0]: r[1] for r in db.execute(f"SELECT reference, id FROM complaints WHERE {sql}", params)}


def area_names(db: sqlite_utils.Database, service_area_ids: tuple[int, ...]) -> list[str]:
    """The names of these service areas (active or not), by name."""
    return [r[0] for r in db.execute(f"SELECT name FROM service_areas WHERE {query.in_list('id', service_area_ids)[0]} ORDER BY name",
                                     list(service_area_ids))]  # fmt: skip
