"""Service areas, the complaints officer's to administer: add, rename, merge two into one, deactivate
and reactivate, and the list of service areas with what each holds.

Every write follows the house pattern: permission check, validation, one audited transaction, and a
version check on the row the officer read. Nothing is ever deleted: a service area merged into another
stays (inactive) so that old audit events, imports and reports can still name it; the audit event of a
merge lists every record it moved.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

from ..errors import InvalidInput, Problem
from .core import (
    Actor,
    audited,
    fetch_row,
    require_officer,
    update_versioned,
)
from ..rules import vocabulary


# The records that belong to a service area, moved when two areas are merged.
AREA_RECORDS = ("complaints", "compliments", "learning_points", "actions")


# --- writes ---------------------------------------------------------------------------------------


def _area_name(db: sqlite_utils.Database, name: str, *, except_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput([Problem("name", None, "is required")])
    if len(name) > 200:
        raise InvalidInput([Problem("name", name[:40] + "…", "may be at most 200 characters long")])
    clash = db.execute("SELECT id, active FROM service_areas WHERE name = ? COLLATE NOCASE AND id IS NOT ?",
                       [name, except_id]).fetchone()
    if clash:
        hint = " (deactivated: reactivate it instead)" if not clash[1] else ""
        raise InvalidInput([Problem("name", name, f"is already a service area{hint}")])
    return name


def add_service_area(db: sqlite_utils.Database, actor: Actor, name: str) -> int:
    """Add a service area; return its id."""
    with audited(db, actor, "add service area", "service_area") as change:
        require_officer(actor, "add service areas")
        name = _area_name(db, name)
        change.entity_id = db["service_areas"].insert({"name": name, "active": 1}).last_pk
        change.after = {"name": name, "active": True, "version": 1}
    return change.entity_id


def rename_service_area(db: sqlite_utils.Database, actor: Actor, area_id: int, read_version: int, new_name: str) -> None:
    """Rename a service area; its records follow, since they refer to it by id."""
    with audited(db, actor, "rename service area", "service_area", area_id) as change:
        require_officer(actor, "rename service areas")
        area = fetch_row(db, "service_areas", area_id, "service area")
        name = _area_name(db, new_name, except_id=area_id)
        update_versioned(db, "service_areas", area_id, read_version, {"name": name}, "service area")
        change.before = {"name": area["name"], "version": read_version}
        change.after = {"name": name, "version": read_version + 1}


def merge_service_areas(
    db: sqlite_utils.Database, actor: Actor, keep_id: int, keep_version: int, merge_id: int, merge_version: int
) -> dict[str, int]:
    """Merge one service area into another: its complaints, compliments, learning points, actions and users
    move to the kept area, and it is deactivated. Return how many of each moved.

    The audit event lists the id of every record moved, so the merge can be traced (and undone by hand).
    """
    with audited(db, actor, "merge service areas", "service_area", merge_id) as change:
        require_officer(actor, "merge service areas")
        keep = fetch_row(db, "service_areas", keep_id, "service area")
        gone = fetch_row(db, "service_areas", merge_id, "service area")
        if keep_id == merge_id:
            raise InvalidInput([Problem("service areas", keep["name"], "must be two different areas to merge")])
        for area, role in ((keep, "area to keep"), (gone, "area to merge")):
            if not area["active"]:
                raise InvalidInput([Problem(role, area["name"], "is deactivated; reactivate it first")])
        update_versioned(db, "service_areas", keep_id, keep_version, {"name": keep["name"]}, "service area")
        update_versioned(db, "service_areas", merge_id, merge_version, {"active": 0}, "service area")
        moved: dict[str, list[int]] = {}
        for table in AREA_RECORDS:
            moved[table] = [r[0] for r in db.execute(f"SELECT id FROM [{table}] WHERE service_area_id = ? ORDER BY id", [merge_id])]
            # A moved record's version changes too, so a form opened before the merge cannot undo it.
            db.execute(f"UPDATE [{table}] SET service_area_id = ?, version = version + 1 WHERE service_area_id = ?",
                       [keep_id, merge_id])
        users = [r[0] for r in db.execute("SELECT user_id FROM user_service_areas WHERE service_area_id = ? ORDER BY user_id", [merge_id])]
        db.execute("INSERT OR IGNORE INTO user_service_areas (user_id, service_area_id)"
                   " SELECT user_id, ? FROM user_service_areas WHERE service_area_id = ?", [keep_id, merge_id])
        db.execute("DELETE FROM user_service_areas WHERE service_area_id = ?", [merge_id])
        moved["users"] = users
        change.before = {"merged": gone["name"], "merged_id": merge_id, "into": keep["name"], "into_id": keep_id,
                         "moved_ids": moved}
        counts = {table: len(ids) for table, ids in moved.items()}
        change.after = {"merged_area_active": False, "moved": counts}
    return counts


def deactivate_service_area(db: sqlite_utils.Database, actor: Actor, area_id: int, read_version: int) -> None:
    """Stop new records being filed under a service area; its existing records keep it."""
    with audited(db, actor, "deactivate service area", "service_area", area_id) as change:
        require_officer(actor, "deactivate service areas")
        area = fetch_row(db, "service_areas", area_id, "service area")
        if not area["active"]:
            raise InvalidInput([Problem("service area", area["name"], "is already deactivated")])
        open_actions = db.execute(
            f"SELECT COUNT(*) FROM actions WHERE service_area_id = ? AND status IN {vocabulary.UNFINISHED_ACTION_SQL}",
            [area_id],
        ).fetchone()[0]
        if open_actions:
            raise InvalidInput([Problem(
                "service area", area["name"],
                f"still has {open_actions} improvement action{'s' if open_actions != 1 else ''} not yet verified or "
                "cancelled; merge it into another area instead, or finish them first")])
        update_versioned(db, "service_areas", area_id, read_version, {"active": 0}, "service area")
        change.before = {"name": area["name"], "active": True, "version": read_version}
        change.after = {"active": False, "version": read_version + 1}


def reactivate_service_area(db: sqlite_utils.Database, actor: Actor, area_id: int, read_version: int) -> None:
    """Let records be filed under a deactivated service area again."""
    with audited(db, actor, "reactivate service area", "service_area", area_id) as change:
        require_officer(actor, "reactivate service areas")
        area = fetch_row(db, "service_areas", area_id, "service area")
        if area["active"]:
            raise InvalidInput([Problem("service area", area["name"], "is already active")])
        update_versioned(db, "service_areas", area_id, read_version, {"active": 1}, "service area")
        change.before = {"name": area["name"], "active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


# --- read side: the service areas and their names ------------------------------------------------


def service_areas(db: sqlite_utils.Database, actor: Actor) -> pd.DataFrame:
    """Every service area with how many records and users it holds."""
    require_officer(actor, "see the service areas")
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT s.id, s.name, s.active, s.version,"
            " (SELECT COUNT(*) FROM complaints c WHERE c.service_area_id = s.id) AS complaints,"
            " (SELECT COUNT(*) FROM learning_points l WHERE l.service_area_id = s.id) AS learning_points,"
            " (SELECT COUNT(*) FROM actions a WHERE a.service_area_id = s.id) AS actions,"
            " (SELECT COUNT(*) FROM user_service_areas u WHERE u.service_area_id = s.id) AS users"
            " FROM service_areas s ORDER BY s.active DESC, s.name")],
        columns=["id", "name", "active", "version", "complaints", "learning_points", "actions", "users"],
    )


def area_names(db: sqlite_utils.Database, *, active: bool = True) -> list[str]:
    """The names of the active (or all) service areas, in alphabetical order."""
    return [r[0] for r in db.execute(f"SELECT name FROM service_areas {'WHERE active' if active else ''} ORDER BY name")]
