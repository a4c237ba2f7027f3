"""Opening the SQLite database, its pragmas, and the named, ordered migrations.

Every schema change is a named migration appended to ``MIGRATIONS``; ``migrate`` applies the ones
a database has not seen yet, in order, each in its own transaction. Never edit a migration that has
shipped: add a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import sqlite_utils

from .errors import DomainError

DEFAULT_DB_PATH = Path("data") / "learning_tracker.db"
BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    """The database the app and the command use: ``LEARNING_TRACKER_DB``, else ``data/learning_tracker.db``."""
    return Path(os.environ.get("LEARNING_TRACKER_DB") or DEFAULT_DB_PATH)


class DatabaseMissing(DomainError):
    """There is no database at the path given, and the caller may only open an existing one."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"There is no database at {path}, so nothing was opened or created. If the path is mistyped, correct "
            f"--db or LEARNING_TRACKER_DB; to start one, run `learning-tracker init --db {path}` (empty, for real "
            f"records) or `learning-tracker demo --db {path}` (the demo data)."
        )


def connect(path: str | os.PathLike, *, migrate_schema: bool = True, create: bool = True) -> sqlite_utils.Database:
    """Open the database at ``path`` with WAL, foreign keys and a busy timeout, migrated to the latest schema.

    With ``create=False`` only an existing database is opened: a missing one raises ``DatabaseMissing``
    instead of being created (with its folders) as an empty one. The app and the commands that read or
    change existing records open it so, since a mistyped path must fail, not start an empty database.
    Open one per script run or per operation; a connection is never shared across Streamlit threads.
    """
    path = Path(path)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(path)
        target: str | Path = path
    elif not path.is_file() or path.stat().st_size == 0:  # an empty file (a typo touched into being) is none
        raise DatabaseMissing(path)
    else:
        # mode=rw: SQLite itself refuses to create the file, so a database removed since the check above
        # is not quietly replaced by an empty one.
        target = f"{path.resolve().as_uri()}?mode=rw"
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so that a write takes the lock up front
    # instead of failing half-way with "database is locked" when it upgrades a read lock.
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False,
                               uri=not create)
    except sqlite3.OperationalError:
        if not create and not path.is_file():
            raise DatabaseMissing(path) from None
        raise
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # INSERT OR REPLACE deletes the row it replaces; with recursive triggers on, that deletion fires the
    # delete triggers too, so a replace cannot slip past the audit log's append-only triggers.
    db.execute("PRAGMA recursive_triggers = ON")
    _private_sidecars(path)
    _register_functions(conn)
    if migrate_schema:
        migrate(db)
    return db


# --- files readable by their owner only ----------------------------------------------------------

#: The database, its -wal and -shm files, backups and the copies a restore keeps hold children's records:
#: only the account that runs the app may read them.
PRIVATE_FILE_MODE = 0o600
# The umask is the whole process's: one thread at a time changes it, and puts it back.
_UMASK_LOCK = threading.RLock()


@contextmanager
def private_files() -> Iterator[None]:
    """Files created inside (by this process) are readable and writable by their owner only (umask 077)."""
    with _UMASK_LOCK:
        previous = os.umask(0o077)
        try:
            yield
        finally:
            os.umask(previous)


def make_private(path: str | os.PathLike) -> None:
    """Make ``path`` readable and writable by its owner only, when it exists and this account owns it."""
    try:
        os.chmod(path, PRIVATE_FILE_MODE)
    except (FileNotFoundError, PermissionError):
        pass


def create_private_file(path: Path) -> None:
    """Create an empty database file (SQLite takes an empty file as an empty database) readable by its
    owner only, unless it exists; SQLite gives the -wal and -shm files it makes the database's mode."""
    if path.exists():
        return
    with private_files():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        except FileExistsError:  # another process created it meanwhile: theirs stands
            pass


def _private_sidecars(path: Path) -> None:
    """-wal and -shm files left readable by others (by an older version, or copied in) are made the owner's
    only, when the database itself is. A database an administrator opened to a group keeps its sidecars
    as readable as itself, or that group could not read it."""
    try:
        database_mode = path.stat().st_mode
    except OSError:
        return
    if database_mode & 0o077:
        return
    for suffix in ("-wal", "-shm"):
        sidecar = Path(f"{path}{suffix}")
        try:
            if sidecar.stat().st_mode & 0o077:
                make_private(sidecar)
        except OSError:
            continue


def _register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for the working-day clock, so that reports aggregate in SQL.

    ``working_days(start, end)`` is the working days after ``start`` up to and including ``end``
    (the time a stage took); ``add_working_days(start, n)`` is the date ``n`` working days after ``start``.
    Both take and give ISO date strings and give NULL for a NULL argument.
    """
    from . import workdays

    def working_days(start: str | None, end: str | None) -> int | None:
        if start is None or end is None:
            return None
        return workdays.working_days_between_iso(start, end)

    def add_working_days(start: str | None, n: int | None) -> str | None:
        if start is None or n is None:
            return None
        return workdays.add_working_days(date.fromisoformat(start), int(n)).isoformat()

    conn.create_function("working_days", 2, working_days, deterministic=True)
    conn.create_function("add_working_days", 2, add_working_days, deterministic=True)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction that takes the write lock up front (``BEGIN IMMEDIATE``); rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def now_utc() -> str:
    """The current time as an ISO string in UTC, to the second, as every timestamp column stores it."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------------

_INITIAL_SCHEMA = """
CREATE TABLE service_areas (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('complaints_officer', 'service_manager', 'forum_member', 'viewer')),
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE user_service_areas (
    user_id INTEGER NOT NULL REFERENCES users(id),
    service_area_id INTEGER NOT NULL REFERENCES service_areas(id),
    PRIMARY KEY (user_id, service_area_id)
);

-- Configuration: the words of forms, imports and exports (DESIGN.md section 3).
CREATE TABLE vocabularies (
    field TEXT NOT NULL,
    value TEXT NOT NULL COLLATE NOCASE,
    position INTEGER NOT NULL,
    PRIMARY KEY (field, value)
);

CREATE TABLE concern_codes (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL COLLATE NOCASE,
    subcategory TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    position INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (category, subcategory)
);

CREATE TABLE timescales (
    procedure TEXT NOT NULL,
    stage INTEGER NOT NULL,
    clock_starts TEXT NOT NULL,
    due_working_days INTEGER NOT NULL CHECK (due_working_days > 0),
    max_working_days INTEGER CHECK (max_working_days IS NULL OR max_working_days >= due_working_days),
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (procedure, stage)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE COLLATE NOCASE,
    received_on TEXT NOT NULL,
    procedure TEXT NOT NULL,
    service_area_id INTEGER NOT NULL REFERENCES service_areas(id),
    received_via TEXT,
    complainant_type TEXT,
    advocate INTEGER NOT NULL DEFAULT 0,
    gender TEXT,
    age_band TEXT,
    ethnicity TEXT,
    disability TEXT,
    outcome TEXT,
    outcome_on TEXT,
    lgsco_referred_on TEXT,
    lgsco_decision TEXT,
    remedy_pence INTEGER NOT NULL DEFAULT 0,
    no_learning_reason TEXT,
    no_learning_recorded_by INTEGER REFERENCES users(id),
    no_learning_recorded_on TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX complaints_received_on ON complaints(received_on);
CREATE INDEX complaints_area_received ON complaints(service_area_id, received_on);
CREATE INDEX complaints_outcome ON complaints(outcome, received_on);

-- One row per stage a complaint reached. An informal complaint escalated to a formal procedure keeps
-- its informal stage, so the procedure is part of the stage's key.
CREATE TABLE complaint_stages (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    procedure TEXT NOT NULL,
    stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    clock_started_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    extended_due_on TEXT,
    extension_reason TEXT,
    responded_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (complaint_id, procedure, stage)
);
-- The open-stage scan of the RAG report and the register's stage filter.
CREATE INDEX complaint_stages_open ON complaint_stages(responded_on, clock_started_on);

CREATE TABLE concerns (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    concern_code_id INTEGER NOT NULL REFERENCES concern_codes(id)
);
CREATE INDEX concerns_complaint ON concerns(complaint_id);
CREATE INDEX concerns_code ON concerns(concern_code_id, complaint_id);

CREATE TABLE compliments (
    id INTEGER PRIMARY KEY,
    received_on TEXT NOT NULL,
    service_area_id INTEGER NOT NULL REFERENCES service_areas(id),
    source TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX compliments_received_on ON compliments(received_on);

CREATE TABLE compliment_categories (
    compliment_id INTEGER NOT NULL REFERENCES compliments(id),
    category TEXT NOT NULL,
    PRIMARY KEY (compliment_id, category)
);

CREATE TABLE learning_points (
    id INTEGER PRIMARY KEY,
    service_area_id INTEGER NOT NULL REFERENCES service_areas(id),
    theme TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'complaint',
    status TEXT NOT NULL DEFAULT 'open',
    created_by INTEGER REFERENCES users(id),
    created_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX learning_points_area ON learning_points(service_area_id, status);

CREATE TABLE learning_point_complaints (
    learning_point_id INTEGER NOT NULL REFERENCES learning_points(id),
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    PRIMARY KEY (learning_point_id, complaint_id)
);
CREATE INDEX learning_point_complaints_complaint ON learning_point_complaints(complaint_id);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    learning_point_id INTEGER NOT NULL REFERENCES learning_points(id),
    description TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    service_area_id INTEGER NOT NULL REFERENCES service_areas(id),
    due_on TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'medium',
    status TEXT NOT NULL DEFAULT 'not started',
    cancel_reason TEXT,
    completed_on TEXT,
    verified_on TEXT,
    created_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX actions_learning_point ON actions(learning_point_id);
CREATE INDEX actions_area_status ON actions(service_area_id, status, due_on);
CREATE INDEX actions_owner ON actions(owner_id, status, due_on);

-- The history of an action: status changes, progress notes, due-date moves, evidence, verification.
CREATE TABLE action_updates (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id),
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    kind TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    note TEXT
);
CREATE INDEX action_updates_action ON action_updates(action_id, at);

CREATE TABLE action_evidence (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id),
    description TEXT NOT NULL,
    link TEXT,
    filename TEXT,
    content BLOB,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    added_by INTEGER REFERENCES users(id),
    added_at TEXT NOT NULL
);
CREATE INDEX action_evidence_action ON action_evidence(action_id);

CREATE TABLE forum_meetings (
    id INTEGER PRIMARY KEY,
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE forum_decisions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES forum_meetings(id),
    learning_point_id INTEGER REFERENCES learning_points(id),
    action_id INTEGER REFERENCES actions(id),
    complaint_id INTEGER REFERENCES complaints(id),
    decision TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX forum_decisions_meeting ON forum_decisions(meeting_id);

-- Append-only: who, when, what, before and after, for every write and every refusal.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    user_email TEXT,
    event TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    outcome TEXT NOT NULL DEFAULT 'done' CHECK (outcome IN ('done', 'refused')),
    before TEXT,
    after TEXT,
    message TEXT
);
CREATE INDEX audit_events_entity ON audit_events(entity, entity_id);
CREATE INDEX audit_events_user ON audit_events(user_id, at);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def _initial_schema(db: sqlite_utils.Database) -> None:
    for statement in _split_sql(_INITIAL_SCHEMA):
        db.execute(statement)


def _default_configuration(db: sqlite_utils.Database) -> None:
    from . import config

    config.seed_defaults(db)


def _compliment_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the compliments list and its counts at scale (checked with EXPLAIN QUERY PLAN on
    200,000 compliments): filtering by category, and counting by category, source and service area
    from covering indexes instead of scanning the tables."""
    db.execute("CREATE INDEX compliment_categories_category ON compliment_categories(category, compliment_id)")
    db.execute("CREATE INDEX compliments_area_received ON compliments(service_area_id, received_on)")
    db.execute("CREATE INDEX compliments_source_received ON compliments(source, received_on)")


def _import_mappings(db: sqlite_utils.Database) -> None:
    """Saved column and value mappings of the import page, by record type and name, so that the next
    file in the same layout (say, the case system's monthly extract) imports without mapping again."""
    db.execute(
        """CREATE TABLE import_mappings (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL COLLATE NOCASE,
            columns TEXT NOT NULL,
            value_map TEXT NOT NULL DEFAULT '{}',
            saved_by INTEGER REFERENCES users(id),
            saved_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (kind, name)
        )"""
    )


def _session_epoch(db: sqlite_utils.Database) -> None:
    """When a user's password was last changed or reset: a session that signed in before then has ended,
    so a password reset shuts out whoever may have learnt the old one (ISO UTC with microseconds, since a
    sign-in and a reset can fall in the same second). NULL until the first change."""
    db.execute("ALTER TABLE users ADD COLUMN sessions_valid_from TEXT")


# --- the audit log's hash chain (migration 0006) ---------------------------------------------------

#: What an audit event's ``content_hash`` covers, in this order.
AUDIT_CONTENT_COLUMNS = ("id", "at", "user_id", "user_email", "event", "entity", "entity_id", "outcome", "before",
                         "after", "message")
#: The chain hash taken as the one "before" the first event.
AUDIT_CHAIN_START = "0" * 64
#: The only event that may redact others (see ``_audit_chain``).
RETENTION_EVENT = "retention"


def audit_content_hash(values) -> str:
    """SHA-256 (hex) of an event's content: the values of ``AUDIT_CONTENT_COLUMNS`` in order, as stored,
    written as compact ASCII JSON (so the same stored values always give the same hash)."""
    canonical = json.dumps(list(values), ensure_ascii=True, separators=(",", ":"),
                           default=lambda v: v.hex() if isinstance(v, bytes) else str(v))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def audit_chain_hash(previous_chain_hash: str | None, content_hash: str) -> str:
    """SHA-256 (hex) of the previous event's chain hash followed by this event's content hash: an event
    removed, inserted or reordered breaks every chain hash after it."""
    return hashlib.sha256(((previous_chain_hash or AUDIT_CHAIN_START) + content_hash).encode("ascii")).hexdigest()


_AUDIT_TRIGGERS = f"""
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
WHEN NOT (
    OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL AND NEW.redacted_by > OLD.id
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.user_id IS OLD.user_id AND NEW.user_email IS OLD.user_email
    AND NEW.event IS OLD.event AND NEW.entity IS OLD.entity AND NEW.entity_id IS OLD.entity_id
    AND NEW.outcome IS OLD.outcome AND NEW.content_hash IS OLD.content_hash AND NEW.chain_hash IS OLD.chain_hash
    AND EXISTS (
        SELECT 1 FROM audit_events AS retention, json_each(retention.after, '$.redacted_events') AS listed
        WHERE retention.id = NEW.redacted_by AND retention.event = '{RETENTION_EVENT}' AND listed.value = OLD.id
    )
)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only a retention event that lists an event may redact it'); END;
CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an event with this id is recorded already'); END;
"""


def _audit_chain(db: sqlite_utils.Database) -> None:
    """A tamper-evident audit log. Each event gets a ``content_hash`` (``audit_content_hash``) and a
    ``chain_hash`` (``audit_chain_hash`` of the previous event's); ``services.core.record_audit`` writes
    both for every new event and the events already recorded are chained here, in id order.

    Triggers refuse a DELETE, an INSERT over an existing id (INSERT OR REPLACE would otherwise delete the
    old row without firing the delete trigger) and every UPDATE but one, the redaction rule for retention:
    an UPDATE may set ``redacted_by`` from NULL to the id of a later event whose event is 'retention' and
    whose ``after`` lists this event's id in ``redacted_events``; it may then change ``before``, ``after``
    and ``message`` only, and must leave ``content_hash`` and ``chain_hash`` as they are (so the chain
    still verifies over the stored hashes). ``services.audit_chain.verify`` checks the same rule.
    """
    db.execute("ALTER TABLE audit_events ADD COLUMN content_hash TEXT")
    db.execute("ALTER TABLE audit_events ADD COLUMN chain_hash TEXT")
    db.execute("ALTER TABLE audit_events ADD COLUMN redacted_by INTEGER REFERENCES audit_events(id)")
    # Chaining the events already recorded is the last plain update the log takes; the trigger that
    # refuses updates is replaced below by the one that lets a retention redaction through.
    db.execute("DROP TRIGGER audit_events_no_update")
    previous, last_id = None, 0
    while True:
        rows = db.execute(f"SELECT {', '.join(AUDIT_CONTENT_COLUMNS)} FROM audit_events WHERE id > ? ORDER BY id "
                          "LIMIT 5000", [last_id]).fetchall()
        if not rows:
            break
        hashes = []
        for row in rows:
            content = audit_content_hash(row)
            previous = audit_chain_hash(previous, content)
            hashes.append((content, previous, row[0]))
        db.conn.executemany("UPDATE audit_events SET content_hash = ?, chain_hash = ? WHERE id = ?", hashes)
        last_id = rows[-1][0]
    for statement in _split_sql(_AUDIT_TRIGGERS):
        db.execute(statement)


def _stage_outcomes(db: sqlite_utils.Database) -> None:
    """Each stage keeps the outcome its response gave (``complaint_stages.outcome``, ``outcome_on``), so that
    escalating a complaint no longer hides its stage 1 outcome. The complaint's own outcome stays its
    current one, the one the reports count.

    Filled in from what the database holds: a complaint's current stage (its highest under its current
    procedure) takes the complaint's outcome; an earlier stage of an escalated complaint takes the outcome
    the complaint had when it was escalated from that stage, which the "escalate complaint" audit event
    kept in its ``before`` (the latest such event, when a stage was escalated from more than once). Any
    other stage's outcome stays unknown (NULL): a stage answered before its outcome was recorded elsewhere,
    or an earlier stage that came from an import.
    """
    db.execute("ALTER TABLE complaint_stages ADD COLUMN outcome TEXT")
    db.execute("ALTER TABLE complaint_stages ADD COLUMN outcome_on TEXT")
    current = ("s.procedure = c.procedure AND s.stage = (SELECT MAX(m.stage) FROM complaint_stages m"
               " WHERE m.complaint_id = c.id AND m.procedure = c.procedure)")
    db.execute(
        f"""UPDATE complaint_stages AS s
            SET outcome = (SELECT c.outcome FROM complaints c WHERE c.id = s.complaint_id),
                outcome_on = (SELECT c.outcome_on FROM complaints c WHERE c.id = s.complaint_id)
            WHERE EXISTS (SELECT 1 FROM complaints c WHERE c.id = s.complaint_id AND c.outcome IS NOT NULL
                          AND {current})"""
    )
    escalations = db.execute(
        """SELECT entity_id, json_extract(before, '$.procedure'), json_extract(before, '$.stage'),
                  json_extract(before, '$.outcome'), json_extract(before, '$.outcome_on')
           FROM audit_events
           WHERE event = 'escalate complaint' AND entity = 'complaint' AND outcome = 'done' AND json_valid(before)
           ORDER BY id DESC"""
    ).fetchall()
    for complaint_id, procedure, stage, outcome, outcome_on in escalations:
        if not (isinstance(outcome, str) and outcome and isinstance(stage, int)):
            continue
        # Latest event first: a stage already filled keeps what the later escalation recorded. The
        # current stage is left to the complaint's own outcome, and a stage never answered stays unknown.
        db.execute(
            f"""UPDATE complaint_stages AS s SET outcome = ?, outcome_on = ?
                WHERE s.complaint_id = ? AND s.procedure = ? AND s.stage = ? AND s.outcome IS NULL
                  AND s.responded_on IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM complaints c WHERE c.id = s.complaint_id AND {current})""",
            [outcome, outcome_on if isinstance(outcome_on, str) else None, complaint_id, procedure, stage],
        )


def _report_sections(db: sqlite_utils.Database) -> None:
    """The annual report's written sections: the text of each section of a financial year's report as it
    stands (``report_sections``: its status, the computed draft it was ``based_on``, who wrote, reviewed and
    approved it and when, and its ``version``), and every version of it ever saved (``report_section_versions``),
    so that no text is overwritten without trace.

    ``section`` is 'summary', 'previous-actions' or 'learning' (``rules.vocabulary.REPORT_SECTIONS``; the
    words are written out here as they were when this migration shipped). A learning section is keyed by
    its service area's id, not its name, so it stays with the area through a rename and is never taken over
    by another area given the old name. One section per year, section and area: the unique index counts a
    missing area as 0, since a UNIQUE constraint lets NULLs repeat.
    """
    db.execute(
        """CREATE TABLE report_sections (
            id INTEGER PRIMARY KEY,
            financial_year TEXT NOT NULL,
            section TEXT NOT NULL CHECK (section IN ('summary', 'learning', 'previous-actions')),
            service_area_id INTEGER REFERENCES service_areas(id),
            text TEXT NOT NULL CHECK (trim(text) <> ''),
            status TEXT NOT NULL CHECK (status IN ('draft', 'reviewed', 'approved')),
            based_on TEXT NOT NULL DEFAULT '',
            written_by INTEGER NOT NULL REFERENCES users(id),
            written_at TEXT NOT NULL,
            reviewed_by INTEGER REFERENCES users(id),
            reviewed_at TEXT,
            approved_by INTEGER REFERENCES users(id),
            approved_at TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            CHECK ((section = 'learning') = (service_area_id IS NOT NULL))
        )"""
    )
    db.execute("CREATE UNIQUE INDEX report_sections_one ON report_sections(financial_year, section, "
               "IFNULL(service_area_id, 0))")
    db.execute(
        """CREATE TABLE report_section_versions (
            id INTEGER PRIMARY KEY,
            report_section_id INTEGER NOT NULL REFERENCES report_sections(id),
            version INTEGER NOT NULL,
            text TEXT NOT NULL,
            status TEXT NOT NULL,
            based_on TEXT NOT NULL DEFAULT '',
            saved_by INTEGER NOT NULL REFERENCES users(id),
            saved_at TEXT NOT NULL,
            UNIQUE (report_section_id, version)
        )"""
    )


def _procedures_in_full(db: sqlite_utils.Database) -> None:
    """The procedures' steps and findings (``rules.procedures``).

    - Each stage gets an acknowledgement (its due date and the day it was given), the day its response clock
      started when that is not the stage's start (``response_clock_started_on``: the acknowledgement under the
      Complaint Handling Code, the agreed statement of complaint at statutory stage 2, the panel's report at
      stage 3), the stage 2 investigation (statement agreed, Investigating Officer and Independent Person by
      role and organisation, their reports' dates, the adjudication's date and who adjudicated, by role, and
      the reason an outcome differs from its points' findings) and the stage 3 panel's steps.
    - ``complaint_points``: the points of complaint of a stage, each with its finding.
    - ``recommendations``: an investigation's or a panel's recommendations, the decision on each and the
      improvement action an accepted one became.
    - Each complaint gets advocacy (offered on, accepted), the time limit (when the grounds arose, the
      decision to consider or decline a late complaint and why) and the reason it was declined or refused.
    - Timescales get the acknowledgement target and stage 3's panel steps: the single 50 working days of
      stage 3 becomes 30 to the meeting, 5 to the report and 15 to the council's response (a council that
      had changed the 50 keeps its total, the last 35 of it being the panel's). Corporate stages' response
      clocks start at the acknowledgement, as the Code says; "complainant's request" is "request".

    Stages recorded before this migration have no acknowledgement or panel due dates: those steps were not
    tracked for them, so they never show as late.
    """
    for column in ("acknowledgement_due_on", "acknowledged_on", "response_clock_started_on", "statement_agreed_on",
                   "investigating_officer", "independent_person", "investigation_report_on",
                   "independent_person_report_on", "adjudicated_on", "adjudicator", "outcome_reason",
                   "panel_meeting_due_on", "panel_met_on", "panel_report_due_on", "panel_report_on"):
        db.execute(f"ALTER TABLE complaint_stages ADD COLUMN {column} TEXT")
    for column, kind in (("advocacy_offered_on", "TEXT"), ("advocacy_accepted", "INTEGER"),
                         ("grounds_arose_on", "TEXT"), ("late_decision", "TEXT"), ("late_decision_reason", "TEXT"),
                         ("declined_reason", "TEXT")):
        db.execute(f"ALTER TABLE complaints ADD COLUMN {column} {kind}")
    db.execute(
        """CREATE TABLE complaint_points (
            id INTEGER PRIMARY KEY,
            stage_id INTEGER NOT NULL REFERENCES complaint_stages(id),
            position INTEGER NOT NULL,
            summary TEXT NOT NULL CHECK (trim(summary) <> ''),
            finding TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (stage_id, position)
        )"""
    )
    db.execute(
        """CREATE TABLE recommendations (
            id INTEGER PRIMARY KEY,
            stage_id INTEGER NOT NULL REFERENCES complaint_stages(id),
            point_id INTEGER REFERENCES complaint_points(id),
            position INTEGER NOT NULL,
            text TEXT NOT NULL CHECK (trim(text) <> ''),
            decision TEXT,
            decision_reason TEXT,
            decided_on TEXT,
            action_id INTEGER REFERENCES actions(id),
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (stage_id, position)
        )"""
    )
    db.execute("CREATE INDEX recommendations_action ON recommendations(action_id)")
    for column in ("acknowledge_working_days", "panel_meeting_working_days", "panel_report_working_days"):
        db.execute(f"ALTER TABLE timescales ADD COLUMN {column} INTEGER")
    from . import config

    db["vocabularies"].insert_all(
        ({"field": "declined_reason", "value": value, "position": position}
         for position, value in enumerate(config.VOCABULARIES["declined_reason"])),
        ignore=True,
    )
    db.execute("UPDATE timescales SET acknowledge_working_days = 5")
    db.execute("UPDATE timescales SET clock_starts = 'request' WHERE clock_starts = 'complainant''s request'")
    db.execute("UPDATE timescales SET clock_starts = 'acknowledgement' WHERE procedure = 'corporate'")
    db.execute(
        """UPDATE timescales SET clock_starts = 'panel report', panel_meeting_working_days = 30,
                                 panel_report_working_days = 5,
                                 due_working_days = CASE WHEN due_working_days > 35 THEN due_working_days - 35
                                                         ELSE 15 END,
                                 max_working_days = NULL
           WHERE procedure = 'statutory' AND stage = 3"""
    )


def _split_sql(script: str) -> list[str]:
    """Split a schema script into statements, keeping trigger bodies (which hold ``;``) whole."""
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements


Migration = tuple[str, Callable[[sqlite_utils.Database], None]]

MIGRATIONS: list[Migration] = [
    ("0001_initial_schema", _initial_schema),
    ("0002_default_configuration", _default_configuration),
    ("0003_compliment_indexes", _compliment_indexes),
    ("0004_import_mappings", _import_mappings),
    ("0005_session_epoch", _session_epoch),
    ("0006_audit_chain", _audit_chain),
    ("0007_report_sections", _report_sections),
    ("0008_stage_outcomes", _stage_outcomes),
    ("0009_procedures_in_full", _procedures_in_full),
]


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations this database has applied, in order."""
    if "migrations" not in db.table_names():
        return []
    return [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY id").fetchall()]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration the database has not seen yet, each in one transaction; return their names."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
    )
    done = set(applied_migrations(db))
    applied = []
    for name, apply in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            # Another process may have applied it while we waited for the lock.
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", [name]).fetchone():
                continue
            apply(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [name, now_utc()])
        applied.append(name)
    return applied
