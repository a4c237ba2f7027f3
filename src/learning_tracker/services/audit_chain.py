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
    content hash matches what it records (for an event not redacted), or it was redacted by a later
    retention event that lists it with the hash of its redacted content. Stops at the first event that breaks the chain."""
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


def redacted_hashes(db: sqlite_utils.Database, redactions: list[tuple]) -> dict[str, str]:
    """The content hash of each event as it will read once redacted, by event id as text, for
    ``redactions`` of (before, after, message, event id): the retention event records them (itself
    chained) under ``redacted_hashes``, so a redacted event edited later is still caught by ``verify``."""
    new = {event_id: (before, after, message) for before, after, message, event_id in redactions}
    hashes: dict[str, str] = {}
    kept = AUDIT_CONTENT_COLUMNS[:-3]  # every column but before, after and message, which the redaction sets
    listed = list(new)
    for start in range(0, len(listed), _BATCH):
        batch = listed[start:start + _BATCH]
        rows = db.execute(f"SELECT {', '.join(kept)} FROM audit_events WHERE id IN ({', '.join('?' * len(batch))})",
                          batch).fetchall()
        for row in rows:
            hashes[str(row[0])] = audit_content_hash((*row, *new[row[0]]))
    return hashes


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
    listed, hashes = _redactions_recorded(retention[1])
    if event_id not in listed:
        return f"is marked as redacted by retention event {redacted_by}, which does not list it"
    if hashes.get(str(event_id)) != audit_content_hash(content):
        return (f"was changed after retention event {redacted_by} redacted it: what it records no longer matches "
                "the hash the retention event recorded")
    return None


def _redactions_recorded(after: str | None) -> tuple[list, dict]:
    """The event ids a retention event's ``after`` lists under ``redacted_events``, and the content hash
    of each as redacted under ``redacted_hashes`` (by id as text)."""
    try:
        recorded = json.loads(after or "{}")
        listed, hashes = recorded.get("redacted_events") or [], recorded.get("redacted_hashes") or {}
    except (ValueError, AttributeError):
        return [], {}
    return (listed if isinstance(listed, list) else []), (hashes if isinstance(hashes, dict) else {})
