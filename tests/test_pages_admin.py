"""The administration pages as the complaints officer uses them (AppTest): forms saved, errors shown."""

from __future__ import annotations

import re
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import navigation
from learning_tracker.escaping import md_escape
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from . import tables

ROOT = navigation.ROOT


@pytest.fixture
def officer_app(demo_db_path, monkeypatch):
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(demo_db_path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    with sqlite3.connect(demo_db_path) as connection:
        officer = connection.execute("SELECT id FROM users WHERE email = ?",
                                     [DEMO_USERS_BY_ROLE["complaints_officer"]]).fetchone()[0]
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = officer
    at.run()

    def open_page(file: str) -> AppTest:
        at.switch_page(str(ROOT / "pages" / file))
        return at.run()

    return at, open_page


def test_adding_a_user_on_the_users_page(officer_app, demo_db_path):
    at, open_page = officer_app
    open_page("admin_users.py")
    at.text_input(key="new_user_email#0").input("new.manager@demo.invalid")
    at.text_input(key="new_user_name#0").input("New Manager")
    at.selectbox(key="new_user_role#0").set_value("service_manager")
    at.multiselect(key="new_user_areas#0").set_value(["Team West"])
    at.button(key="FormSubmitter:add_user#0-Add user").click().run()
    assert [s.value for s in at.success] == ["Added New Manager as a service manager."]
    with sqlite3.connect(demo_db_path) as connection:
        assert connection.execute("SELECT name, role FROM users WHERE email = 'new.manager@demo.invalid'").fetchone() == (
            "New Manager", "service_manager")


def test_a_wrong_user_is_explained_and_nothing_is_saved(officer_app, demo_db_path):
    at, open_page = officer_app
    open_page("admin_users.py")
    at.text_input(key="new_user_email#0").input(DEMO_USERS_BY_ROLE["viewer"])
    at.text_input(key="new_user_name#0").input("Twin")
    at.selectbox(key="new_user_role#0").set_value("service_manager")
    at.button(key="FormSubmitter:add_user#0-Add user").click().run()
    assert [e.value for e in at.error] == [
        "Nothing was saved. Please correct:\n\n"
        f"- email ('{md_escape(DEMO_USERS_BY_ROLE['viewer'])}') already belongs to a user\n"
        "- service areas are required for a service manager: choose at least one"]


def test_adding_a_service_area_and_changing_the_amber_threshold(officer_app, demo_db_path):
    at, open_page = officer_app
    open_page("admin_service_areas.py")
    at.text_input(key="new_area_name#0").input("Team North")
    at.button(key="FormSubmitter:add_area#0-Add service area").click().run()
    assert [s.value for s in at.success] == ["Added the service area Team North."]
    open_page("admin_settings.py")
    at.number_input[-1].set_value(4)
    at.button(key="FormSubmitter:amber_threshold#0-Save threshold").click().run()
    assert [s.value for s in at.success] == ["Open steps now turn Amber 4 working days before they are due."]
    with sqlite3.connect(demo_db_path) as connection:
        assert connection.execute("SELECT value FROM settings WHERE key = 'rag_amber_working_days'").fetchone() == ("4",)


def test_the_audit_log_shows_what_was_done_and_offers_it_as_csv(officer_app):
    at, open_page = officer_app
    open_page("admin_service_areas.py")
    at.text_input(key="new_area_name#0").input("Team North")
    at.button(key="FormSubmitter:add_area#0-Add service area").click().run()
    open_page("admin_audit.py")
    at.selectbox(key="audit_entity").set_value("service_area").run()
    assert not at.exception
    [event] = tables.rows(at.table[0])
    assert (event["What"], event["Record"], event["Outcome"]) == ("add service area", "service area", "done")
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", event["When"]), "in UK time, as the users write it"
    assert at.get("download_button")[0].proto.label == "Export this event as CSV"


def test_an_empty_audit_log_says_it_is_empty_rather_than_blaming_the_filters(officer_app):
    at, open_page = officer_app
    open_page("admin_audit.py")
    assert [i.value for i in at.info] == [
        "No audit events are recorded yet: every change and every refused attempt will be listed here."]
    at.selectbox(key="audit_outcome").set_value("refused").run()
    assert [i.value for i in at.info] == ["No audit events match these filters."]


def test_a_timescale_without_an_extension_says_so(officer_app):
    at, open_page = officer_app
    open_page("admin_settings.py")
    frame = tables.frame(at.table[0])
    limits = dict(zip(zip(frame["Procedure"], frame["Stage"].astype(int)), frame["Extended at most to"]))
    assert (limits[("statutory", 1)], limits[("statutory", 3)], limits[("informal", 1)]) == ("20", "no extension", "no extension")
