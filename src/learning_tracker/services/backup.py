"""Backing up and restoring the database.

A backup is SQLite's online backup API: it copies a consistent snapshot while the app goes on reading
and writing (each step takes a read lock; a write that lands mid-copy makes SQLite restart the copy).
The copy is a single self-contained file (rollback journal, not WAL), so it can be mailed or archived
as it is.

A restore checks the file first: it must be an SQLite database that this app made (a ``migrations``
table listing this version's migrations, in order: all of them or the first few, never none and never
one it does not know) and pass SQLite's integrity check. A copy of it is then migrated to this version,
in a private temporary folder, and its tables, columns, indexes and triggers must be exactly those of a
new database of this version: a foreign database given a migrations table, or one with this app's
migration names but not its tables, is refused there, with the live database untouched. The configured
database is then kept aside as ``<name>.before-restore-<time>.db`` and overwritten with the checked copy
through the same backup API, so connections the app holds open see the restored records on their next
query instead of a file pulled from under them.

The database holds children's records, so every file made here (backups, the copy kept aside, a new
database) is readable by its owner only (mode 0600).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .. import db as database
from ..db import transaction
from ..errors import DomainError
from .core import Actor, record_audit, refusal_audited, require_officer

SQLITE_HEADER = b"SQLite format 3\x00"


class NotABackup(DomainError):
    """The file offered for a restore is not a database of this app; nothing was changed."""


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def backup_to(source: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Copy the database at ``source`` to ``destination`` with the online backup API; return the file written.

    ``destination`` may be a directory (the copy is named ``<database>-<UTC time>.db`` in it). An
    existing file is never overwritten.
    """
    source, destination = Path(source), Path(destination)
    if not source.exists():
        raise DomainError(f"{source} does not exist, so there is nothing to back up.")
    if destination.is_dir():
        destination = destination / f"{source.stem}-{_stamp()}.db"
    if destination.exists():
        raise DomainError(f"{destination} already exists; a backup never overwrites a file, so choose a new name.")
    if destination.resolve() == source.resolve():
        raise DomainError("The backup must go to another file than the database itself.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    # Owner-only from its first byte (SQLite gives its journal the same mode): a backup holds every record.
    database.create_private_file(partial)
    # Not read-only: a database in WAL mode may need its shared-memory file created to be read.
    src = sqlite3.connect(source, timeout=database.BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        # A backup is one file: leave WAL mode so it needs no -wal file beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    os.replace(partial, destination)
    return destination


def backup_file(source: str | os.PathLike, destination: str | os.PathLike, *, actor: Actor | None = None) -> Path:
    """``backup_to``, then an audit event "backup" in the database backed up, naming the file written: a
    backup holds every record, so who took one, and where to, is in the log (``learning-tracker backup``)."""
    written = backup_to(source, destination)
    db = database.connect(source)
    try:
        record_audit(db, actor, "backup", "database", None, after={"file": str(written)},
                     message=f"Backed up to {written}")
    finally:
        db.close()
    return written


def backup_bytes(source: str | os.PathLike) -> bytes:
    """A backup of the database as bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = backup_to(source, Path(folder) / "backup.db")
        return path.read_bytes()


def check_backup(path: str | os.PathLike) -> list[str]:
    """The migrations of a backup file, after checking it is a database of this app (see the module's
    docstring); else ``NotABackup``, saying why in one sentence."""
    with tempfile.TemporaryDirectory() as folder:
        names, _ = _checked_copy(Path(path), Path(folder))
    return names


def _migrations_of(path: Path) -> list[str]:
    """The migrations a file lists, after the checks that need no copy: SQLite, a migrations table of
    this version's names in order (none is not this app's), and SQLite's integrity check."""
    if not path.is_file():
        raise NotABackup(f"{path} does not exist or is not a file.")
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotABackup(f"{path} is not an SQLite database, so it cannot be a backup of this app.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "migrations" not in tables:
                raise NotABackup(f"{path} is an SQLite database but not one of this app: it has no migrations table.")
            names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY id")]
            if not names:
                raise NotABackup(f"{path} is an SQLite database but not one of this app: its migrations table "
                                 "lists no migrations.")
            known = [name for name, _ in database.MIGRATIONS]
            unknown = [n for n in names if n not in known]
            if unknown:
                raise NotABackup(f"{path} was made by another version of this app: it has migrations this version "
                                 f"does not know ({', '.join(unknown)}).")
            if names != known[: len(names)]:
                raise NotABackup(f"{path} has this app's migrations out of order or with gaps ({', '.join(names)}), "
                                 "so it is not a database this app made.")
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise NotABackup(f"{path} could not be read as a database ({error}).") from None
        if result != "ok":
            raise NotABackup(f"{path} is damaged (SQLite's integrity check says: {result}).")
        return names
    finally:
        conn.close()


def _checked_copy(path: Path, folder: Path) -> tuple[list[str], Path]:
    """A copy of the backup at ``path`` in ``folder``, migrated to this version and checked to hold exactly
    this version's schema, and the migrations the backup listed; else ``NotABackup``."""
    names = _migrations_of(path)
    copy = folder / "checked.db"
    database.create_private_file(copy)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    try:
        db = database.connect(copy)  # applies the migrations the backup predates
        try:
            # One file again, so that it can be copied over the live database as it stands.
            db.execute("PRAGMA journal_mode = DELETE")
            found = _schema(db.conn)
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise NotABackup(f"{path} lists this app's migrations but could not be brought up to this version "
                         f"({error}), so it is not a database this app made and was not restored.") from None
    reference = database.connect(folder / "reference.db")  # a new, empty database of this version
    try:
        expected = _schema(reference.conn)
    finally:
        reference.close()
    problem = _schema_difference(expected, found)
    if problem:
        raise NotABackup(f"{path} lists this app's migrations but {problem}, so it is not a database this app made "
                         "and was not restored.")
    return names, copy


def _schema(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, tuple]]:
    """Every table, index, trigger and view (SQLite's own left out) by (type, name): its SQL, and a table's
    columns (name, type, not null, default, primary key)."""
    schema = {}
    for kind, name, sql in conn.execute(
            # substr, not LIKE: in LIKE "_" matches any character, so "sqliteXstash" would be left out.
            "SELECT type, name, sql FROM sqlite_master WHERE substr(name, 1, 7) <> 'sqlite_' ORDER BY type, name"):
        columns = tuple(tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info([{name}])")) if kind == "table" else ()
        schema[kind, name] = (" ".join((sql or "").split()), columns)
    return schema


def _schema_difference(expected: dict, found: dict) -> str | None:
    """How ``found`` differs from this version's schema, in words ("it lacks the tables ..."); None when it does not."""
    missing_tables = sorted(name for kind, name in expected.keys() - found.keys() if kind == "table")
    if missing_tables:
        return f"it lacks tables they create ({_listed(missing_tables)})"
    extra_tables = sorted(name for kind, name in found.keys() - expected.keys() if kind == "table")
    if extra_tables:
        return f"it has tables this app does not make ({_listed(extra_tables)})"
    for key in sorted(expected.keys() & found.keys()):
        if key[0] == "table" and expected[key][1] != found[key][1]:
            return f"its table {key[1]} does not have the columns this app gives it"
    missing = sorted(f"{kind} {name}" for kind, name in expected.keys() - found.keys())
    if missing:
        return f"it lacks what they create ({_listed(missing)})"
    extra = sorted(f"{kind} {name}" for kind, name in found.keys() - expected.keys())
    if extra:
        return f"it has what this app does not make ({_listed(extra)})"
    changed = sorted(f"{kind} {name}" for (kind, name) in expected.keys() & found.keys()
                     if expected[kind, name][0] != found[kind, name][0])
    if changed:
        return f"its {_listed(changed)} differ from what this app makes"
    return None


def _listed(names: list[str], most: int = 5) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def restore(source: str | os.PathLike, target: str | os.PathLike, *, actor: Actor | None = None) -> Path | None:
    """Replace the database at ``target`` with the backup at ``source``; return where the replaced
    database was kept (None when there was none). The backup is checked, and migrated to this version, on
    a copy first: a file refused leaves the database as it was. The restore is audited in the restored
    database."""
    source, target = Path(source), Path(target)
    with tempfile.TemporaryDirectory() as folder:
        names, checked = _checked_copy(source, Path(folder))
        if target.exists() and source.resolve() == target.resolve():
            raise DomainError("That backup is the configured database itself; there is nothing to restore.")
        kept = None
        if target.exists():
            kept = backup_to(target, target.with_name(f"{target.stem}.before-restore-{_stamp()}.db"))
        target.parent.mkdir(parents=True, exist_ok=True)
        database.create_private_file(target)
        src = sqlite3.connect(f"file:{checked}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=database.BUSY_TIMEOUT_MS / 1000)
        try:
            # The copy goes through SQLite's locks: a reader sees the old database or the restored one, never half.
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    db = database.connect(target)
    try:
        with transaction(db):
            record_audit(db, actor, "restore database", "database", None,
                         after={"from": str(source), "migrations": names, "replaced_database_kept_as": str(kept) if kept else None},
                         message=f"Restored from {source.name}")
    finally:
        db.close()
    return kept


def download_name(path: str | os.PathLike) -> str:
    """The file name a backup of the database at ``path`` is downloaded as, dated now (UTC)."""
    return f"{Path(path).stem}-backup-{_stamp()}.db"


def backup_for_download(db, actor: Actor, path: str | os.PathLike, *, filename: str | None = None) -> tuple[str, bytes]:
    """A backup of the configured database for the complaints officer to download: (file name, bytes).
    The download is audited: the file holds every record. ``filename`` is the name the page offered it as
    (``download_name``), so the audit names the file the browser saves."""
    with refusal_audited(db, actor, "download backup", "database"):
        require_officer(actor, "download a backup of the database")
    content = backup_bytes(path)
    filename = filename or download_name(path)
    with transaction(db):
        record_audit(db, actor, "download backup", "database", None, after={"file": filename, "bytes": len(content)},
                     message=f"Downloaded a backup as {filename}")
    return filename, content
