"""The Themes and outcomes and Practice Improvement Forum pages, run server side (AppTest) for every role."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from . import tables

ROOT = navigation.ROOT
ROLES = list(DEMO_USERS_BY_ROLE)
RECORDERS = ["forum_member", "complaints_officer"]
READERS = ["service_manager", "viewer"]


@pytest.fixture
def demo_path(demo_db_path):
    """This test's own copy of the demo database (conftest), as of today."""
    return demo_db_path


def user_id(path, role: str) -> int:
    db = database.connect(path)
    try:
        return db.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    finally:
        db.close()


def open_page(path, monkeypatch, role: str, page: str) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = user_id(path, role)
    at.run()
    at.switch_page(str(ROOT / "pages" / page))
    at.run()
    assert not at.exception, at.exception
    return at


def query(path, sql, params=()):
    db = database.connect(path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


# --- Themes and outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_themes_of_the_reference_year(demo_path, monkeypatch, role):
    at = open_page(demo_path, monkeypatch, role, "themes.py")
    assert at.title[0].value == "Themes and outcomes"
    at.multiselect(key="themes_years").set_value(["2021-22"]).run()
    assert at.multiselect(key="themes_procedures").value == ["statutory"]
    concerns = tables.frame(at.table[0])
    assert concerns["Times raised"].tolist() == ["190", "139", "48", "19", "2", "2", "0"]
    assert concerns["Share of concerns"].tolist()[0] == "48%"
    readings = [m.value for m in at.markdown]
    assert any(r.startswith("Communication was raised 190 times in 2021/22, 48% of all concerns raised; ") for r in readings)
    assert [s.value for s in at.header][:2] == ["Concern category against outcome", "Concerns by category over time"]
    # Each chart has the page's width; its table is under it, folded away as "The figures".
    assert [e.label for e in at.expander][:1] == ["The figures"]
    assert tables.column(at.expander[0].table[0], "Times raised") == concerns["Times raised"].tolist()


def test_changing_a_filter_changes_every_chart_and_its_reading(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "viewer", "themes.py")
    at.multiselect(key="themes_years").set_value(["2021-22"]).run()
    at.multiselect(key="themes_procedures").set_value([]).run()  # all procedures: corporate and informal too
    everything = sum(map(tables.count, tables.column(at.table[0], "Times raised")))
    assert everything > 400
    at.multiselect(key="themes_areas").set_value(["Team West"]).run()
    assert not at.exception
    west = sum(map(tables.count, tables.column(at.table[0], "Times raised")))
    assert 0 < west < everything
    outcomes_by_area = next(f for f in map(tables.frame, at.table) if "Complaints" in f.columns and "upheld" in f.columns)
    assert outcomes_by_area["Service area"].tolist() == ["Team West"]


def test_the_period_switch_shows_concerns_by_year(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "forum_member", "themes.py")
    at.multiselect(key="themes_years").set_value(["2021-22", "2020-21"]).run()
    at.radio(key="themes_period").set_value("year").run()
    by_year = tables.frame(at.table[1])
    assert by_year["Period"].tolist() == ["2020/21", "2021/22"]
    assert by_year.loc[by_year["Period"] == "2021/22", "Communication"].item() == "190"


# --- Practice Improvement Forum ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_forums_meetings_and_only_recorders_get_the_forms(demo_path, monkeypatch, role):
    at = open_page(demo_path, monkeypatch, role, "forum.py")
    assert at.title[0].value == "Practice Improvement Forum"
    meeting = at.selectbox(key="forum_meeting")
    assert len(meeting.options) >= 2
    keys = {s.key for s in at.selectbox}
    assert ("forum_item#0" in keys) == (role in RECORDERS)
    assert ("forum_new_submit#0" in {b.key for b in at.button}) == (role in RECORDERS)
    metrics = {m.label for m in at.metric}
    assert metrics == {"Open learning points", "Overdue actions", "Changes since last meeting", "Learning gaps"}


def test_a_past_meeting_shows_its_decisions(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "viewer", "forum.py")
    first = query(demo_path, "SELECT id FROM forum_meetings ORDER BY held_on LIMIT 1")[0][0]
    at.selectbox(key="forum_meeting").set_value(first).run()
    decisions = tables.frame(at.table[0])
    assert list(decisions.columns) == ["Item", "Service area", "Decision", "Note", "Recorded by", "Recorded at"]
    assert all(len(t) == 16 and t[2] == "/" for t in decisions["Recorded at"]), "UK time, day first, to the minute"
    expected = query(demo_path, "SELECT decision FROM forum_decisions WHERE meeting_id = ? ORDER BY recorded_at, id", [first])
    assert decisions["Decision"].tolist() == [r[0] for r in expected]


def test_the_packs_action_updates_say_what_changed_in_words(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "forum_member", "forum.py")
    updates = tables.find(at.table, "What changed")
    assert set(updates["What changed"]) <= {"created", "status changed", "progress note", "due date moved",
                                             "evidence added", "verified", "cancelled", "sent back"}
    assert "status changed" in set(updates["What changed"])


def test_a_forum_member_records_a_decision_through_the_form(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "forum_member", "forum.py")
    meeting_id = at.selectbox(key="forum_meeting").value
    labels = at.selectbox(key="forum_item#0").options  # AppTest sees the labels: "Action 173 (...): ..."
    first_action = next(i for i, label in enumerate(labels) if label.startswith("Action "))
    at.selectbox(key="forum_item#0").select_index(first_action)
    action_id = int(labels[first_action].split()[1])
    before = query(demo_path, "SELECT COUNT(*) FROM forum_decisions")[0][0]
    at.selectbox(key="forum_decision#0").set_value("escalate to senior leadership")
    at.text_area(key="forum_note#0").input("Overdue twice: raise at the senior leadership meeting")
    at.button(key="forum_decision_submit#0").click().run()
    assert not at.exception
    assert at.success[0].value == f"Recorded for action {action_id}: escalate to senior leadership."
    rows = query(demo_path, "SELECT meeting_id, action_id, decision, note FROM forum_decisions ORDER BY id DESC LIMIT 1")
    assert rows[0] == (meeting_id, action_id, "escalate to senior leadership",
                       "Overdue twice: raise at the senior leadership meeting")
    assert query(demo_path, "SELECT COUNT(*) FROM forum_decisions")[0][0] == before + 1
    assert tables.column(at.table[0], "Decision")[-1] == "escalate to senior leadership"
    assert at.text_area(key="forum_note#1").value == "", "a saved form starts afresh"
    assert at.selectbox(key="forum_item#1").value is None, "nothing is chosen for the next decision"


def test_a_decision_needing_a_note_without_one_shows_what_to_correct(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "complaints_officer", "forum.py")
    before = query(demo_path, "SELECT COUNT(*) FROM forum_decisions")[0][0]
    at.button(key="forum_decision_submit#0").click().run()
    assert at.error[0].value == "Nothing was saved. Please correct:\n\n- item is required\n- decision is required"
    at.selectbox(key="forum_item#0").select_index(0)
    at.selectbox(key="forum_decision#0").set_value("new action needed")
    at.button(key="forum_decision_submit#0").click().run()
    assert at.error[0].value == ("Nothing was saved. Please correct:\n\n- note is required for 'new action needed': "
                                 "say what action is needed and who should own it")
    assert query(demo_path, "SELECT COUNT(*) FROM forum_decisions")[0][0] == before


def test_the_officer_sets_up_a_meeting_and_it_becomes_the_chosen_one(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "complaints_officer", "forum.py")
    at.date_input(key="forum_new_date#0").set_value(date(2030, 1, 7))
    at.multiselect(key="forum_new_roles#0").set_value(["Practice Improvement Forum Chair", "Head of Service"])
    at.text_input(key="forum_new_others#0").input("Designated Nurse, Virtual School Head")
    at.button(key="forum_new_submit#0").click().run()
    assert not at.exception
    assert at.success[0].value == "Meeting of 7 January 2030 set up."
    (meeting_id, attendees), = query(demo_path, "SELECT id, attendees FROM forum_meetings WHERE held_on = '2030-01-07'")
    assert attendees == "Practice Improvement Forum Chair; Head of Service; Designated Nurse; Virtual School Head"
    assert at.selectbox(key="forum_meeting").value == meeting_id


def test_closing_a_learning_point_through_the_form_closes_it_with_the_version_shown(demo_path, monkeypatch):
    at = open_page(demo_path, monkeypatch, "forum_member", "forum.py")
    labels = at.selectbox(key="forum_item#0").options
    first_point = next(i for i, label in enumerate(labels) if label.startswith("Learning point "))
    point_id = int(labels[first_point].split()[2])
    (version,), = query(demo_path, "SELECT version FROM learning_points WHERE id = ?", [point_id])
    at.selectbox(key="forum_item#0").select_index(first_point)
    at.selectbox(key="forum_decision#0").set_value("close the learning point")
    at.button(key="forum_decision_submit#0").click().run()
    assert not at.exception
    assert at.success[0].value == f"Recorded for learning point {point_id}: close the learning point."
    assert query(demo_path, "SELECT status, version FROM learning_points WHERE id = ?", [point_id]) == [("closed", version + 1)]
    # Closed, it has left the pack's open learning.
    assert not any(label.startswith(f"Learning point {point_id} ") for label in at.selectbox(key="forum_item#1").options)
