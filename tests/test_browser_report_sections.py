"""The annual report's sections in a real browser: the complaints officer's text is saved when they leave
the box, stays through the suppression toggle and a reload (a new session), and is in the Word download,
even one clicked straight after typing; a viewer reads it and has nothing to edit."""

from __future__ import annotations

import re

import docx
import pytest
from playwright.sync_api import Page, expect

from learning_tracker import db as database
from learning_tracker.read.report_sections import saved_sections

from .browser import running_app, wait_until_idle

pytestmark = pytest.mark.browser

OFFICER = "Complaints Officer (complaints officer)"
VIEWER = "Director of Children's Services (viewer)"
EAST = "Text of the learning section of Team East"


def _choose(page: Page, label: str, option: str) -> None:
    """An st.selectbox: open it and click the option."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page)
    expect(box).to_have_value(option)


def _open_reports_as_the_officer(page: Page) -> None:
    _choose(page, "Using the app as", OFFICER)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile(r"Reports$")).click()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    _choose(page, "Financial year", "2021/22")


def _word_paragraphs(page: Page) -> list[str]:
    with page.expect_download() as info:
        page.get_by_role("button", name="Word").click()
    return [p.text for p in docx.Document(info.value.path()).paragraphs]


def test_the_officers_section_is_saved_kept_through_the_toggle_and_a_reload_and_downloaded(demo_db_path, browser_page):
    page = browser_page
    text = "Team East now writes its reports in plain words, after families told us they were hard to read."
    with running_app(demo_db_path) as url:
        page.goto(url)
        wait_until_idle(page)
        _open_reports_as_the_officer(page)

        box = page.get_by_role("textbox", name=EAST, exact=True)
        expect(box).to_have_value(re.compile(r"^In 2021/22, Team East received "))
        box.fill(text)
        # Leaving the box for the toggle saves it; the toggle then runs the page again.
        page.get_by_text("Suppress small numbers", exact=True).click()
        wait_until_idle(page)
        expect(page.get_by_text("Saved the learning section of Team East.")).to_be_visible()
        expect(page.get_by_role("textbox", name=EAST, exact=True)).to_have_value(text)

        # A reload is a new session: the demo picker starts again at its first person.
        page.reload()
        wait_until_idle(page)
        if page.get_by_role("heading", name="Reports", level=1).count():
            _choose(page, "Using the app as", OFFICER)
            _choose(page, "Financial year", "2021/22")
        else:
            _open_reports_as_the_officer(page)
        expect(page.get_by_role("textbox", name=EAST, exact=True)).to_have_value(text)
        assert text in _word_paragraphs(page)

        # Typed and downloaded at once: the click waits for the run that saves the box.
        again = "Team East now writes every report in plain words."
        page.get_by_role("textbox", name=EAST, exact=True).fill(again)
        paragraphs = _word_paragraphs(page)
        assert again in paragraphs and text not in paragraphs
        wait_until_idle(page)

        # The director (a viewer) reads the saved text, and is offered no box to edit any section.
        _choose(page, "Using the app as", VIEWER)
        expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
        _choose(page, "Financial year", "2021/22")
        expect(page.get_by_text(again, exact=True)).to_be_visible()
        expect(page.get_by_role("textbox")).to_have_count(0)

    db = database.connect(demo_db_path)
    try:
        saved = saved_sections(db, "2021-22")["learning:Team East"]
        assert (saved["text"], saved["status"], saved["version"], saved["written_by"]) == (
            again, "draft", 2, "Complaints Officer")
    finally:
        db.close()
