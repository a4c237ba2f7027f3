"""The annual report's "how last year's learning fared": the learning points embedded in the previous
financial year, their complaints before and after, their review verdicts, per service area, in the JSON, the
draft prose, the published copy and the Word, Markdown and Excel outputs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from learning_tracker import db as database
from learning_tracker.models import EffectivenessReview
from learning_tracker.reports import annual, render
from learning_tracker.reports.annual import figures
from learning_tracker.services import effectiveness as reviews
from tests.factories import add_action, add_complaint, build_world, embedded_point, record_complaint
from tests.test_reports_annual import docx_tables, sheet_rows

YEAR, AS_OF = "2026-27", date(2027, 3, 31)  # last year: 2025-26, from 1 April 2025 to 31 March 2026


def review(world, lp, verdict, note, on):
    reviews.record_review(world.db, world.officer, lp, world.db["learning_points"].get(lp)["version"],
                          EffectivenessReview(verdict=verdict, note=note), today=on)


@pytest.fixture
def world(tmp_path):
    """Last year's embedded learning: Team West's on Communication (created 1 March 2025, embedded 31 August
    2025; 2 complaints before, 1 after; reviewed effective on 5 March 2026) and on Standards of service (embedded
    30 September 2025; none before or after; not reviewed); Team East's on Standards of service (embedded 30 June
    2025; 1 complaint after; reviewed not effective on 10 January 2026 and given a new action since, so no longer
    embedded). Team East's learning embedded on 31 March 2025 is the year before. Team West has an upheld
    complaint this year, so a section of its own; Team East has none."""
    w = build_world(tmp_path / "annual.db")
    with database.transaction(w.db):
        w.db.execute("UPDATE learning_points SET created_on = '2025-03-01', status = 'embedded' WHERE id = ?", [w.learning_point])
        w.db.execute("UPDATE actions SET status = 'verified', completed_on = '2025-08-31', verified_on = '2025-08-31'"
                     " WHERE id = ?", [w.action])
    for n, day in enumerate(["2024-09-01", "2025-02-28", "2025-09-01"]):
        record_complaint(w, f"W-{n}", day, concerns=("Communication",))
    record_complaint(w, "E-1", "2025-07-15", area="Team East", concerns=("Standards of service",))
    w.west_standards = embedded_point(w, w.west, "Standards of service", "2025-04-01", "2025-09-30", w.manager_west)
    w.east_reopened = embedded_point(w, w.east, "Standards of service", "2025-01-10", "2025-06-30", w.manager_east)
    w.east_earlier = embedded_point(w, w.east, "Communication", "2024-10-01", "2025-03-31", w.manager_east)
    review(w, w.learning_point, "effective", None, date(2026, 3, 5))
    review(w, w.east_reopened, "not effective", "Letters still late", date(2026, 1, 10))
    add_action(w.db, w.east_reopened, w.manager_east, w.east, "2026-06-30", description="A new letter template")
    add_complaint(w.db, "U-1", w.west, outcome="upheld", received_on="2026-05-01")
    return w


def reviewed(effective=0, partly=0, not_effective=0, not_yet=0):
    return {"effective": effective, "partly effective": partly, "not effective": not_effective, "not yet reviewed": not_yet}


def test_last_years_embedded_learning_is_counted_per_area_with_its_verdicts(world):
    fared = annual.annual_report(world.db, YEAR, AS_OF)["previous_year_learning"]
    assert {k: v for k, v in fared.items() if k != "by_service_area"} == {
        "financial_year": "2025-26", "window_months": 6, "embedded": 3,
        "by_review": reviewed(effective=1, not_effective=1, not_yet=1),
        "fell": 1, "did_not_fall": 2, "after_window_open": 0, "before": 2, "after": 2}
    east, west = fared["by_service_area"]
    assert east == {
        "service_area": "Team East", "embedded": 1, "by_review": reviewed(not_effective=1), "fell": 0, "did_not_fall": 1,
        "after_window_open": 0, "before": 0, "after": 1,
        "learning_points": [{"learning_point_id": world.east_reopened, "theme": "Standards of service",
                             "embedded_on": "2025-06-30", "before": 0, "after": 1, "after_window_complete": True,
                             "review": "not effective", "fell": False}]}
    assert {k: v for k, v in west.items() if k != "learning_points"} == {
        "service_area": "Team West", "embedded": 2, "by_review": reviewed(effective=1, not_yet=1), "fell": 1,
        "did_not_fall": 1, "after_window_open": 0, "before": 2, "after": 1}
    assert [(p["learning_point_id"], p["embedded_on"], p["before"], p["after"], p["fell"], p["review"])
            for p in west["learning_points"]] == [
        (world.learning_point, "2025-08-31", 2, 1, True, "effective"),
        (world.west_standards, "2025-09-30", 0, 0, False, None)]


def test_as_at_an_earlier_date_a_later_review_is_not_yet_made_and_an_after_window_still_open(world):
    fared = figures.previous_year_learning(world.db, YEAR, date(2026, 3, 1))
    west = fared["by_service_area"][1]
    assert (west["by_review"], west["fell"], west["did_not_fall"], west["after_window_open"], west["before"], west["after"]) == (
        reviewed(not_yet=2), 1, 0, 1, 2, 1)
    assert west["learning_points"][1]["fell"] is None


def test_each_area_with_a_section_says_in_one_sentence_how_its_learning_fared(world):
    report = annual.annual_report(world.db, YEAR, AS_OF)
    assert [e["service_area"] for e in report["service_improvements"]] == ["Team West"]
    west = report["service_improvements"][0]["draft"]
    assert west.split("\n\n")[-1] == (
        "2 learning points were embedded in 2025/26: 1 judged effective and 1 not yet reviewed; complaints on their "
        "themes fell after 1 of the 2 learning points whose 6 months after have ended (from 2 in the 6 months before "
        "to 1 after).")
    single = annual.prose.fared_sentence(report["previous_year_learning"]["by_service_area"][0], "2025-26", 6)
    assert single == ("1 learning point was embedded in 2025/26: 1 judged not effective; complaints on its theme did "
                      "not fall (from 0 in the 6 months before to 1 after).")


def test_the_published_report_suppresses_the_complaints_before_and_after_but_not_the_learning_points(world):
    published = annual.publishable(annual.annual_report(world.db, YEAR, AS_OF))
    west = published["previous_year_learning"]["by_service_area"][1]
    assert (west["embedded"], west["before"], west["after"]) == (2, "fewer than 5", "fewer than 5")
    assert [(p["before"], p["after"]) for p in west["learning_points"]] == [("fewer than 5", "fewer than 5"), (0, 0)]
    assert published["previous_year_learning"]["before"] == 2, "the total stays"
    assert published["service_improvements"][0]["draft"].endswith(
        "(from fewer than 5 in the 6 months before to fewer than 5 after).")


def test_the_word_markdown_and_excel_outputs_hold_the_table(world):
    report = annual.annual_report(world.db, YEAR, AS_OF)
    document = annual.annual_document(report)
    heading = ["Service area", "Embedded", "Effective", "Partly effective", "Not effective", "Not yet reviewed",
               "Before", "After", "Fell", "Did not fall", "After not ended"]
    word = docx_tables(render.to_docx(document))["How the learning embedded in 2025/26 fared, by service area"]
    assert word == [heading, ["Team East", "1", "0", "0", "1", "0", "0", "1", "0", "1", "0"],
                    ["Team West", "2", "1", "0", "0", "1", "2", "1", "1", "1", "0"],
                    ["Total", "3", "1", "0", "1", "1", "2", "2", "1", "2", "0"]]
    assert "| Team West | 2 | 1 | 0 | 0 | 1 | 2 | 1 | 1 | 1 | 0 |" in render.to_markdown(document)
    book = load_workbook(io.BytesIO(render.to_xlsx(document, annual.about(report))))
    assert sheet_rows(book, "Last year's learning")[1] == ("Team East", 1, 0, 0, 1, 0, 0, 1, 0, 1, 0)
    assert sheet_rows(book, "Last year's learning points") == [
        ("Service area", "Learning point", "Theme", "Embedded on", "Complaints before", "Complaints after", "Fell", "Review"),
        ("Team East", world.east_reopened, "Standards of service", sheet_rows(book, "Last year's learning points")[1][3],
         0, 1, "no", "not effective"),
        ("Team West", world.learning_point, "Communication", sheet_rows(book, "Last year's learning points")[2][3],
         2, 1, "yes", "effective"),
        ("Team West", world.west_standards, "Standards of service", sheet_rows(book, "Last year's learning points")[3][3],
         0, 0, "no", "not yet reviewed")]
    assert [r[3].date() for r in sheet_rows(book, "Last year's learning points")[1:]] == [
        date(2025, 6, 30), date(2025, 8, 31), date(2025, 9, 30)]
