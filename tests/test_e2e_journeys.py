"""End to end: each role's main journey through the app in a real browser (Playwright driving Debian's
Chromium against the app served by Streamlit on a copy of the demo database).

One test per journey. They use the page's own controls only; a table is read as a screen reader reads it,
cell by cell under its headings (``tests.tables.browser_rows``). The database is checked at the end of the
journeys that write, so a message on screen that lies would not pass.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import docx
import pytest
from playwright.sync_api import Locator, Page, expect

from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.rules.periods import long_date

from .browser import running_app, wait_until_idle
from .tables import browser_rows

pytestmark = pytest.mark.browser

OFFICER = "Complaints Officer (complaints officer)"
MANAGER = "Service Manager, Through Care (service manager)"
FORUM_CHAIR = "Practice Improvement Forum Chair (forum member)"
VIEWER = "Director of Children's Services (viewer)"

# --- driving the app ----------------------------------------------------------------------------------


def _start(page: Page, url: str) -> None:
    page.goto(url)
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()


def _use_app_as(page: Page, person: str) -> None:
    """The demo picker in the sidebar."""
    _choose(page, "Using the app as", person)
    expect(page.get_by_role("combobox", name="Using the app as")).to_have_value(person)


def _open(page: Page, title: str) -> None:
    """A page from the sidebar menu (the session, and so the user, stays the same)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile(rf"{re.escape(title)}$")).click()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def _menu(page: Page) -> list[str]:
    # Each link's text is its icon's name, then its title.
    return [text.strip().split("\n")[-1] for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def _choose(scope: Page | Locator, label: str, option: str | re.Pattern, *, idle: bool = True) -> None:
    """An st.selectbox: open it, click the option (options open in a popover at the page's level)."""
    page = scope if isinstance(scope, Page) else scope.page
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    try:
        # While the list is open the rest of the page is hidden from the accessibility tree: look at the list.
        expect(page.get_by_role("listbox")).to_be_visible(timeout=2_000)
    except AssertionError:
        box.click()  # a box just scrolled into view (or in a tab just shown) may only take the focus at first
    page.get_by_role("option", name=option, exact=isinstance(option, str)).click()
    if idle:
        wait_until_idle(page)


def _type_date(scope: Page | Locator, label: str, day: date) -> None:
    """An st.date_input: type the date in its format (DD/MM/YYYY) into its day, month and year, then Enter."""
    field = scope.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton", name=f"day, {label}").click()
    field.page.keyboard.type(f"{day:%d%m%Y}")
    field.page.keyboard.press("Enter")
    for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
        expect(field.get_by_role("spinbutton", name=f"{part}, {label}")).to_have_attribute("aria-valuenow", str(value))


def _submit(scope: Page | Locator, button: str) -> None:
    page = scope if isinstance(scope, Page) else scope.page
    scope.get_by_role("button", name=button, exact=True).click()
    wait_until_idle(page)


def _saved(page: Page, message: str | re.Pattern) -> None:
    """The message a save leaves for the next run, shown once at the top of the page."""
    expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=message)).to_be_visible()


def _download(page: Page, button: Locator):
    with page.expect_download() as info:
        button.click()
    return info.value


def _figures(page: Page, scope: Locator) -> list[dict[str, str]]:
    """A chart's figures, from its "Data as CSV" download (Themes and outcomes)."""
    download = _download(page, scope.get_by_role("button", name="Data as CSV"))
    with open(download.path(), encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def _rag_rows(page: Page) -> dict[str, dict[str, str]]:
    """The RAG report's open stages by complaint reference, from the page's CSV download."""
    download = _download(page, page.get_by_role("button", name="Download CSV"))
    with open(download.path(), encoding="utf-8-sig") as file:
        return {row["reference"]: row for row in csv.DictReader(file)}


def _tab(page: Page, name: str | re.Pattern) -> Locator:
    """Click a tab; return its panel."""
    page.get_by_role("tab", name=name).click()
    return page.get_by_role("tabpanel", name=name)


# --- the journeys -------------------------------------------------------------------------------------


def test_the_complaints_officer_records_a_complaint_its_learning_and_builds_the_annual_report(
        demo_db_path, browser_page):
    page = browser_page
    today = date.today()
    reference = "E2E-2627-0001"
    received = today - timedelta(days=7)
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, OFFICER)

        # A new complaint, from the Complaints page's form.
        _open(page, "Complaints")
        page.get_by_text("Record a new complaint").click()
        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the complaint"))
        form.get_by_role("textbox", name="Reference", exact=True).fill(reference)
        _type_date(form, "Received on", received)
        _choose(form, "Service area", "Through Care", idle=False)
        _choose(form, "How it was received", "email", idle=False)
        _submit(form, "Record the complaint")
        _saved(page, f"Complaint {reference} recorded; its stage 1 clock started on {long_date(received)}.")
        expect(page.get_by_role("heading", name=reference)).to_be_visible()

        # The weekly RAG report lists its stage 1 while it waits for the response.
        _open(page, "RAG report")
        listed = _rag_rows(page)[reference]
        assert (listed["stage"], listed["service_area"], listed["clock_started_on"]) == (
            "1", "Through Care", received.isoformat())

        # Its stage 1 response, partly upheld.
        _open(page, "Complaints")
        page.get_by_role("textbox", name="Open the complaint with reference").fill(reference)
        page.get_by_role("textbox", name="Open the complaint with reference").press("Enter")
        wait_until_idle(page)
        expect(page.get_by_role("heading", name=reference)).to_be_visible()
        response = _tab(page, "Response")
        _choose(response, "Outcome", "partly upheld", idle=False)
        _submit(response, "Record the response")
        _saved(page, f"{reference}: the statutory stage 1 response is recorded.")

        # Its concerns, coded on the Concerns tab.
        concerns = _tab(page, "Concerns")
        concerns.get_by_role("spinbutton", name="Communication", exact=True).fill("1")
        concerns.get_by_role("spinbutton", name="Standards of service > delay in receiving service", exact=True).fill("1")
        _submit(concerns, "Save the concerns")
        _saved(page, f"{reference}: concerns saved.")

        # Learning and an improvement action, on the Record learning page the complaint links to.
        page.get_by_role("link", name="Record learning from this complaint").click()
        wait_until_idle(page)
        expect(page.get_by_role("heading", name=f"Complaint {reference}")).to_be_visible()
        new_point = _tab(page, "Add a new learning point")
        _choose(new_point, "Theme", "Communication", idle=False)
        new_point.get_by_role("textbox", name="What was learnt").fill("Tell young people in writing when their worker changes.")
        _submit(new_point, "Save learning point")
        _saved(page, f"Learning point recorded for {reference}. Add its improvement actions next.")
        new_action = _tab(page, "Add an improvement action")
        new_action.get_by_role("textbox", name="Improvement action").fill("Send a letter template to every team leader.")
        _choose(new_action, "Owner", f"Service Manager, Through Care ({DEMO_USERS_BY_ROLE['service_manager']})", idle=False)
        _submit(new_action, "Add action")
        _saved(page, re.compile(r"Action added to learning point \d+\."))

        # Answered, its stage is no longer in the RAG report.
        _open(page, "RAG report")
        still_open = _rag_rows(page)
        assert still_open and reference not in still_open

        # The 2021/22 annual report, downloaded as Word.
        _open(page, "Reports")
        _choose(page, "Financial year", "2021/22")
        word = _download(page, page.get_by_role("button", name="Word"))
        assert word.suggested_filename == "annual-report-2021-22.docx"
        document = docx.Document(word.path())
        assert any("children's services received 235 complaints" in p.text for p in document.paragraphs)
        assert "235" in {cell.text for table in document.tables for row in table.rows for cell in row.cells}

    db = database.connect(demo_db_path)
    try:
        complaint_id, outcome, via = db.execute(
            "SELECT id, outcome, received_via FROM complaints WHERE reference = ?", [reference]).fetchone()
        assert (outcome, via) == ("partly upheld", "email")
        assert db.execute("SELECT stage, clock_started_on, responded_on FROM complaint_stages WHERE complaint_id = ?",
                          [complaint_id]).fetchall() == [(1, received.isoformat(), today.isoformat())]
        assert db.execute(
            "SELECT cc.category, cc.subcategory FROM concerns c JOIN concern_codes cc ON cc.id = c.concern_code_id"
            " WHERE c.complaint_id = ? ORDER BY cc.position", [complaint_id]).fetchall() == [
            ("Communication", ""), ("Standards of service", "delay in receiving service")]
        assert db.execute(
            "SELECT lp.theme, lp.description, a.description, u.email, a.status FROM learning_point_complaints l"
            " JOIN learning_points lp ON lp.id = l.learning_point_id JOIN actions a ON a.learning_point_id = lp.id"
            " JOIN users u ON u.id = a.owner_id WHERE l.complaint_id = ?", [complaint_id]).fetchall() == [(
            "Communication", "Tell young people in writing when their worker changes.",
            "Send a letter template to every team leader.", DEMO_USERS_BY_ROLE["service_manager"], "not started")]
    finally:
        db.close()


def test_a_service_manager_progresses_and_completes_an_action_with_evidence_and_the_officer_verifies_it(
        demo_db_path, browser_page):
    db = database.connect(demo_db_path)
    try:
        mine = db.execute(
            "SELECT a.id, a.description FROM actions a JOIN users u ON u.id = a.owner_id"
            " WHERE u.email = ? AND a.status = 'not started' ORDER BY a.due_on LIMIT 1",
            [DEMO_USERS_BY_ROLE["service_manager"]]).fetchone()
    finally:
        db.close()
    assert mine, "the demo data gives the demo service manager an action not started yet"
    action_id, description = mine
    evidence = b"Team meeting minutes, item 4: the learning was shared with every social worker.\n"
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, MANAGER)
        _open(page, "My actions")
        _choose(page, "Action", re.compile(rf"^{action_id}: "))
        expect(page.get_by_text(f"Action {action_id}: {description}")).to_be_visible()

        status = _tab(page, "Status")
        _choose(status, "New status", "in progress", idle=False)
        _submit(status, "Save status")
        _saved(page, f"Action {action_id} is now in progress.")

        note = _tab(page, "Progress note")
        note.get_by_role("textbox", name="Progress note").fill("Shared at the team meeting of 20 November.")
        _submit(note, "Add note")
        _saved(page, f"Note added to action {action_id}.")

        proof = _tab(page, "Evidence")
        proof.get_by_role("textbox", name="What the evidence shows").fill("Minutes of the team meeting")
        proof.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            {"name": "minutes.txt", "mimeType": "text/plain", "buffer": evidence})
        expect(proof.get_by_test_id("stFileUploader")).to_contain_text("minutes.txt")  # uploaded
        _submit(proof, "Add evidence")
        _saved(page, f"Evidence added to action {action_id}.")

        status = _tab(page, "Status")
        _choose(status, "New status", "completed", idle=False)
        _submit(status, "Save status")
        _saved(page, f"Action {action_id} is now completed.")
        expect(_tab(page, "Status").get_by_text(
            "This action is completed. The complaints officer verifies it or sends it back.")).to_be_visible()

        # The complaints officer checks the evidence and verifies it.
        _use_app_as(page, OFFICER)
        expect(page.get_by_role("heading", name="My actions", level=1)).to_be_visible()
        waiting = _tab(page, re.compile(r"^Completed, awaiting verification \(\d+\)$"))
        _choose(waiting, "Action", re.compile(rf"^{action_id}: "))
        waiting.get_by_text("History and evidence", exact=True).click()
        wait_until_idle(page)
        download = _download(page, waiting.get_by_role("button", name=re.compile(r"Minutes of the team meeting: minutes\.txt")))
        assert download.suggested_filename == "minutes.txt"
        with open(download.path(), "rb") as file:
            assert file.read() == evidence
        waiting.get_by_role("textbox", name="Note (needed to send it back: what is missing)").fill("Minutes seen.")
        _submit(waiting, "Verify")
        _saved(page, f"Action {action_id} is verified.")

    db = database.connect(demo_db_path)
    try:
        assert db.execute("SELECT status, completed_on, verified_on FROM actions WHERE id = ?", [action_id]).fetchone() == (
            "verified", date.today().isoformat(), date.today().isoformat())
        assert db.execute("SELECT kind, to_value, note FROM action_updates WHERE action_id = ? AND kind != 'created' ORDER BY id",
                          [action_id]).fetchall() == [
            ("status", "in progress", None),
            ("note", None, "Shared at the team meeting of 20 November."),
            ("evidence", "minutes.txt", "Minutes of the team meeting"),
            ("status", "completed", None),
            ("verified", "verified", "Minutes seen."),
        ]
    finally:
        db.close()


def test_a_forum_member_records_a_decision_on_an_item_of_the_pack(demo_db_path, browser_page):
    db = database.connect(demo_db_path)
    try:
        meeting_id, held_on, decisions = db.execute(
            "SELECT m.id, m.held_on, COUNT(d.id) FROM forum_meetings m LEFT JOIN forum_decisions d ON d.meeting_id = m.id"
            " GROUP BY m.id ORDER BY m.held_on DESC LIMIT 1").fetchone()
    finally:
        db.close()
    meeting = f"{date.fromisoformat(held_on):%-d %B %Y}"
    note = "Ask the Head of Service to report on calls returned within two working days."
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, FORUM_CHAIR)
        _open(page, "Practice Improvement Forum")
        expect(page.get_by_role("combobox", name="Meeting")).to_have_value(meeting)

        form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the decision"))
        form.get_by_role("combobox", name="Item", exact=True).click()
        item = page.get_by_role("option", name=re.compile(r"^Learning point \d+ ")).first
        label = item.inner_text().strip()
        item.click()
        learning_point = int(re.match(r"Learning point (\d+) ", label).group(1))
        expect(form.get_by_role("combobox", name="Item", exact=True)).to_have_value(label)
        _choose(form, "Decision", "escalate to senior leadership", idle=False)
        form.get_by_role("textbox", name="Note").fill(note)
        _submit(form, "Record the decision")
        _saved(page, f"Recorded for learning point {learning_point}: escalate to senior leadership.")

        shown = browser_rows(page.get_by_role("table", name="Decisions recorded at this meeting"))
        assert len(shown) == decisions + 1
        assert [(row["Decision"], row["Note"], row["Recorded by"]) for row in shown
                if row["Item"].startswith(f"Learning point {learning_point}:")] == [
            ("escalate to senior leadership", note, "Practice Improvement Forum Chair")]

    db = database.connect(demo_db_path)
    try:
        assert db.execute(
            "SELECT learning_point_id, action_id, complaint_id, decision, note FROM forum_decisions WHERE meeting_id = ?"
            " ORDER BY id DESC LIMIT 1", [meeting_id]).fetchone() == (
            learning_point, None, None, "escalate to senior leadership", note)
        assert db.execute("SELECT COUNT(*) FROM forum_decisions WHERE meeting_id = ?", [meeting_id]).fetchone()[0] == (
            decisions + 1)
    finally:
        db.close()


def test_a_viewer_reads_the_overview_the_dashboard_and_the_themes_and_is_offered_no_forms(demo_db_path, browser_page):
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, VIEWER)
        menu = _menu(page)
        for title in ("Overview", "Monitoring dashboard", "Themes and outcomes", "Complaints", "Reports"):
            assert title in menu, title
        for title in ("My actions", "Record learning", "Users", "Import and export", "Audit log"):
            assert title not in menu, title

        _choose(page, "Financial year", "2021/22")
        metrics = page.get_by_test_id("stMetric")
        expect(metrics.filter(has_text="Complaints received").get_by_test_id("stMetricValue")).to_have_text("235")
        expect(page.get_by_test_id("stForm")).to_have_count(0)

        _open(page, "Monitoring dashboard")
        expect(metrics.filter(has_text="Open steps").get_by_test_id("stMetricValue")).to_have_text(re.compile(r"^\d+$"))
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
        assert page.get_by_test_id("stVegaLiteChart").count() >= 3  # open by stage, overdue by area, stage 1 and 2 days
        expect(page.get_by_test_id("stForm")).to_have_count(0)

        _open(page, "Themes and outcomes")
        years = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_role("combobox", name="Financial years"))
        years.get_by_role("button", name="Clear all").click()  # every year
        wait_until_idle(page)
        concerns = page.get_by_role("tabpanel", name="Concerns and outcomes")
        chart = concerns.get_by_test_id("stVegaLiteChart")
        reading = concerns.get_by_text(re.compile(r" was raised \d+ times in "))
        expect(reading).to_contain_text(" times in all years, ")
        expect(chart).to_be_visible()
        page.wait_for_timeout(500)  # Vega draws just after the run ends
        before_picture, before_table = chart.screenshot(), _figures(page, concerns)

        page.get_by_role("combobox", name="Financial years").click()
        page.get_by_role("option", name="2021/22", exact=True).click()
        page.keyboard.press("Escape")
        wait_until_idle(page)
        expect(reading).to_contain_text("Communication was raised 190 times in 2021/22, ")  # as the report has it
        after_table = _figures(page, concerns)
        assert {row["Concern category"]: row["Times raised"] for row in after_table}["Communication"] == "190"
        assert after_table != before_table
        for _ in range(20):  # Vega draws the new data a moment after the run
            if chart.screenshot() != before_picture:
                break
            page.wait_for_timeout(250)
        else:
            pytest.fail("the chart was not redrawn for the new filter")
        expect(page.get_by_test_id("stForm")).to_have_count(0)

        # Reading a complaint, the viewer is told who records it and offered no form.
        _open(page, "Complaints")
        expect(page.get_by_text("Record a new complaint")).to_have_count(0)
        box = page.get_by_role("textbox", name="Open the complaint with reference")
        box.fill("CS-2122-0001")
        box.press("Enter")
        wait_until_idle(page)
        expect(page.get_by_text("You can read complaints; the complaints officer records them.")).to_be_visible()
        expect(page.get_by_test_id("stForm")).to_have_count(0)

        _open(page, "Practice Improvement Forum")
        expect(page.get_by_text("You can read every meeting's pack and decisions")).to_be_visible()
        expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
        expect(page.get_by_test_id("stForm")).to_have_count(0)
