"""Issue 16's journey in a real browser (Playwright driving Debian's Chromium against the app on a copy of the
demo): the complaints officer records a statutory stage 2 investigation with three points of complaint, the
adjudication accepts two of its three recommendations, and the two improvement actions appear on My actions
of the area's service manager."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.rules.periods import short_date

from .browser import running_app, wait_until_idle
from .test_e2e_journeys import MANAGER, OFFICER, _choose, _open, _saved, _start, _submit, _tab, _type_date, _use_app_as
from .test_pages_investigation import REFERENCE, at_stage_two

pytestmark = pytest.mark.browser

POINTS = [("Visits to the young person were missed", "upheld"),
          ("Letters were not answered", "not upheld"),
          ("The pathway plan was not shared", "partly upheld")]
RECOMMENDATIONS = [("Kestrel House records every visit on the day", 1),
                   ("Kestrel House shares each pathway plan with the young person", 3),
                   ("Audit the service's letters", 2)]


def test_an_adjudication_of_a_stage_two_investigation_puts_two_actions_on_the_area_managers_list(
        demo_db_path, browser_page):
    complaint_id = at_stage_two(demo_db_path)  # Through Care, the demo service manager's area
    owner = f"Service Manager, Through Care ({DEMO_USERS_BY_ROLE['service_manager']})"
    due = date.today() + timedelta(days=60)
    page = browser_page
    with running_app(demo_db_path) as url:
        _start(page, url)
        _use_app_as(page, OFFICER)
        _open(page, "Complaints")
        page.get_by_role("textbox", name="Open the complaint with reference").fill(REFERENCE)
        page.get_by_role("textbox", name="Open the complaint with reference").press("Enter")
        wait_until_idle(page)
        expect(page.get_by_role("heading", name=REFERENCE)).to_be_visible()

        # The investigation: who, by role and organisation; three points with findings; three recommendations.
        investigation = _tab(page, "Investigation")
        investigation.get_by_role("textbox", name="Investigating Officer (role and organisation)").fill(
            "Independent investigator, Coram Voice")
        investigation.get_by_role("textbox", name="Independent Person (role and organisation)").fill(
            "Independent person, NYAS")
        for n, (summary, finding) in enumerate(POINTS, start=1):
            investigation.get_by_role("textbox", name=f"Point {n}", exact=True).fill(summary)
            _choose(investigation, f"Finding on point {n}", finding, idle=False)
        for n, (text, point) in enumerate(RECOMMENDATIONS, start=1):
            investigation.get_by_role("textbox", name=f"Recommendation {n}", exact=True).fill(text)
            _choose(investigation, f"Recommendation {n} is about point", str(point), idle=False)
        _submit(investigation, "Save the investigation")
        _saved(page, f"{REFERENCE}: the stage 2 investigation is saved (3 points of complaint, 3 recommendations).")
        expect(page.get_by_text("Points of complaint (the points give: partly upheld):")).to_be_visible()

        # The adjudication accepts the first two, each becoming an action of the area's manager, not the third.
        adjudication = _tab(page, "Adjudication")
        expect(adjudication.get_by_text("The points give: partly upheld")).to_be_visible()
        adjudication.get_by_role("textbox", name="Adjudicator (role)").fill("Head of Service")
        for n in (1, 2):
            _choose(adjudication, f"Decision on recommendation {n}", "accepted", idle=False)
            _choose(adjudication, f"Action owner for recommendation {n}", owner, idle=False)
            _type_date(adjudication, f"Action due on for recommendation {n}", due)
        _choose(adjudication, "Decision on recommendation 3", "not accepted", idle=False)
        adjudication.get_by_role("textbox", name="Why recommendation 3 is not accepted").fill(
            "The letters were audited in January")
        _choose(adjudication, "Theme of a new learning point", "Communication", idle=False)
        adjudication.get_by_role("textbox", name="What was learnt (a new learning point)").fill(
            "Young people see their records and plans as they are made")
        _submit(adjudication, "Record the adjudication")
        _saved(page, f"{REFERENCE}: the stage 2 adjudication is recorded; 2 accepted recommendations became "
                     "improvement actions.")

        # The area's service manager finds both on My actions.
        _use_app_as(page, MANAGER)
        _open(page, "My actions")
        page.get_by_role("textbox", name="Find an action (its number or words from it)").fill("Kestrel House")
        page.keyboard.press("Enter")
        wait_until_idle(page)
        listed = page.get_by_role("table").first
        for text, _ in RECOMMENDATIONS[:2]:
            row = listed.get_by_role("row").filter(has_text=text)
            expect(row).to_have_count(1)
            expect(row).to_contain_text(short_date(due))
            expect(row).to_contain_text("not started")
            expect(row).to_contain_text(REFERENCE)
        expect(listed.get_by_role("row")).to_have_count(3)  # the heading and the two actions

    db = database.connect(demo_db_path)
    try:
        assert db.execute(
            "SELECT r.position, r.decision, a.description, u.email, a.due_on FROM recommendations r"
            " JOIN complaint_stages s ON s.id = r.stage_id LEFT JOIN actions a ON a.id = r.action_id"
            " LEFT JOIN users u ON u.id = a.owner_id WHERE s.complaint_id = ? ORDER BY r.position",
            [complaint_id]).fetchall() == [
            (1, "accepted", RECOMMENDATIONS[0][0], DEMO_USERS_BY_ROLE["service_manager"], due.isoformat()),
            (2, "accepted", RECOMMENDATIONS[1][0], DEMO_USERS_BY_ROLE["service_manager"], due.isoformat()),
            (3, "not accepted", None, None, None)]
        assert db.execute("SELECT responded_on, outcome FROM complaint_stages WHERE complaint_id = ? AND stage = 2",
                          [complaint_id]).fetchone() == (date.today().isoformat(), "partly upheld")
    finally:
        db.close()
