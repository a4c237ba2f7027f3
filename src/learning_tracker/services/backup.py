"""Backing up and restoring the database.

A backup is SQLite's online backup API: it copies a consistent snapshot while the app goes on reading
and writing (each step takes a read lock; a write that lands mid-copy makes SQLite restart the copy).
The copy is a single self-contained file (rollback journal, not WAL), so it can be mailed or archived
as it is.

A restore checks the file first: it must be an SQLite database that this app made (a ``migrations``
table whose names are all migrations this version knows, in order) and pass SQLite's integrity check.
The configured database is then kept aside as ``<name>.before-restore-<time>.db`` and overwritten
through the same backup API, so connections the app holds open see the restored records on their next
query instead of a file pulled from under them; the restored database is then migrated forward.
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


def backup_bytes(source: str | os.PathLike) -> bytes:
    """A backup of the database as bytes, for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = backup_to(source, Path(folder) / "backup.db")
        return path.read_bytes()


def check_backup(path: str | os.PathLike) -> list[str]:
    """The migrations of a backup file, after checking it is a database of this app; else ``NotABackup``."""
    path = Path(path)
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


def restore(source: str | os.PathLike, target: str | os.PathLike, *, actor: Actor | None = None) -> Path | None:
    """Replace the database at ``target`` with the backup at ``source``; return where the replaced
    database was kept (None when there was none). The restore is audited in the restored database."""
    source, target = Path(source), Path(target)
    names = check_backup(source)
    if target.exists() and source.resolve() == target.resolve():
        raise DomainError("That backup is the configured database itself; there is nothing to restore.")
    kept = None
    if target.exists():
        kept = backup_to(target, target.with_name(f"{target.stem}.before-restore-{_stamp()}.db"))
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=database.BUSY_TIMEOUT_MS / 1000)
    try:
        # The copy goes through SQLite's locks: a reader sees the old database or the restored one, never half.
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    db = database.connect(target)  # applies any migration the backup predates
    try:
        with transaction(db):
            record_audit(db, actor, "restore database", "database", None,
                         after={"from": str(source), "migrations": names, "replaced_database_kept_as": str(kept) if kept else None},
                         message=f"Restored from {source.name}")
    finally:
        db.close()
    return kept


def backup_for_download(db, actor: Actor, path: str | os.PathLike) -> tuple[str, bytes]:
    """A backup of the configured database for the complaints officer to download: (file name, bytes).
    The download is audited: the file holds every record."""
    with refusal_audited(db, actor, "download backup", "database"):
        require_officer(actor, "download a backup of the database")
    content = backup_bytes(path)
    filename = f"{Path(path).stem}-backup-{_stamp()}.db"
    with transaction(db):
        record_audit(db, actor, "download backup", "database", None, after={"file": filename, "bytes": len(content)},
                     message=f"Downloaded a backup as {filename}")
    return filename, content
