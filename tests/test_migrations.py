import sqlite3

import pytest

from learning_tracker import config, db as database


def test_migrations_build_the_schema_from_an_empty_database(tmp_path):
    db = database.connect(tmp_path / "new.db")
    assert database.applied_migrations(db) == [name for name, _ in database.MIGRATIONS]
    for table in ["complaints", "complaint_stages", "concerns", "actions", "action_updates", "audit_events",
                  "learning_points", "learning_point_complaints", "forum_meetings", "forum_decisions",
                  "users", "user_service_areas", "timescales", "concern_codes", "vocabularies", "settings"]:
        assert table in db.table_names()


def test_migrating_twice_applies_nothing_the_second_time(tmp_path):
    path = tmp_path / "new.db"
    database.connect(path).close()
    db = database.connect(path, migrate_schema=False)
    assert database.migrate(db) == []
    assert db.execute("SELECT COUNT(*) FROM migrations").fetchone()[0] == len(database.MIGRATIONS)


def test_a_new_database_holds_the_default_configuration_and_no_records(tmp_path):
    db = database.connect(tmp_path / "new.db")
    assert config.vocabulary(db, "outcome") == ["upheld", "partly upheld", "not upheld", "withdrawn"]
    assert config.concern_categories(db) == [
        "Communication", "Standards of service", "Alleged staff conduct", "Child protection issues",
        "Breach of confidentiality", "Standard of environment", "Finance",
    ]
    scales = config.timescales(db)
    assert (scales["statutory", 1].due_working_days, scales["statutory", 1].max_working_days) == (10, 20)
    assert (scales["statutory", 2].due_working_days, scales["statutory", 2].max_working_days) == (25, 65)
    # The review panel: 30 working days to meet, 5 to report, 15 for the council's response.
    panel = scales["statutory", 3]
    assert (panel.panel_meeting_working_days, panel.panel_report_working_days, panel.due_working_days,
            panel.max_working_days) == (30, 5, 15, None)
    assert (scales["corporate", 2].due_working_days, scales["corporate", 2].max_working_days) == (20, 40)
    assert scales["corporate", 1].clock_starts == "acknowledgement"
    # What migrations make of a new database is the configuration the code declares.
    assert list(scales.values()) == config.TIMESCALES
    assert config.amber_threshold(db) == 3
    for table in ["service_areas", "users", "complaints", "compliments", "learning_points", "actions", "audit_events"]:
        assert db[table].count == 0


def test_the_connection_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    db = database.connect(tmp_path / "new.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == database.BUSY_TIMEOUT_MS


def test_foreign_keys_are_enforced(tmp_path):
    db = database.connect(tmp_path / "new.db")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO complaints (reference, received_on, procedure, service_area_id) VALUES ('X', '2022-01-01', 'statutory', 99)")


def test_the_audit_log_is_append_only(tmp_path):
    db = database.connect(tmp_path / "new.db")
    db.execute("INSERT INTO audit_events (at, event, entity) VALUES ('2026-01-01T00:00:00+00:00', 'test', 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_events SET event = 'changed'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_events")


def test_a_failed_transaction_writes_nothing(tmp_path):
    db = database.connect(tmp_path / "new.db")
    with pytest.raises(RuntimeError):
        with database.transaction(db):
            db["service_areas"].insert({"name": "Team West"})
            raise RuntimeError("boom")
    assert db["service_areas"].count == 0


def test_sql_working_day_functions(tmp_path):
    db = database.connect(tmp_path / "new.db")
    assert db.execute("SELECT working_days('2022-12-20', '2023-01-06'), add_working_days('2022-12-20', 10)").fetchone() == (10, "2023-01-06")
    assert db.execute("SELECT working_days(NULL, '2023-01-06')").fetchone() == (None,)


# --- 0008: each stage keeps its outcome ------------------------------------------------------------------


def _database_at(path, last: str):
    """A database migrated up to and including the migration ``last``, as one of that age would be."""
    names = [name for name, _ in database.MIGRATIONS]
    db = database.connect(path, migrate_schema=False)
    original = database.MIGRATIONS
    database.MIGRATIONS = original[: names.index(last) + 1]
    try:
        database.migrate(db)
    finally:
        database.MIGRATIONS = original
    return db


def test_stage_outcomes_are_filled_in_from_the_complaints_and_the_escalations_the_audit_log_kept(tmp_path):
    from learning_tracker.services.core import record_audit

    db = _database_at(tmp_path / "old.db", "0006_audit_chain")
    assert "outcome" not in {c[1] for c in db.execute("PRAGMA table_info(complaint_stages)")}
    area = db["service_areas"].insert({"name": "Team West"}).last_pk

    def complaint(reference, procedure, outcome, outcome_on, stages):
        complaint_id = db["complaints"].insert({"reference": reference, "received_on": "2023-01-02",
                                                "procedure": procedure, "service_area_id": area,
                                                "outcome": outcome, "outcome_on": outcome_on}).last_pk
        for stage_procedure, stage, responded_on in stages:
            db["complaint_stages"].insert({"complaint_id": complaint_id, "procedure": stage_procedure, "stage": stage,
                                           "clock_started_on": "2023-01-02", "due_on": "2023-01-16",
                                           "responded_on": responded_on})
        return complaint_id

    def escalated(complaint_id, procedure, stage, outcome, outcome_on, *, result="done"):
        before = {"procedure": procedure, "stage": stage, "outcome": outcome, "outcome_on": outcome_on, "version": 2}
        record_audit(db, None, "escalate complaint", "complaint", complaint_id,
                     before if result == "done" else None, outcome=result)

    # Open at stage 2; stage 1 was escalated from twice (a stage 2 removed by an import in between): the later counts.
    open_again = complaint("A-1", "statutory", None, None, [("statutory", 1, "2023-01-05"), ("statutory", 2, None)])
    escalated(open_again, "statutory", 1, "upheld", "2023-01-04")
    escalated(open_again, "statutory", 1, "not upheld", "2023-01-05")
    escalated(open_again, "statutory", 1, "partly upheld", "2023-01-05", result="refused")
    # Informal, then statutory stages 1 and 2, answered and upheld at stage 2.
    answered = complaint("A-2", "statutory", "upheld", "2023-03-01",
                         [("informal", 1, "2023-01-04"), ("statutory", 1, "2023-01-20"), ("statutory", 2, "2023-03-01")])
    escalated(answered, "informal", 1, "partly upheld", "2023-01-04")
    escalated(answered, "statutory", 1, "not upheld", "2023-01-21")
    # Escalated without an audit event (an import): stage 1's outcome is not known.
    imported = complaint("A-3", "corporate", "not upheld", "2023-02-10",
                         [("corporate", 1, "2023-01-10"), ("corporate", 2, "2023-02-10")])
    # At stage 1 again (stage 2 removed by an import): an escalation from its current stage does not
    # override the complaint, which has no outcome; an event whose before is not a record is passed over.
    current = complaint("A-4", "statutory", None, None, [("statutory", 1, "2023-01-05")])
    escalated(current, "statutory", 1, "upheld", "2023-01-05")
    record_audit(db, None, "escalate complaint", "complaint", current, "redacted")
    withdrawn = complaint("A-5", "statutory", "withdrawn", "2023-01-09", [("statutory", 1, "2023-01-09")])

    assert database.migrate(db)[-1] == database.MIGRATIONS[-1][0]

    def outcomes(complaint_id):
        return db.execute("SELECT procedure, stage, outcome, outcome_on FROM complaint_stages WHERE complaint_id = ?"
                          " ORDER BY id", [complaint_id]).fetchall()

    assert outcomes(open_again) == [("statutory", 1, "not upheld", "2023-01-05"), ("statutory", 2, None, None)]
    assert outcomes(answered) == [("informal", 1, "partly upheld", "2023-01-04"),
                                  ("statutory", 1, "not upheld", "2023-01-21"),
                                  ("statutory", 2, "upheld", "2023-03-01")]
    assert outcomes(imported) == [("corporate", 1, None, None), ("corporate", 2, "not upheld", "2023-02-10")]
    assert outcomes(current) == [("statutory", 1, None, None)]
    assert outcomes(withdrawn) == [("statutory", 1, "withdrawn", "2023-01-09")]
    # The complaints' own outcomes, the ones the reports count, are as they were.
    assert db.execute("SELECT reference, outcome FROM complaints ORDER BY id").fetchall() == [
        ("A-1", None), ("A-2", "upheld"), ("A-3", "not upheld"), ("A-4", None), ("A-5", "withdrawn")]


def test_the_procedures_in_full_split_stage_3_into_the_panels_three_clocks_and_leave_old_stages_untracked(tmp_path):
    db = _database_at(tmp_path / "old.db", "0008_stage_outcomes")
    area = db["service_areas"].insert({"name": "Team West"}).last_pk
    complaint_id = db["complaints"].insert({"reference": "OLD-1", "received_on": "2023-01-02", "procedure": "statutory",
                                            "service_area_id": area}).last_pk
    db["complaint_stages"].insert({"complaint_id": complaint_id, "procedure": "statutory", "stage": 1,
                                   "clock_started_on": "2023-01-02", "due_on": "2023-01-16"})
    # A council that had given stage 2 a different start and stage 3 a longer whole keeps its total.
    db.execute("UPDATE timescales SET due_working_days = 55 WHERE procedure = 'statutory' AND stage = 3")

    assert "0009_procedures_in_full" in database.migrate(db)
    scales = config.timescales(db)
    panel = scales["statutory", 3]
    assert (panel.panel_meeting_working_days, panel.panel_report_working_days, panel.due_working_days) == (30, 5, 20)
    assert scales["statutory", 2].clock_starts == "request"
    assert {s.acknowledge_working_days for s in scales.values()} == {5}
    assert config.vocabulary(db, "declined_reason")[0] == "matter more than a year old"
    # A stage recorded before acknowledgements were tracked has no acknowledgement step to miss.
    assert db.execute("SELECT acknowledgement_due_on, panel_meeting_due_on FROM complaint_stages").fetchone() == (None, None)
