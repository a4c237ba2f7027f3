"""The Reports page (AppTest): the officer's preview with its checks first, the report's sections of prose
saved as records (edited, conflict-checked, reviewed, approved; kept through the suppression toggle and
the date), the quarterly tab; officers and viewers see the reports, a service manager their areas'
sections only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.escaping import md_escape
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.read.report_sections import local_day, saved_sections
from learning_tracker.reports import annual, render
from learning_tracker.rules import periods
from learning_tracker.services import report_sections
from learning_tracker.services.core import actor_by_email

from . import tables
from .factories import open_page

ROOT = navigation.ROOT


def open_reports(path, monkeypatch, role="complaints_officer", year="2021-22") -> AppTest:
    at = open_page(path, monkeypatch, role, "reports.py")
    at.selectbox(key="annual_year").set_value(year)
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, first_column: str):
    """The report's table whose first column is ``first_column``, as shown."""
    return next(frame for frame in map(tables.frame, at.table) if frame.columns[0] == first_column)


def test_the_officer_sees_the_annual_reports_checks_then_its_preview(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    assert at.success[0].value == "All 16 breakdowns add up to their totals."
    headers = [h.value for h in at.header]
    assert headers[:3] == ["Summary", "Advocacy", "How complaints were received"]
    outcomes = table(at, "Outcome")
    assert outcomes.values.tolist()[:2] == [["Upheld", "11", "6%"], ["Partly upheld", "56", "32%"]]
    assert [b.label for b in at.get("download_button")][:4] == ["Word", "Excel", "Markdown", "JSON"]


def test_a_difference_is_warned_at_the_top_of_the_page(demo_db_path, monkeypatch):
    db = database.connect(demo_db_path)
    db.execute("UPDATE complaints SET received_via = NULL WHERE reference = (SELECT MIN(reference) FROM complaints "
               "WHERE received_on BETWEEN '2021-04-01' AND '2022-03-31')")  # fmt: skip
    db.close()
    at = open_reports(demo_db_path, monkeypatch)
    warnings = [w.value for w in at.warning if not w.value.startswith("Demo data")]
    assert warnings[0].startswith("1 breakdown does not add up to the total it breaks down.")
    assert warnings[1] == render.md_escape(
        "complaints by how received (incl. not recorded): 234 of 235 add up; 1 complaint has no record of how it was "
        "received (shown as 'not recorded'); record it on the complaint."
    )
    assert table(at, "Method").values.tolist()[-2:] == [["Not recorded", "fewer than 5"], ["Total", "235"]]


EAST = "Text of the learning section of Team East"
def box(path, area="Team East", year="2021-22") -> str:
    """The key of an area's learning section's box (by the area's id, never its name)."""
    db = database.connect(path)
    try:
        (area_id,) = db.execute("SELECT id FROM service_areas WHERE name = ?", [area]).fetchone()
    finally:
        db.close()
    return f"report_section|{year}|learning|{area_id}"


def saved_text(path, key="learning:Team East", year="2021-22"):
    db = database.connect(path)
    try:
        return saved_sections(db, year).get(key)
    finally:
        db.close()


def save_as(path, role, text, *, area="Team East", read_version=0, based_on=""):
    """Save a section straight through the service, as someone else on another page would."""
    db = database.connect(path)
    try:
        actor = actor_by_email(db, DEMO_USERS_BY_ROLE[role])
        area_id = db.execute("SELECT id FROM service_areas WHERE name = ?", [area]).fetchone()[0]
        return report_sections.save_text(db, actor, "2021-22", "learning", area_id, text, read_version, based_on)
    finally:
        db.close()


def today_in_words():
    return periods.long_date(local_day(database.now_utc()))


def test_the_officers_edit_of_a_section_is_saved_and_goes_into_the_reports_outputs(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    east = at.text_area(key=box(demo_db_path))
    assert east.label == EAST and east.value.startswith("In 2021/22, Team East received ")
    computed = east.value
    east.set_value("Team East rewrote its reports in plain words.").run()
    assert not at.exception
    assert "Saved the learning section of Team East." in [m.value for m in at.success]
    assert at.text_area(key=box(demo_db_path)).value == "Team East rewrote its reports in plain words."
    saved = saved_text(demo_db_path)
    assert (saved["text"], saved["status"], saved["version"], saved["based_on"]) == (
        "Team East rewrote its reports in plain words.", "draft", 1, annual.figures_of(computed, date.today()))
    assert f"Draft: written by Complaints Officer on {today_in_words()}." in [c.value for c in at.caption]
    assert not [i for i in at.info if i.value.startswith("The figures under this section have changed")]
    # The downloads build from the database at the click: the same report, with the saved text.
    db = database.connect(demo_db_path)
    try:
        markdown = render.to_markdown(annual.annual_document(annual.publishable(annual.annual_report(db, "2021-22"))))
    finally:
        db.close()
    assert "Team East rewrote its reports in plain words." in markdown and computed not in markdown


def test_toggling_suppression_or_the_date_keeps_the_saved_text(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    at.text_area(key=box(demo_db_path)).set_value("Our words about Team East.").run()
    summary_draft = at.text_area(key="report_section|2021-22|summary|").value
    at.toggle(key="annual_suppress").set_value(False).run()
    assert at.text_area(key=box(demo_db_path)).value == "Our words about Team East."
    # A section not written starts from the publishable draft whatever the toggle: its text goes out as saved.
    assert at.text_area(key="report_section|2021-22|summary|").value == summary_draft
    assert at.get("date_input")[0].label == "Figures as at"
    at.date_input(key="annual_as_of").set_value(date(2022, 6, 30)).run()
    assert not at.exception
    assert at.text_area(key=box(demo_db_path)).value == "Our words about Team East."
    assert (saved_text(demo_db_path)["text"], saved_text(demo_db_path)["version"]) == ("Our words about Team East.", 1)


def test_a_conflict_keeps_the_typed_text_on_screen_and_loses_nothing(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    save_as(demo_db_path, "complaints_officer", "Saved meanwhile in another tab.")
    at.text_area(key=box(demo_db_path)).set_value("Typed on the page opened before.").run()
    assert not at.exception
    assert any(w.value.startswith("Someone else saved the learning section of Team East after you opened it")
               for w in at.warning)
    assert at.text_area(key=box(demo_db_path)).value == "Typed on the page opened before."
    assert "Saved meanwhile in another tab." in [m.value for m in at.markdown]
    assert saved_text(demo_db_path)["text"] == "Saved meanwhile in another tab."
    # Having seen theirs, a change of the box saves over it.
    at.text_area(key=box(demo_db_path)).set_value("Typed before, revised after seeing theirs.").run()
    assert (saved_text(demo_db_path)["text"], saved_text(demo_db_path)["version"]) == (
        "Typed before, revised after seeing theirs.", 2)
    assert not [w for w in at.warning if w.value.startswith("Someone else")]


def test_empty_text_is_refused_and_the_saved_text_can_be_put_back(demo_db_path, monkeypatch):
    save_as(demo_db_path, "complaints_officer", "The saved text.")
    at = open_reports(demo_db_path, monkeypatch)
    at.text_area(key=box(demo_db_path)).set_value("").run()
    assert at.error[0].value.startswith("Nothing was saved. Please correct:")
    assert "cannot be empty" in at.error[0].value
    assert at.text_area(key=box(demo_db_path)).value == ""
    at.button(key=f"{box(demo_db_path)}|drop").click().run()
    assert at.text_area(key=box(demo_db_path)).value == "The saved text."
    assert saved_text(demo_db_path)["version"] == 1


def test_the_officer_approves_a_section_and_sees_who_did_what_when(demo_db_path, monkeypatch):
    save_as(demo_db_path, "complaints_officer", "Team East's year.")
    at = open_reports(demo_db_path, monkeypatch)
    assert [b.label for b in at.button if b.key.startswith(box(demo_db_path))] == ["Approve"]
    at.button(key=f"{box(demo_db_path)}|Approve").click().run()
    assert not at.exception
    assert "The learning section of Team East is approved." in [m.value for m in at.success]
    day = today_in_words()
    assert (f"Approved: written by Complaints Officer on {day}; approved by Complaints Officer on {day}."
            in [c.value for c in at.caption])
    assert not [b for b in at.button if b.key.startswith(box(demo_db_path))]
    assert saved_text(demo_db_path)["status"] == "approved"


def test_a_section_whose_figures_changed_says_so_and_shows_the_draft_now(demo_db_path, monkeypatch):
    save_as(demo_db_path, "complaints_officer", "Written on older figures.", based_on="The draft of the older figures.")
    at = open_reports(demo_db_path, monkeypatch)
    assert "The figures under this section have changed since it was written." in [i.value for i in at.info]
    assert [e.label for e in at.expander] == ["The draft from the figures now"]
    assert any(m.value.startswith("In 2021/22, Team East received ") for m in at.expander[0].markdown)


def test_a_viewer_reads_the_sections_with_their_status_and_edits_none(demo_db_path, monkeypatch):
    save_as(demo_db_path, "complaints_officer", "Team East's year, in the officer's words.")
    at = open_reports(demo_db_path, monkeypatch, role="viewer")
    assert not at.text_area and not at.button
    assert "Team East's year, in the officer's words." in [m.value for m in at.markdown]
    captions = [c.value for c in at.caption]
    assert f"Draft: written by Complaints Officer on {today_in_words()}." in captions
    assert "Not yet written: the draft computed from the figures." in captions


def test_a_service_manager_writes_and_reviews_their_own_areas_section_only(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "service_manager", "reports.py")
    at.selectbox(key="annual_year").set_value("2021-22").run()
    assert not at.exception, at.exception
    assert [t.label for t in at.text_area] == ["Text of the learning section of Through Care"]
    assert not at.table and not at.get("download_button") and not at.toggle
    through_care = box(demo_db_path, "Through Care")
    at.text_area(key=through_care).set_value("Through Care now writes to young people when their worker changes.").run()
    assert "Saved the learning section of Through Care." in [m.value for m in at.success]
    assert [b.label for b in at.button] == ["Mark as reviewed"]
    at.button(key=f"{through_care}|Mark as reviewed").click().run()
    saved = saved_text(demo_db_path, "learning:Through Care")
    assert (saved["text"], saved["status"], saved["written_by"], saved["reviewed_by"]) == (
        "Through Care now writes to young people when their worker changes.", "reviewed",
        "Service Manager, Through Care", "Service Manager, Through Care")
    assert not at.button, "reviewed: the officer approves it now"


def test_the_suppression_toggle_shows_every_count_when_off(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    assert ["Letter", "fewer than 5"] in table(at, "Method").values.tolist()
    at.toggle(key="annual_suppress").set_value(False).run()
    assert ["Letter", "4"] in table(at, "Method").values.tolist()


def test_the_quarterly_report_compares_the_quarter_with_the_earlier_ones(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    at.segmented_control(key="report_kind").set_value("Quarterly report").run()
    at.selectbox(key="quarterly_year").set_value("2021-22")
    at.selectbox(key="quarterly_quarter").set_value(4).run()
    assert (
        "Statutory complaints received in Q4 and answered at stage 1 took 6.0 working days on average, compared to "
        "6.0 in Q3, 7.0 in Q2 and 8.0 in Q1. No statutory complaint received in Q4 has been answered at stage 2."
    ) in [m.value for m in at.markdown]


def test_the_reports_charts_keep_their_height_on_the_page(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    titles = [spec["title"] for spec in specs]
    assert "Statutory complaints by outcome" in titles
    # Fitted in width only: fitted both ways, a chart of five bars was squashed to a strip.
    assert all(spec["autosize"] == {"type": "fit-x", "contains": "padding"} for spec in specs)
    outcome_chart = specs[titles.index("Statutory complaints by outcome")]
    assert outcome_chart["height"] == 24 * 5


def test_a_viewer_sees_the_reports_too(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch, role="viewer")
    assert at.success[0].value == "All 16 breakdowns add up to their totals."


@pytest.mark.parametrize(
    "role,sees", [("complaints_officer", True), ("viewer", True), ("service_manager", True), ("forum_member", False)]
)
def test_officers_viewers_and_service_managers_have_reports_in_their_navigation(role, sees):
    # A service manager's Reports page holds their areas' sections only (above).
    files = [page.file for pages in navigation.pages_for(role).values() for page in pages]
    assert ("reports.py" in files) is sees


@pytest.mark.parametrize("role", ["forum_member"])
def test_opening_reports_by_address_is_refused_for_other_roles(demo_db_path, monkeypatch, role):
    try:
        at = open_page(demo_db_path, monkeypatch, role, "reports.py")
    except ValueError:
        return  # not registered in this role's navigation at all, so it cannot be opened
    # Registered hidden: refused (by the app's page access check, or the page's own) with no figures shown.
    assert len(at.error) == 1 and not at.table and not at.text_area and not at.get("download_button")


def test_typed_then_approved_at_once_saves_the_text_then_approves_it_with_no_false_conflict(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    at.text_area(key=box(demo_db_path)).set_value("Typed, then Approve clicked straight away.")
    at.button(key=f"{box(demo_db_path)}|Approve").click().run()  # the box's save and the click in one run
    assert not at.error and not at.warning[1:], [m.value for m in (*at.error, *at.warning)]
    saved = saved_text(demo_db_path)
    assert (saved["text"], saved["status"], saved["version"]) == ("Typed, then Approve clicked straight away.", "approved", 2)


def test_a_section_typed_as_the_session_ends_is_given_back_to_the_same_person_only(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    officer = at.session_state["user_id"]
    db = database.connect(demo_db_path)
    try:
        with database.transaction(db):  # the session ends (here: the account is deactivated) while they type
            db.execute("UPDATE users SET active = 0 WHERE id = ?", [officer])
        at.text_area(key=box(demo_db_path)).set_value("Half an hour of writing.").run()
        assert saved_text(demo_db_path) is None, "nothing is saved for a session that has ended"
        with database.transaction(db):
            db.execute("UPDATE users SET active = 1 WHERE id = ?", [officer])
    finally:
        db.close()
    # Someone else signed in on this server does not get it; the officer, signed in again, does.
    viewer = open_reports(demo_db_path, monkeypatch, "viewer")
    assert "Half an hour of writing." not in [m.value for m in viewer.markdown]
    again = open_reports(demo_db_path, monkeypatch)
    assert again.text_area(key=box(demo_db_path)).value == "Half an hour of writing."
    assert any(m.value.startswith("This text was not saved: you were signed out") for m in again.error)
    again.text_area(key=box(demo_db_path)).set_value("Half an hour of writing, saved.").run()
    assert saved_text(demo_db_path)["text"] == "Half an hour of writing, saved."


def test_an_area_named_like_a_key_or_like_markdown_neither_breaks_nor_formats_the_page(demo_db_path, monkeypatch):
    db = database.connect(demo_db_path)
    try:
        with database.transaction(db):
            db.execute("UPDATE service_areas SET name = 'Team West|Approve [click](http://evil.invalid)'"
                       " WHERE name = 'Team West'")
    finally:
        db.close()
    at = open_reports(demo_db_path, monkeypatch)
    labels = [t.label for t in at.text_area]
    assert md_escape("Text of the learning section of Team West|Approve [click](http://evil.invalid)") in labels
