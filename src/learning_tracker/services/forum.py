"""The Practice Improvement Forum: its meetings and what it decided about each item of its pack.

Forum members and the complaints officer set up meetings and record decisions; service managers and
viewers read them. Decisions only append (a second decision on the same item is kept beside the
first), so they need no version check, except that a "close the learning point" decision closes the
learning point, checking the version the forum read. The forum never changes an improvement action:
the action services refuse forum members, and nothing here writes to ``actions``.
"""

from __future__ import annotations

import sqlite_utils

from ..db import now_utc
from ..errors import InvalidInput, Problem
from ..models import ForumDecision, NewForumMeeting
from .core import (
    Actor,
    audited,
    check_vocabulary,
    fetch_row,
    record_audit,
    require_role,
    update_versioned,
)
from ..rules.roles import FORUM_RECORDERS
from ..rules import vocabulary
from ..rules.vocabulary import CLOSED

NOTED, ESCALATE, CLOSE, NEW_ACTION = "noted", "escalate to senior leadership", "close the learning point", "new action needed"
# Decisions that mean someone else must act: the note says what, so the pack tells them.
NOTE_REQUIRED = {ESCALATE: "say what is escalated and why", NEW_ACTION: "say what action is needed and who should own it"}
ATTENDEE_SEPARATOR = "; "

# item -> (table, decision column, what it is called in a message)
ITEMS = {
    "learning point": ("learning_points", "learning_point_id", "learning point"),
    "action": ("actions", "action_id", "action"),
    "learning gap": ("complaints", "complaint_id", "complaint"),
}


def _require_recorder(actor: Actor, doing: str) -> None:
    require_role(actor, *FORUM_RECORDERS, doing=doing)


def create_meeting(db: sqlite_utils.Database, actor: Actor, new: NewForumMeeting) -> int:
    """Set up a forum meeting on a date with its attendees' role titles; return its id.

    One meeting per date: a second one on the same date is refused with a message naming the date.
    """
    with audited(db, actor, "create forum meeting", "forum_meeting") as change:
        _require_recorder(actor, "set up forum meetings")
        attendees: list[str] = []
        for title in new.attendees:
            if title.lower() not in (a.lower() for a in attendees):
                attendees.append(title)
        if not attendees:
            raise InvalidInput([Problem(field="attendees", value=None, message="need at least one role title")])
        held_on = new.held_on.isoformat()
        if db.execute("SELECT 1 FROM forum_meetings WHERE held_on = ?", [held_on]).fetchone():
            raise InvalidInput([Problem(field="meeting date", value=held_on,
                                        message="already has a meeting; choose it from the list of meetings")])
        values = {"held_on": held_on, "attendees": ATTENDEE_SEPARATOR.join(attendees), "created_by": actor.id}
        change.entity_id = db["forum_meetings"].insert(values).last_pk
        change.after = values
    return change.entity_id


def record_decision(db: sqlite_utils.Database, actor: Actor, meeting_id: int, decision: ForumDecision) -> int:
    """Record what the forum decided about one item at a meeting; return the decision's id.

    The decision is one of the ``forum_decision`` vocabulary. "escalate to senior leadership" and
    "new action needed" need a note. "close the learning point" applies to a learning point only and
    also sets its status to closed, in the same transaction, if it is still at ``read_version``; the
    closure gets its own audit event on the learning point as well, so the learning point's history
    shows it.
    """
    with audited(db, actor, "record forum decision", "forum_decision") as change:
        _require_recorder(actor, "record forum decisions")
        meeting = fetch_row(db, "forum_meetings", meeting_id, "forum meeting")
        word = check_vocabulary(db, "forum_decision", decision.decision, field="decision")
        table, column, what = ITEMS[decision.item]
        item = fetch_row(db, table, decision.item_id, what)
        note = (decision.note or "").strip()
        if word in NOTE_REQUIRED and not note:
            raise InvalidInput([Problem(field="note", value=None, message=f"is required for '{word}': {NOTE_REQUIRED[word]}")])
        closure = None
        if word == CLOSE:
            closure = _close_learning_point(db, actor, decision, item, meeting_id)
        values = {
            "meeting_id": meeting_id,
            column: decision.item_id,
            "decision": word,
            "note": note,
            "recorded_by": actor.id,
            "recorded_at": now_utc(),
        }
        change.entity_id = db["forum_decisions"].insert(values).last_pk
        change.after = {**values, "meeting_held_on": meeting["held_on"], "item": decision.item,
                        **({"learning_point_closed": closure} if closure else {})}
    return change.entity_id


def _close_learning_point(db, actor: Actor, decision: ForumDecision, point: dict, meeting_id: int) -> dict:
    """Close the learning point the decision is about (inside the decision's transaction).

    The learning service's ``close_learning_point`` is the complaints officer's own use case with its
    own transaction; the forum's closure is part of its decision, so it is written here, version-checked.
    """
    if decision.item != "learning point":
        raise InvalidInput([Problem(field="decision", value=CLOSE,
                                    message="applies to a learning point; choose the learning point itself to close it")])
    if point["status"] == CLOSED:
        raise InvalidInput([Problem(field="learning point", value=point["id"], message="is already closed")])
    if decision.read_version is None:
        raise InvalidInput([Problem(field="learning point version", value=None,
                                    message="is required to close a learning point: reload the pack and decide again")])
    update_versioned(db, "learning_points", point["id"], decision.read_version, {"status": CLOSED}, "learning point")
    open_actions = db.execute(
        f"SELECT COUNT(*) FROM actions WHERE learning_point_id = ? AND status IN {vocabulary.OPEN_ACTION_SQL}",
        [point["id"]],
    ).fetchone()[0]
    closure = {"status": CLOSED, "version": decision.read_version + 1, "open_actions": open_actions}
    record_audit(db, actor, "close learning point", "learning_point", point["id"],
                 before={"status": point["status"], "version": decision.read_version},
                 after={**closure, "forum_meeting_id": meeting_id, "note": (decision.note or "").strip() or None})
    return closure
