"""Findings "Audit gaps": an import audited field by field, downloads and the backup command audited, and an
audit log that shows tampering (hash chain, triggers, the retention redaction rule, `audit verify`)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from learning_tracker import cli
from learning_tracker import db as database
from learning_tracker.errors import Refused
from learning_tracker.models import Evidence, NewComplaint, StatusChange
from learning_tracker.services import (
    actions,
    audit_chain,
    auth,
    complaints,
    service_areas,
)
from learning_tracker.services.core import record_audit
from learning_tracker.services.importing import import_file

from .factories import build_world

USERS_CSV = (b"email,name,role,service_areas,active\n"
             b"viewer@test.invalid,Director,complaints officer,,yes\n"
             b"new.person@test.invalid,New Person,viewer,,yes\n")


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "council.db")
    yield w
    w.db.close()


def _busy(w) -> None:
    """Several writes through the services, a refusal and a refused sign-in among them."""
    service_areas.add_service_area(w.db, w.officer, "Team North")
    actions.add_note(w.db, w.manager_west, w.action, "Raised at the team meeting")
    actions.change_status(w.db, w.manager_west, w.action, 1, StatusChange(status="in progress"))
    actions.add_evidence(w.db, w.manager_west, w.action, Evidence(description="Minutes", filename="minutes.pdf",
                                                                  content=b"%PDF minutes"))
    complaints.create_complaint(w.db, w.officer, NewComplaint(reference="WEST-1", received_on=date(2026, 1, 5),
                                                              procedure="statutory", service_area="Team West"))
    with pytest.raises(Refused):
        service_areas.add_service_area(w.db, w.viewer, "Team South")
    with pytest.raises(Refused):
        auth.sign_in(w.db, "nobody@test.invalid", "not the password at all")


def _event(db, event_id: int) -> dict:
    return dict(next(iter(db.query("SELECT * FROM audit_events WHERE id = ?", [event_id]))))


def _last_id(db) -> int:
    return db.execute("SELECT MAX(id) FROM audit_events").fetchone()[0]


# --- (a) an import lists each record it changed -------------------------------------------------------


def test_finding_audit_gaps_an_import_that_promotes_a_viewer_names_the_change_field_by_field(world):
    import_file(world.db, world.officer, "users", "users.csv", USERS_CSV)
    after = json.loads(world.db.execute(
        "SELECT after FROM audit_events WHERE event = 'import users' ORDER BY id DESC").fetchone()[0])
    # The counts stay for whatever reads them ...
    assert (after["file"], after["added"], after["updated"]) == ("users.csv", 1, 1)
    # ... and the event now says what changed: the viewer was made a complaints officer.
    assert after["updated_records"] == [{"record": "user", "key": "viewer@test.invalid", "id": world.viewer.id,
                                         "row": 2, "changes": {"role": ["viewer", "complaints officer"]}}]
    assert after["added_records"] == [{"record": "user", "key": "new.person@test.invalid", "row": 3, "fields": {
        "email": "new.person@test.invalid", "name": "New Person", "role": "viewer", "active": "yes"}}]


# --- (b) the backup command is audited ------------------------------------------------------------------


def test_finding_audit_gaps_the_backup_command_leaves_an_audit_event(world, tmp_path, capsys):
    path = tmp_path / "council.db"
    assert cli.main(["backup", str(tmp_path / "copy.db"), "--db", str(path)]) == 0
    event = world.db.execute("SELECT event, entity, user_email, after FROM audit_events ORDER BY id DESC").fetchone()
    assert event[:3] == ("backup", "database", "learning-tracker command")
    assert json.loads(event[3]) == {"file": str(tmp_path / "copy.db")}


# --- (c) the hash chain, and (d) audit verify -----------------------------------------------------------


def test_finding_audit_gaps_verify_passes_after_several_service_writes(world, tmp_path, capsys):
    _busy(world)
    events = world.db.execute("SELECT COUNT(*) FROM audit_events").fetchone()[0]
    assert events >= 7
    assert world.db.execute("SELECT COUNT(*) FROM audit_events WHERE content_hash IS NULL OR chain_hash IS NULL"
                            ).fetchone()[0] == 0
    assert audit_chain.verify(world.db).intact
    assert cli.main(["audit", "verify", "--db", str(tmp_path / "council.db")]) == 0
    assert capsys.readouterr().out == f"The audit log of {events} events is intact.\n"


def test_finding_audit_gaps_verify_passes_on_the_demo_database_after_writes(demo_db_path, capsys):
    db = database.connect(demo_db_path)
    try:
        officer = db.execute("SELECT id FROM users WHERE role = 'complaints_officer' AND active").fetchone()[0]
        from learning_tracker.services.core import load_actor

        service_areas.add_service_area(db, load_actor(db, officer), "Team Audited")
        assert audit_chain.verify(db).intact
    finally:
        db.close()
    assert cli.main(["audit", "verify", "--db", str(demo_db_path)]) == 0


def _drop_update_trigger_edit_and_recreate(db, sql: str, params: list) -> None:
    """What someone with the file in hand does: drop the trigger, edit the row, put the trigger back."""
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_update'").fetchone()[0]
    db.execute("DROP TRIGGER audit_events_no_update")
    db.execute(sql, params)
    db.execute(trigger)


def test_finding_audit_gaps_a_hand_edited_event_makes_verify_name_it(world, tmp_path, capsys):
    _busy(world)
    target = world.db.execute("SELECT id FROM audit_events WHERE event = 'add service area' ORDER BY id").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        world.db.execute("UPDATE audit_events SET user_email = 'someone.else@test.invalid' WHERE id = ?", [target])
    _drop_update_trigger_edit_and_recreate(
        world.db, "UPDATE audit_events SET user_email = 'someone.else@test.invalid' WHERE id = ?", [target])

    check = audit_chain.verify(world.db)
    assert (check.intact, check.broken_event, check.events) == (False, target, target - 1)
    assert cli.main(["audit", "verify", "--db", str(tmp_path / "council.db")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"learning-tracker: The audit log is not intact: event {target} was changed after it was "
                            "written: what it records no longer matches its hash; keep this database as it is and "
                            "compare it with a backup to see what was changed.\n")


def test_finding_audit_gaps_an_event_removed_or_forged_breaks_the_chain_at_the_next_one(world):
    _busy(world)
    first, second = [r[0] for r in world.db.execute("SELECT id FROM audit_events ORDER BY id LIMIT 2")]
    delete_trigger = world.db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_delete'").fetchone()[0]
    world.db.execute("DROP TRIGGER audit_events_no_delete")
    world.db.execute("DELETE FROM audit_events WHERE id = ?", [first])
    world.db.execute(delete_trigger)
    check = audit_chain.verify(world.db)
    assert (check.broken_event, check.reason) == (second, (
        "does not follow from the event before it: an event before it was removed, added or changed, or its own "
        "hash was rewritten"))
    # An event written past the app, without its hashes, is named as such.
    world.db.execute("INSERT INTO audit_events (id, at, event, entity) VALUES (?, '2026-01-01T00:00:00+00:00', 'x', 'y')",
                     [first])
    assert audit_chain.verify(world.db).broken_event == first
    assert "has no hash" in audit_chain.verify(world.db).reason


@pytest.mark.parametrize("statement", ["INSERT OR REPLACE", "REPLACE"])
def test_finding_audit_gaps_insert_or_replace_cannot_rewrite_an_event(world, tmp_path, statement):
    _busy(world)
    before = _event(world.db, 1)
    sql = (f"{statement} INTO audit_events (id, at, user_id, user_email, event, entity, outcome)"
           " VALUES (1, '2026-01-01T00:00:00+00:00', NULL, 'forger@test.invalid', 'nothing happened', 'x', 'done')")
    # Through the app's connection ...
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        world.db.execute(sql)
    # ... and through a bare connection, which has none of the app's pragmas.
    bare = sqlite3.connect(tmp_path / "council.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            bare.execute(sql)
        bare.rollback()
    finally:
        bare.close()
    # The app's connection turns recursive triggers on, so even without the insert trigger a replace fires the
    # delete trigger.
    world.db.execute("DROP TRIGGER audit_events_no_replace")
    assert world.db.execute("PRAGMA recursive_triggers").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        world.db.execute(sql)
    assert _event(world.db, 1) == before
    assert audit_chain.verify(world.db).intact


REDACTED = (None, '{"reference": "redacted"}', None)  # before, after, message of a redacted event


def _retention(db, actor, redacted: list[int]) -> int:
    """A retention event as the retention service writes it: the ids it redacts, and the hash of each as
    it will read redacted (``REDACTED``), in ``after``."""
    with database.transaction(db):
        record_audit(db, actor, database.RETENTION_EVENT, "complaint", None, after={
            "redacted_events": redacted, "complaints": 1,
            "redacted_hashes": audit_chain.redacted_hashes(db, [(*REDACTED, i) for i in redacted])})
    return _last_id(db)


def test_finding_audit_gaps_a_redaction_by_a_retention_event_that_lists_it_verifies(world):
    _busy(world)
    target = world.db.execute("SELECT id FROM audit_events WHERE event = 'create complaint'").fetchone()[0]
    service_areas.add_service_area(world.db, world.officer, "Team Later")
    retention = _retention(world.db, world.officer, [target])
    service_areas.add_service_area(world.db, world.officer, "Team After Retention")
    world.db.execute("UPDATE audit_events SET before = NULL, after = '{\"reference\": \"redacted\"}', message = NULL,"
                     " redacted_by = ? WHERE id = ?", [retention, target])
    assert _event(world.db, target)["after"] == '{"reference": "redacted"}'
    check = audit_chain.verify(world.db)
    assert check.intact and check.events == _last_id(world.db)
    # Edited by hand after its redaction (the triggers dropped), it no longer matches what retention recorded.
    _drop_update_trigger_edit_and_recreate(
        world.db, "UPDATE audit_events SET after = '{\"reference\": \"edited\"}' WHERE id = ?", [target])
    check = audit_chain.verify(world.db)
    assert check.broken_event == target and "after retention event" in check.reason, check
    _drop_update_trigger_edit_and_recreate(
        world.db, "UPDATE audit_events SET after = '{\"reference\": \"redacted\"}' WHERE id = ?", [target])
    # Redacted once, an event is never changed again.
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        world.db.execute("UPDATE audit_events SET message = 'rewritten', redacted_by = ? WHERE id = ?",
                         [retention, target])


def test_finding_audit_gaps_a_redaction_may_change_only_what_it_redacts(world):
    _busy(world)
    target = world.db.execute("SELECT id FROM audit_events WHERE event = 'create complaint'").fetchone()[0]
    retention = _retention(world.db, world.officer, [target])
    for column, value in [("user_email", "x@test.invalid"), ("event", "nothing"), ("at", "2020-01-01"),
                          ("outcome", "refused"), ("chain_hash", "f00d"), ("id", 999)]:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            world.db.execute(f"UPDATE audit_events SET [{column}] = ?, after = NULL, redacted_by = ? WHERE id = ?",
                             [value, retention, target])
    assert audit_chain.verify(world.db).intact


BREAKING = ["by an event that is not a retention event", "by a retention event that does not list it",
            "by a retention event written before it", "changing its content hash"]


@pytest.mark.parametrize("breaking", BREAKING)
def test_finding_audit_gaps_a_redaction_breaking_the_rule_is_refused_and_fails_verify(world, breaking):
    _busy(world)
    # A retention event listing the event written just after it.
    early_retention = _retention(world.db, world.officer, [_last_id(world.db) + 2])
    service_areas.add_service_area(world.db, world.officer, "Team Later")
    target = _last_id(world.db)
    assert target == early_retention + 1
    actions.add_note(world.db, world.manager_west, world.action, "Not a retention event")
    not_retention = _last_id(world.db)
    other_retention = _retention(world.db, world.officer, [1])
    retention = _retention(world.db, world.officer, [target])
    redact = "UPDATE audit_events SET after = NULL, redacted_by = ? WHERE id = ?"
    sql, params = {
        "by an event that is not a retention event": (redact, [not_retention, target]),
        "by a retention event that does not list it": (redact, [other_retention, target]),
        "by a retention event written before it": (redact, [early_retention, target]),
        "changing its content hash": ("UPDATE audit_events SET content_hash = 'f00d', redacted_by = ? WHERE id = ?",
                                      [retention, target]),
    }[breaking]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        world.db.execute(sql, params)
    assert audit_chain.verify(world.db).intact
    # Forced past the trigger, the broken redaction is named by verify.
    _drop_update_trigger_edit_and_recreate(world.db, sql, params)
    check = audit_chain.verify(world.db)
    assert check.broken_event == target, check


def test_finding_audit_gaps_the_migration_chains_the_events_already_recorded(tmp_path, monkeypatch):
    path = tmp_path / "older.db"
    names = [name for name, _ in database.MIGRATIONS]
    with monkeypatch.context() as m:
        m.setattr(database, "MIGRATIONS", database.MIGRATIONS[: names.index("0006_audit_chain")])
        older = database.connect(path)
        for n in range(3):
            older.execute("INSERT INTO audit_events (at, user_email, event, entity, after) VALUES (?, ?, ?, ?, ?)",
                          [f"2025-0{n + 1}-01T09:00:00+00:00", "officer@test.invalid", "add service area",
                           "service_area", json.dumps({"name": f"Team {n}"})])
        older.close()
    db = database.connect(path)  # applies 0006_audit_chain
    try:
        assert "0006_audit_chain" in database.applied_migrations(db)
        assert db.execute("SELECT COUNT(*) FROM audit_events WHERE chain_hash IS NULL").fetchone()[0] == 0
        record_audit(db, None, "add service area", "service_area", 4)
        check = audit_chain.verify(db)
        assert (check.intact, check.events) == (True, 4)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_events SET message = 'changed' WHERE id = 1")
    finally:
        db.close()
