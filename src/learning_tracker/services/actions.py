"""Improvement actions: create, progress, evidence, due-date moves, verification.

Service managers work on the actions of their own service areas; only the complaints officer verifies
a completed action or sends it back. Every change leaves a row in ``action_updates`` (the history the
users read) and an audit event (the record the council keeps). Overdue is never stored: it is derived
from the due date and the status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from .. import config
from ..rules import vocabulary
from ..rules.vocabulary import (
    ACTION_TRANSITIONS,
    CANCELLED,
    COMPLETED,
    FINISHED_ACTION_STATUSES,
    IN_PROGRESS,
    NOT_STARTED,
    OPEN_ACTION_STATUSES,
    VERIFIED,
)
from ..db import now_utc
from ..errors import InvalidInput, Problem
from ..models import DueDateChange, Evidence, NewAction, StatusChange
from .core import (
    Actor,
    Change,
    audited,
    check_vocabulary,
    ensure_version,
    fetch_row,
    load_actor,
    require_area,
    require_role,
    service_area_id,
    service_area_name,
    update_versioned,
    user_id_by_email,
)
from .permissions import may_own_action
from ..rules.roles import COMPLAINTS_OFFICER, LEARNING_RECORDERS, ROLES


def _history(db: sqlite_utils.Database, action_id: int, actor: Actor, kind: str, before=None, after=None, note=None):
    db.execute(
        "INSERT INTO action_updates (action_id, at, user_id, kind, from_value, to_value, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [action_id, now_utc(), actor.id, kind, before, after, note],
    )


def refresh_learning_point_status(db: sqlite_utils.Database, learning_point_id: int) -> str:
    """Set a learning point's status from its actions (``vocabulary.learning_point_status``); return it."""
    current = db.execute("SELECT status FROM learning_points WHERE id = ?", [learning_point_id]).fetchone()[0]
    statuses = {r[0] for r in db.execute("SELECT status FROM actions WHERE learning_point_id = ?", [learning_point_id])}
    status = vocabulary.learning_point_status(statuses, current)
    if status != current:
        db.execute(
            "UPDATE learning_points SET status = ?, version = version + 1 WHERE id = ?", [status, learning_point_id]
        )
    return status


def owner_problem(db: sqlite_utils.Database, owner: Actor | None, service_area_id: int) -> str | None:
    """Why ``owner`` cannot own an action of the service area, in the users' words; None when they can.

    An owner must be able to update their action (``permissions.may_own_action``): an action given to a
    viewer, or to a service manager of another area, would sit where its owner cannot move it.
    """
    area = service_area_name(db, service_area_id)
    choose = f"choose the complaints officer or a service manager of {area}"
    if owner is None:
        return f"has been deactivated; an action still open needs an owner who can update it: {choose}"
    if may_own_action(owner, service_area_id):
        return None
    if owner.role not in LEARNING_RECORDERS:
        return f"is a {ROLES[owner.role].lower()}, who cannot update improvement actions: {choose}"
    theirs = [service_area_name(db, a) for a in sorted(owner.service_area_ids)]
    works_in = f"works in {', '.join(theirs)} only" if theirs else "has no service area yet"
    return f"{works_in}, so could not update an action of {area}: {choose}"


def create_action(db: sqlite_utils.Database, actor: Actor, new: NewAction) -> int:
    """Add an improvement action to a learning point; return its id.

    The actor must work in the action's service area and in the learning point's (the action changes the
    learning point's status), and the owner must be someone who can update the action (``owner_problem``).
    """
    with audited(db, actor, "create action", "action") as change:
        _write_action(db, actor, new, change)
    return change.entity_id


def _write_action(db: sqlite_utils.Database, actor: Actor, new: NewAction, change: Change) -> int:
    """The work of ``create_action`` inside the caller's transaction, for a use case that creates actions as
    part of a larger write (an adjudication's accepted recommendations): the same checks, the action, its
    history row and its learning point's status. ``change`` receives the action's id and values; the caller
    writes its "create action" audit event (``core.record_audit``). Return the action's id."""
    area_id = service_area_id(db, new.service_area)
    require_area(db, actor, area_id, doing="add improvement actions")
    point = fetch_row(db, "learning_points", new.learning_point_id, "learning point")
    require_area(db, actor, point["service_area_id"], doing="add improvement actions to learning points")
    owner_id = user_id_by_email(db, new.owner_email)
    problem = owner_problem(db, load_actor(db, owner_id), area_id)
    if problem:
        raise InvalidInput([Problem(field="owner", value=new.owner_email, message=problem)])
    priority = check_vocabulary(db, "priority", new.priority, field="priority")
    values = {
        "learning_point_id": new.learning_point_id,
        "description": new.description,
        "owner_id": owner_id,
        "service_area_id": area_id,
        "due_on": new.due_on.isoformat(),
        "priority": priority,
        "status": NOT_STARTED,
        "created_on": date.today().isoformat(),
    }
    change.entity_id = db["actions"].insert(values).last_pk
    _history(db, change.entity_id, actor, "created", after=NOT_STARTED, note=new.description)
    refresh_learning_point_status(db, new.learning_point_id)
    change.after = values
    return change.entity_id


def _action_for_change(
    db: sqlite_utils.Database, actor: Actor, action_id: int, doing: str, read_version: int | None = None
) -> dict[str, Any]:
    """The action, once the actor may change it (and, given ``read_version``, it is still that version)."""
    action = fetch_row(db, "actions", action_id, "action")
    require_area(db, actor, action["service_area_id"], doing=doing)
    if read_version is not None:
        ensure_version(action, read_version, "action")
    return action


def change_status(db: sqlite_utils.Database, actor: Actor, action_id: int, read_version: int, change_to: StatusChange) -> None:
    """Move an action to a new status: start, complete, cancel (with a reason), verify or send back (officer)."""
    with audited(db, actor, "change action status", "action", action_id) as change:
        action = _action_for_change(db, actor, action_id, "update actions", read_version)
        new = check_vocabulary_status(change_to.status)
        old = action["status"]
        if new == VERIFIED or (old == COMPLETED and new == IN_PROGRESS):
            require_role(actor, COMPLAINTS_OFFICER, doing="verify a completed action or send it back")
        if new not in ACTION_TRANSITIONS[old]:
            raise InvalidInput(
                [Problem(field="status", value=new, message=f"cannot follow '{old}'" + _allowed_after(old))]
            )
        if new == CANCELLED and not change_to.note:
            raise InvalidInput([Problem(field="reason", value=None, message="is required to cancel an action")])
        if old == COMPLETED and new == IN_PROGRESS and not change_to.note:
            raise InvalidInput([Problem(field="note", value=None, message="is required to send an action back")])
        values: dict[str, Any] = {"status": new}
        today = date.today().isoformat()
        if new == COMPLETED:
            values["completed_on"] = today
        if new == VERIFIED:
            values["verified_on"] = today
        if new == CANCELLED:
            values["cancel_reason"] = change_to.note
        sent_back = old == COMPLETED and new == IN_PROGRESS
        if sent_back:
            values["completed_on"] = None
        update_versioned(db, "actions", action_id, read_version, values, "action")
        kind = new if new in FINISHED_ACTION_STATUSES else "sent back" if sent_back else "status"
        _history(db, action_id, actor, kind, before=old, after=new, note=change_to.note)
        refresh_learning_point_status(db, action["learning_point_id"])
        change.before = {"status": old, "version": read_version}
        change.after = {**values, "version": read_version + 1}


def check_vocabulary_status(status: str) -> str:
    for option in vocabulary.ACTION_STATUSES:
        if option == status.strip().lower():
            return option
    raise InvalidInput(
        [Problem(field="status", value=status, message="is not an action status; allowed: " + ", ".join(vocabulary.ACTION_STATUSES))]
    )


def _allowed_after(old: str) -> str:
    options = sorted(ACTION_TRANSITIONS[old])
    if not options:
        return f"; a {old} action can no longer change"
    return "; it may become " + " or ".join(f"'{o}'" for o in options)


def add_note(db: sqlite_utils.Database, actor: Actor, action_id: int, text: str) -> None:
    """Add a progress note to an action's history. Notes only append, so they need no version check."""
    note = (text or "").strip()
    with audited(db, actor, "add action note", "action", action_id) as change:
        _action_for_change(db, actor, action_id, "add notes to actions")
        if not note:
            raise InvalidInput([Problem(field="note", value=None, message="is required")])
        _history(db, action_id, actor, "note", note=note)
        change.after = {"note": note}


def change_due_date(
    db: sqlite_utils.Database, actor: Actor, action_id: int, read_version: int, move: DueDateChange
) -> None:
    """Move an action's due date; the reason is kept in the history."""
    with audited(db, actor, "change action due date", "action", action_id) as change:
        action = _action_for_change(db, actor, action_id, "move due dates", read_version)
        if action["status"] not in OPEN_ACTION_STATUSES:
            raise InvalidInput(
                [Problem(field="due date", value=None, message=f"cannot change on a {action['status']} action")]
            )
        update_versioned(db, "actions", action_id, read_version, {"due_on": move.due_on.isoformat()}, "action")
        _history(db, action_id, actor, "due date", before=action["due_on"], after=move.due_on.isoformat(), note=move.reason)
        change.before = {"due_on": action["due_on"], "version": read_version}
        change.after = {"due_on": move.due_on.isoformat(), "reason": move.reason, "version": read_version + 1}


def file_size(size_bytes: int) -> str:
    """A file size in the users' words: exact bytes below a megabyte (so a small limit reads true), else MB."""
    if size_bytes < 1_000_000:
        return f"{size_bytes:,} bytes"
    return f"{size_bytes / 1e6:.1f} MB"


def add_evidence(db: sqlite_utils.Database, actor: Actor, action_id: int, evidence: Evidence) -> int:
    """Store evidence of completion (a link or a file up to the configured size) with an action."""
    with audited(db, actor, "add action evidence", "action", action_id) as change:
        action = _action_for_change(db, actor, action_id, "add evidence to actions")
        if action["status"] in FINISHED_ACTION_STATUSES:
            raise InvalidInput([Problem(field="evidence", value=None, message=f"cannot be added to a {action['status']} action")])
        if not evidence.link and not evidence.content:
            raise InvalidInput([Problem(field="evidence", value=None, message="needs a link or a file")])
        size = len(evidence.content or b"")
        limit = int(config.setting(db, "evidence_max_bytes"))
        if size > limit:
            raise InvalidInput(
                [Problem(field="file", value=evidence.filename, message=f"is {file_size(size)}; the most allowed is {file_size(limit)}")]
            )
        evidence_id = db["action_evidence"].insert(
            {
                "action_id": action_id,
                "description": evidence.description,
                "link": evidence.link,
                "filename": evidence.filename,
                "content": evidence.content,
                "size_bytes": size,
                "added_by": actor.id,
                "added_at": now_utc(),
            }
        ).last_pk
        _history(db, action_id, actor, "evidence", after=evidence.filename or evidence.link, note=evidence.description)
        change.after = {"evidence_id": evidence_id, "description": evidence.description, "link": evidence.link,
                        "filename": evidence.filename, "size_bytes": size}
    return evidence_id

