"""Users, the complaints officer's to administer: add, change, deactivate and reactivate them (never
delete), set a password, lift a lock-out, and the list of users; any signed-in user changing their own
password; and the actor the ``learning-tracker`` command acts as.

Every write follows the house pattern: permission check, validation, one audited transaction, and a
version check on the row the officer read. A user's audit events never hold their password or its hash,
and the last active complaints officer cannot be deactivated or given another role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlite_utils

from . import auth
from ..errors import InvalidInput, Problem, Refused, unknown_value
from ..models import NewUser, UserChange
from .core import (
    Actor,
    audited,
    fetch_row,
    require_officer,
    update_versioned,
)
from .service_areas import area_names
from ..rules.roles import COMPLAINTS_OFFICER, SERVICE_MANAGER
from ..rules import roles


def command_line_actor() -> Actor:
    """Who acts when the ``learning-tracker`` command changes users.

    Whoever can run the command can open the database file itself, so the command acts as a complaints
    officer; this is how the first complaints officer is created. Its audit events name the command.
    """
    return Actor(id=None, email="learning-tracker command", name="The learning-tracker command",  # type: ignore[arg-type]
                 role=COMPLAINTS_OFFICER)


# --- writes ---------------------------------------------------------------------------------------


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
        require_officer(actor, "add users")
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
        require_officer(actor, "change users")
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
        require_officer(actor, "deactivate users")
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
        require_officer(actor, "reactivate users")
        user = fetch_row(db, "users", user_id, "user")
        if user["active"]:
            raise InvalidInput([Problem("user", user["email"], "is already active")])
        update_versioned(db, "users", user_id, read_version,
                         {"active": 1, "failed_sign_ins": 0, "locked_until": None}, "user")
        change.before = {"active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


def set_password(db: sqlite_utils.Database, actor: Actor, user_id: int, read_version: int, password: str) -> None:
    """Give a user a new password (a first one, or after they forgot theirs); lifts any lock-out and ends the
    sessions they (or whoever knew the old password) have open."""
    with audited(db, actor, "set user password", "user", user_id) as change:
        require_officer(actor, "set users' passwords")
        user = fetch_row(db, "users", user_id, "user")
        auth.check_new_password(password, email=user["email"])
        update_versioned(db, "users", user_id, read_version,
                         {"password_hash": auth.hash_password(password), "failed_sign_ins": 0, "locked_until": None,
                          "sessions_valid_from": auth.sessions_end_now().isoformat()}, "user")
        change.after = {"password": "set", "sessions": "ended", "version": read_version + 1}


def unlock_user(db: sqlite_utils.Database, actor: Actor, user_id: int) -> None:
    """Lift a lock-out before its 15 minutes are up."""
    with audited(db, actor, "unlock user", "user", user_id) as change:
        require_officer(actor, "unlock users")
        user = fetch_row(db, "users", user_id, "user")
        # Lock-out bookkeeping is not an edit of the user, so it does not change their version.
        db.execute("UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?", [user_id])
        change.before = {"locked_until": user["locked_until"], "failed_sign_ins": user["failed_sign_ins"]}
        change.after = {"locked_until": None, "failed_sign_ins": 0}


def change_own_password(db: sqlite_utils.Database, actor: Actor, current_password: str, new_password: str) -> datetime:
    """Any signed-in user changes their own password, giving the current one first. Their other sessions end;
    the returned moment they ended is the session's own new sign-in time, so the session that changed it
    stays signed in."""
    # The current password is checked as a sign-in is, so wrong guesses here count towards the lock-out too
    # (and are audited), and Argon2 runs outside the write lock.
    try:
        auth.sign_in(db, actor.email, current_password or "")
    except Refused as refusal:
        wrong = str(refusal) == auth.WRONG_EMAIL_OR_PASSWORD
        raise InvalidInput([Problem("current password", None, "is not right" if wrong else str(refusal))]) from None
    auth.check_new_password(new_password, email=actor.email)
    new_hash = auth.hash_password(new_password)
    with audited(db, actor, "change own password", "user", actor.id) as change:
        ended = auth.sessions_end_now()
        db.execute("UPDATE users SET password_hash = ?, sessions_valid_from = ? WHERE id = ?",
                   [new_hash, ended.isoformat(), actor.id])
        change.after = {"password": "changed", "sessions": "others ended"}
    return ended


# --- read side: the list of users -----------------------------------------------------------------


def users(db: sqlite_utils.Database, actor: Actor) -> pd.DataFrame:
    """Every user (a council has tens, not thousands) with their service areas and sign-in state."""
    require_officer(actor, "see the list of users")
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT u.id, u.email, u.name, u.role, u.active, u.password_hash IS NOT NULL AS has_password,"
            " u.locked_until, u.version,"
            " COALESCE((SELECT group_concat(name, '; ') FROM (SELECT a.name FROM user_service_areas x"
            "   JOIN service_areas a ON a.id = x.service_area_id WHERE x.user_id = u.id ORDER BY a.name)), '') AS service_areas"
            " FROM users u ORDER BY u.active DESC, u.name")],
        columns=["id", "email", "name", "role", "active", "has_password", "locked_until", "version", "service_areas"],
    )


def user_with_email(db: sqlite_utils.Database, email: str) -> tuple[int, int] | None:
    """(id, version) of the user with this email, active or not (matched without regard to case), or None."""
    row = db.execute("SELECT id, version FROM users WHERE email = ? COLLATE NOCASE", [email.strip()]).fetchone()
    return (row[0], row[1]) if row else None
