"""Recording the learning from complaints: new learning points, linking complaints to existing ones,
"no learning identified" decisions, and closing a learning point.

A complaint's learning decision (the learning points it is linked to, or the recorded reason why it left
none) is one thing that two people can edit at once, so every write that changes it names the
complaint's version the user read and bumps it: the second of two saves gets a conflict instead of
quietly replacing the first. Service managers record learning only for complaints and learning points of
their own service areas; the complaints officer anywhere; forum members and viewers never write here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlite_utils

from .. import config
from ..db import now_utc
from ..errors import InvalidInput, NotFound, Problem, unknown_value
from ..models import NewLearningPoint, NoLearningDecision
from .core import (
    Actor,
    Change,
    audited,
    ensure_version,
    fetch_row,
    require_area,
    require_role,
    service_area_id,
    service_area_name,
    update_versioned,
)
from ..rules.roles import COMPLAINTS_OFFICER, LEARNING_RECORDERS
from ..rules import vocabulary
from ..rules.vocabulary import CLOSED



def complaint_by_reference(db: sqlite_utils.Database, reference: str) -> dict[str, Any]:
    """The complaint with this reference (case and surrounding spaces ignored), or ``NotFound``."""
    cursor = db.execute("SELECT * FROM complaints WHERE reference = ? COLLATE NOCASE", [(reference or "").strip()])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"No complaint has the reference '{(reference or '').strip()}'.")
    return dict(zip([c[0] for c in cursor.description], row))


def check_theme(db: sqlite_utils.Database, theme: str) -> str:
    """The configured spelling of a theme: a main concern category."""
    allowed = config.concern_categories(db)
    for option in allowed:
        if option.lower() == theme.strip().lower():
            return option
    raise InvalidInput([unknown_value("theme", theme, allowed)])


def _require_learning_role(actor: Actor) -> None:
    require_role(actor, *LEARNING_RECORDERS, doing="record learning from complaints")


def _touch_complaint(db: sqlite_utils.Database, complaint: dict[str, Any], read_version: int | None, values: dict[str, Any]) -> None:
    """Bump the complaint's version (its learning decision changed), checking the version the user read."""
    version = complaint["version"] if read_version is None else read_version
    update_versioned(db, "complaints", complaint["id"], version, values, "complaint")


def _clear_no_learning() -> dict[str, Any]:
    # Learning now exists, so an earlier "no learning identified" decision no longer stands.
    return {"no_learning_reason": None, "no_learning_recorded_by": None, "no_learning_recorded_on": None}


def _no_learning_before(complaint: dict[str, Any]) -> dict[str, Any] | None:
    if complaint["no_learning_reason"] is None:
        return None
    return {"no_learning_reason": complaint["no_learning_reason"], "version": complaint["version"]}


def add_learning_point(
    db: sqlite_utils.Database,
    actor: Actor,
    new: NewLearningPoint,
    read_versions: Mapping[str, int] | None = None,
) -> int:
    """Record a new learning point drawn from one or more complaints; return its id.

    ``read_versions`` maps a complaint reference to the version of the complaint the user read; each
    complaint named there is version-checked (a stale one is a conflict). Linking the learning replaces
    any earlier "no learning identified" decision on those complaints.
    """
    with audited(db, actor, "add learning point", "learning_point") as change:
        _write_learning_point(db, actor, new, change, read_versions)
    return change.entity_id


def _write_learning_point(
    db: sqlite_utils.Database,
    actor: Actor,
    new: NewLearningPoint,
    change: Change,
    read_versions: Mapping[str, int] | None = None,
) -> int:
    """The work of ``add_learning_point`` inside the caller's transaction, for a use case that records a
    learning point as part of a larger write (an adjudication's action plan): the same checks, the learning
    point and its links. ``change`` receives its id and values; the caller writes its "add learning point"
    audit event (``core.record_audit``). Return the learning point's id."""
    versions = {ref.strip().lower(): v for ref, v in (read_versions or {}).items()}
    _require_learning_role(actor)
    area_id = service_area_id(db, new.service_area)
    require_area(db, actor, area_id, doing="record learning")
    theme = check_theme(db, new.theme)
    if not new.complaint_references:
        raise InvalidInput([Problem(field="complaints", value=None, message="must name at least one complaint the learning comes from")])
    complaints = []
    # The same complaint named twice (in any case) is linked once.
    unique: dict[str, str] = {}
    for reference in new.complaint_references:
        unique.setdefault(reference.strip().lower(), reference.strip())
    for reference in unique.values():
        complaint = complaint_by_reference(db, reference)
        require_area(db, actor, complaint["service_area_id"], doing="record learning for complaints")
        if complaint["reference"].lower() in versions:
            ensure_version(complaint, versions[complaint["reference"].lower()], "complaint")
        complaints.append(complaint)
    values = {
        "service_area_id": area_id,
        "theme": theme,
        "description": new.description,
        "source": "complaint",
        "status": vocabulary.OPEN,
        "created_by": actor.id,
        "created_on": date.today().isoformat(),
    }
    change.entity_id = db["learning_points"].insert(values).last_pk
    cleared = {}
    for complaint in complaints:
        db["learning_point_complaints"].insert({"learning_point_id": change.entity_id, "complaint_id": complaint["id"]})
        _touch_complaint(db, complaint, versions.get(complaint["reference"].lower()), _clear_no_learning())
        if complaint["no_learning_reason"] is not None:
            cleared[complaint["reference"]] = complaint["no_learning_reason"]
    change.after = {
        **values,
        "service_area": service_area_name(db, area_id),
        "complaints": [c["reference"] for c in complaints],
    }
    if cleared:
        change.before = {"no_learning_reason": cleared}
    return change.entity_id


def link_complaint(
    db: sqlite_utils.Database, actor: Actor, learning_point_id: int, complaint_reference: str, read_version: int
) -> None:
    """Link a complaint to an existing learning point (one learning point may draw on several complaints).

    ``read_version`` is the complaint's version the user read.
    """
    with audited(db, actor, "link complaint to learning point", "learning_point", learning_point_id) as change:
        _require_learning_role(actor)
        point = fetch_row(db, "learning_points", learning_point_id, "learning point")
        complaint = complaint_by_reference(db, complaint_reference)
        require_area(db, actor, point["service_area_id"], doing="link complaints to learning points")
        require_area(db, actor, complaint["service_area_id"], doing="record learning for complaints")
        ensure_version(complaint, read_version, "complaint")
        linked = db.execute(
            "SELECT 1 FROM learning_point_complaints WHERE learning_point_id = ? AND complaint_id = ?",
            [learning_point_id, complaint["id"]],
        ).fetchone()
        if linked:
            raise InvalidInput(
                [Problem(field="complaint", value=complaint["reference"], message=f"is already linked to learning point {learning_point_id}")]
            )
        _touch_complaint(db, complaint, read_version, _clear_no_learning())
        db["learning_point_complaints"].insert({"learning_point_id": learning_point_id, "complaint_id": complaint["id"]})
        change.before = _no_learning_before(complaint)
        change.after = {"complaint": complaint["reference"], "complaint_version": read_version + 1}


def record_no_learning(
    db: sqlite_utils.Database, actor: Actor, complaint_reference: str, read_version: int, decision: NoLearningDecision
) -> None:
    """Record on a complaint that no learning was identified, and why (or change the reason)."""
    with audited(db, actor, "record no learning identified", "complaint") as change:
        _require_learning_role(actor)
        complaint = complaint_by_reference(db, complaint_reference)
        change.entity_id = complaint["id"]
        require_area(db, actor, complaint["service_area_id"], doing="record learning decisions for complaints")
        ensure_version(complaint, read_version, "complaint")
        points = [r[0] for r in db.execute(
            "SELECT learning_point_id FROM learning_point_complaints WHERE complaint_id = ? ORDER BY learning_point_id",
            [complaint["id"]],
        )]
        if points:
            listed = ", ".join(str(p) for p in points)
            raise InvalidInput(
                [Problem(field="no learning identified", value=None,
                         message=f"cannot be recorded: complaint {complaint['reference']} already has learning point {listed}")]
            )
        values = {
            "no_learning_reason": decision.reason,
            "no_learning_recorded_by": actor.id,
            "no_learning_recorded_on": date.today().isoformat(),
        }
        _touch_complaint(db, complaint, read_version, values)
        change.before = _no_learning_before(complaint)
        change.after = {"complaint": complaint["reference"], "no_learning_reason": decision.reason, "version": read_version + 1}


def close_learning_point(
    db: sqlite_utils.Database, actor: Actor, learning_point_id: int, read_version: int, note: str | None = None
) -> None:
    """Close a learning point (the forum's "close the learning point" decision); complaints officer only."""
    with audited(db, actor, "close learning point", "learning_point", learning_point_id) as change:
        require_role(actor, COMPLAINTS_OFFICER, doing="close a learning point")
        point = fetch_row(db, "learning_points", learning_point_id, "learning point")
        ensure_version(point, read_version, "learning point")
        if point["status"] == CLOSED:
            raise InvalidInput([Problem(field="learning point", value=learning_point_id, message="is already closed")])
        update_versioned(db, "learning_points", learning_point_id, read_version, {"status": CLOSED}, "learning point")
        open_actions = db.execute(
            f"SELECT COUNT(*) FROM actions WHERE learning_point_id = ? AND status IN {vocabulary.OPEN_ACTION_SQL}",
            [learning_point_id],
        ).fetchone()[0]
        change.before = {"status": point["status"], "version": read_version}
        change.after = {"status": CLOSED, "version": read_version + 1, "note": (note or "").strip() or None,
                        "open_actions": open_actions, "closed_at": now_utc()}
