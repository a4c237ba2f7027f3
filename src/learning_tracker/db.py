"""Opening the SQLite database, its pragmas, and the named, ordered migrations.

Every schema change is a named migration appended to ``MIGRATIONS``; ``migrate`` applies the ones
a database has not seen yet, in order, each in its own transaction. Never edit a migration that has
shipped: add a new one.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import sqlite_utils

DEFAULT_DB_PATH = Path("data") / "learning_tracker.db"
BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    """The database the app and the command use: ``LEARNING_TRACKER_DB``, else ``data/learning_tracker.db``."""
    return Path(os.environ.get("LEARNING_TRACKER_DB") or DEFAULT_DB_PATH)


def connect(path: str | os.PathLike, *, migrate_schema: bool = True) -> sqlite_utils.Database:
    """Open the database at ``path`` with WAL, foreign keys and a busy timeout, migrated to the latest schema.

    Open one per script run or per operation; a connection is never shared across Streamlit threads.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so that a write takes the lock up front
    # instead of failing half-way with "database is locked" when it upgrades a read lock.
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    _register_functions(conn)
    if migrate_schema:
        migrate(db)
    return db


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
