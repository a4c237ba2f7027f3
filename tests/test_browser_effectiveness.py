"""Issue 15's journey in a real browser (Playwright driving Debian's Chromium against the app on a copy of the
demo): the complaints officer opens "Did it work?", chooses a learning point whose review is due, records that
it was not effective, and the learning point is open again, on the page and in the records."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learning_tracker.rules import vocabulary
from learning_tracker.rules.periods import short_date

from .browser import running_app, wait_until_idle
from .tables import browser_rows
from .test_e2e_journeys import OFFICER, _choose, _open, _saved, _start, _submit, _use_app_as
from .test_pages_effectiveness import AREA, EMBEDDED_ON, THEME, build_embedded

pytestmark = pytest.mark.browser

NOTE = "Families still wait for a start date; the letters were not sent"


def test_the_officer_records_that_learning_did_not_work_and_the_learning_point_reopens(demo_db_path, browser_page):
    embedded = build_embedded(demo_db_path)
    point_id = embedded.point_id
    label = f"{point_id}: {AREA}, {THEME} (review due)"
    page = browser_page
    try:
        with running_app(demo_db_path) as url:
            _start(page, url)
            _use_app_as(page, OFFICER)
            _open(page, "Did it work?")

            # Narrow the list to the area, then choose its learning point: its review is due.
            areas = page.get_by_role("combobox", name="Service areas")
            areas.click()
            page.keyboard.type(AREA)
            page.get_by_role("option", name=AREA, exact=True).click()
            page.keyboard.press("Escape")
            wait_until_idle(page)
            listed = page.get_by_role("table").first
            expect(listed.get_by_role("row")).to_have_count(2)  # the heading and the learning point
            [row] = browser_rows(listed)
            assert (row["Learning point"], row["Embedded on"], row["Complaints before"], row["Complaints after"],
                    row["p-value"], row["Review"]) == (str(point_id), short_date(EMBEDDED_ON), "3", "1", "0.625", "due")
            _choose(page, "Learning point", label)
            expect(page.get_by_text("status: embedded")).to_be_visible()

            _choose(page, "Verdict", "not effective", idle=False)
            page.get_by_role("textbox", name="Note (what worked, or what did not)").fill(NOTE)
            _submit(page, "Record the review")
            _saved(page, f"Learning point {point_id} was not effective: it is open again. Add a new improvement "
                         "action to it on Record learning (complaint KL-3).")
            expect(page.get_by_text(f"status: {vocabulary.OPEN}", exact=False)).to_be_visible()
            expect(page.get_by_text(f"Learning point {point_id} is open again: it needs a new improvement action.")
                   ).to_be_visible()
            expect(page.get_by_role("link", name="Add a new improvement action (Record learning, for KL-3)")
                   ).to_be_visible()
            expect(page.get_by_role("button", name="Record the review")).to_have_count(0)
            assert browser_rows(page.get_by_role("table").first)[0]["Review"] == "not effective"

        point = embedded.db["learning_points"].get(point_id)
        assert point["status"] == vocabulary.OPEN
        assert embedded.db.execute(
            "SELECT verdict, note FROM effectiveness_reviews WHERE learning_point_id = ?", [point_id]
        ).fetchall() == [("not effective", NOTE)]
    finally:
        embedded.db.close()
