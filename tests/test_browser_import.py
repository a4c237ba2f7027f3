"""The Import and export page in a real browser: the real upload widget, a bad file's error report
downloaded, and a good file imported after its preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learning_tracker import db as database

from .browser import running_app, wait_until_idle

pytestmark = pytest.mark.browser

BAD = (b"reference,received_on,procedure,service_area\r\n"
       b"BAD-1,2021-04-06,statutory,Team Wets\r\n"
       b"BAD-2,31/02/2021,statutory,Team West\r\n")
GOOD = ("reference;received_on;procedure;service_area;outcome;stage1_completed_on\r\n"
        "GOOD-1;06/04/2021;statutory;Team West;upheld;20/04/2021\r\n").encode("cp1252")


def _choose_complaints(page) -> None:
    page.get_by_role("combobox", name="What the file holds").click()
    page.get_by_role("option", name="Complaints", exact=True).click()
    wait_until_idle(page)


def _upload(page, name: str, content: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content})
    wait_until_idle(page)


def test_a_bad_files_error_report_downloads_and_a_good_file_imports_after_its_preview(demo_db_path, browser_page, tmp_path):
    page = browser_page
    with running_app(demo_db_path) as url:
        page.goto(f"{url}/import_export")
        wait_until_idle(page)
        expect(page.get_by_role("heading", name="Import and export")).to_be_visible()
        _choose_complaints(page)

        _upload(page, "bad.csv", BAD)
        expect(page.get_by_text("2 problems found: nothing will be imported")).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the error report (CSV)").click()
        download = download_info.value
        assert download.suggested_filename == "bad-errors.csv"
        saved = tmp_path / "errors.csv"
        download.save_as(saved)
        assert saved.read_text(encoding="utf-8-sig").splitlines() == [
            "row,column,value,problem",
            "2,service_area,Team Wets,is not known; did you mean 'Team West'?",
            "3,received_on,31/02/2021,is not a date in the calendar; must be a date such as 2021-04-06 or 06/04/2021",
        ]

        _upload(page, "good.csv", GOOD)
        expect(page.get_by_text("The columns of good.csv are the complaints template's.")).to_be_visible()
        page.get_by_role("button", name="Import: add 1 and update 0").click()
        wait_until_idle(page)
        expect(page.get_by_text("good.csv: 1 rows; imported 1 new complaints, 0 updated, 0 unchanged.")).to_be_visible()

    db = database.connect(demo_db_path)
    try:
        assert db.execute("SELECT outcome, outcome_on FROM complaints WHERE reference = 'GOOD-1'").fetchone() == (
            "upheld", "2021-04-20")
        assert db.execute("SELECT COUNT(*) FROM complaints WHERE reference LIKE 'BAD-%'").fetchone()[0] == 0
    finally:
        db.close()
