"""Personal data kept out: the detector of personal details in free text (one rule, rules.personal_data),
compliments still refused, every other free-text field warned about after a save; and complaint
references that must match the council's configured pattern, recorded or imported."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.errors import InvalidInput, Refused
from learning_tracker.models import NewComplaint, NewCompliment
from learning_tracker.rules import personal_data
from learning_tracker.rules.personal_data import (
    DATE_OF_BIRTH,
    EMAIL,
    PHONE,
    POSTCODE,
    personal_data_warnings,
    personal_details_in,
)
from learning_tracker.services import complaints, compliments, configuration
from learning_tracker.services.importing import import_file

from .factories import build_world

ROOT = navigation.ROOT
TODAY = date(2030, 1, 1)


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "tracker.db")
    yield world
    world.db.close()


# --- the rule: what looks like a personal detail ------------------------------------------------------


@pytest.mark.parametrize("text,kinds", [
    ("Contact jo.bloggs@example.org about the plan", [EMAIL]),
    ("Call the family on 07700 900123", [PHONE]),
    ("Their number is +44 20 7946 0018", [PHONE]),
    ("Ring (01632) 960123 after school", [PHONE]),
    ("Moved to CV1 5RR last year", [POSTCODE]),
    ("moved to sw1a 1aa", [POSTCODE]),
    ("DOB 12/03/2014", [DATE_OF_BIRTH]),
    ("date of birth: 3 March 2014", [DATE_OF_BIRTH]),
    ("born 3rd March 2014", [DATE_OF_BIRTH]),
    ("born in 2012", [DATE_OF_BIRTH]),
    ("Jo Bloggs (12/03/2014) was placed out of area", [DATE_OF_BIRTH]),
    ("Kai Smith-Jones, 3 March 2014, and his mother", [DATE_OF_BIRTH]),
    ("Mrs Bloggs 12/03/1980 asked for a review", [DATE_OF_BIRTH]),
    ("Jo Bloggs DOB 12/03/2014, 07700 900123, jo@example.org, CV1 5RR", [EMAIL, PHONE, POSTCODE, DATE_OF_BIRTH]),
])
def test_finding_personal_data_the_rule_detects_emails_phones_postcodes_and_dates_of_birth(text, kinds):
    assert personal_details_in(text) == kinds


@pytest.mark.parametrize("text", [
    "Team West met on 3 March",
    "Team West, 3 March 2022",
    "Practice Improvement Forum 3 March 2022",
    "Head of Service (3 March 2022)",
    "Reviewed at the forum on 06/04/2021",
    "Meeting with the social worker on 3 March 2022",
    "CS-2122-0001 was upheld at stage 2",
    "Call back within 2 working days; 10 working days for stage 1",
    "£1,250 remedy paid in 2021-22",
    "Q1 1st quarter review; Q4 2nd review",
    "Due 2026-03-31; priority high",
    "See https://intranet.example/minutes",
    "",
    None,
])
def test_finding_personal_data_the_rule_leaves_ordinary_text_alone(text):
    assert personal_details_in(text) == []


def test_finding_personal_data_a_warning_names_the_field_the_kind_and_why():
    assert personal_data_warnings({"Progress note": "Spoke to Jo on 07700 900123", "Reason": "Staff sickness"}) == [
        f"'Progress note' seems to hold a phone number. {personal_data.WHY_IT_MATTERS}"]
    assert personal_data_warnings({"Progress note": "Chased the team"}) == []


def test_finding_personal_data_compliments_still_refuse_personal_details_now_with_dates_of_birth(world):
    new = NewCompliment(received_on=date(2029, 5, 1), service_area="Team West", source="professional",
                        categories=["good communication"], summary="Thanks from Jo Bloggs (12/03/2014)")
    with pytest.raises(InvalidInput) as refused:
        compliments.record_compliment(world.db, world.officer, new, today=TODAY)
    assert str(refused.value) == ("summary seems to hold a date of birth; describe the compliment without names or "
                                  "contact details")
    assert world.db.execute("SELECT COUNT(*) FROM compliments").fetchone()[0] == 0


# --- complaint references ------------------------------------------------------------------------------


def _new(reference: str) -> NewComplaint:
    return NewComplaint(reference=reference, received_on=date(2029, 6, 1), procedure="statutory",
                        service_area="Team West")


DEFAULT_WORDS = ("is not a case system reference: a reference may hold only letters, digits, '/' and '-', at most 40 "
                 "characters. Record the case system's reference, never a name, date of birth or address")


@pytest.mark.parametrize("reference", ["Jo Bloggs 12/03/2014", "jo.bloggs@example.org", "CS 2122 0001", "A" * 41])
def test_finding_reference_pattern_a_reference_that_is_not_one_is_refused_in_words(world, reference):
    with pytest.raises(InvalidInput) as refused:
        complaints.create_complaint(world.db, world.officer, _new(reference), today=TODAY)
    assert str(refused.value) == f"reference ('{reference}') {DEFAULT_WORDS}"
    assert world.db.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 0


@pytest.mark.parametrize("reference", ["CS-2122-0001", "WEST/2022/17", "e2e-2627-0001"])
def test_finding_reference_pattern_case_system_references_pass(world, reference):
    complaint_id = complaints.create_complaint(world.db, world.officer, _new(reference), today=TODAY)
    assert world.db.execute("SELECT reference FROM complaints WHERE id = ?", [complaint_id]).fetchone() == (reference,)


def test_finding_reference_pattern_the_demo_references_pass_the_default_pattern(demo_db_path):
    with sqlite3.connect(demo_db_path) as connection:
        references = [r[0] for r in connection.execute("SELECT reference FROM complaints")]
    assert "CS-2122-0001" in references
    assert [r for r in references if personal_data.reference_problem(r, personal_data.DEFAULT_REFERENCE_PATTERN)] == []


def test_finding_reference_pattern_the_officer_changes_it_and_it_applies(world):
    pattern, version = configuration.reference_pattern_setting(world.db)
    assert (pattern, version) == (personal_data.DEFAULT_REFERENCE_PATTERN, 1)
    with pytest.raises(InvalidInput) as refused:
        configuration.change_reference_pattern(world.db, world.officer, version, "[A-Z")
    assert str(refused.value).startswith("reference pattern ('[A-Z') is not a regular expression (")
    with pytest.raises(InvalidInput, match="would accept an empty reference"):
        configuration.change_reference_pattern(world.db, world.officer, version, ".*")
    with pytest.raises(Refused):
        configuration.change_reference_pattern(world.db, world.manager_west, version, r"CS-\d{4}-\d{4}")

    configuration.change_reference_pattern(world.db, world.officer, version, r"CS-\d{4}-\d{4}")
    assert configuration.reference_pattern_setting(world.db) == (r"CS-\d{4}-\d{4}", 2)
    with pytest.raises(InvalidInput) as refused:
        complaints.create_complaint(world.db, world.officer, _new("WEST/2022/17"), today=TODAY)
    assert str(refused.value) == ("reference ('WEST/2022/17') is not a case system reference: a reference must match "
                                  r"the council's reference pattern CS-\d{4}-\d{4}. Record the case system's reference, "
                                  "never a name, date of birth or address")
    complaints.create_complaint(world.db, world.officer, _new("CS-2122-0001"), today=TODAY)
    [after] = world.db.execute("SELECT after FROM audit_events WHERE event = 'change setting' AND outcome = 'done'").fetchone()
    assert r'"value": "CS-\\d{4}-\\d{4}"' in after


def test_finding_reference_pattern_a_database_without_the_setting_gets_it_on_first_save(world):
    world.db.execute("DELETE FROM settings WHERE key = 'complaint_reference_pattern'")
    assert configuration.reference_pattern_setting(world.db) == (personal_data.DEFAULT_REFERENCE_PATTERN, 0)
    configuration.change_reference_pattern(world.db, world.officer, 0, r"[A-Z0-9-]{1,20}")
    assert configuration.reference_pattern_setting(world.db) == (r"[A-Z0-9-]{1,20}", 1)


def test_finding_reference_pattern_the_import_refuses_a_new_complaint_whose_reference_is_not_one(world):
    content = (b"reference,received_on,procedure,service_area\r\n"
               b"CS-2122-0001,2021-04-06,statutory,Team West\r\n"
               b"Jo Bloggs 12/03/2014,2021-04-07,statutory,Team West\r\n")
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content, today=TODAY)
    assert [str(p) for p in plan.problems] == [f"row 3: reference ('Jo Bloggs 12/03/2014') {DEFAULT_WORDS}"]
    assert world.db.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 0, "a file with any problem writes nothing"


def test_finding_reference_pattern_the_import_updates_a_complaint_recorded_before_the_pattern_changed(world):
    complaints.create_complaint(world.db, world.officer, _new("WEST/2022/17"), today=TODAY)
    configuration.change_reference_pattern(world.db, world.officer, 1, r"CS-\d{4}-\d{4}")
    content = "reference,received_on,procedure,service_area,gender\r\nWEST/2022/17,2029-06-01,statutory,Team West,female\r\n"
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content.encode(), today=TODAY)
    assert plan.problems == [] and len(plan.updated) == 1


# --- the pages -------------------------------------------------------------------------------------------


def _app(db_path, monkeypatch, role: str, page_file: str) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    with sqlite3.connect(db_path) as connection:
        user_id = connection.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = user_id
    at.run()
    at.switch_page(str(ROOT / "pages" / page_file))
    at.run()
    assert not at.exception, at.exception
    return at


def warnings(at: AppTest) -> list[str]:
    """The page's warnings but the demo banner."""
    return [w.value for w in at.warning if not w.value.startswith("Demo data")]


def test_finding_free_text_warnings_a_saved_progress_note_with_a_phone_number_is_warned_about(demo_db_path, monkeypatch):
    at = _app(demo_db_path, monkeypatch, "service_manager", "my_actions.py")
    action_id = at.session_state["my_actions_selected"]
    at.text_area(key=f"note-{action_id}#0").input("Spoke to Jo's mum on 07700 900123; she is happy")
    [add] = [b for b in at.button if b.label == "Add note"]
    add.click().run()
    assert [s.value for s in at.success] == [f"Note added to action {action_id}."], "a warning, not a refusal"
    assert warnings(at) == [f"'Progress note' seems to hold a phone number. {personal_data.WHY_IT_MATTERS}"]
    at.text_area(key=f"note-{action_id}#1").input("Chased the team again")
    [add] = [b for b in at.button if b.label == "Add note"]
    add.click().run()
    with sqlite3.connect(demo_db_path) as connection:
        notes = [r[0] for r in connection.execute(
            "SELECT note FROM action_updates WHERE action_id = ? AND kind = 'note' ORDER BY id", [action_id])]
    assert notes[-2:] == ["Spoke to Jo's mum on 07700 900123; she is happy", "Chased the team again"]
    assert [s.value for s in at.success] == [f"Note added to action {action_id}."]
    assert warnings(at) == [], "ordinary text is not warned about"


def test_finding_reference_pattern_the_settings_page_shows_and_saves_it(demo_db_path, monkeypatch):
    at = _app(demo_db_path, monkeypatch, "complaints_officer", "admin_settings.py")
    assert at.text_input(key="reference_pattern#0").value == personal_data.DEFAULT_REFERENCE_PATTERN
    at.text_input(key="reference_pattern#0").input("[A-Z")
    at.button(key="FormSubmitter:reference_pattern#0-Save reference pattern").click().run()
    assert at.error[0].value.startswith(
        "Nothing was saved. Please correct:\n\n- reference pattern ('\\[A-Z') is not a regular expression")
    at.text_input(key="reference_pattern#0").input(r"[A-Z0-9-]{1,20}")
    at.button(key="FormSubmitter:reference_pattern#0-Save reference pattern").click().run()
    assert [s.value for s in at.success] == [
        "New references may hold only capital letters, digits and '-', at most 20 characters."]
    with sqlite3.connect(demo_db_path) as connection:
        assert connection.execute(
            "SELECT value FROM settings WHERE key = 'complaint_reference_pattern'").fetchone() == (r"[A-Z0-9-]{1,20}",)


@pytest.mark.parametrize("reference", ["Jane-Bloggs-DOB-12/03/2014", "JaneBloggs-12-03-2014", "Smith-born-2014"])
def test_finding_reference_pattern_a_reference_holding_a_date_of_birth_is_refused(reference):
    from learning_tracker.rules.personal_data import reference_problem

    assert "date" in reference_problem(reference, "[A-Za-z0-9/-]{1,40}")
    assert reference_problem("CS-2122-0001", "[A-Za-z0-9/-]{1,40}") is None
