"""Signing in: which way (local accounts, single sign-on, demo), passwords, lock-out and idle sessions.

Plain functions of the database, the configuration and the clock, so that every rule is tested
without a browser; the Streamlit side (forms, ``st.login``, the session) is in ``ui.py``.

- **local**: an email and a password, hashed with Argon2id. A password has at least 12 characters and
  is not a common one (Django's list of 20,000, also dressed up with capitals, leetspeak or digits and
  symbols at the ends). Five wrong passwords in a row lock the account for 15 minutes, however many are
  sent at the same moment. A password changed or reset ends the user's other sessions.
- **sso**: the council's identity provider (Microsoft Entra ID through ``st.login``) says who the
  person is; this app's own users table says what they may do. An email the app does not know, or a
  deactivated user, is refused.
- **demo**: the picker of demo users, only ever on a database built by ``learning-tracker demo``.

Every sign-in, refused sign-in and sign-out is audited. A password or its hash never is.
"""

from __future__ import annotations

import functools
import gzip
import math
import string
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
    """The shipped list of common passwords, lower case: Django's ``common-passwords.txt.gz`` (about 20,000
    leaked passwords, BSD licence; ``common_passwords.NOTICE`` beside this package says where it comes from)."""
    data = resources.files("learning_tracker").joinpath("common_passwords.txt.gz").read_bytes()
    # Every line is a password, '#' included ('#1pimp' is one): the file has no comments.
    text = gzip.decompress(data).decode("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


# Words of this service and of a council: in no list of leaked passwords, but the first an attacker of this
# app would try.
_CONTEXT_WORDS = frozenset({
    "council", "councilpassword", "childrensservices", "socialservices", "socialworker", "socialwork",
    "complaints", "complaintsofficer", "learningtracker", "streamlit", "office365", "outlook",
    "unitedkingdom", "britain", "correcthorsebatterystaple",
})
# What people add to a common word to get past a password rule: digits and symbols at either end.
_PADDING = string.digits + string.punctuation
# Leetspeak undone; '1' stands for both 'i' and 'l', so each is tried.
_LEET = {"$": "s", "@": "a", "0": "o", "3": "e", "4": "a", "5": "s", "7": "t"}
_UNLEET = (str.maketrans({**_LEET, "1": "i"}), str.maketrans({**_LEET, "1": "l"}))
# A word left after stripping digits and symbols is compared only from this length: a random string of
# symbols around one letter ('a') is not a common password.
_MIN_STRIPPED_WORD = 4


def _common_password_variants(password: str) -> set[str]:
    """The forms of ``password`` compared with the list: case-folded without spaces; without the digits and
    symbols at its start, at its end (each length of the ending, so that 'welcom32024' gives 'welcom3'), or
    both; and each of those with leetspeak undone. 'Pa$$word1234' gives 'password'."""
    folded = "".join(password.casefold().split())
    starts = {0, len(folded) - len(folded.lstrip(_PADDING))}
    words = {folded}
    for start in starts:
        word = folded[start:]
        words.add(word)
        end = len(word)
        while end > 0 and word[end - 1] in _PADDING:
            end -= 1
            words.add(word[:end])
    words = {w for w in words if w == folded or len(w) >= _MIN_STRIPPED_WORD}
    return words | {w.translate(table) for w in words for table in _UNLEET}


_SEPARATORS = str.maketrans("", "", "-_.,;:+/\\ ")


def _runs_in_order(text: str) -> bool:
    """'abcdefghijkl', '1234567890ab', 'qwertyuiop12': most of it one run along the alphabet, the digits or
    the keyboard's top row."""
    orders = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiopasdfghjklzxcvbnm")
    longest = max((len(text[i:j]) for order in orders for i in range(len(text))
                   for j in range(i + 1, len(text) + 1) if text[i:j] in order), default=0)
    return longest >= len(text) * 2 // 3


def _repeats_a_common_word(folded: str, listed: frozenset[str]) -> bool:
    """'passwordpassword', 'letmeinletmein', 'Password2024Password': a common word said twice or more."""
    return any(len(word) >= _MIN_STRIPPED_WORD and folded.count(word) >= 2 and (word in listed or word in _CONTEXT_WORDS)
               for word in {folded[i:j] for i in range(len(folded)) for j in range(i + _MIN_STRIPPED_WORD,
                                                                                  min(len(folded), i + 16) + 1)})


def _is_common(password: str) -> bool:
    """A common password, also in capitals, in leetspeak, split by separators ('Pass-word-2024'), said twice
    ('letmeinletmein') or with digits or symbols added at either end ('Pa$$word1234' and 'Password2024!' are
    'password'); a run along the alphabet, digits or keyboard ('abcdefghijkl'); or only one or two
    different characters."""
    folded = "".join(password.casefold().split())
    joined = folded.translate(_SEPARATORS)
    listed = common_passwords()
    return (len(set(folded)) <= 2 or _runs_in_order(joined) or _repeats_a_common_word(joined, listed)
            or any(word in listed or word in _CONTEXT_WORDS
                   for variant in {password, joined} for word in _common_password_variants(variant)))


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


@dataclass(frozen=True)
class _Attempt:
    """A sign-in whose password is being checked: already counted as a wrong one until it proves right."""

    user_id: int
    email: str
    password_hash: str
    counted_before: int  # wrong passwords (or sign-ins still being checked) counted before this one


def _minutes_locked(locked_until: str | None, now: datetime) -> int | None:
    """Minutes left of a lock-out (rounded up), or None when the account is not locked."""
    if not locked_until or now >= datetime.fromisoformat(locked_until):
        return None
    return math.ceil((datetime.fromisoformat(locked_until) - now).total_seconds() / 60)


def _lock(db: sqlite_utils.Database, user_id: int, now: datetime) -> None:
    # Not a versioned edit: signing in must never make the officer's open user form stale. The count starts
    # again, so the account has five tries once the 15 minutes are up.
    db.execute("UPDATE users SET failed_sign_ins = 0, locked_until = ? WHERE id = ?",
               [(now + timedelta(minutes=LOCK_MINUTES)).isoformat(), user_id])


def sign_in(db: sqlite_utils.Database, email: str, password: str, *, now: datetime | None = None) -> Actor:
    """The user with this email and password, or ``Refused`` saying why in words that give nothing away.

    A wrong password counts against the account; the fifth in a row locks it for 15 minutes. A locked
    account is refused without checking the password. A right password resets the count.

    Passwords sent at the same moment (one browser tab each, or a script) must not slip between the count
    being read and written, so each attempt is counted as wrong before its password is checked, in one
    short write transaction that also refuses a locked account; Argon2 (tens of milliseconds and 64 MiB)
    then runs outside any lock, so sign-ins do not hold up every other write; a second short transaction
    settles the attempt. A wrong password keeps its count and locks the account at five; a right one is let
    in only if no other attempt locked the account meanwhile, and then forgives the attempts counted before
    it. While attempts are being checked they count as wrong (failing closed): a sixth arriving while five
    are counted is not checked and locks the account, and a wrong one settling with five counted locks it
    even if another of them would have proved right. So however they interleave, at most five passwords
    are counted at a time and the right one never gets in once five wrong ones were counted; a burst can
    lock the account a little sooner than the same passwords sent one by one, never later.
    """
    now = _now(now)
    email = (email or "").strip()
    password = password or ""
    attempt: _Attempt | None = None
    refusal: Refused | None = None
    with transaction(db):
        row = db.execute(
            "SELECT id, email, password_hash, failed_sign_ins, locked_until FROM users WHERE email = ? COLLATE NOCASE",
            [email],
        ).fetchone()
        if row is not None and row[2] and len(password) <= MAX_PASSWORD_LENGTH:
            attempt, refusal = _reserve_attempt(db, row, now)
    if refusal is not None:
        raise refusal
    if attempt is None:
        # An unknown email takes as long as a wrong password: a check of a dummy hash and two transactions.
        verify_password(None, password[:MAX_PASSWORD_LENGTH])
        with transaction(db):
            _audit(db, row[0] if row else None, email, "sign in", "refused",
                   "no such account" if row is None else "no password set or password too long")
        raise Refused(WRONG_EMAIL_OR_PASSWORD)
    right = verify_password(attempt.password_hash, password)
    # A hash with outdated parameters is replaced by one made here, outside the write lock.
    new_hash = hash_password(password) if right and _hasher.check_needs_rehash(attempt.password_hash) else None
    with transaction(db):
        refusal = _settle_attempt(db, attempt, right, new_hash, now)
    if refusal is not None:
        raise refusal
    return load_actor(db, attempt.user_id)


def _reserve_attempt(db: sqlite_utils.Database, row: Any, now: datetime) -> tuple[_Attempt | None, Refused | None]:
    """Inside the first transaction: refuse a locked account, else count this attempt as a wrong password."""
    user_id, stored_email, password_hash, failures, locked_until = row
    minutes = _minutes_locked(locked_until, now)
    if minutes is not None:
        _audit(db, user_id, stored_email, "sign in", "refused", "account locked")
        return None, Refused(_locked_message(minutes))
    if failures >= MAX_FAILED_SIGN_INS:
        # Five attempts are already counted, some perhaps still being checked (sent at the same moment as
        # this one, or cut off by a server stopped mid-check): a sixth is not checked, and the lock-out
        # starts now, which also clears what a stopped server left counted.
        _lock(db, user_id, now)
        _audit(db, user_id, stored_email, "sign in", "refused",
               f"{failures} sign-ins counted, wrong or still being checked; locked")
        return None, Refused(_locked_message(LOCK_MINUTES))
    db.execute("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ?", [user_id])
    return _Attempt(user_id, stored_email, password_hash, failures), None


def _settle_attempt(db: sqlite_utils.Database, attempt: _Attempt, right: bool, new_hash: str | None,
                    now: datetime) -> Refused | None:
    """Inside the second transaction: the outcome of a checked password, from the account as it is now."""
    active, password_hash, failures, locked_until = db.execute(
        "SELECT active, password_hash, failed_sign_ins, locked_until FROM users WHERE id = ?", [attempt.user_id]
    ).fetchone()
    user_id, email = attempt.user_id, attempt.email
    minutes = _minutes_locked(locked_until, now)
    if minutes is not None:
        # Another attempt sent at the same moment was the fifth wrong password: this one, right or wrong,
        # comes after the lock.
        _audit(db, user_id, email, "sign in", "refused",
               f"{'right' if right else 'wrong'} password, but the account was locked while it was checked")
        return Refused(_locked_message(minutes))
    if password_hash != attempt.password_hash:
        # Changed or reset while this one was checked against the old password: the old one no longer opens
        # the account. A reset has already cleared the count; a change of one's own password leaves it.
        _audit(db, user_id, email, "sign in", "refused", "the password was changed while it was checked")
        return Refused(WRONG_EMAIL_OR_PASSWORD)
    if not right:
        locked = failures >= MAX_FAILED_SIGN_INS
        if locked:
            _lock(db, user_id, now)
        _audit(db, user_id, email, "sign in", "refused",
               f"wrong password ({failures} in a row)" + ("; locked" if locked else ""))
        return Refused(_locked_message(LOCK_MINUTES) if locked else WRONG_EMAIL_OR_PASSWORD)
    if not active:
        # Not a wrong password: take back this attempt's count.
        db.execute("UPDATE users SET failed_sign_ins = MAX(failed_sign_ins - 1, 0) WHERE id = ?", [user_id])
        _audit(db, user_id, email, "sign in", "refused", "deactivated")
        return Refused(deactivated_message(email))
    # The attempts counted before this one are forgiven; those made after it, still being checked or found
    # wrong, stay counted.
    values: dict[str, Any] = {"failed_sign_ins": max(failures - attempt.counted_before - 1, 0), "locked_until": None}
    if new_hash is not None:
        values["password_hash"] = new_hash
    db["users"].update(user_id, values)
    _audit(db, user_id, email, "sign in", "done", "local account")
    return None


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


def sessions_end_now(now: datetime | None = None) -> datetime:
    """The moment a password change or reset ends the user's sessions: stored as ``sessions_valid_from``
    (to the microsecond, since a sign-in and a reset can fall in the same second)."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


def session_ended_by_password_change(db: sqlite_utils.Database, user_id: int, signed_in_at: datetime) -> bool:
    """True when the user's password was changed or reset after this session signed in at ``signed_in_at``:
    whoever signed in with the old password is out."""
    row = db.execute("SELECT sessions_valid_from FROM users WHERE id = ?", [user_id]).fetchone()
    return bool(row and row[0]) and datetime.fromisoformat(row[0]) > signed_in_at


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
