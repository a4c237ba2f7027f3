"""Administration, the complaints officer's: users, service areas, concern codes, timescales and the RAG
threshold, and reading the audit log.

Every write follows the house pattern: permission check, validation, one audited transaction, and a
version check on the row the officer read. Nothing is ever deleted: users, service areas and concern
codes are deactivated, and a service area merged into another stays (inactive) so that old audit events,
imports and reports can still name it; the audit event of a merge lists every record it moved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from .. import config
from . import auth
from ..errors import Conflict, InvalidInput, NotFound, Problem, unknown_value
from ..models import NewUser, TimescaleChange, UserChange
from .core import (
    Actor,
    audited,
    fetch_row,
    require_role,
    update_versioned,
)
from ..rules.roles import COMPLAINTS_OFFICER, SERVICE_MANAGER
from ..rules import roles, vocabulary

# The records that belong to a service area, moved when two areas are merged.
AREA_RECORDS = ("complaints", "compliments", "learning_points", "actions")
MAX_AMBER_WORKING_DAYS = 20


def _require_officer(actor: Actor, doing: str) -> None:
    require_role(actor, COMPLAINTS_OFFICER, doing=doing)


def command_line_actor() -> Actor:
    """Who acts when the ``learning-tracker`` command changes users.

    Whoever can run the command can open the database file itself, so the command acts as a complaints
    officer; this is how the first complaints officer is created. Its audit events name the command.
    """
    return Actor(id=None, email="learning-tracker command", name="The learning-tracker command",  # type: ignore[arg-type]
                 role=COMPLAINTS_OFFICER)


# --- users ---------------------------------------------------------------------------------------



def _area_ids(db: sqlite_utils.Database, names: list[str], role: str, problems: list[Problem]) -> list[int]:
    ids = []
    for name in names:
        row = db.execute("SELECT id FROM service_areas WHERE name = ? COLLATE NOCASE AND active", [name.strip()]).fetchone()
        if row is None:
            known = area_names(db)
            problems.append(unknown_value("service area", name, known) if known else
                            Problem("service area", name, "is not known: there are no service areas yet; add them first"))
        elif row[0] not in ids:
            ids.append(row[0])
    if role == SERVICE_MANAGER and not names:
        problems.append(Problem("service areas", None, "are required for a service manager: choose at least one"))
    return ids


def _user_snapshot(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """A user as the audit log keeps them: never their password or its hash."""
    row = fetch_row(db, "users", user_id, "user")
    areas = [r[0] for r in db.execute(
        "SELECT a.name FROM user_service_areas u JOIN service_areas a ON a.id = u.service_area_id"
        " WHERE u.user_id = ? ORDER BY a.name", [user_id])]
    return {"email": row["email"], "name": row["name"], "role": row["role"], "active": bool(row["active"]),
            "service_areas": areas, "version": row["version"]}


def _set_areas(db: sqlite_utils.Database, user_id: int, area_ids: list[int]) -> None:
    db.execute("DELETE FROM user_service_areas WHERE user_id = ?", [user_id])
    for area_id in area_ids:
        db.execute("INSERT INTO user_service_areas (user_id, service_area_id) VALUES (?, ?)", [user_id, area_id])


def _refuse_losing_last_officer(db: sqlite_utils.Database, user: dict[str, Any], doing: str) -> None:
    """Someone must always be able to administer the app."""
    if user["role"] != COMPLAINTS_OFFICER or not user["active"]:
        return
    others = db.execute(
        "SELECT COUNT(*) FROM users WHERE role = ? AND active AND id != ?", [COMPLAINTS_OFFICER, user["id"]]
    ).fetchone()[0]
    if not others:
        raise InvalidInput([Problem("user", user["email"], f"is the only active complaints officer, so you cannot {doing}; "
                                    "add another complaints officer first")])


def add_user(db: sqlite_utils.Database, actor: Actor, new: NewUser) -> int:
    """Add a user with a role and service areas (and, for a local account, a first password); return their id."""
    with audited(db, actor, "add user", "user") as change:
        _require_officer(actor, "add users")
        problems: list[Problem] = []
        email = new.email.strip()
        if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
            problems.append(Problem("email", email, "is not an email address"))
        existing = db.execute("SELECT active FROM users WHERE email = ? COLLATE NOCASE", [email]).fetchone()
        if existing is not None:
            hint = "; reactivate them instead" if not existing[0] else ""
            problems.append(Problem("email", email, f"already belongs to a user{hint}"))
        try:
            role = roles.role_key(new.role)
        except InvalidInput as error:
            problems.extend(error.problems)
            role = ""
        area_ids = _area_ids(db, new.service_areas, role, problems)
        if new.password is not None:
            problems.extend(auth.password_problems(new.password, email=email))
        if problems:
            raise InvalidInput(problems)
        user_id = db["users"].insert({
            "email": email, "name": new.name, "role": role, "active": 1,
            "password_hash": auth.hash_password(new.password) if new.password else None,
        }).last_pk
        _set_areas(db, user_id, area_ids)
        change.entity_id = user_id
        change.after = {**_user_snapshot(db, user_id), "password": "set" if new.password else "none"}
    return change.entity_id


def change_user(db: sqlite_utils.Database, actor: Actor, user_id: int, read_version: int, edit: UserChange) -> None:
    """Change a user's name, role and service areas."""
    with audited(db, actor, "change user", "user", user_id) as change:
        _require_officer(actor, "change users")
        user = fetch_row(db, "users", user_id, "user")
        before = _user_snapshot(db, user_id)
        problems: list[Problem] = []
        try:
            role = roles.role_key(edit.role)
        except InvalidInput as error:
            problems.extend(error.problems)
            role = user["role"]
        area_ids = _area_ids(db, edit.service_areas, role, problems)
        if problems:
            raise InvalidInput(problems)
        if role != COMPLAINTS_OFFICER:
            _refuse_losing_last_officer(db, user, "change their role")
        update_versioned(db, "users", user_id, read_version, {"name": edit.name, "role": role}, "user")
        _set_areas(db, user_id, area_ids)
        change.before = before
        change.after = _user_snapshot(db, user_id)


def deactivate_user(db: sqlite_utils.Database, actor: Actor, user_id: int, read_version: int) -> None:
    """Stop a user from signing in (their records and history stay). Their open session ends at once."""
    with audited(db, actor, "deactivate user", "user", user_id) as change:
        _require_officer(actor, "deactivate users")
        user = fetch_row(db, "users", user_id, "user")
        if user_id == actor.id:
            raise InvalidInput([Problem("user", user["email"], "is you: another complaints officer must deactivate your account")])
        if not user["active"]:
            raise InvalidInput([Problem("user", user["email"], "is already deactivated")])
        _refuse_losing_last_officer(db, user, "deactivate them")
        update_versioned(db, "users", user_id, read_version, {"active": 0}, "user")
        change.before = {"active": True, "version": read_version}
        change.after = {"active": False, "version": read_version + 1}


def reactivate_user(db: sqlite_utils.Database, actor: Actor, user_id: int, read_version: int) -> None:
    """Let a deactivated user sign in again (any lock-out is lifted)."""
    with audited(db, actor, "reactivate user", "user", user_id) as change:
        _require_officer(actor, "reactivate users")
        user = fetch_row(db, "users", user_id, "user")
        if user["active"]:
            raise InvalidInput([Problem("user", user["email"], "is already active")])
        update_versioned(db, "users", user_id, read_version,
                         {"active": 1, "failed_sign_ins": 0, "locked_until": None}, "user")
        change.before = {"active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


def set_password(db: sqlite_utils.Database, actor: Actor, user_id: int, read_version: int, password: str) -> None:
    """Give a user a new password (a first one, or after they forgot theirs); lifts any lock-out."""
    with audited(db, actor, "set user password", "user", user_id) as change:
        _require_officer(actor, "set users' passwords")
        user = fetch_row(db, "users", user_id, "user")
        auth.check_new_password(password, email=user["email"])
        update_versioned(db, "users", user_id, read_version,
                         {"password_hash": auth.hash_password(password), "failed_sign_ins": 0, "locked_until": None}, "user")
        change.after = {"password": "set", "version": read_version + 1}


def unlock_user(db: sqlite_utils.Database, actor: Actor, user_id: int) -> None:
    """Lift a lock-out before its 15 minutes are up."""
    with audited(db, actor, "unlock user", "user", user_id) as change:
        _require_officer(actor, "unlock users")
        user = fetch_row(db, "users", user_id, "user")
        # Lock-out bookkeeping is not an edit of the user, so it does not change their version.
        db.execute("UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?", [user_id])
        change.before = {"locked_until": user["locked_until"], "failed_sign_ins": user["failed_sign_ins"]}
        change.after = {"locked_until": None, "failed_sign_ins": 0}


def change_own_password(db: sqlite_utils.Database, actor: Actor, current_password: str, new_password: str) -> None:
    """Any signed-in user changes their own password, giving the current one first."""
    with audited(db, actor, "change own password", "user", actor.id) as change:
        user = fetch_row(db, "users", actor.id, "user")
        if not user["password_hash"] or not auth._verify(user["password_hash"], current_password or ""):
            raise InvalidInput([Problem("current password", None, "is not right")])
        auth.check_new_password(new_password, email=user["email"])
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [auth.hash_password(new_password), actor.id])
        change.after = {"password": "changed"}


# --- service areas ---------------------------------------------------------------------------------


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
        _require_officer(actor, "add service areas")
        name = _area_name(db, name)
        change.entity_id = db["service_areas"].insert({"name": name, "active": 1}).last_pk
        change.after = {"name": name, "active": True, "version": 1}
    return change.entity_id


def rename_service_area(db: sqlite_utils.Database, actor: Actor, area_id: int, read_version: int, new_name: str) -> None:
    """Rename a service area; its records follow, since they refer to it by id."""
    with audited(db, actor, "rename service area", "service_area", area_id) as change:
        _require_officer(actor, "rename service areas")
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
        _require_officer(actor, "merge service areas")
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
        _require_officer(actor, "deactivate service areas")
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
        _require_officer(actor, "reactivate service areas")
        area = fetch_row(db, "service_areas", area_id, "service area")
        if area["active"]:
            raise InvalidInput([Problem("service area", area["name"], "is already active")])
        update_versioned(db, "service_areas", area_id, read_version, {"active": 1}, "service area")
        change.before = {"name": area["name"], "active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


# --- concern codes ---------------------------------------------------------------------------------


def code_text(category: str, subcategory: str) -> str:
    """A concern code as the users write it: 'Category' or 'Category > Subcategory'."""
    return vocabulary.concern_code_text(category, subcategory)


def add_concern_code(db: sqlite_utils.Database, actor: Actor, category: str, subcategory: str = "") -> int:
    """Add a main concern category, or a subcategory of an active one; return its id."""
    with audited(db, actor, "add concern code", "concern_code") as change:
        _require_officer(actor, "add concern codes")
        category, subcategory = (category or "").strip(), (subcategory or "").strip()
        problems = []
        if not category:
            problems.append(Problem("category", None, "is required"))
        for field, text in (("category", category), ("subcategory", subcategory)):
            if len(text) > 200 or ">" in text:
                problems.append(Problem(field, text[:40], "may be at most 200 characters and may not contain '>'"))
        if problems:
            raise InvalidInput(problems)
        existing = db.execute(
            "SELECT active FROM concern_codes WHERE category = ? COLLATE NOCASE AND subcategory = ? COLLATE NOCASE",
            [category, subcategory]).fetchone()
        if existing:
            hint = " (deactivated: reactivate it instead)" if not existing[0] else ""
            raise InvalidInput([Problem("concern code", code_text(category, subcategory), f"already exists{hint}")])
        if subcategory:
            main = db.execute("SELECT category, position FROM concern_codes WHERE category = ? COLLATE NOCASE"
                              " AND subcategory = '' AND active", [category]).fetchone()
            if main is None:
                raise InvalidInput([unknown_value("category", category, config.concern_categories(db))])
            category = main[0]
            # Keep a category's subcategories together, after its last one.
            position = db.execute("SELECT MAX(position) FROM concern_codes WHERE category = ?", [category]).fetchone()[0] + 1
            db.execute("UPDATE concern_codes SET position = position + 1 WHERE position >= ?", [position])
        else:
            position = (db.execute("SELECT MAX(position) FROM concern_codes").fetchone()[0] or 0) + 1
        change.entity_id = db["concern_codes"].insert(
            {"category": category, "subcategory": subcategory, "position": position, "active": 1}).last_pk
        change.after = {"code": code_text(category, subcategory), "active": True, "version": 1}
    return change.entity_id


def deactivate_concern_code(db: sqlite_utils.Database, actor: Actor, code_id: int, read_version: int) -> int:
    """Stop a concern code being chosen for new complaints (complaints coded with it keep it).

    A main category takes its subcategories with it. Return how many codes were deactivated.
    """
    with audited(db, actor, "deactivate concern code", "concern_code", code_id) as change:
        _require_officer(actor, "deactivate concern codes")
        code = fetch_row(db, "concern_codes", code_id, "concern code")
        text = code_text(code["category"], code["subcategory"])
        if not code["active"]:
            raise InvalidInput([Problem("concern code", text, "is already deactivated")])
        update_versioned(db, "concern_codes", code_id, read_version, {"active": 0}, "concern code")
        also = []
        if not code["subcategory"]:
            also = [r[0] for r in db.execute("SELECT id FROM concern_codes WHERE category = ? AND subcategory != '' AND active",
                                             [code["category"]])]
            db.execute("UPDATE concern_codes SET active = 0, version = version + 1 WHERE category = ? AND subcategory != '' AND active",
                       [code["category"]])
        change.before = {"code": text, "active": True, "version": read_version}
        change.after = {"active": False, "version": read_version + 1, "subcategories_deactivated": also}
    return 1 + len(also)


def reactivate_concern_code(db: sqlite_utils.Database, actor: Actor, code_id: int, read_version: int) -> None:
    """Offer a deactivated concern code again (a subcategory needs its main category active)."""
    with audited(db, actor, "reactivate concern code", "concern_code", code_id) as change:
        _require_officer(actor, "reactivate concern codes")
        code = fetch_row(db, "concern_codes", code_id, "concern code")
        text = code_text(code["category"], code["subcategory"])
        if code["active"]:
            raise InvalidInput([Problem("concern code", text, "is already active")])
        if code["subcategory"]:
            main = db.execute("SELECT active FROM concern_codes WHERE category = ? AND subcategory = ''", [code["category"]]).fetchone()
            if main is not None and not main[0]:
                raise InvalidInput([Problem("concern code", text, f"belongs to '{code['category']}', which is deactivated; reactivate that first")])
        update_versioned(db, "concern_codes", code_id, read_version, {"active": 1}, "concern code")
        change.before = {"code": text, "active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


# --- timescales and the RAG threshold --------------------------------------------------------------


def change_timescale(
    db: sqlite_utils.Database, actor: Actor, procedure: str, stage: int, read_version: int, edit: TimescaleChange
) -> None:
    """Change the working days a stage has and the most it may be extended to.

    Stages already open keep the due date they were given; the new timescale applies to stages opened after.
    """
    with audited(db, actor, "change timescale", "timescale") as change:
        _require_officer(actor, "change timescales")
        row = db.execute("SELECT due_working_days, max_working_days, version FROM timescales WHERE procedure = ? AND stage = ?",
                         [procedure, stage]).fetchone()
        if row is None:
            raise NotFound(f"There is no timescale for {procedure} stage {stage}.")
        if edit.max_working_days is not None and edit.max_working_days < edit.due_working_days:
            raise InvalidInput([Problem("extended at most to", edit.max_working_days,
                                        f"must be at least the {edit.due_working_days} working days due")])
        cursor = db.execute(
            "UPDATE timescales SET due_working_days = ?, max_working_days = ?, version = version + 1"
            " WHERE procedure = ? AND stage = ? AND version = ?",
            [edit.due_working_days, edit.max_working_days, procedure, stage, read_version])
        if cursor.rowcount == 0:
            raise Conflict("Someone else changed this timescale after you opened it, so your change was not saved. "
                           "Reload to see their change, then make yours again.")
        change.before = {"procedure": procedure, "stage": stage, "due_working_days": row[0], "max_working_days": row[1],
                         "version": read_version}
        change.after = {"procedure": procedure, "stage": stage, "due_working_days": edit.due_working_days,
                        "max_working_days": edit.max_working_days, "version": read_version + 1}


def amber_setting(db: sqlite_utils.Database) -> tuple[int, int]:
    """The RAG report's Amber threshold in working days, and the version of the setting."""
    row = db.execute("SELECT value, version FROM settings WHERE key = 'rag_amber_working_days'").fetchone()
    return (int(row[0]), row[1]) if row else (config.amber_threshold(db), 0)


def change_amber_threshold(db: sqlite_utils.Database, actor: Actor, read_version: int, working_days: int) -> None:
    """Change how many working days before its due date an open stage turns Amber on the RAG report."""
    with audited(db, actor, "change setting", "setting") as change:
        _require_officer(actor, "change the RAG threshold")
        if not isinstance(working_days, int) or not 0 <= working_days <= MAX_AMBER_WORKING_DAYS:
            raise InvalidInput([Problem("amber threshold", working_days,
                                        f"must be a whole number of working days from 0 to {MAX_AMBER_WORKING_DAYS}")])
        before, _ = amber_setting(db)
        cursor = db.execute("UPDATE settings SET value = ?, version = version + 1 WHERE key = 'rag_amber_working_days' AND version = ?",
                            [str(working_days), read_version])
        if cursor.rowcount == 0:
            raise Conflict("Someone else changed the RAG threshold after you opened it, so your change was not saved. "
                           "Reload to see their change, then make yours again.")
        change.before = {"key": "rag_amber_working_days", "value": before, "version": read_version}
        change.after = {"key": "rag_amber_working_days", "value": working_days, "version": read_version + 1}


# --- read side: the administration lists and the audit log ------------------------------------------


def users(db: sqlite_utils.Database, actor: Actor) -> pd.DataFrame:
    """Every user (a council has tens, not thousands) with their service areas and sign-in state."""
    _require_officer(actor, "see the list of users")
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT u.id, u.email, u.name, u.role, u.active, u.password_hash IS NOT NULL AS has_password,"
            " u.locked_until, u.version,"
            " COALESCE((SELECT group_concat(name, '; ') FROM (SELECT a.name FROM user_service_areas x"
            "   JOIN service_areas a ON a.id = x.service_area_id WHERE x.user_id = u.id ORDER BY a.name)), '') AS service_areas"
            " FROM users u ORDER BY u.active DESC, u.name")],
        columns=["id", "email", "name", "role", "active", "has_password", "locked_until", "version", "service_areas"],
    )


def service_areas(db: sqlite_utils.Database, actor: Actor) -> pd.DataFrame:
    """Every service area with how many records and users it holds."""
    _require_officer(actor, "see the service areas")
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


def concern_codes(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every concern code in its configured order, with how often complaints raised it."""
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT k.id, k.category, k.subcategory, k.active, k.version,"
            " (SELECT COUNT(*) FROM concerns c WHERE c.concern_code_id = k.id) AS times_raised"
            " FROM concern_codes k ORDER BY k.position")],
        columns=["id", "category", "subcategory", "active", "version", "times_raised"],
    )


def timescales(db: sqlite_utils.Database) -> pd.DataFrame:
    """The configured timescales with their versions."""
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT procedure, stage, clock_starts, due_working_days, max_working_days, version FROM timescales"
            " ORDER BY CASE procedure WHEN 'statutory' THEN 0 WHEN 'corporate' THEN 1 ELSE 2 END, stage")],
        columns=["procedure", "stage", "clock_starts", "due_working_days", "max_working_days", "version"],
    )


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to; a field left empty does not filter."""

    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    outcome: str | None = None


AUDIT_COLUMNS = ["id", "at", "user_id", "user_email", "event", "entity", "entity_id", "outcome", "message", "before", "after"]


def _audit_where(filters: AuditFilter) -> tuple[str, list[Any]]:
    conditions, params = [], []
    if filters.user_id is not None:
        conditions.append("user_id = ?")
        params.append(filters.user_id)
    if filters.entity:
        conditions.append("entity = ?")
        params.append(filters.entity)
    if filters.entity_id is not None:
        conditions.append("entity_id = ?")
        params.append(filters.entity_id)
    # Times are stored as ISO strings in UTC, so a date range is a string range.
    if filters.date_from:
        conditions.append("at >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        conditions.append("at < ?")
        params.append((filters.date_to + timedelta(days=1)).isoformat())
    if filters.outcome:
        conditions.append("outcome = ?")
        params.append(filters.outcome)
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", params


def audit_log(db: sqlite_utils.Database, actor: Actor, filters: AuditFilter, *, limit: int = 50,
              offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of the audit log, newest first, and how many events match in all."""
    _require_officer(actor, "read the audit log")
    where, params = _audit_where(filters)
    total = db.execute(f"SELECT COUNT(*) FROM audit_events{where}", params).fetchone()[0]
    rows = [dict(r) for r in db.query(
        f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_events{where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset])]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS), total


def audit_csv(db: sqlite_utils.Database, actor: Actor, filters: AuditFilter) -> bytes:
    """Every audit event matching ``filters``, oldest first, as CSV (streamed from SQL, not via a DataFrame)."""
    _require_officer(actor, "export the audit log")
    where, params = _audit_where(filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for row in db.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_events{where} ORDER BY id", params):
        writer.writerow([_csv_safe(v) for v in row])
    return out.getvalue().encode("utf-8")


def _csv_safe(value: Any) -> Any:
    """A cell that a spreadsheet will not run as a formula (CSV injection): '=...' is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def audit_choices(db: sqlite_utils.Database) -> dict[str, list]:
    """The choices of the audit log's filters: users (id, label) and the kinds of record."""
    people = [(r[0], f"{r[1]} ({r[2]})") for r in db.execute("SELECT id, name, email FROM users ORDER BY name")]
    entities = [r[0] for r in db.execute("SELECT DISTINCT entity FROM audit_events ORDER BY entity")]
    return {"users": people, "entities": entities}

