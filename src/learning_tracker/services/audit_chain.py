"""Checking the audit log's hash chain: that no event was edited, removed or slipped in after it was written.

How an event is hashed and chained, and the one change the log allows (a redaction by a retention
event), are set by migration ``0006_audit_chain`` in ``db.py``; ``core.record_audit`` writes the hashes
of every new event. ``learning-tracker audit verify`` runs ``verify``.

What it shows and what it cannot: someone who edits an event by hand (dropping the triggers to do it)
leaves an event whose hashes no longer match, and ``verify`` names it. The hashes are not keyed, so
someone who can write the file could also recompute every hash after their edit, and removing the newest
events leaves no gap; a copy of the latest chain hash kept elsewhere (say, with each backup) shows both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from ..db import (
    AUDIT_CONTENT_COLUMNS,
    RETENTION_EVENT,
    audit_chain_hash,
    audit_content_hash,
)

_BATCH = 5000


@dataclass(frozen=True)
class ChainCheck:
    """What ``verify`` found: how many events it checked, and the first that breaks the chain and why."""

    events: int
    broken_event: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_event is None

    def sentence(self) -> str:
        """One sentence in the complaints officer's words."""
        if self.intact:
            return f"The audit log of {self.events:,} event{'s' if self.events != 1 else ''} is intact."
        return (f"The audit log is not intact: event {self.broken_event} {self.reason}; keep this database as it is "
                "and compare it with a backup to see what was changed.")


def verify(db: sqlite_utils.Database) -> ChainCheck:
    """Check every audit event in id order: its chain hash follows from the previous event's, and its
    content hash matches what it records (for an event not redacted) or it was redacted by a later
    retention event that lists it. Stops at the first event that breaks the chain."""
    columns = ", ".join(AUDIT_CONTENT_COLUMNS)
    previous, last_id, count = None, 0, 0
    while True:
        rows = db.execute(
            f"SELECT {columns}, content_hash, chain_hash, redacted_by FROM audit_events WHERE id > ? ORDER BY id"
            " LIMIT ?", [last_id, _BATCH]).fetchall()
        if not rows:
            return ChainCheck(count)
        for row in rows:
            content = row[: len(AUDIT_CONTENT_COLUMNS)]
            event_id, content_hash, chain_hash, redacted_by = row[0], *row[len(AUDIT_CONTENT_COLUMNS):]
            reason = _problem(db, content, content_hash, chain_hash, redacted_by, previous)
            if reason:
                return ChainCheck(count, event_id, reason)
            previous, count = chain_hash, count + 1
        last_id = rows[-1][0]


def _problem(db: sqlite_utils.Database, content: tuple, content_hash: str | None, chain_hash: str | None,
             redacted_by: int | None, previous: str | None) -> str | None:
    """Why this event breaks the chain, in words; None when it does not."""
    event_id = content[0]
    if not content_hash or not chain_hash:
        return "has no hash, so it was not written by this app (it was added to the file by hand)"
    if chain_hash != audit_chain_hash(previous, content_hash):
        return ("does not follow from the event before it: an event before it was removed, added or changed, "
                "or its own hash was rewritten")
    if redacted_by is None:
        if audit_content_hash(content) != content_hash:
            return "was changed after it was written: what it records no longer matches its hash"
        return None
    retention = db.execute("SELECT event, after FROM audit_events WHERE id = ?", [redacted_by]).fetchone()
    if retention is None:
        return f"is marked as redacted by event {redacted_by}, which does not exist"
    if retention[0] != RETENTION_EVENT or redacted_by <= event_id:
        return (f"is marked as redacted by event {redacted_by}, which is not a later '{RETENTION_EVENT}' event; "
                "only retention may redact an event")
    if event_id not in _redacted_events(retention[1]):
        return f"is marked as redacted by retention event {redacted_by}, which does not list it"
    return None


def _redacted_events(after: str | None) -> list:
    """The event ids a retention event's ``after`` lists under ``redacted_events``."""
    try:
        listed = json.loads(after or "{}").get("redacted_events") or []
    except (ValueError, AttributeError):
        return []
    return listed if isinstance(listed, list) else []
