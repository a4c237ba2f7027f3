"""Administration services: users, service areas, concern codes, timescales and the RAG threshold, and
the audit log. Who may call them is in test_access.py; this is what they do."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from learning_tracker import config, escaping
from learning_tracker.errors import Conflict, InvalidInput
from learning_tracker.models import NewUser, TimescaleChange, UserChange
from learning_tracker.services import audit_log, configuration, service_areas, users
from learning_tracker.services.core import load_actor, service_area_id

from .factories import add_action, add_complaint, build_world


@pytest.fixture
def w(tmp_path):
    world = build_world(tmp_path / "admin.db")
    yield world
    world.db.close()


def _version(db, table, row_id):
    return db.execute(f"SELECT version FROM [{table}] WHERE id = ?", [row_id]).fetchone()[0]


def _audit(db, event):
    row = db.execute("SELECT entity_id, before, after FROM audit_events WHERE event = ? AND outcome = 'done'"
                     " ORDER BY id DESC LIMIT 1", [event]).fetchone()
    return row[0], json.loads(row[1]) if row[1] else None, json.loads(row[2]) if row[2] else None


# --- users ---------------------------------------------------------------------------------------


def test_adding_a_service_manager_with_areas(w):
    user_id = users.add_user(w.db, w.officer, NewUser(email="sam@test.invalid", name="Sam", role="Service manager",
                                                      service_areas=["team west", "Team East"], password="a long passphrase here"))
    actor = load_actor(w.db, user_id)
    assert (actor.role, actor.service_area_ids) == ("service_manager", frozenset({w.west, w.east}))
    _, _, after = _audit(w.db, "add user")
    assert after == {"active": True, "email": "sam@test.invalid", "name": "Sam", "password": "set",
                     "role": "service_manager", "service_areas": ["Team East", "Team West"], "version": 1}


def test_adding_a_user_reports_every_problem_and_writes_nothing(w):
    with pytest.raises(InvalidInput) as error:
        users.add_user(w.db, w.officer, NewUser(email="WEST@test.invalid", name="Twin", role="servise manager",
                                                service_areas=["Team Wets"], password="short"))
    assert [str(p) for p in error.value.problems] == [
        "email ('WEST@test.invalid') already belongs to a user",
        "role ('servise manager') is not known; did you mean 'Service manager'?",
        "service area ('Team Wets') is not known; did you mean 'Team West'?",
        "password must be at least 12 characters long (a few words make a good one)",
    ]
    with pytest.raises(InvalidInput, match="service areas are required for a service manager"):
        users.add_user(w.db, w.officer, NewUser(email="no-area@test.invalid", name="No Area", role="service_manager"))
    with pytest.raises(InvalidInput, match="email \\('not an email'\\) is not an email address"):
        users.add_user(w.db, w.officer, NewUser(email="not an email", name="X", role="viewer"))
    assert w.db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 5


def test_changing_a_users_role_and_areas_is_version_checked(w):
    users.change_user(w.db, w.officer, w.manager_east.id, 1,
                      UserChange(name="Manager, East and West", role="service_manager", service_areas=["Team East", "Team West"]))
    assert load_actor(w.db, w.manager_east.id).service_area_ids == {w.west, w.east}
    _, before, after = _audit(w.db, "change user")
    assert (before["service_areas"], after["service_areas"]) == (["Team East"], ["Team East", "Team West"])
    with pytest.raises(Conflict):
        users.change_user(w.db, w.officer, w.manager_east.id, 1, UserChange(name="Stale", role="viewer"))


def test_the_only_complaints_officer_cannot_be_removed(w):
    with pytest.raises(InvalidInput, match="is the only active complaints officer"):
        users.change_user(w.db, w.officer, w.officer.id, 1, UserChange(name="Officer", role="viewer"))
    with pytest.raises(InvalidInput, match="is you: another complaints officer must deactivate your account"):
        users.deactivate_user(w.db, w.officer, w.officer.id, 1)
    second = users.add_user(w.db, w.officer, NewUser(email="o2@test.invalid", name="Second", role="complaints_officer"))
    users.change_user(w.db, load_actor(w.db, second), w.officer.id, 1, UserChange(name="Officer", role="viewer"))
    assert load_actor(w.db, w.officer.id).role == "viewer"


def test_deactivating_and_reactivating_a_user_keeps_their_records(w):
    users.deactivate_user(w.db, w.officer, w.manager_west.id, 1)
    assert w.db.execute("SELECT active FROM users WHERE id = ?", [w.manager_west.id]).fetchone()[0] == 0
    assert w.db.execute("SELECT owner_id FROM actions WHERE id = ?", [w.action]).fetchone()[0] == w.manager_west.id
    with pytest.raises(InvalidInput, match="is already deactivated"):
        users.deactivate_user(w.db, w.officer, w.manager_west.id, 2)
    users.reactivate_user(w.db, w.officer, w.manager_west.id, 2)
    assert load_actor(w.db, w.manager_west.id).role == "service_manager"


# --- service areas ---------------------------------------------------------------------------------


def test_adding_and_renaming_service_areas(w):
    north = service_areas.add_service_area(w.db, w.officer, "  Team North ")
    assert service_area_id(w.db, "team north") == north
    with pytest.raises(InvalidInput, match="name \\('TEAM WEST'\\) is already a service area"):
        service_areas.add_service_area(w.db, w.officer, "TEAM WEST")
    service_areas.rename_service_area(w.db, w.officer, north, 1, "Team North and Coast")
    assert _audit(w.db, "rename service area") == (north, {"name": "Team North", "version": 1},
                                                    {"name": "Team North and Coast", "version": 2})
    with pytest.raises(Conflict):
        service_areas.rename_service_area(w.db, w.officer, north, 1, "Stale")


def test_merging_moves_every_record_and_user_and_keeps_the_history(w):
    complaint = add_complaint(w.db, "EAST-1", w.east, outcome="upheld")
    point = w.db["learning_points"].insert({"service_area_id": w.east, "theme": "Communication",
                                            "description": "Call back", "created_on": "2026-01-05"}).last_pk
    action = add_action(w.db, point, w.manager_east, w.east, date(2026, 6, 1))
    compliment = w.db["compliments"].insert({"received_on": "2026-01-05", "service_area_id": w.east,
                                             "source": "professional"}).last_pk
    moved = service_areas.merge_service_areas(w.db, w.officer, w.west, 1, w.east, 1)
    assert moved == {"complaints": 1, "compliments": 1, "learning_points": 1, "actions": 1, "users": 1}
    for table, row_id in (("complaints", complaint), ("compliments", compliment), ("learning_points", point), ("actions", action)):
        assert w.db.execute(f"SELECT service_area_id, version FROM {table} WHERE id = ?", [row_id]).fetchone() == (w.west, 2)
    assert load_actor(w.db, w.manager_east.id).service_area_ids == {w.west}
    assert w.db.execute("SELECT name, active FROM service_areas WHERE id = ?", [w.east]).fetchone() == ("Team East", 0)
    _, before, after = _audit(w.db, "merge service areas")
    assert before == {"merged": "Team East", "merged_id": w.east, "into": "Team West", "into_id": w.west,
                      "moved_ids": {"complaints": [complaint], "compliments": [compliment], "learning_points": [point],
                                    "actions": [action], "users": [w.manager_east.id]}}
    assert after["moved"]["actions"] == 1


def test_a_stale_or_pointless_merge_moves_nothing(w):
    add_complaint(w.db, "EAST-1", w.east)
    with pytest.raises(Conflict):
        service_areas.merge_service_areas(w.db, w.officer, w.west, 1, w.east, 7)
    with pytest.raises(InvalidInput, match="must be two different areas"):
        service_areas.merge_service_areas(w.db, w.officer, w.west, 1, w.west, 1)
    assert w.db.execute("SELECT service_area_id FROM complaints").fetchone()[0] == w.east
    assert w.db.execute("SELECT active FROM service_areas WHERE id = ?", [w.east]).fetchone()[0] == 1


def test_an_area_with_open_actions_is_not_deactivated(w):
    with pytest.raises(InvalidInput, match="still has 1 improvement action not yet verified or cancelled; merge it"):
        service_areas.deactivate_service_area(w.db, w.officer, w.west, 1)
    service_areas.deactivate_service_area(w.db, w.officer, w.east, 1)
    with pytest.raises(InvalidInput, match="service area \\('Team East'\\) is not known"):
        service_area_id(w.db, "Team East")
    service_areas.reactivate_service_area(w.db, w.officer, w.east, 2)
    assert service_area_id(w.db, "Team East") == w.east


# --- concern codes ---------------------------------------------------------------------------------


def _codes(db):
    return [(c, s, a) for c, s, a in db.execute("SELECT category, subcategory, active FROM concern_codes ORDER BY position")]


def test_a_new_subcategory_goes_with_its_category(w):
    configuration.add_concern_code(w.db, w.officer, "communication", "Not kept informed")
    configuration.add_concern_code(w.db, w.officer, "Housing")
    codes = _codes(w.db)
    assert codes[:3] == [("Communication", "", 1), ("Communication", "Not kept informed", 1), ("Standards of service", "", 1)]
    assert codes[-1] == ("Housing", "", 1)
    assert "Housing" in config.concern_categories(w.db)
    with pytest.raises(InvalidInput, match="category \\('Comunication'\\) is not known; did you mean 'Communication'"):
        configuration.add_concern_code(w.db, w.officer, "Comunication", "Rude")
    with pytest.raises(InvalidInput, match="already exists"):
        configuration.add_concern_code(w.db, w.officer, "FINANCE")


def test_deactivating_a_category_takes_its_subcategories(w):
    main = w.db.execute("SELECT id FROM concern_codes WHERE category = 'Standards of service' AND subcategory = ''").fetchone()[0]
    assert configuration.deactivate_concern_code(w.db, w.officer, main, 1) == 4
    assert "Standards of service" not in config.concern_categories(w.db)
    sub = w.db.execute("SELECT id, version FROM concern_codes WHERE subcategory = 'delay in receiving service'").fetchone()
    with pytest.raises(InvalidInput, match="reactivate that first"):
        configuration.reactivate_concern_code(w.db, w.officer, sub[0], sub[1])
    configuration.reactivate_concern_code(w.db, w.officer, main, 2)
    configuration.reactivate_concern_code(w.db, w.officer, sub[0], sub[1])
    assert ("Standards of service", "delay in receiving service", 1) in _codes(w.db)


# --- timescales and the RAG threshold --------------------------------------------------------------


def test_changing_a_timescale(w):
    configuration.change_timescale(w.db, w.officer, "statutory", 1, 1, TimescaleChange(due_working_days=15, max_working_days=25))
    timescale = config.timescales(w.db)[("statutory", 1)]
    assert (timescale.due_working_days, timescale.max_working_days) == (15, 25)
    with pytest.raises(InvalidInput, match="must be at least the 30 working days due"):
        configuration.change_timescale(w.db, w.officer, "statutory", 1, 2, TimescaleChange(due_working_days=30, max_working_days=20))
    with pytest.raises(Conflict):
        configuration.change_timescale(w.db, w.officer, "statutory", 1, 1, TimescaleChange(due_working_days=12))


def test_changing_the_amber_threshold(w):
    value, version = configuration.amber_setting(w.db)
    assert value == 3
    configuration.change_amber_threshold(w.db, w.officer, version, 5)
    assert config.amber_threshold(w.db) == 5
    with pytest.raises(InvalidInput, match="must be a whole number of working days from 0 to 20"):
        configuration.change_amber_threshold(w.db, w.officer, version + 1, 21)
    with pytest.raises(Conflict):
        configuration.change_amber_threshold(w.db, w.officer, version, 4)


# --- the audit log -------------------------------------------------------------------------------


def _events(w):
    service_areas.add_service_area(w.db, w.officer, "Team North")
    service_areas.add_service_area(w.db, w.officer, "=HYPERLINK(\"http://evil.example\")")
    w.db.execute("INSERT INTO audit_events (at, user_id, user_email, event, entity, entity_id, outcome)"
                 " VALUES ('2025-12-31T23:59:59+00:00', ?, 'west@test.invalid', 'add action note', 'action', ?, 'done')",
                 [w.manager_west.id, w.action])


def test_the_audit_log_is_filtered_and_paged_in_sql(w):
    _events(w)
    everything, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter())
    # Newest written first (the log only appends, so its ids are in the order things happened).
    assert total == 3 and list(everything["event"]) == ["add action note", "add service area", "add service area"]
    page, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(), limit=1, offset=1)
    assert (total, list(page["entity_id"])) == (3, [4])
    by_user, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(user_id=w.manager_west.id))
    assert (total, list(by_user["event"])) == (1, ["add action note"])
    _, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(entity="action", entity_id=w.action))
    assert total == 1
    today = date.today()
    _, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(date_from=today, date_to=today))
    assert total == 2
    _, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(date_to=date(2025, 12, 31)))
    assert total == 1
    _, total = audit_log.audit_log(w.db, w.officer, audit_log.AuditFilter(date_from=today + timedelta(days=1)))
    assert total == 0


def test_the_audit_log_exports_as_csv_that_a_spreadsheet_will_not_run(w):
    _events(w)
    rows = list(csv.reader(io.StringIO(audit_log.audit_csv(w.db, w.officer, audit_log.AuditFilter(entity="service_area")).decode("utf-8-sig"))))
    assert rows[0] == audit_log.AUDIT_COLUMNS
    assert [r[4] for r in rows[1:]] == ["add service area", "add service area"]
    after = rows[2][audit_log.AUDIT_COLUMNS.index("after")]
    assert json.loads(after)["name"] == '=HYPERLINK("http://evil.example")'  # JSON text starts with '{': safe as it is
    assert escaping.csv_cell("=1+1") == "'=1+1" and escaping.csv_cell("-2") == "'-2"


def test_a_timescale_change_may_choose_the_clock_start_and_the_panels_days_where_the_procedure_allows(w):
    configuration.change_timescale(w.db, w.officer, "statutory", 2, 1, TimescaleChange(
        due_working_days=25, max_working_days=65, clock_starts="statement agreed", acknowledge_working_days=3))
    stage_2 = config.timescales(w.db)[("statutory", 2)]
    assert (stage_2.clock_starts, stage_2.acknowledge_working_days) == ("statement agreed", 3)
    with pytest.raises(InvalidInput, match="must be one of: acknowledgement"):
        configuration.change_timescale(w.db, w.officer, "corporate", 1, 1, TimescaleChange(
            due_working_days=10, max_working_days=20, clock_starts="receipt"))
    with pytest.raises(InvalidInput, match="apply only to the statutory stage 3 review panel"):
        configuration.change_timescale(w.db, w.officer, "statutory", 1, 1, TimescaleChange(
            due_working_days=10, panel_meeting_working_days=20))
    configuration.change_timescale(w.db, w.officer, "statutory", 3, 1, TimescaleChange(
        due_working_days=15, panel_meeting_working_days=20, panel_report_working_days=5))
    panel = config.timescales(w.db)[("statutory", 3)]
    assert (panel.panel_meeting_working_days, panel.working_days_to_response) == (20, 40)
