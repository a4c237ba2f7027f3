"""Backup and restore, and the import, export, backup and restore commands."""

from __future__ import annotations

import sqlite3

import pytest

from learning_tracker import cli
from learning_tracker import db as database
from learning_tracker.services import backup
from learning_tracker.services.backup import NotABackup
from learning_tracker.errors import DomainError

from .factories import build_world

HEADER = "reference,received_on,procedure,service_area"


def count(path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def world_path(tmp_path):
    path = tmp_path / "council.db"
    build_world(path).db.close()
    return path


def test_a_backup_is_taken_while_another_connection_is_writing_and_holds_what_was_committed(world_path, tmp_path):
    writer = database.connect(world_path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO service_areas (name) VALUES ('Not yet committed')")
    try:
        written = backup.backup_to(world_path, tmp_path / "copy.db")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert written == tmp_path / "copy.db"
    conn = sqlite3.connect(written)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM service_areas ORDER BY id")] == ["Team West", "Team East"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "a backup is one self-contained file"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert backup.check_backup(written) == [name for name, _ in database.MIGRATIONS]


def test_a_backup_never_overwrites_a_file_and_into_a_folder_gets_a_dated_name(world_path, tmp_path):
    (tmp_path / "taken.db").write_bytes(b"keep me")
    with pytest.raises(DomainError, match="taken.db already exists; a backup never overwrites a file"):
        backup.backup_to(world_path, tmp_path / "taken.db")
    assert (tmp_path / "taken.db").read_bytes() == b"keep me"
    folder = tmp_path / "backups"
    folder.mkdir()
    written = backup.backup_to(world_path, folder)
    assert written.parent == folder and written.name.startswith("council-") and written.suffix == ".db"


def _db_with(path, statements: list[str]) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: p.write_text("reference,received_on\nA,2021-04-06\n"),
         "is not an SQLite database, so it cannot be a backup of this app."),
        (lambda p: _db_with(p, ["CREATE TABLE things (id INTEGER)"]),
         "is an SQLite database but not one of this app: it has no migrations table."),
        (lambda p: _db_with(p, ["CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)",
                                "INSERT INTO migrations (name, applied_at) VALUES ('0001_initial_schema', 'x')",
                                "INSERT INTO migrations (name, applied_at) VALUES ('0099_from_the_future', 'x')"]),
         "was made by another version of this app: it has migrations this version does not know (0099_from_the_future)."),
        (lambda p: _db_with(p, ["CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)",
                                "INSERT INTO migrations (name, applied_at) VALUES ('0002_default_configuration', 'x')"]),
         ("has this app's migrations out of order or with gaps (0002_default_configuration), so it is not a database "
         "this app made.")),
    ],
    ids=["not-sqlite", "no-migrations-table", "unknown-migration", "migrations-with-a-gap"],
)
def test_restore_refuses_a_file_that_is_not_a_database_of_this_app_and_changes_nothing(world_path, tmp_path, make, message):
    offered = tmp_path / "offered.db"
    make(offered)
    before = world_path.read_bytes()
    with pytest.raises(NotABackup) as caught:
        backup.restore(offered, world_path)
    assert str(caught.value) == f"{offered} {message}"
    assert world_path.read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*"))


def test_restore_replaces_the_database_under_an_open_connection_and_keeps_the_one_it_replaced(world_path, tmp_path):
    saved = backup.backup_to(world_path, tmp_path / "saved.db")
    app = database.connect(world_path)  # the app holds a connection open throughout
    with database.transaction(app):
        app.execute("INSERT INTO service_areas (name) VALUES ('Added after the backup')")
    kept = backup.restore(saved, world_path)
    assert [r[0] for r in app.execute("SELECT name FROM service_areas ORDER BY id")] == ["Team West", "Team East"]
    assert kept.name.startswith("council.before-restore-")
    assert count(kept, "service_areas") == 3
    event = app.execute("SELECT event, entity, message FROM audit_events ORDER BY id DESC").fetchone()
    assert event == ("restore database", "database", "Restored from saved.db")
    app.close()


def test_restore_of_an_older_backup_applies_the_migrations_it_predates(tmp_path, monkeypatch):
    older = tmp_path / "older.db"
    with monkeypatch.context() as m:
        m.setattr(database, "MIGRATIONS", database.MIGRATIONS[:2])
        database.connect(older).close()
    target = tmp_path / "current.db"
    database.connect(target).close()
    backup.restore(older, target)
    db = database.connect(target)
    try:
        assert database.applied_migrations(db) == [name for name, _ in database.MIGRATIONS]
    finally:
        db.close()


# --- the commands ---------------------------------------------------------------------------------


def test_import_command_checks_imports_and_reports_like_the_page(world_path, tmp_path, capsys):
    good = tmp_path / "complaints.csv"
    good.write_text(f"{HEADER}\nC-1,06/04/2021,statutory,Team West\nC-2,2021-04-07,corporate,team east\n")
    assert cli.main(["import", "complaints", str(good), "--dry-run", "--db", str(world_path)]) == 0
    assert capsys.readouterr().out == "complaints.csv: 2 rows; would import 2 new complaints, 0 updated, 0 unchanged.\n"
    assert count(world_path, "complaints") == 0
    assert cli.main(["import", "complaints", str(good), "--db", str(world_path)]) == 0
    assert capsys.readouterr().out == "complaints.csv: 2 rows; imported 2 new complaints, 0 updated, 0 unchanged.\n"
    assert count(world_path, "complaints") == 2
    assert cli.main(["import", "complaints", str(good), "--as", "officer@test.invalid", "--db", str(world_path)]) == 0
    assert capsys.readouterr().out == "complaints.csv: 2 rows; imported 0 new complaints, 0 updated, 2 unchanged.\n"
    conn = sqlite3.connect(world_path)
    assert conn.execute("SELECT user_email FROM audit_events ORDER BY id DESC LIMIT 2").fetchall() == [
        ("officer@test.invalid",), ("learning-tracker command",)]
    conn.close()


def test_import_command_lists_the_problems_on_stderr_and_writes_the_error_report(world_path, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nC-1,2021-04-06,statutory,Team Wets\n")
    report = tmp_path / "errors.csv"
    assert cli.main(["import", "complaints", str(bad), "--errors", str(report), "--db", str(world_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("learning-tracker: bad.csv: 1 error in 1 rows, so nothing was imported.\n"
                            "  row 2: service_area ('Team Wets') is not known; did you mean 'Team West'?\n")
    assert report.read_text(encoding="utf-8-sig").splitlines()[1] == (
        "2,service_area,Team Wets,is not known; did you mean 'Team West'?")
    assert count(world_path, "complaints") == 0


@pytest.mark.parametrize(
    "argv,message",
    [
        (["import", "complaints", "missing.csv"], "missing.csv does not exist or is not a file."),
        (["import", "complaints", "{pdf}"], "is a PDF document, not a CSV file"),
        (["import", "complaints", "{pdf}", "--mapping", "Nope"], "No complaints mapping is saved as 'Nope'; none is saved yet."),
        (["import", "complaints", "{pdf}", "--as", "west@test.invalid"],
         "Only a complaints officer may import records; you are signed in as a service manager."),
        (["export", "complaints", "out.txt"], "out.txt must end in .csv or .xlsx."),
        (["export", "all", "{tmp}/out.csv"], "An export of every record type is an Excel workbook (xlsx), one sheet per type."),
        (["export", "complaints", "{tmp}/out.csv", "--year", "2021"], "'2021' is not a financial year"),
        (["restore", "{pdf}"], "is not an SQLite database, so it cannot be a backup of this app."),
    ],
)
def test_command_errors_are_one_sentence(world_path, tmp_path, capsys, argv, message):
    pdf = tmp_path / "scan.csv"
    pdf.write_bytes(b"%PDF-1.4 scanned")
    argv = [a.format(pdf=pdf, tmp=tmp_path) for a in argv] + ["--db", str(world_path)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_export_backup_and_restore_commands(world_path, tmp_path, capsys):
    assert cli.main(["export", "service-areas", str(tmp_path / "areas.xlsx"), "--db", str(world_path)]) == 0
    assert capsys.readouterr().out == f"Wrote 2 rows to {tmp_path / 'areas.xlsx'}.\n"
    assert cli.main(["backup", str(tmp_path / "b.db"), "--db", str(world_path)]) == 0
    assert capsys.readouterr().out == f"Backed up {world_path} to {tmp_path / 'b.db'}.\n"
    assert cli.main(["restore", str(tmp_path / "b.db"), "--db", str(world_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Restored {world_path} from {tmp_path / 'b.db'}; the database it replaced is kept as ")
