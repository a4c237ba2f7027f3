"""Day-one trust in a real browser: switching the demo picker on any page never breaks the app, and a form
clicked twice saves once (Playwright driving Debian's Chromium against the app on a copy of the demo).

The database is checked after each double click: a second record would be a duplicate on the forum's
agenda or in an action's history.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from .browser import running_app, wait_until_idle
from .test_e2e_journeys import FORUM_CHAIR, MANAGER, OFFICER, VIEWER, _choose, _open, _saved, _start, _tab, _use_app_as

pytestmark = pytest.mark.browser

PEOPLE = {"complaints_officer": OFFICER, "service_manager": MANAGER, "forum_member": FORUM_CHAIR, "viewer": VIEWER}
assert set(PEOPLE) == set(DEMO_USERS_BY_ROLE)


def _count(db_path, sql: str, params=()) -> int:
    db = database.connect(db_path)
    try:
        return db.execute(sql, params).fetchone()[0]
    finally:
        db.close()


def _double_click(page: Page, scope, button: str) -> None:
    """Two clicks as fast as a hurried user makes them, then wait for the app to settle."""
    scope.get_by_role("button", name=button, exact=True).dblclick()
    wait_until_idle(page)


def _click_again(page: Page, scope, button: str) -> None:
    """Once the save's page has settled, the same button again: the click that used to save the form's content
    a second time. The form starts afresh, so it is asked to be filled in instead."""
    scope.get_by_role("button", name=button, exact=True).click()
    wait_until_idle(page)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("Nothing was saved")


def test_switching_the_demo_picker_on_every_page_to_every_role_never_breaks_the_app(demo_db_path, browser_page):
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        for spec in navigation.PAGES:  # the complaints officer may open every page
            _use_app_as(page, OFFICER)
            _open(page, spec.title)
            for role, person in PEOPLE.items():
                if role == "complaints_officer":
                    continue
                _use_app_as(page, person)
                assert page.get_by_test_id("stException").count() == 0, f"{spec.title} as {person}"
                expect(page.get_by_role("combobox", name="Using the app as")).to_have_value(person)
                if role in spec.roles:
                    expect(page.get_by_role("heading", name=spec.title, level=1)).to_be_visible()
                else:
                    expect(page.get_by_text(f"cannot open this page ({spec.title})")).to_be_visible()
                # The menu is the picked person's: the pages of their role, no more.
                menu = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
                assert len(menu) == sum(role in p.roles for p in navigation.PAGES), f"{spec.title} as {person}"
                # Back to the officer on the same address: the page opens again.
                _use_app_as(page, OFFICER)
                expect(page.get_by_role("heading", name=spec.title, level=1)).to_be_visible()


def test_every_form_of_an_action_clicked_twice_saves_once_and_starts_afresh(demo_db_path, browser_page):
    db = database.connect(demo_db_path)
    try:
        action_id, = db.execute(
            "SELECT a.id FROM actions a JOIN users u ON u.id = a.owner_id"
            " WHERE u.email = ? AND a.status = 'not started' ORDER BY a.due_on LIMIT 1",
            [DEMO_USERS_BY_ROLE["service_manager"]]).fetchone()
    finally:
        db.close()
    updates = "SELECT COUNT(*) FROM action_updates WHERE action_id = ? AND kind = ?"
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, MANAGER)
        _open(page, "My actions")
        page.get_by_role("textbox", name="Find an action (its number or words from it)").fill(str(action_id))
        page.keyboard.press("Enter")
        wait_until_idle(page)
        expect(page.get_by_role("combobox", name="Action", exact=True)).to_have_value(re.compile(rf"^{action_id}: "))

        status = _tab(page, "Status")
        expect(status.get_by_role("combobox", name="New status")).to_have_value("")  # nothing chosen for the user
        _choose(status, "New status", "in progress", idle=False)
        _double_click(page, status, "Save status")
        _saved(page, f"Action {action_id} is now in progress.")
        assert _count(demo_db_path, updates, [action_id, "status"]) == 1

        note = _tab(page, "Progress note")
        note.get_by_role("textbox", name="Progress note").fill("Chased the team; on track.")
        _double_click(page, note, "Add note")
        _saved(page, f"Note added to action {action_id}.")
        assert _count(demo_db_path, updates, [action_id, "note"]) == 1
        note = _tab(page, "Progress note")
        expect(note.get_by_role("textbox", name="Progress note")).to_have_value("")
        _click_again(page, note, "Add note")
        assert _count(demo_db_path, updates, [action_id, "note"]) == 1

        proof = _tab(page, "Evidence")
        proof.get_by_role("textbox", name="What the evidence shows").fill("Minutes of the team meeting")
        proof.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"Item 4: learning shared.\n"})
        expect(proof.get_by_test_id("stFileUploader")).to_contain_text("minutes.txt")
        _double_click(page, proof, "Add evidence")
        _saved(page, f"Evidence added to action {action_id}.")
        assert _count(demo_db_path, "SELECT COUNT(*) FROM action_evidence WHERE action_id = ?", [action_id]) == 1
        proof = _tab(page, "Evidence")
        expect(proof.get_by_test_id("stFileUploader")).not_to_contain_text("minutes.txt")  # the file is not kept
        expect(proof.get_by_role("textbox", name="What the evidence shows")).to_have_value("")

        status = _tab(page, "Status")
        _choose(status, "New status", "completed", idle=False)
        _double_click(page, status, "Save status")
        _saved(page, f"Action {action_id} is now completed.")
        assert _count(demo_db_path, updates, [action_id, "status"]) == 2
        # The picker's label says what the action is now, not how overdue it was.
        expect(page.get_by_role("combobox", name="Action", exact=True)).to_have_value(
            re.compile(rf"^{action_id}: .*\(completed\)$"))


def test_a_forum_decision_clicked_twice_is_recorded_once_and_nothing_is_chosen_for_the_next(demo_db_path, browser_page):
    page = browser_page
    decisions = "SELECT COUNT(*) FROM forum_decisions"
    before = _count(demo_db_path, decisions)
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, FORUM_CHAIR)
        _open(page, "Practice Improvement Forum")
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the decision"))
        expect(form.get_by_role("combobox", name="Item", exact=True)).to_have_value("")
        expect(form.get_by_role("combobox", name="Decision", exact=True)).to_have_value("")
        form.get_by_role("combobox", name="Item", exact=True).click()
        page.get_by_role("option", name=re.compile(r"^Learning point \d+ ")).first.click()
        _choose(form, "Decision", "noted", idle=False)
        _double_click(page, form, "Record the decision")
        wait_until_idle(page)
        assert _count(demo_db_path, decisions) == before + 1
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the decision"))
        expect(form.get_by_role("combobox", name="Item", exact=True)).to_have_value("")
        expect(form.get_by_role("combobox", name="Decision", exact=True)).to_have_value("")
        _click_again(page, form, "Record the decision")
        assert _count(demo_db_path, decisions) == before + 1


def test_a_complaint_and_a_compliment_clicked_twice_are_recorded_once(demo_db_path, browser_page):
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, OFFICER)
        _open(page, "Complaints")
        page.get_by_text("Record a new complaint", exact=True).click()
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the complaint"))
        form.get_by_role("textbox", name="Reference").fill("CS-TWICE-1")
        _choose(form, "Service area", "Through Care", idle=False)
        _double_click(page, form, "Record the complaint")
        _saved(page, re.compile(r"Complaint CS-TWICE-1 recorded"))
        expect(page.get_by_test_id("stAlertContentError").filter(has_text="already")).to_have_count(0)  # no second try
        assert _count(demo_db_path, "SELECT COUNT(*) FROM complaints WHERE reference = 'CS-TWICE-1'") == 1

        compliments = "SELECT COUNT(*) FROM compliments"
        before = _count(demo_db_path, compliments)
        _open(page, "Compliments")
        page.get_by_text("Record a compliment", exact=True).click()
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the compliment"))
        _choose(form, "Service area", "Through Care", idle=False)
        form.get_by_role("combobox", name="From", exact=True).click()
        page.get_by_role("option").first.click()
        form.get_by_role("combobox", name="What it was about", exact=True).click()
        page.get_by_role("option").first.click()
        page.keyboard.press("Escape")
        form.get_by_role("textbox", name="Short summary").fill("Thanked the team for their support")
        _double_click(page, form, "Record the compliment")
        expect(page.get_by_text("Compliments", exact=True).first).to_be_visible()
        wait_until_idle(page)
        assert _count(demo_db_path, compliments) == before + 1


def test_web_and_email_addresses_typed_into_records_show_as_text_never_as_links(demo_db_path, browser_page):
    db = database.connect(demo_db_path)
    try:
        with database.transaction(db):
            db.execute("UPDATE service_areas SET name = 'Through Care www.evil.invalid' WHERE name = 'Through Care'")
            db.execute("UPDATE actions SET description = 'See http://evil.invalid/x.png or write to jo@evil.invalid'"
                       " WHERE service_area_id = (SELECT id FROM service_areas WHERE name LIKE 'Through Care%')")
    finally:
        db.close()
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        for title in ("Service areas", "My actions", "Learning and actions"):
            _open(page, title)
            expect(page.get_by_text("evil.invalid").first).to_be_visible()
            links = page.locator('[data-testid="stMain"] a').evaluate_all("links => links.map(a => a.href)")
            assert not [link for link in links if "evil" in link], f"{title}: {links}"
