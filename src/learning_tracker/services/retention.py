"""Retention (UK GDPR storage limitation): closed complaints are anonymised a configured number of years
after they closed (``config.retention_years``, 6 by default; "closed" is ``read.retention``'s).

What an anonymised complaint keeps, so that every report gives the same figures afterwards: its dates,
procedure, service area, stages and their dates, outcome, concern codes, equality fields, Ombudsman
referral and remedy, and its links to learning points. What it loses:

- its reference, replaced by a random token (``rules.personal_data.anonymised_reference``) that is stored
  nowhere else, so nothing leads back from it;
- every free text tied to it: the reason no learning was identified, stage extension reasons and the
  forum's notes on it as a learning gap, each replaced by ``REMOVED_TEXT`` (never emptied: a recorded "no
  learning identified" decision still counts in the reports);
- the same in the audit log: each event on the complaint, on a forum decision about it, or naming its
  reference is redacted (reference -> token, its free text removed) under the audit chain's one allowed
  change: one 'retention' event listing the redacted events' ids, then each event's ``redacted_by`` set to it
  (``db._audit_chain``), so ``services.audit_chain.verify`` still verifies the log.

The learning points and improvement actions drawn from an anonymised complaint are kept as they are:
they are the service's learning, not the child's record, they are published in the annual report, and one
learning point often draws on several complaints. Only a reference written into their text is replaced by
the token.

The removed text must be gone from the file, not only from the tables: the run uses ``secure_delete``,
then empties the write-ahead log and rebuilds the file (``VACUUM``). Backups made before still hold it:
they expire on their own schedule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlite_utils

from .. import config
from ..db import RETENTION_EVENT, transaction
from ..read import retention as held
from ..read import sql as query
from ..rules.periods import long_date
from ..rules.personal_data import (
    REFERENCE_CHARACTERS,
    REMOVED_TEXT,
    anonymised_reference,
    reference_mention,
)
from . import audit_chain
from .core import Actor, record_audit, refusal_audited, require_officer

#: Audit keys whose text is a complaint's own free text wherever it is recorded.
COMPLAINT_TEXT_KEYS = frozenset({"no_learning_reason", "extension_reason"})
#: Further keys that are free text in an event on the complaint itself (a withdrawal's note, a forum
#: decision's note on it as a learning gap, a reason).
TIED_TEXT_KEYS = COMPLAINT_TEXT_KEYS | {"note", "reason"}
_BATCH = 5000
_SIMPLE_REFERENCE = re.compile(rf"{REFERENCE_CHARACTERS}+")


@dataclass(frozen=True)
class RetentionRun:
    """What one retention run did."""

    as_of: date
    years: int
    complaints: int
    texts_removed: int
    audit_events_redacted: int
    #: Audit events redacted by an earlier run that name a complaint anonymised now: the chain allows an
    #: event one redaction only, so they keep that reference.
    already_redacted: list[int] = field(default_factory=list)
    #: Whether the write-ahead log was emptied (another connection reading at the time can prevent it).
    file_cleared: bool = True

    def sentence(self) -> str:
        """What was done, in the complaints officer's words."""
        if not self.complaints:
            text = (f"No closed complaint was due for retention on {long_date(self.as_of)} "
                    f"(closed more than {self.years} years before); nothing was anonymised.")
        else:
            text = (f"Anonymised {self.complaints} complaint{'s' if self.complaints != 1 else ''} closed more than "
                    f"{self.years} years before {long_date(self.as_of)}: each reference was replaced by a token, "
                    f"{self.texts_removed} free text{'s' if self.texts_removed != 1 else ''} removed and "
                    f"{self.audit_events_redacted} audit event{'s' if self.audit_events_redacted != 1 else ''} "
                    "redacted. Their figures stay in every report.")
        if self.already_redacted:
            text += (f" {len(self.already_redacted)} audit event(s) redacted by an earlier run still name one of "
                     f"them (events {', '.join(map(str, self.already_redacted[:10]))}): the audit log lets an "
                     "event be redacted only once.")
        if not self.file_cleared:
            text += (" The app was reading the database, so the removed text may stay in its write-ahead log "
                     "until it is idle: run `learning-tracker retention --apply` again then.")
        return text


def retention_years(db: sqlite_utils.Database) -> int:
    """How many whole years after it closed a complaint keeps what identifies it."""
    return config.retention_years(db)


def due_for_retention(db: sqlite_utils.Database, as_of: date, *, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """The closed complaints that ``apply_retention`` would anonymise on ``as_of``, longest closed first:
    ``id, reference, received_on, procedure, service_area, closed_on, due_on``; with ``limit``, one page."""
    return held.due_for_retention(db, as_of, config.retention_years(db), limit=limit, offset=offset)


def due_count(db: sqlite_utils.Database, as_of: date) -> int:
    """How many closed complaints ``apply_retention`` would anonymise on ``as_of``."""
    return held.due_for_retention_count(db, as_of, config.retention_years(db))


class _Redactor:
    """Replaces the references of the complaints anonymised (with their tokens) and their free text."""

    def __init__(self, tokens: dict[str, str], texts: set[str]):
        self.tokens = {reference.lower(): token for reference, token in tokens.items()}
        self.simple = {r for r in self.tokens if _SIMPLE_REFERENCE.fullmatch(r)}
        self.other = {r: reference_mention(r) for r in self.tokens if r not in self.simple}
        self.texts = {t.strip() for t in texts if t and t.strip()}
        # Only a long text is looked for inside others: a short one ("n/a") would also match unrelated words.
        self.long_texts = sorted((t for t in self.texts if len(t) >= 12), key=len, reverse=True)

    def mentions(self, text: str | None) -> set[str]:
        """The anonymised references (lower case) written in ``text``."""
        if not text:
            return set()
        lowered = text.lower()
        found = {word for word in _SIMPLE_REFERENCE.findall(lowered) if word in self.simple}
        return found | {r for r, pattern in self.other.items() if pattern.search(text)}

    def text(self, value: str) -> str:
        """``value`` with each anonymised reference replaced by its token and each removed text by ``REMOVED_TEXT``."""
        if value.strip() in self.texts:
            return REMOVED_TEXT
        for removed in self.long_texts:
            value = value.replace(removed, REMOVED_TEXT)
        for reference in self.mentions(value):
            value = reference_mention(reference).sub(self.tokens[reference], value)
        return value

    def value(self, value: Any, text_keys: frozenset[str]) -> Any:
        """A recorded JSON value with references replaced and the values of ``text_keys`` removed."""
        if isinstance(value, dict):
            return {self.text(k): self._keyed(k, v, text_keys) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, text_keys) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _keyed(self, key: str, value: Any, text_keys: frozenset[str]) -> Any:
        if key not in text_keys or value in (None, ""):
            return self.value(value, text_keys)
        if isinstance(value, dict):  # e.g. {"no_learning_reason": {reference: reason, ...}}
            return {self.text(k): REMOVED_TEXT if self.mentions(k) else self.value(v, text_keys)
                    for k, v in value.items()}
        return REMOVED_TEXT

    def json(self, recorded: str | None, text_keys: frozenset[str]) -> str | None:
        if recorded is None:
            return None
        try:
            parsed = json.loads(recorded)
        except ValueError:
            return self.text(recorded)
        return json.dumps(self.value(parsed, text_keys), sort_keys=True)


def _new_tokens(db: sqlite_utils.Database, references: list[str]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for reference in references:
        token = anonymised_reference()
        while token in tokens.values() or db.execute(
                "SELECT 1 FROM complaints WHERE reference = ? COLLATE NOCASE", [token]).fetchone():
            token = anonymised_reference()
        tokens[reference] = token
    return tokens


def _anonymise_records(db: sqlite_utils.Database, ids: list[int], tokens: dict[str, str],
                       redactor: _Redactor) -> int:
    """Replace the complaints' references and free text, and their references written into the learning's
    text; return how many texts were removed or changed."""
    changed = 0
    for complaint_id, reference in db.execute(
            f"SELECT id, reference FROM complaints WHERE {query.in_ids('id', ids)}").fetchall():
        db.execute("UPDATE complaints SET reference = ?, version = version + 1 WHERE id = ?", [tokens[reference], complaint_id])
    for table, column, row_id, _ in held.complaint_texts(db, ids):
        bump = ", version = version + 1" if table != "forum_decisions" else ""
        db.execute(f"UPDATE [{table}] SET [{column}] = ?{bump} WHERE id = ?", [REMOVED_TEXT, row_id])
        changed += 1
    for table, column, row_id, text in held.learning_texts(db):
        if redactor.mentions(text):
            db.execute(f"UPDATE [{table}] SET [{column}] = ? WHERE id = ?", [redactor.text(text), row_id])
            changed += 1
    return changed


def _redactions(db: sqlite_utils.Database, ids: list[int], redactor: _Redactor) -> list[tuple]:
    """(before, after, message, event id) of each audit event to redact: on the complaints, on forum
    decisions about them, or naming one of their references."""
    decisions = set(held.forum_decision_ids(db, ids))
    complaints = set(ids)
    redactions, last = [], 0
    while rows := held.audit_events_to_check(db, last, _BATCH):
        for event_id, event, entity, entity_id, before, after, message in rows:
            tied = (entity == "complaint" and entity_id in complaints) or (
                entity == "forum_decision" and entity_id in decisions)
            if event == RETENTION_EVENT or not (tied or any(redactor.mentions(t) for t in (before, after, message))):
                continue
            keys = TIED_TEXT_KEYS if tied else COMPLAINT_TEXT_KEYS
            new = (redactor.json(before, keys), redactor.json(after, keys),
                   redactor.text(message) if message else message)
            if new != (before, after, message):
                redactions.append((*new, event_id))
        last = rows[-1][0]
    return redactions


def _already_redacted(db: sqlite_utils.Database, redactor: _Redactor) -> list[int]:
    return [event_id for event_id, *texts in db.execute(
        "SELECT id, before, after, message FROM audit_events WHERE redacted_by IS NOT NULL ORDER BY id")
        if any(redactor.mentions(t) for t in texts)]


def _clear_file(db: sqlite_utils.Database, rebuild: bool) -> bool:
    """Empty the write-ahead log into the file and, after a change, rebuild the file so that no free page
    keeps what was removed; True when the log could be emptied (no other connection was reading)."""
    busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if rebuild:
        db.execute("VACUUM")
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    return busy == 0


def apply_retention(db: sqlite_utils.Database, actor: Actor, as_of: date) -> RetentionRun:
    """Anonymise every closed complaint due for retention on ``as_of`` (``due_for_retention``), in one
    transaction with one 'retention' audit event, then clear the removed text from the file. Complaints
    officer only (a refusal is audited). The run is audited even when nothing was due."""
    with refusal_audited(db, actor, RETENTION_EVENT, "complaint"):
        require_officer(actor, "anonymise complaints after their retention period")
    # Deleted and overwritten content is zeroed on disk, not only marked free.
    db.execute("PRAGMA secure_delete = ON")
    with transaction(db):
        years = config.retention_years(db)
        due = held.due_for_retention(db, as_of, years)
        ids = [int(i) for i in due["id"]]
        tokens = _new_tokens(db, list(due["reference"]))
        texts = {text for *_, text in held.complaint_texts(db, ids)} if ids else set()
        # The earlier values of the free text (a reason since changed, a withdrawal's note) are in the events
        # on the complaints: removed there by key, and looked for in the other events too.
        redactor = _Redactor(tokens, texts | _earlier_texts(db, ids))
        redactions = _redactions(db, ids, redactor) if ids else []
        changed = _anonymise_records(db, ids, tokens, redactor) if ids else 0
        already = _already_redacted(db, redactor) if ids else []
        record_audit(db, actor, RETENTION_EVENT, "complaint", None, after={
            "redacted_events": [r[-1] for r in redactions], "redacted_hashes": audit_chain.redacted_hashes(db, redactions),
            "complaints": len(ids), "as_of": as_of.isoformat(), "retention_years": years, "texts_removed": changed,
        }, message=f"Anonymised {len(ids)} complaints closed more than {years} years before {as_of.isoformat()}")
        retention_id = db.execute("SELECT MAX(id) FROM audit_events").fetchone()[0]
        db.conn.executemany("UPDATE audit_events SET before = ?, after = ?, message = ?, redacted_by = ? WHERE id = ?",
                            [(before, after, message, retention_id, event_id)
                             for before, after, message, event_id in redactions])
    cleared = _clear_file(db, rebuild=bool(ids))
    return RetentionRun(as_of, years, len(ids), changed, len(redactions), already, cleared)


def _earlier_texts(db: sqlite_utils.Database, ids: list[int]) -> set[str]:
    """The free text the complaints' own audit events recorded under a text key (earlier values included)."""
    if not ids:
        return set()
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in TIED_TEXT_KEYS and isinstance(inner, str) and inner.strip():
                    found.add(inner)
                else:
                    collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    for before, after in db.execute(
            f"SELECT before, after FROM audit_events WHERE entity = 'complaint' AND {query.in_ids('entity_id', ids)}"):
        for recorded in (before, after):
            try:
                collect(json.loads(recorded) if recorded else None)
            except ValueError:
                continue
    return found
