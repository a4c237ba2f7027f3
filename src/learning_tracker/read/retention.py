"""Read-side SQL of retention and subject access: which closed complaints are due to be anonymised on a
date, and everything held about one complaint.

**When a complaint is closed.** A complaint is closed when no stage of it is waiting for a response, it
has an outcome or at least one answered stage, and it is not waiting for the Ombudsman's decision (a
referral with no decision recorded). It closed on the latest of its outcome date, its last stage's
response and its referral to the Ombudsman: the last thing that happened to it. A complaint escalated
after its outcome is open again until the new stage is answered, so its clock restarts then.

**When it is due.** A closed complaint is due for retention on the day ``retention_years`` whole years
after it closed (``config.retention_years``, 6 by default); on any later date it is anonymised. A
complaint whose reference is already a retention token (``rules.personal_data.anonymised_sql``) is done.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import sqlite_utils

from ..rules.personal_data import anonymised_sql, reference_mention
from . import sql as query

# The day a complaint closed, for the complaint rows ``c`` that are closed (see the module's docstring).
_CLOSED_ON_SQL = """
MAX(COALESCE(c.outcome_on, ''),
    COALESCE((SELECT MAX(s.responded_on) FROM complaint_stages s WHERE s.complaint_id = c.id), ''),
    COALESCE(c.lgsco_referred_on, ''))
"""
_IS_CLOSED_SQL = """
NOT EXISTS (SELECT 1 FROM complaint_stages s WHERE s.complaint_id = c.id AND s.responded_on IS NULL)
AND (c.outcome_on IS NOT NULL OR EXISTS (SELECT 1 FROM complaint_stages s WHERE s.complaint_id = c.id))
AND NOT (c.lgsco_referred_on IS NOT NULL AND c.lgsco_decision IS NULL)
"""

_DUE_SQL = f"""
SELECT id, reference, received_on, procedure, service_area, closed_on, due_on FROM (
    SELECT c.id, c.reference, c.received_on, c.procedure, sa.name AS service_area,
           {_CLOSED_ON_SQL} AS closed_on,
           date({_CLOSED_ON_SQL}, '+' || :years || ' years') AS due_on
    FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
    WHERE {_IS_CLOSED_SQL} AND NOT {anonymised_sql('c.reference')}
)
WHERE due_on < :as_of
ORDER BY closed_on, id
"""

DUE_COLUMNS = ["id", "reference", "received_on", "procedure", "service_area", "closed_on", "due_on"]


def due_for_retention(db: sqlite_utils.Database, as_of: date, years: int, *, limit: int | None = None,
                      offset: int = 0) -> pd.DataFrame:
    """The closed complaints due to be anonymised on ``as_of``, ``years`` after they closed, longest closed
    first: ``id, reference, received_on, procedure, service_area, closed_on, due_on`` (the day it became due);
    with ``limit``, one page of them."""
    sql, params = _DUE_SQL, {"years": int(years), "as_of": as_of.isoformat()}
    if limit is not None:
        sql, params = sql + " LIMIT :limit OFFSET :offset", {**params, "limit": int(limit), "offset": int(offset)}
    return query.frame(db, sql, params).reindex(columns=DUE_COLUMNS)


def due_for_retention_count(db: sqlite_utils.Database, as_of: date, years: int) -> int:
    """How many closed complaints are due to be anonymised on ``as_of``."""
    return db.execute(f"SELECT COUNT(*) FROM ({_DUE_SQL})", {"years": int(years), "as_of": as_of.isoformat()}).fetchone()[0]


def anonymised_count(db: sqlite_utils.Database) -> int:
    """How many complaints have been anonymised after their retention period."""
    return db.execute(f"SELECT COUNT(*) FROM complaints c WHERE {anonymised_sql('c.reference')}").fetchone()[0]


# --- the free text tied to complaints ---------------------------------------------------------------

#: Where a complaint's own free text is kept: (table, column, the column naming the complaint).
COMPLAINT_TEXT_COLUMNS = [
    ("complaints", "no_learning_reason", "id"),
    ("complaint_stages", "extension_reason", "complaint_id"),
    ("forum_decisions", "note", "complaint_id"),  # the forum's note on a learning gap: about this complaint
]
#: Free text of the service's learning, kept through retention, in which a complaint's reference may be written.
LEARNING_TEXT_COLUMNS = [
    ("learning_points", "description"),
    ("actions", "description"),
    ("actions", "cancel_reason"),
    ("action_updates", "note"),
    ("action_updates", "from_value"),
    ("action_updates", "to_value"),
    ("action_evidence", "description"),
    ("action_evidence", "link"),
    ("action_evidence", "filename"),
    ("forum_decisions", "note"),
    ("forum_meetings", "attendees"),
    ("compliments", "summary"),
    # The annual report's prose, every version of it, and the drafts it was written from.
    ("report_sections", "text"),
    ("report_sections", "based_on"),
    ("report_section_versions", "text"),
    ("report_section_versions", "based_on"),
]


def complaint_texts(db: sqlite_utils.Database, complaint_ids: list[int]) -> list[tuple[str, str, int, str]]:
    """Every non-blank free text of these complaints: (table, column, row id, text)."""
    found = []
    for table, column, owner in COMPLAINT_TEXT_COLUMNS:
        condition = query.in_ids(owner, complaint_ids)
        for row_id, text in db.execute(
                f"SELECT id, [{column}] FROM [{table}] WHERE {condition} AND TRIM(COALESCE([{column}], '')) != ''"):
            found.append((table, column, row_id, text))
    return found


def learning_texts(db: sqlite_utils.Database) -> list[tuple[str, str, int, str]]:
    """Every non-blank free text of the learning, actions, forum and compliments: (table, column, row id, text)."""
    found = []
    for table, column in LEARNING_TEXT_COLUMNS:
        for row_id, text in db.execute(
                f"SELECT id, [{column}] FROM [{table}] WHERE TRIM(COALESCE([{column}], '')) != ''"):
            found.append((table, column, row_id, text))
    return found


def forum_decision_ids(db: sqlite_utils.Database, complaint_ids: list[int]) -> list[int]:
    """The forum decisions made about these complaints (as learning gaps)."""
    return [r[0] for r in db.execute(
        f"SELECT id FROM forum_decisions WHERE {query.in_ids('complaint_id', complaint_ids)} ORDER BY id")]


def audit_events_to_check(db: sqlite_utils.Database, after_id: int, batch: int) -> list[tuple]:
    """A batch of audit events not yet redacted, after ``after_id``: (id, event, entity, entity_id, before,
    after, message)."""
    return query.rows(db, "SELECT id, event, entity, entity_id, before, after, message FROM audit_events"
                          " WHERE id > ? AND redacted_by IS NULL ORDER BY id LIMIT ?", [after_id, batch])


# --- subject access: everything held about one complaint ----------------------------------------------


def _dicts(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return query.dicts(db.execute(sql, params))


def complaint_record(db: sqlite_utils.Database, reference: str) -> dict[str, Any] | None:
    """The complaint with this reference (case and surrounding spaces ignored) with its service area and
    who recorded its learning decision, or None."""
    rows = _dicts(db, "SELECT c.*, sa.name AS service_area, u.name AS no_learning_recorded_by_name"
                      " FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id"
                      " LEFT JOIN users u ON u.id = c.no_learning_recorded_by"
                      " WHERE c.reference = ? COLLATE NOCASE", [(reference or "").strip()])
    return rows[0] if rows else None


def held_about_complaint(db: sqlite_utils.Database, complaint: dict[str, Any]) -> dict[str, Any]:
    """Everything held about one complaint (``complaint_record``): its stages, concerns, learning points
    with their actions (each with its history and evidence, the files described, not included), the forum's
    decisions about it, and every audit event about it (on the complaint itself or naming its reference)."""
    complaint_id = complaint["id"]
    stages = _dicts(db, "SELECT procedure, stage, clock_started_on, due_on, extended_due_on, extension_reason,"
                        " responded_on, outcome, outcome_on FROM complaint_stages WHERE complaint_id = ? ORDER BY id",
                    [complaint_id])
    concerns = [r[0] for r in db.execute(
        "SELECT k.category || CASE WHEN k.subcategory != '' THEN ' > ' || k.subcategory ELSE '' END"
        " FROM concerns c JOIN concern_codes k ON k.id = c.concern_code_id WHERE c.complaint_id = ? ORDER BY c.id",
        [complaint_id])]
    points = _dicts(db, "SELECT lp.id, sa.name AS service_area, lp.theme, lp.description, lp.source, lp.status,"
                        " lp.created_on, u.name AS created_by FROM learning_points lp"
                        " JOIN learning_point_complaints l ON l.learning_point_id = lp.id"
                        " JOIN service_areas sa ON sa.id = lp.service_area_id LEFT JOIN users u ON u.id = lp.created_by"
                        " WHERE l.complaint_id = ? ORDER BY lp.id", [complaint_id])
    for point in points:
        point["actions"] = _dicts(db, "SELECT a.id, a.description, u.name AS owner, sa.name AS service_area, a.due_on,"
                                      " a.priority, a.status, a.cancel_reason, a.created_on, a.completed_on, a.verified_on"
                                      " FROM actions a JOIN users u ON u.id = a.owner_id"
                                      " JOIN service_areas sa ON sa.id = a.service_area_id"
                                      " WHERE a.learning_point_id = ? ORDER BY a.id", [point["id"]])
        for action in point["actions"]:
            action["history"] = _dicts(db, "SELECT h.at, u.name AS by, h.kind, h.from_value, h.to_value, h.note"
                                           " FROM action_updates h LEFT JOIN users u ON u.id = h.user_id"
                                           " WHERE h.action_id = ? ORDER BY h.at, h.id", [action["id"]])
            action["evidence"] = _dicts(db, "SELECT e.description, e.link, e.filename, e.size_bytes, u.name AS added_by,"
                                            " e.added_at FROM action_evidence e LEFT JOIN users u ON u.id = e.added_by"
                                            " WHERE e.action_id = ? ORDER BY e.id", [action["id"]])
    decisions = _dicts(db, "SELECT d.id, m.held_on AS meeting_held_on, d.decision, d.note, u.name AS recorded_by,"
                           " d.recorded_at FROM forum_decisions d JOIN forum_meetings m ON m.id = d.meeting_id"
                           " LEFT JOIN users u ON u.id = d.recorded_by WHERE d.complaint_id = ? ORDER BY d.id",
                           [complaint_id])
    return {"stages": stages, "concerns": concerns, "learning_points": points, "forum_decisions": decisions,
            "audit_events": audit_events_about(db, complaint_id, complaint["reference"],
                                               [d["id"] for d in decisions])}


def audit_events_about(db: sqlite_utils.Database, complaint_id: int, reference: str,
                       decision_ids: list[int]) -> list[dict[str, Any]]:
    """Every audit event about a complaint, oldest first: on the complaint itself, on a forum decision about
    it, or naming its reference anywhere in what it recorded (a learning point drawn from it, say; "CS-1"
    is not named by "CS-10")."""
    like = query.contains(reference)
    decisions = query.in_ids("entity_id", decision_ids) if decision_ids else "0"
    rows = _dicts(db, "SELECT id, at, user_email, event, entity, entity_id, outcome, before, after, message"
                      " FROM audit_events"
                      f" WHERE (entity = 'complaint' AND entity_id = :id) OR (entity = 'forum_decision' AND {decisions})"
                      " OR before LIKE :like ESCAPE '\\' OR after LIKE :like ESCAPE '\\' OR message LIKE :like ESCAPE '\\'"
                      " ORDER BY id", {"id": complaint_id, "like": like})
    mention = reference_mention(reference)
    rows = [row for row in rows if _tied(row, complaint_id, decision_ids)
            or any(mention.search(row[key] or "") for key in ("before", "after", "message"))]
    for row in rows:
        for key in ("before", "after"):
            if row[key]:
                try:
                    row[key] = json.loads(row[key])
                except ValueError:
                    pass  # kept as the text recorded
    return rows


def _tied(row: dict[str, Any], complaint_id: int, decision_ids: list[int]) -> bool:
    return ((row["entity"] == "complaint" and row["entity_id"] == complaint_id)
            or (row["entity"] == "forum_decision" and row["entity_id"] in decision_ids))
