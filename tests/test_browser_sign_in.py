"""Signing in, role menus, refusals and user text, in a real browser (Playwright driving Debian's Chromium
against the app served by Streamlit)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learning_tracker import db as database
from learning_tracker.models import NewLearningPoint
from learning_tracker.services import learning_points, users
from learning_tracker.services.core import load_actor

from .browser import running_app, wait_until_idle
from .factories import build_world

pytestmark = pytest.mark.browser

PASSWORD = "kettle drizzle morning lantern 42"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def real_db(tmp_path):
    """A database of real records (not the demo one): local accounts, one per role."""
    path = tmp_path / "council.db"
    w = build_world(path)
    for user in (w.officer, w.viewer):
        users.set_password(w.db, w.officer, user.id, 1, PASSWORD)
    w.db.close()
    return path


def _sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_until_idle(page)


def _menu(page) -> list[str]:
    # Each link's text is its icon's name, then its title.
    return [text.strip().split("\n")[-1] for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def test_sign_in_see_your_roles_pages_and_sign_out(real_db, browser_page):
    page = browser_page
    with running_app(real_db) as url:
        page.goto(url)
        wait_until_idle(page)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert _menu(page) == [], "nothing is offered before signing in"

        _sign_in(page, "viewer@test.invalid", "not the right password")
        expect(page.get_by_text("That email and password do not match")).to_be_visible()

        _sign_in(page, "officer@test.invalid")
        page.get_by_text("Signed in as Complaints Officer (complaints officer)").wait_for()
        officer_menu = _menu(page)
        for title in ("Overview", "My actions", "Users", "Service areas", "Concern codes", "Timescales and RAG", "Audit log"):
            assert title in officer_menu, title

        page.get_by_role("link", name="Users").click()
        wait_until_idle(page)
        expect(page.get_by_role("heading", name="Users")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        wait_until_idle(page)
        expect(page.get_by_text("You have signed out.")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert _menu(page) == []

        _sign_in(page, "viewer@test.invalid")
        page.get_by_text("Signed in as Director (viewer)").wait_for()
        viewer_menu = _menu(page)
        assert "Overview" in viewer_menu
        for title in ("My actions", "Record learning", "Users", "Audit log"):
            assert title not in viewer_menu, title


def test_a_page_the_role_may_not_use_opened_by_url_is_refused(real_db, browser_page):
    page = browser_page
    with running_app(real_db) as url:
        page.goto(f"{url}/admin_audit")
        wait_until_idle(page)
        expect(page.get_by_role("heading", name="Audit log")).not_to_be_visible()
        # A fresh server starts in Streamlit's old mode, which would list every file of pages/ here.
        assert _menu(page) == []
        _sign_in(page, "viewer@test.invalid")
        page.get_by_text("Your role (Viewer) cannot open this page (Audit log).").wait_for()
        expect(page.get_by_role("heading", name="Audit log")).not_to_be_visible()
        assert page.url.endswith("/admin_audit"), "Streamlit did not quietly show another page instead"

        # The complaints officer opening the same address sees it.
        page.get_by_role("button", name="Sign out").click()
        wait_until_idle(page)
        page.goto(f"{url}/admin_audit")
        wait_until_idle(page)
        _sign_in(page, "officer@test.invalid")
        page.get_by_role("heading", name="Audit log").wait_for()


def test_a_learning_point_written_as_a_script_shows_as_text(demo_db_path, browser_page):
    db = database.connect(demo_db_path)
    reference, area = db.execute(
        "SELECT c.reference, a.name FROM complaints c JOIN service_areas a ON a.id = c.service_area_id"
        " WHERE c.outcome = 'upheld' AND a.active ORDER BY c.received_on DESC LIMIT 1").fetchone()
    officer = load_actor(db, db.execute("SELECT id FROM users WHERE role = 'complaints_officer' AND active LIMIT 1").fetchone()[0])
    learning_points.add_learning_point(db, officer, NewLearningPoint(
        service_area=area, theme="Communication", description=SCRIPT, complaint_references=[reference]))
    db.close()

    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with running_app(demo_db_path) as url:
        page.goto(f"{url}/learning")
        wait_until_idle(page)
        page.get_by_role("tab", name="Learning points").click()
        page.get_by_text(re.compile(re.escape(SCRIPT))).first.click()  # the learning point's expander
        wait_until_idle(page)
        shown = page.get_by_text(SCRIPT, exact=True)
        shown.first.wait_for()
        assert shown.first.is_visible()
        assert page.evaluate("[...document.scripts].filter(s => s.textContent.includes('alert(1)')).length") == 0
        page.wait_for_timeout(500)
        assert dialogs == []
