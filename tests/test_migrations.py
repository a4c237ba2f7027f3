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
    assert (scales["statutory", 3].due_working_days, scales["statutory", 3].max_working_days) == (50, None)
    assert (scales["corporate", 2].due_working_days, scales["corporate", 2].max_working_days) == (20, 40)
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
