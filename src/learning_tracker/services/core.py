"""What every use case shares: the acting user, permission checks, one audited transaction, and
version-checked updates.

A write goes: ``with audited(db, actor, "event", "entity", id) as change:`` check permissions, validate,
write with ``update_versioned``, set ``change.before``/``change.after``. The audit event is written in
the same transaction; a refusal rolls the work back and is then audited on its own.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

import sqlite_utils

from ..db import audit_chain_hash, audit_content_hash, now_utc, transaction
from ..errors import Conflict, InvalidInput, NotFound, Problem, Refused, unknown_value
from ..rules.roles import AREA_BOUND_ROLES, COMPLAINTS_OFFICER, ROLES, SERVICE_MANAGER
from .. import config
from ..rules import vocabulary



@dataclass(frozen=True)
class Actor:
    """The signed-in user a service acts for."""

    id: int
    email: str
    name: str
    role: str
    service_area_ids: frozenset[int] = frozenset()

    @property
    def is_officer(self) -> bool:
        return self.role == COMPLAINTS_OFFICER


def load_actor(db: sqlite_utils.Database, user_id: int) -> Actor:
    """The active user with this id, with their service areas."""
    row = db.execute("SELECT id, email, name, role, active FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None or not row[4]:
        raise NotFound("That user does not exist or has been deactivated.")
    areas = db.execute("SELECT service_area_id FROM user_service_areas WHERE user_id = ?", [user_id]).fetchall()
    return Actor(id=row[0], email=row[1], name=row[2], role=row[3], service_area_ids=frozenset(a[0] for a in areas))


def actor_by_email(db: sqlite_utils.Database, email: str) -> Actor:
    """The active user with this email (matched without regard to case)."""
    row = db.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE", [email.strip()]).fetchone()
    if row is None:
        raise NotFound(f"No user has the email '{email}'.")
    return load_actor(db, row[0])


# --- permissions -------------------------------------------------------------------------------


def require_role(actor: Actor, *roles: str, doing: str) -> None:
    """Refuse unless the actor holds one of ``roles``."""
    if actor.role not in roles:
        allowed = " or ".join(ROLES[r].lower() for r in roles)
        raise Refused(f"Only a {allowed} may {doing}; you are signed in as a {ROLES[actor.role].lower()}.")


def require_officer(actor: Actor, doing: str) -> None:
    """Refuse anyone but the complaints officer: administration, and the steps of a complaint that are theirs."""
    require_role(actor, COMPLAINTS_OFFICER, doing=doing)


def may_act_in_area(actor: Actor, service_area_id: int) -> bool:
    """The complaints officer acts in every service area; a service manager in their own areas only."""
    return actor.is_officer or (actor.role in AREA_BOUND_ROLES and service_area_id in actor.service_area_ids)


def require_area(db: sqlite_utils.Database, actor: Actor, service_area_id: int, *, doing: str) -> None:
    """Refuse anyone but the officer and a service manager of the area (``may_act_in_area``)."""
    if may_act_in_area(actor, service_area_id):
        return
    require_role(actor, COMPLAINTS_OFFICER, SERVICE_MANAGER, doing=doing)  # refuses a role that acts in no area
    name = service_area_name(db, service_area_id)
    raise Refused(f"You may {doing} only in your own service areas; this belongs to {name}.")


# --- the audited unit of work ------------------------------------------------------------------


@dataclass
class Change:
    """What a write changed, for its audit event."""

    entity_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def record_audit(
    db: sqlite_utils.Database,
    actor: Actor | None,
    event: str,
    entity: str,
    entity_id: int | None,
    before: Any = None,
    after: Any = None,
    *,
    outcome: str = "done",
    message: str | None = None,
) -> None:
    """Append one event to the audit log (inside the caller's transaction, or in one of its own).

    The event is chained (migration ``0006_audit_chain``): its ``content_hash`` covers what it records
    and its ``chain_hash`` the chain hash of the event before it, so ``services.audit_chain.verify``
    finds any event edited, removed or slipped in afterwards. The chain needs the write lock while the
    previous event is read and this one written, hence a transaction of its own when the caller has none.
    """
    if not db.conn.in_transaction:
        with transaction(db):
            record_audit(db, actor, event, entity, entity_id, before, after, outcome=outcome, message=message)
        return
    last = db.execute("SELECT id, chain_hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    # Hashed as SQLite will store them, so that the hash recomputed from the stored row is the same.
    content = [
        (last[0] if last else 0) + 1,
        now_utc(),
        _stored(actor.id) if actor else None,
        str(actor.email) if actor and actor.email is not None else None,
        str(event),
        str(entity),
        _stored(entity_id),
        str(outcome),
        _json(before),
        _json(after),
        None if message is None else str(message),
    ]
    content_hash = audit_content_hash(content)
    db.execute(
        "INSERT INTO audit_events (id, at, user_id, user_email, event, entity, entity_id, outcome, before, after,"
        " message, content_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*content, content_hash, audit_chain_hash(last[1] if last else None, content_hash)],
    )


def _stored(value: Any) -> Any:
    """An id as an INTEGER column stores it: a whole number (or text of one) as an int."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    try:
        whole = int(value)
    except (TypeError, ValueError):
        return value
    return whole if whole == value or (isinstance(value, str) and value.strip() == str(whole)) else value


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date) else str(v), sort_keys=True)


@contextmanager
def audited(
    db: sqlite_utils.Database, actor: Actor, event: str, entity: str, entity_id: int | None = None
) -> Iterator[Change]:
    """One transaction holding the write and its audit event; a refusal is rolled back, then audited."""
    change = Change(entity_id=entity_id)
    try:
        with transaction(db):
            yield change
            record_audit(db, actor, event, entity, change.entity_id, change.before, change.after)
    except Refused as refusal:
        with transaction(db):
            record_audit(db, actor, event, entity, change.entity_id, outcome="refused", message=str(refusal))
        raise


@contextmanager
def refusal_audited(db: sqlite_utils.Database, actor: Actor, event: str, entity: str) -> Iterator[None]:
    """Audit a refusal raised inside, on its own, and raise it again: the permission check of a use case
    that writes its own audit event once its work is done (an import, an export, a backup download)."""
    try:
        yield
    except Refused as refusal:
        with transaction(db):
            record_audit(db, actor, event, entity, None, outcome="refused", message=str(refusal))
        raise


# --- rows ----------------------------------------------------------------------------------------


def fetch_row(db: sqlite_utils.Database, table: str, row_id: int, what: str) -> dict[str, Any]:
    """One row as a dict, or ``NotFound`` naming ``what`` in the users' words."""
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"{what.capitalize()} {row_id} does not exist.")
    return dict(zip([c[0] for c in cursor.description], row))


def _conflict(what: str) -> Conflict:
    return Conflict(
        f"Someone else changed this {what} after you opened it, so your change was not saved. "
        "Reload to see their change, then make yours again."
    )


def ensure_version(row: dict[str, Any], read_version: int, what: str) -> None:
    """Refuse with ``Conflict`` when ``row`` is no longer the version the user read.

    Checked before any rule, so a stale form is told about the other person's change rather than
    about a rule that only fails because of it.
    """
    if row["version"] != read_version:
        raise _conflict(what)


def update_versioned(
    db: sqlite_utils.Database, table: str, row_id: int, read_version: int, values: dict[str, Any], what: str
) -> None:
    """Update a row only if it is still at the version the user read; otherwise raise ``Conflict``.

    The check and the write are one statement, so two saves of the same version cannot both succeed.
    """
    assignments = ", ".join(f"[{column}] = ?" for column in values)
    cursor = db.execute(
        f"UPDATE [{table}] SET {assignments}, version = version + 1 WHERE id = ? AND version = ?",
        [*values.values(), row_id, read_version],
    )
    if cursor.rowcount == 0:
        row = db.execute(f"SELECT version FROM [{table}] WHERE id = ?", [row_id]).fetchone()
        if row is None:
            raise NotFound(f"{what.capitalize()} {row_id} does not exist.")
        raise _conflict(what)


# --- lookups in the users' words -----------------------------------------------------------------


def service_area_name(db: sqlite_utils.Database, service_area_id: int) -> str:
    row = db.execute("SELECT name FROM service_areas WHERE id = ?", [service_area_id]).fetchone()
    return row[0] if row else f"service area {service_area_id}"


def service_area_id(db: sqlite_utils.Database, name: str, *, field: str = "service area") -> int:
    """The id of the active service area with this name (case and surrounding spaces ignored)."""
    row = db.execute("SELECT id FROM service_areas WHERE name = ? COLLATE NOCASE AND active", [name.strip()]).fetchone()
    if row is None:
        names = [r[0] for r in db.execute("SELECT name FROM service_areas WHERE active ORDER BY name")]
        raise InvalidInput([unknown_value(field, name, names)])
    return row[0]


def check_vocabulary(db: sqlite_utils.Database, vocab: str, value: str | None, *, field: str) -> str | None:
    """The configured spelling of ``value`` in vocabulary ``vocab`` (case-insensitive), or a clear refusal."""
    if value is None:
        return None
    allowed = config.vocabulary(db, vocab)
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise InvalidInput([unknown_value(field, value, allowed)])


def concern_code_id(db: sqlite_utils.Database, text: str) -> int:
    """The id of the concern code written as 'Category' or 'Category > Subcategory'."""
    category, sub = vocabulary.split_concern_code(text)
    row = db.execute(
        "SELECT id FROM concern_codes WHERE category = ? COLLATE NOCASE AND subcategory = ? COLLATE NOCASE AND active",
        [category, sub],
    ).fetchone()
    if row is None:
        codes = [
            vocabulary.concern_code_text(c, s)
            for c, s in db.execute("SELECT category, subcategory FROM concern_codes WHERE active ORDER BY position")
        ]
        raise InvalidInput([unknown_value("concern", text, codes)])
    return row[0]


def user_id_by_email(db: sqlite_utils.Database, email: str, *, field: str = "owner") -> int:
    row = db.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE AND active", [email.strip()]).fetchone()
    if row is None:
        raise InvalidInput([Problem(field=field, value=email, message="is not an active user of this app")])
    return row[0]
