"""Findings on files: downloads that outlived the session, restores of foreign or broken databases, and
database and backup files readable by everyone."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, ui, widgets
from learning_tracker import db as database
from learning_tracker.models import Evidence, NewUser
from learning_tracker.services import actions, backup, users
from learning_tracker.services.backup import NotABackup

from .factories import build_world

SECRET = b"%PDF minutes naming the child"
ROOT = Path(__file__).resolve().parents[1]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """The umask most servers run with (022: new files readable by everyone), put back afterwards."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A council's database (signed in with local accounts, 30 minutes' idle time-out) with one file of evidence."""
    path = tmp_path / "council.db"
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    monkeypatch.delenv("LEARNING_TRACKER_IDLE_MINUTES", raising=False)
    w = build_world(path)
    w.evidence = actions.add_evidence(w.db, w.manager_west, w.action, Evidence(
        description="Team minutes", filename="minutes.pdf", content=SECRET))
    yield w
    w.db.close()


def _session(actor, idle_minutes: float = 1) -> dict:
    """A signed-in session's state as ui.py keeps it."""
    return {ui.USER_KEY: actor.id, ui.LAST_ACTIVITY_KEY: datetime.now(UTC) - timedelta(minutes=idle_minutes)}


def _downloads(db) -> list[tuple]:
    return db.execute("SELECT event, user_id, outcome, entity_id FROM audit_events WHERE event LIKE 'download%'"
                      " ORDER BY id").fetchall()


# --- downloads check the session when clicked -------------------------------------------------------------


def test_finding_downloads_outlive_the_session_a_normal_click_downloads_and_is_audited(world):
    load = widgets._evidence_loader(world.evidence, "minutes.pdf", session=_session(world.manager_west))
    assert load() == SECRET
    assert _downloads(world.db) == [("download evidence", world.manager_west.id, "done", world.evidence)]


def test_finding_downloads_outlive_the_session_refused_after_idle_expiry(world):
    session = _session(world.manager_west)
    load = widgets._evidence_loader(world.evidence, "minutes.pdf", session=session)
    session[ui.LAST_ACTIVITY_KEY] = datetime.now(UTC) - timedelta(minutes=31)  # idle past the time-out
    content = load()
    assert SECRET not in content and content == widgets.DOWNLOAD_REFUSED.encode()
    assert _downloads(world.db) == [("download evidence", world.manager_west.id, "refused", world.evidence)]


def test_finding_downloads_outlive_the_session_refused_after_deactivation(world):
    load = widgets._evidence_loader(world.evidence, "minutes.pdf", session=_session(world.manager_west))
    version = world.db.execute("SELECT version FROM users WHERE id = ?", [world.manager_west.id]).fetchone()[0]
    users.deactivate_user(world.db, world.officer, world.manager_west.id, version)
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    assert _downloads(world.db) == [("download evidence", world.manager_west.id, "refused", world.evidence)]


def test_finding_downloads_outlive_the_session_refused_after_a_password_reset(world):
    session = {**_session(world.manager_west), ui.SIGNED_IN_AT_KEY: datetime.now(UTC) - timedelta(minutes=5)}
    load = widgets._evidence_loader(world.evidence, "minutes.pdf", session=session)
    version = world.db.execute("SELECT version FROM users WHERE id = ?", [world.manager_west.id]).fetchone()[0]
    users.set_password(world.db, world.officer, world.manager_west.id, version, "a fresh passphrase for the team")
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    assert _downloads(world.db) == [("download evidence", world.manager_west.id, "refused", world.evidence)]


def test_finding_downloads_outlive_the_session_refused_after_sign_out_or_to_someone_else(world):
    session = _session(world.manager_west)
    load = widgets._evidence_loader(world.evidence, "minutes.pdf", session=session)
    session.clear()  # signing out empties the session
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    session.update(_session(world.viewer))  # someone else signs in on the same browser
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    # Outside a Streamlit session there is nobody to check, so nothing is downloaded.
    assert widgets._evidence_loader(world.evidence, "minutes.pdf")() == widgets.DOWNLOAD_REFUSED.encode()
    assert [r[2] for r in _downloads(world.db)] == ["refused", "refused", "refused"]


def test_finding_downloads_outlive_the_session_a_refusal_of_the_file_itself_is_one_sentence(world):
    from learning_tracker.services import audit_log

    load = widgets.download_data(lambda db, who: audit_log.audit_csv(db, who, audit_log.AuditFilter()),
                                 event="download audit log", entity="audit_events", file_name="audit.csv",
                                 session=_session(world.viewer))
    assert load().decode().startswith("This file was not downloaded: Only a complaints officer may export the audit log")
    assert _downloads(world.db) == [("download audit log", world.viewer.id, "refused", None)]


def test_finding_downloads_outlive_the_session_the_backup_is_built_only_on_click(world, tmp_path):
    name = backup.download_name(tmp_path / "council.db")
    load = widgets.download_data(
        lambda db, who: backup.backup_for_download(db, who, tmp_path / "council.db", filename=name)[1],
        event="download backup", entity="database", file_name=name, service_audits=True,
        session=_session(world.officer))
    assert _downloads(world.db) == []  # nothing is built, or audited, before the click
    assert load().startswith(b"SQLite format 3\x00")
    assert _downloads(world.db) == [("download backup", world.officer.id, "done", None)]  # audited once
    assert world.db.execute("SELECT message FROM audit_events ORDER BY id DESC").fetchone()[0] == (
        f"Downloaded a backup as {name}")


def test_finding_downloads_outlive_the_session_the_backup_page_keeps_no_copy_in_the_session(demo_db_path, monkeypatch):
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(demo_db_path))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    db = database.connect(demo_db_path)
    try:
        from learning_tracker.demo import DEMO_USERS_BY_ROLE

        at.session_state["user_id"] = db.execute(
            "SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE["complaints_officer"]]).fetchone()[0]
    finally:
        db.close()
    at.run()
    at.switch_page(str(ROOT / "pages" / "import_export.py"))
    at.run()
    assert not at.exception, at.exception
    assert [b.proto.label for b in at.get("download_button") if "backup" in b.proto.label] == [
        "Download a backup of the database"]
    assert "backup_ready" not in at.session_state  # no copy of the database waits in the session
    db = database.connect(demo_db_path)
    try:
        assert db.execute("SELECT COUNT(*) FROM audit_events WHERE event = 'download backup'").fetchone()[0] == 0
    finally:
        db.close()


# --- restore refuses what is not this app's database ------------------------------------------------------


def _db_with(path, statements: list[str]) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


MIGRATIONS_TABLE = "CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"


def _all_names(count: int | None = None) -> list[str]:
    names = [name for name, _ in database.MIGRATIONS]
    return [f"INSERT INTO migrations (name, applied_at) VALUES ('{n}', 'x')" for n in names[:count]]


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "live.db"
    build_world(path).db.close()
    return path


def _refused(live, offered, message: str, capsys) -> None:
    before = live.read_bytes()
    with pytest.raises(NotABackup) as caught:
        backup.restore(offered, live)
    assert str(caught.value) == f"{offered} {message}"
    assert live.read_bytes() == before
    assert not list(live.parent.glob("*before-restore*"))
    # The command says the same in one sentence, without a traceback.
    assert cli.main(["restore", str(offered), "--db", str(live)]) == 1
    err = capsys.readouterr().err
    assert err == f"learning-tracker: {offered} {message}\n"
    assert live.read_bytes() == before


def test_finding_restore_refuses_a_foreign_database_with_an_empty_migrations_table(live, tmp_path, capsys):
    offered = tmp_path / "foreign.db"
    _db_with(offered, [MIGRATIONS_TABLE, "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)",
                       "INSERT INTO patients (name) VALUES ('someone')"])
    _refused(live, offered, "is an SQLite database but not one of this app: its migrations table lists no migrations.",
             capsys)


def test_finding_restore_refuses_this_apps_migration_names_without_its_tables(live, tmp_path, capsys):
    offered = tmp_path / "names-only.db"
    _db_with(offered, [MIGRATIONS_TABLE, *_all_names()])
    before = live.read_bytes()
    with pytest.raises(NotABackup) as caught:
        backup.restore(offered, live)
    message = str(caught.value)
    assert message.startswith(f"{offered} lists this app's migrations but it lacks tables they create "
                              "(action_evidence, action_updates, actions, audit_events, complaint_points and ")
    assert message.endswith(" more), so it is not a database this app made and was not restored.")
    assert live.read_bytes() == before
    assert not list(live.parent.glob("*before-restore*"))
    assert cli.main(["restore", str(offered), "--db", str(live)]) == 1
    assert capsys.readouterr().err == f"learning-tracker: {message}\n"
    assert live.read_bytes() == before


def test_finding_restore_refuses_a_prefix_of_names_that_cannot_be_migrated(live, tmp_path, capsys):
    offered = tmp_path / "old-names-only.db"
    _db_with(offered, [MIGRATIONS_TABLE, *_all_names(2)])
    before = live.read_bytes()
    with pytest.raises(NotABackup, match=r"lists this app's migrations but could not be brought up to this version "
                                         r"\(no such table: .*\), so it is not a database this app made"):
        backup.restore(offered, live)
    assert live.read_bytes() == before


@pytest.mark.parametrize("change,problem", [
    ("ALTER TABLE complaints DROP COLUMN remedy_pence", "its table complaints does not have the columns this app gives it"),
    ("CREATE TABLE patients (id INTEGER PRIMARY KEY)", "it has tables this app does not make (patients)"),
    ("DROP TRIGGER audit_events_no_delete", "it lacks what they create (trigger audit_events_no_delete)"),
    # Named like SQLite's own objects ("_" is a wildcard in LIKE), a stash and its trigger are still seen.
    ("CREATE TABLE sqliteXstash (reference TEXT)", "it has tables this app does not make (sqliteXstash)"),
])
def test_finding_restore_refuses_a_backup_whose_schema_was_changed(live, tmp_path, capsys, change, problem):
    offered = backup.backup_to(live, tmp_path / "changed.db")
    _db_with(offered, [change])
    _refused(live, offered, f"lists this app's migrations but {problem}, so it is not a database this app made and "
                            "was not restored.", capsys)


def test_finding_restore_still_restores_a_backup_of_the_demo_database(demo_db_path, tmp_path):
    saved = backup.backup_to(demo_db_path, tmp_path / "demo-backup.db")
    target = tmp_path / "restored.db"
    backup.restore(saved, target)
    db = database.connect(target)
    try:
        assert db["complaints"].count > 0
        assert db.execute("SELECT event FROM audit_events ORDER BY id DESC").fetchone()[0] == "restore database"
    finally:
        db.close()


# --- files readable by their owner only --------------------------------------------------------------------


def test_finding_files_world_readable_init_creates_the_database_and_its_wal_owner_only(tmp_path, usual_umask):
    path = tmp_path / "records.db"
    assert cli.main(["init", "--db", str(path)]) == 0
    assert mode(path) == 0o600
    db = database.connect(path)
    try:
        with database.transaction(db):
            db["service_areas"].insert({"name": "Team West"})
        for sidecar in ("-wal", "-shm"):
            assert mode(f"{path}{sidecar}") == 0o600, sidecar
    finally:
        db.close()
    # A new file made by someone else in the same process afterwards is as the umask says: the umask was put back.
    (tmp_path / "other.txt").write_text("x")
    assert mode(tmp_path / "other.txt") == 0o644


def test_finding_files_world_readable_backup_and_restore_files_are_owner_only(live, tmp_path, usual_umask, capsys):
    assert cli.main(["backup", str(tmp_path / "copy.db"), "--db", str(live)]) == 0
    assert mode(tmp_path / "copy.db") == 0o600
    folder = tmp_path / "backups"
    folder.mkdir()
    assert mode(backup.backup_to(live, folder)) == 0o600
    kept = backup.restore(tmp_path / "copy.db", live)
    assert mode(kept) == 0o600
    fresh = tmp_path / "new-home" / "restored.db"
    backup.restore(tmp_path / "copy.db", fresh)
    assert mode(fresh) == 0o600


def test_finding_files_world_readable_sidecars_left_open_are_closed_on_opening(tmp_path, usual_umask):
    path = tmp_path / "records.db"
    database.connect(path).close()
    for sidecar in ("-wal", "-shm"):
        Path(f"{path}{sidecar}").touch()
        os.chmod(f"{path}{sidecar}", 0o644)  # as an older version left them
    db = database.connect(path)
    try:
        for sidecar in ("-wal", "-shm"):
            assert mode(f"{path}{sidecar}") == 0o600, sidecar
    finally:
        db.close()


def test_finding_files_world_readable_the_demo_database_is_owner_only(tmp_path, usual_umask):
    path = tmp_path / "demo.db"
    assert cli.main(["demo", "--scale", "20", "--db", str(path)]) == 0
    assert mode(path) == 0o600


def _page_that_offers_a_download():
    """A page run by Streamlit that builds a download as the pages do, and keeps its loader to click later."""
    import streamlit as st

    from learning_tracker import widgets

    st.session_state["loader"] = widgets.download_data(lambda db, who: b"%PDF the file", event="download evidence",
                                                       entity="action_evidence", entity_id=1, file_name="file.pdf")


def test_finding_downloads_outlive_the_session_the_click_reads_the_live_session_of_the_page(world):
    at = AppTest.from_function(_page_that_offers_a_download, default_timeout=30)
    at.session_state[ui.USER_KEY] = world.officer.id
    at.session_state[ui.LAST_ACTIVITY_KEY] = datetime.now(UTC)
    at.run()
    assert not at.exception, at.exception
    load = at.session_state["loader"]
    assert load() == b"%PDF the file"  # clicked on another thread, after the run: the session is read as it is now
    at.session_state[ui.LAST_ACTIVITY_KEY] = datetime.now(UTC) - timedelta(minutes=31)
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    assert [r[2] for r in _downloads(world.db)] == ["done", "refused"]


def test_finding_downloads_outlive_the_session_refused_when_the_role_no_longer_allows_the_file(world):
    from learning_tracker.models import UserChange
    from learning_tracker.services import permissions

    load = widgets.download_data(lambda db, who: b"every complaint", event="download export", entity="export",
                                 file_name="complaints.csv", session=_session(world.officer),
                                 allowed=permissions.manages_records)
    # Another officer makes this one a viewer after the export was prepared, before the click.
    second = users.add_user(world.db, world.officer, NewUser(email="second@test.invalid", name="Second Officer",
                                                             role="complaints_officer"))
    from learning_tracker.services.core import load_actor

    version = world.db.execute("SELECT version FROM users WHERE id = ?", [world.officer.id]).fetchone()[0]
    users.change_user(world.db, load_actor(world.db, second), world.officer.id, version,
                      UserChange(name="Complaints Officer", role="viewer", service_areas=[]))
    assert load() == widgets.DOWNLOAD_REFUSED.encode()
    assert _downloads(world.db)[-1][:3] == ("download export", world.officer.id, "refused")


def test_finding_files_world_readable_files_the_command_writes_are_owner_only(tmp_path, usual_umask, demo_db_path):
    export = tmp_path / "complaints.csv"
    assert cli.main(["export", "complaints", str(export), "--db", str(demo_db_path)]) == 0
    assert mode(export) == 0o600
    report = tmp_path / "annual.docx"
    assert cli.main(["report", "annual", "--year", "2021-22", "--output", str(report), "--db", str(demo_db_path)]) == 0
    assert mode(report) == 0o600


def test_finding_fails_open_an_empty_file_at_the_path_is_no_database(tmp_path):
    empty = tmp_path / "typo.db"
    empty.touch()
    with pytest.raises(database.DatabaseMissing):
        database.connect(empty, create=False)
    assert empty.stat().st_size == 0
