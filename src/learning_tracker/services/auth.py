"""Signing in: which way (local accounts, single sign-on, demo), passwords, lock-out and idle sessions.

Plain functions of the database, the configuration and the clock, so that every rule is tested
without a browser; the Streamlit side (forms, ``st.login``, the session) is in ``ui.py``.

- **local**: an email and a password, hashed with Argon2id. A password has at least 12 characters and
  is not a common one. Five wrong passwords in a row lock the account for 15 minutes.
- **sso**: the council's identity provider (Microsoft Entra ID through ``st.login``) says who the
  person is; this app's own users table says what they may do. An email the app does not know, or a
  deactivated user, is refused.
- **demo**: the picker of demo users, only ever on a database built by ``learning-tracker demo``.

Every sign-in, refused sign-in and sign-out is audited. A password or its hash never is.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from types import SimpleNamespace
from typing import Any, Mapping

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..db import transaction
from ..errors import InvalidInput, Problem, Refused, unknown_value
from .core import Actor, load_actor, record_audit

LOCAL, SSO, DEMO = "local", "sso", "demo"
PROVIDERS = (LOCAL, SSO, DEMO)

MIN_PASSWORD_LENGTH = 12
# Argon2 takes any length, but a megabyte "password" is an attack on the server's memory, not a password.
MAX_PASSWORD_LENGTH = 1024
MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
DEFAULT_IDLE_MINUTES = 30
DEFAULT_SSO_PROVIDER = "microsoft"

WRONG_EMAIL_OR_PASSWORD = "That email and password do not match an account of this app. Check them and try again."

# argon2-cffi's defaults are Argon2id with the parameters RFC 9106 recommends for memory-constrained servers.
_hasher = PasswordHasher()
# Verified when the email is unknown, so that a wrong email takes as long as a wrong password and the
# time taken does not tell an attacker which emails have accounts.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant-time refusals")


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthSettings:
    """How people sign in to this installation."""

    provider: str
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    sso_provider: str = DEFAULT_SSO_PROVIDER
    sso_tenant_id: str | None = None


def settings_from(env: Mapping[str, str], secrets: Mapping[str, Any], *, demo_database: bool) -> AuthSettings:
    """The sign-in settings from the environment and ``.streamlit/secrets.toml``; the environment wins.

    ``LEARNING_TRACKER_AUTH`` or ``[learning_tracker] auth_provider``: ``local``, ``sso`` or ``demo``
    (default: ``demo`` on the demo database, ``local`` on any other). ``LEARNING_TRACKER_IDLE_MINUTES`` or
    ``idle_timeout_minutes`` (default 30). ``sso_provider`` names the ``[auth.NAME]`` section of the
    identity provider (default ``microsoft``); ``sso_tenant_id``, when set, refuses accounts of any other
    Entra ID tenant. The demo picker is refused on a database that is not the demo one.
    """
    section = secrets.get("learning_tracker") or {}
    chosen = env.get("LEARNING_TRACKER_AUTH") or section.get("auth_provider") or (DEMO if demo_database else LOCAL)
    provider = str(chosen).strip().lower()
    if provider not in PROVIDERS:
        raise InvalidInput([unknown_value("sign-in provider (LEARNING_TRACKER_AUTH)", str(chosen), PROVIDERS)])
    if provider == DEMO and not demo_database:
        raise Refused(
            "The demo sign-in (a picker of made-up users) works only on the demo database, and this database "
            "holds real records. Set LEARNING_TRACKER_AUTH to 'local' or 'sso'."
        )
    idle_text = env.get("LEARNING_TRACKER_IDLE_MINUTES") or section.get("idle_timeout_minutes") or DEFAULT_IDLE_MINUTES
    try:
        idle = int(idle_text)
    except (TypeError, ValueError):
        idle = 0
    if idle < 1:
        raise InvalidInput(
            [Problem("idle time-out (LEARNING_TRACKER_IDLE_MINUTES)", idle_text, "must be a whole number of minutes, 1 or more")]
        )
    tenant = section.get("sso_tenant_id") or env.get("LEARNING_TRACKER_SSO_TENANT_ID") or None
    return AuthSettings(
        provider=provider,
        idle_minutes=idle,
        sso_provider=str(section.get("sso_provider") or DEFAULT_SSO_PROVIDER),
        sso_tenant_id=str(tenant).strip() if tenant else None,
    )


# --- passwords -------------------------------------------------------------------------------------


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased (``common_passwords.txt`` beside this module)."""
    text = resources.files("learning_tracker").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def _is_common(password: str) -> bool:
    """A common password, also with digits or symbols added at either end ('Password2024!' is 'password')."""
    lowered = password.lower().replace(" ", "")
    core = lowered.strip("0123456789!@#$%^&*()-_=+.,?~ ")
    listed = common_passwords()
    return lowered in listed or core in listed or len(set(lowered)) <= 2


def password_problems(password: str | None, *, email: str | None = None) -> list[Problem]:
    """What is wrong with a new password (empty when it may be used). The password is never echoed."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem("password", None, f"must be at least {MIN_PASSWORD_LENGTH} characters long (a few words make a good one)")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [Problem("password", None, f"may be at most {MAX_PASSWORD_LENGTH} characters long")]
    if _is_common(password):
        return [Problem("password", None, "is too common and easy to guess; choose another")]
    if email and email.strip() and email.strip().lower().split("@")[0] in password.lower() and len(email.split("@")[0]) >= 4:
        return [Problem("password", None, "must not contain your email address")]
    return []


def check_new_password(password: str | None, *, email: str | None = None) -> None:
    """Refuse a new password that breaks the rules."""
    problems = password_problems(password, email=email)
    if problems:
        raise InvalidInput(problems)


def hash_password(password: str) -> str:
    """The Argon2id hash stored for a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches the stored hash; with no hash it still spends the time of a check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- local accounts --------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def _audit(db: sqlite_utils.Database, user_id: int | None, email: str | None, event: str, outcome: str,
           message: str | None = None, after: Any = None) -> None:
    # The audit row names who tried; a sign-in has no Actor yet, so this stands in for one.
    who = SimpleNamespace(id=user_id, email=_safe_email(email))
    record_audit(db, who, event, "user", user_id, after=after, outcome=outcome, message=message)  # type: ignore[arg-type]


def _safe_email(text: str | None) -> str | None:
    """What was typed as an email, kept for the audit only when it looks like one.

    People sometimes type their password into the email box; that must never reach the audit log.
    """
    if not text:
        return None
    text = text.strip()[:200]
    return text if "@" in text and " " not in text else "(not an email address)"


def sign_in(db: sqlite_utils.Database, email: str, password: str, *, now: datetime | None = None) -> Actor:
    """The user with this email and password, or ``Refused`` saying why in words that give nothing away.

    A wrong password counts against the account; the fifth in a row locks it for 15 minutes. A locked
    account is refused without checking the password. A right password resets the count.
    """
    now = _now(now)
    email = (email or "").strip()
    password = password or ""
    row = db.execute(
        "SELECT id, email, active, password_hash, failed_sign_ins, locked_until FROM users WHERE email = ? COLLATE NOCASE",
        [email],
    ).fetchone()
    if row is None or not row[3] or len(password) > MAX_PASSWORD_LENGTH:
        verify_password(None, password[:MAX_PASSWORD_LENGTH])
        with transaction(db):
            _audit(db, row[0] if row else None, email, "sign in", "refused",
                   "no such account" if row is None else "no password set or password too long")
        raise Refused(WRONG_EMAIL_OR_PASSWORD)
    user_id, stored_email, active, password_hash, failures, locked_until = row
    if locked_until and now < datetime.fromisoformat(locked_until):
        minutes = math.ceil((datetime.fromisoformat(locked_until) - now).total_seconds() / 60)
        with transaction(db):
            _audit(db, user_id, stored_email, "sign in", "refused", "account locked")
        raise Refused(_locked_message(minutes))
    if not verify_password(password_hash, password):
        failures += 1
        locked = failures >= MAX_FAILED_SIGN_INS
        with transaction(db):
            # Not a versioned edit: signing in must never make the officer's open user form stale.
            db.execute(
                "UPDATE users SET failed_sign_ins = ?, locked_until = ? WHERE id = ?",
                [0 if locked else failures,
                 (now + timedelta(minutes=LOCK_MINUTES)).isoformat() if locked else None, user_id],
            )
            _audit(db, user_id, stored_email, "sign in", "refused",
                   f"wrong password ({failures} in a row)" + ("; locked" if locked else ""))
        raise Refused(_locked_message(LOCK_MINUTES) if locked else WRONG_EMAIL_OR_PASSWORD)
    if not active:
        with transaction(db):
            _audit(db, user_id, stored_email, "sign in", "refused", "deactivated")
        raise Refused(deactivated_message(stored_email))
    with transaction(db):
        values: dict[str, Any] = {"failed_sign_ins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(password_hash):
            values["password_hash"] = hash_password(password)
        db["users"].update(user_id, values)
        _audit(db, user_id, stored_email, "sign in", "done", "local account")
    return load_actor(db, user_id)


def _locked_message(minutes: int) -> str:
    return (
        f"This account is locked after {MAX_FAILED_SIGN_INS} wrong passwords in a row. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}, or ask the complaints officer to unlock it."
    )


def deactivated_message(email: str) -> str:
    return f"The account {email} has been deactivated. Ask the complaints officer if you need to use this app again."


def sign_out(db: sqlite_utils.Database, actor: Actor, *, reason: str = "signed out") -> None:
    """Record that the user's session ended (they signed out, or it expired)."""
    with transaction(db):
        _audit(db, actor.id, actor.email, "sign out", "done", reason)


def idle_expired(last_activity: datetime | None, now: datetime, idle_minutes: int) -> bool:
    """True when a session has been idle for longer than ``idle_minutes``."""
    return last_activity is not None and now - last_activity > timedelta(minutes=idle_minutes)


# --- single sign-on --------------------------------------------------------------------------------


def user_for_sso_email(db: sqlite_utils.Database, user_info: Mapping[str, Any], *, tenant_id: str | None = None) -> Actor:
    """The active user of this app whose email the identity provider vouched for, or ``Refused``.

    ``user_info`` is Streamlit's ``st.user`` (or any mapping like it): ``is_logged_in``, ``email`` and,
    from Entra ID, ``tid`` (the directory the account belongs to). The identity provider says who the
    person is; the app's users table says what they may do.
    """
    if not user_info.get("is_logged_in"):
        raise Refused("You are not signed in with your council account.")
    if tenant_id and str(user_info.get("tid") or "") != tenant_id:
        raise Refused("That account belongs to another organisation. Sign in with your council account.")
    email = str(user_info.get("email") or "").strip()
    if not email:
        raise Refused(
            "Your council account did not give this app an email address, so it cannot tell who you are. "
            "Ask IT to add the 'email' claim to the app's sign-in."
        )
    row = db.execute("SELECT id, email, active FROM users WHERE email = ? COLLATE NOCASE", [email]).fetchone()
    if row is None:
        raise Refused(f"{email} is not a user of this app. Ask the complaints officer to add you.")
    if not row[2]:
        raise Refused(deactivated_message(row[1]))
    return load_actor(db, row[0])


def sso_sign_in(db: sqlite_utils.Database, user_info: Mapping[str, Any], *, tenant_id: str | None = None) -> Actor:
    """``user_for_sso_email``, with the sign-in (or its refusal) audited."""
    email = str(user_info.get("email") or "") or None
    try:
        actor = user_for_sso_email(db, user_info, tenant_id=tenant_id)
    except Refused as refusal:
        row = db.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE", [email or ""]).fetchone()
        with transaction(db):
            _audit(db, row[0] if row else None, email, "sign in", "refused", f"single sign-on: {refusal}")
        raise
    with transaction(db):
        _audit(db, actor.id, actor.email, "sign in", "done", "single sign-on")
    return actor
