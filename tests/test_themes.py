"""The themes-and-outcomes aggregates, against records counted by hand, and their plain-English readings."""

from __future__ import annotations

import pytest

from learning_tracker import db as database
from learning_tracker.read import themes
from learning_tracker.services.core import concern_code_id
from learning_tracker.read.themes import ThemeFilters
from tests.factories import build_world
from learning_tracker.rules import periods

YEAR = ("2021-22",)
STATUTORY_2122 = ThemeFilters(years=YEAR, procedures=("statutory",))


def add_complaint(db, reference, area, received_on, outcome, concerns, *, procedure="statutory", stages=()):
    """A complaint inserted directly, with its concerns ('Category' or 'Category > Sub') and stages
    as (stage, clock started, responded or None)."""
    with database.transaction(db):
        complaint_id = db["complaints"].insert({
            "reference": reference, "received_on": received_on, "procedure": procedure, "service_area_id": area,
            "outcome": outcome, "outcome_on": received_on if outcome else None,
        }).last_pk  # fmt: skip
        for text in concerns:
            db["concerns"].insert({"complaint_id": complaint_id, "concern_code_id": concern_code_id(db, text)})
        for stage, started, responded in stages:
            db["complaint_stages"].insert({
                "complaint_id": complaint_id, "procedure": procedure, "stage": stage, "clock_started_on": started,
                "due_on": started, "responded_on": responded,
            })  # fmt: skip
    return complaint_id


def add_compliment(db, area, received_on, source, categories):
    with database.transaction(db):
        compliment_id = db["compliments"].insert(
            {"received_on": received_on, "service_area_id": area, "source": source}).last_pk
        for category in categories:
            db["compliment_categories"].insert({"compliment_id": compliment_id, "category": category})


@pytest.fixture
def world(tmp_path):
    """Five statutory complaints of 2021-22 (one per quarter, two in Q1), one corporate one and one of 2022-23.

    Per concern raised, statutory 2021-22: Communication 3 (A1 upheld, A3 not upheld, A4 open);
    Standards of service 3 (A1 upheld, A2 partly upheld twice); Alleged staff conduct 1 (A4 open);
    Finance 1 (A5 withdrawn). 8 concerns in all, West 4 and East 4.
    """
    world = build_world(tmp_path / "themes.db")
    db, west, east = world.db, world.west, world.east
    add_complaint(db, "A1", west, "2021-05-10", "upheld", ["Communication", "Standards of service > delay in receiving service"],
                  stages=[(1, "2021-05-10", "2021-05-24")])  # stage 1: 10 working days
    add_complaint(db, "A2", west, "2021-08-02", "partly upheld",
                  ["Standards of service", "Standards of service > service level / care plan dispute"],
                  stages=[(1, "2021-08-02", "2021-08-06"), (2, "2021-08-16", "2021-09-20")])  # final stage 2: 24 days
    add_complaint(db, "A3", east, "2021-11-15", "not upheld", ["Communication"],
                  stages=[(1, "2021-11-15", "2021-12-01")])  # 12 working days
    add_complaint(db, "A4", east, "2022-02-01", None, ["Alleged staff conduct", "Communication"],
                  stages=[(1, "2022-02-01", None)])  # still open: not timed
    add_complaint(db, "A5", east, "2021-06-30", "withdrawn", ["Finance"], stages=[(1, "2021-06-30", None)])
    add_complaint(db, "B1", west, "2021-07-01", "upheld", ["Communication"], procedure="corporate",
                  stages=[(1, "2021-07-01", "2021-07-02")])
    add_complaint(db, "C1", west, "2022-04-04", "upheld", ["Communication"], stages=[(1, "2022-04-04", "2022-04-05")])
    add_compliment(db, west, "2021-04-20", "parent or carer", ["standard of service", "good communication"])
    add_compliment(db, west, "2021-09-01", "professional", ["standard of service"])
    add_compliment(db, east, "2022-01-10", "professional", ["good child focus"])
    add_compliment(db, east, "2022-05-01", "professional", ["standard of practice"])
    return world


def records(frame):
    """A frame's rows as lists, missing values as None."""
    return [[None if v is None or v != v else v for v in row] for row in frame.values.tolist()]


# --- concern category against outcome -------------------------------------------------------------


def test_concerns_are_counted_per_concern_raised_against_each_complaints_outcome(world):
    frame = themes.concerns_by_category_and_outcome(world.db, STATUTORY_2122)
    assert list(frame.columns) == [
        "Concern category", "upheld", "partly upheld", "not upheld", "withdrawn", "open", "Times raised",
        "Share of concerns", "Complaints raising it", "Upheld or partly upheld", "Share upheld or partly upheld"]
    assert records(frame) == [
        ["Communication", 1, 0, 1, 0, 1, 3, 3 / 8, 3, 1, 1 / 3],
        ["Standards of service", 1, 2, 0, 0, 0, 3, 3 / 8, 2, 2, 1.0],
        ["Alleged staff conduct", 0, 0, 0, 0, 1, 1, 1 / 8, 1, 0, 0.0],
        ["Child protection issues", 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None],
        ["Breach of confidentiality", 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None],
        ["Standard of environment", 0, 0, 0, 0, 0, 0, 0.0, 0, 0, None],
        ["Finance", 0, 0, 0, 1, 0, 1, 1 / 8, 1, 0, 0.0],
    ]


@pytest.mark.parametrize("filters,communication,total", [
    (STATUTORY_2122, 3, 8),
    (ThemeFilters(years=YEAR), 4, 9),  # the corporate complaint B1 too
    (ThemeFilters(procedures=("statutory",)), 4, 9),  # C1 of 2022-23 too
    (ThemeFilters(), 5, 10),
    (ThemeFilters(years=("2021-22", "2022-23"), procedures=("statutory", "corporate")), 5, 10),
    (ThemeFilters(years=YEAR, procedures=("statutory",), service_area_ids=(1,)), 1, 4),  # Team West
    (ThemeFilters(years=("2019-20",)), 0, 0),
])
def test_the_filters_narrow_the_concerns_counted(world, filters, communication, total):
    frame = themes.concerns_by_category_and_outcome(world.db, filters)
    assert frame.loc[frame["Concern category"] == "Communication", "Times raised"].item() == communication
    assert frame["Times raised"].sum() == total


def test_the_reading_of_concerns_against_outcomes_uses_the_charts_numbers(world):
    frame = themes.concerns_by_category_and_outcome(world.db, STATUTORY_2122)
    assert themes.reading_category_outcomes(frame, YEAR) == (
        "Communication was raised 3 times in 2021/22, 38% of all concerns raised; 33% of the complaints that raised "
        "it were upheld or partly upheld. Standards of service came next, raised 3 times (38%); 100% of the "
        "complaints that raised it were upheld or partly upheld."
    )
    empty = themes.concerns_by_category_and_outcome(world.db, ThemeFilters(years=("2019-20",)))
    assert themes.reading_category_outcomes(empty, ("2019-20",)) == "No concerns were raised in 2019/20 in the complaints chosen."


# --- over time ----------------------------------------------------------------------------------------


def test_concerns_by_quarter_list_every_quarter_and_category_with_zeros(world):
    frame = themes.concerns_over_time(world.db, STATUTORY_2122, "quarter")
    assert list(frame.columns) == ["Period", "Concern category", "Times raised"]
    assert list(dict.fromkeys(frame["Period"])) == ["2021/22 Q1", "2021/22 Q2", "2021/22 Q3", "2021/22 Q4"]
    assert len(frame) == 4 * 7
    raised = {(p, c): n for p, c, n in frame.values.tolist() if n}
    assert raised == {
        ("2021/22 Q1", "Communication"): 1, ("2021/22 Q1", "Standards of service"): 1, ("2021/22 Q1", "Finance"): 1,
        ("2021/22 Q2", "Standards of service"): 2,
        ("2021/22 Q3", "Communication"): 1,
        ("2021/22 Q4", "Communication"): 1, ("2021/22 Q4", "Alleged staff conduct"): 1,
    }  # fmt: skip
    assert themes.reading_concerns_over_time(frame) == (
        "The most concerns were raised in 2021/22 Q1: 3, of which Communication 1. Over the 4 periods shown, "
        "Communication was raised most (3 times). Concerns went from 3 in 2021/22 Q1 to 2 in 2021/22 Q4."
    )


def test_concerns_by_year_run_from_the_first_to_the_last_year_holding_concerns(world):
    frame = themes.concerns_over_time(world.db, ThemeFilters(), "year")
    raised = {(p, c): n for p, c, n in frame.values.tolist() if n}
    assert list(dict.fromkeys(frame["Period"])) == ["2021/22", "2022/23"]
    assert raised == {
        ("2021/22", "Communication"): 4, ("2021/22", "Standards of service"): 3,
        ("2021/22", "Alleged staff conduct"): 1, ("2021/22", "Finance"): 1, ("2022/23", "Communication"): 1,
    }  # fmt: skip


def test_quiet_quarters_between_busy_ones_are_listed_with_zeros(world):
    frame = themes.concerns_over_time(world.db, ThemeFilters(procedures=("statutory",)), "quarter")
    periods = list(dict.fromkeys(frame["Period"]))
    assert periods == ["2021/22 Q1", "2021/22 Q2", "2021/22 Q3", "2021/22 Q4", "2022/23 Q1"]


def test_the_period_must_be_quarter_or_year(world):
    with pytest.raises(ValueError, match="period must be 'quarter' or 'year'"):
        themes.concerns_over_time(world.db, ThemeFilters(), "month")


# --- service areas ------------------------------------------------------------------------------------


def test_service_area_against_category_lists_the_busiest_area_first(world):
    frame = themes.concerns_by_service_area(world.db, STATUTORY_2122)
    assert list(dict.fromkeys(frame["Service area"])) == ["Team East", "Team West"]  # 4 each: by name
    raised = {(a, c): n for a, c, n in frame.values.tolist() if n}
    assert raised == {
        ("Team East", "Communication"): 2, ("Team East", "Alleged staff conduct"): 1, ("Team East", "Finance"): 1,
        ("Team West", "Communication"): 1, ("Team West", "Standards of service"): 3,
    }  # fmt: skip
    assert themes.reading_service_area_categories(frame) == (
        "Complaints about Team East raised the most concerns: 4 of 8 (50%), most often Communication (2)."
    )
    table = themes.crosstab(frame, "Service area", "Concern category", "Times raised")
    assert records(table[["Service area", "Communication", "Standards of service", "Finance", "Total"]]) == [
        ["Team East", 2, 0, 1, 4], ["Team West", 1, 3, 0, 4]]


def test_outcomes_by_service_area_count_each_complaint_once(world):
    frame = themes.outcomes_by_service_area(world.db, STATUTORY_2122)
    assert records(frame) == [
        ["Team East", 0, 0, 1, 1, 1, 3, 0, 0.0],
        ["Team West", 1, 1, 0, 0, 0, 2, 2, 1.0],
    ]
    assert themes.reading_outcomes_by_service_area(frame) == (
        "Team East had the most complaints: 3, of which 0 (0%) were upheld or partly upheld. Across the 2 service "
        "areas shown, 2 of 5 complaints (40%) were upheld or partly upheld."
    )


# --- response times -----------------------------------------------------------------------------------


def test_stage_times_average_the_answered_final_stages_by_quarter_received_against_the_limits(world):
    frame = themes.stage_times_by_quarter(world.db, STATUTORY_2122)
    assert records(frame) == [
        ["2021/22 Q1", "Stage 1", 1, 10.0, 10],
        ["2021/22 Q2", "Stage 2", 1, 24.0, 25],  # A2's stage 1 was escalated: it counts under stage 2
        ["2021/22 Q3", "Stage 1", 1, 12.0, 10],
    ]
    assert themes.reading_stage_times(frame) == (
        "Stage 1 responses took 11.0 working days on average (2 responses; the limit is 10); the slowest quarter was "
        "2021/22 Q3 at 12.0; 1 of 2 quarters averaged over the limit. Stage 2 responses took 24.0 working days on "
        "average (1 response; the limit is 25); 0 of 1 quarter averaged over the limit."
    )


def test_stage_times_follow_the_configured_timescales(world):
    with database.transaction(world.db):
        world.db.execute("UPDATE timescales SET due_working_days = 15 WHERE procedure = 'statutory' AND stage = 1")
    frame = themes.stage_times_by_quarter(world.db, STATUTORY_2122)
    assert frame.loc[frame["Stage"] == "Stage 1", "Limit (working days)"].tolist() == [15, 15]


def test_stage_times_cover_only_statutory_stages(world):
    frame = themes.stage_times_by_quarter(world.db, ThemeFilters(years=YEAR, procedures=("corporate",)))
    assert frame.empty
    assert themes.reading_stage_times(frame) == "No statutory stage 1 or stage 2 was answered in this selection."


# --- compliments --------------------------------------------------------------------------------------


def test_compliments_by_category_source_and_area_follow_the_years_and_areas(world):
    filters = ThemeFilters(years=YEAR, procedures=("corporate",))  # compliments have no procedure: ignored
    assert records(themes.compliments_by_category(world.db, filters)) == [
        ["standard of service", 2], ["good communication", 1], ["good child focus", 1],
        ["standard of practice", 0], ["good partnership working", 0]]
    sources = themes.compliments_by_source(world.db, filters)
    assert records(sources)[:3] == [["professional", 2], ["parent or carer", 1], ["young person or child", 0]]
    assert len(sources) == 8
    assert records(themes.compliments_by_service_area(world.db, filters)) == [["Team West", 2], ["Team East", 1]]
    east = ThemeFilters(service_area_ids=(world.east,))
    assert records(themes.compliments_by_service_area(world.db, east)) == [["Team East", 2]]


def test_compliments_readings(world):
    db = world.db
    assert themes.reading_compliments(themes.compliments_by_category(db, STATUTORY_2122), "Compliment category") == (
        "Standard of service was the most common compliment category: 2 of the 4 categories recorded (50%); "
        "a compliment may fall under more than one category.")
    assert themes.reading_compliments(themes.compliments_by_source(db, STATUTORY_2122), "Source") == (
        "Professional was the most common source of compliments: 2 of 3 (67%).")
    assert themes.reading_compliments(themes.compliments_by_service_area(db, STATUTORY_2122), "Service area") == (
        "Team West received the most compliments: 2 of 3 (67%).")


def test_compliments_against_complaints_by_service_area(world):
    frame = themes.compliments_and_complaints_by_service_area(world.db, STATUTORY_2122)
    assert records(frame) == [["Team West", 2, 2], ["Team East", 1, 3]]
    assert themes.reading_compliments_and_complaints(frame) == (
        "Team West received the most compliments: 2, against 2 complaints. Across the 2 service areas shown: "
        "3 compliments and 5 complaints, 0.6 compliments for every complaint.")


# --- small pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize("part,whole,text", [(190, 400, "48%"), (3, 8, "38%"), (1, 3, "33%"), (2, 3, "67%"), (0, 0, "0%")])
def test_percentages_round_halves_up(part, whole, text):
    assert themes.percent(part, whole) == text


@pytest.mark.parametrize("years,text", [
    ((), "in all years"), (("2021-22",), "in 2021/22"), (("2021-22", "2020-21"), "in 2020/21 and 2021/22"),
    (("2019-20", "2021-22", "2020-21"), "in 2019/20, 2020/21 and 2021/22"),
])
def test_years_in_words(years, text):
    assert themes.describe_years(years) == text


@pytest.mark.parametrize("day,quarter", [
    ("2021-04-01", "2021/22 Q1"), ("2021-06-30", "2021/22 Q1"), ("2021-07-01", "2021/22 Q2"),
    ("2021-12-31", "2021/22 Q3"), ("2022-01-01", "2021/22 Q4"), ("2022-03-31T23:59:00", "2021/22 Q4"),
    ("2099-04-01", "2099/00 Q1"),
])
def test_the_financial_quarter_of_a_date_in_sql(db, day, quarter):
    assert db.execute(f"SELECT {periods.quarter_label_sql(':day')}", {"day": day}).fetchone()[0] == quarter


# --- the demo year ------------------------------------------------------------------------------------


@pytest.fixture
def demo_db(demo_template_path):
    """The session's demo database (conftest), only read here."""
    connection = database.connect(demo_template_path)
    yield connection
    connection.close()


def test_the_demo_year_2021_22_gives_the_reports_concern_categories(demo_db):
    frame = themes.concerns_by_category_and_outcome(demo_db, STATUTORY_2122)
    assert frame["Concern category"].tolist() == [
        "Communication", "Standards of service", "Alleged staff conduct", "Child protection issues",
        "Breach of confidentiality", "Standard of environment", "Finance"]
    assert frame["Times raised"].tolist() == [190, 139, 48, 19, 2, 2, 0]
    reading = themes.reading_category_outcomes(frame, YEAR)
    upheld = frame.iloc[0]
    assert reading.startswith(
        "Communication was raised 190 times in 2021/22, 48% of all concerns raised; "
        f"{themes.percent(upheld['Upheld or partly upheld'], upheld['Complaints raising it'])} of the complaints that "
        "raised it were upheld or partly upheld.")


def test_the_demo_year_2021_22_gives_the_reports_stage_1_quarters_and_compliments(demo_db):
    frame = themes.stage_times_by_quarter(demo_db, STATUTORY_2122)
    stage1 = frame[frame["Stage"] == "Stage 1"]
    assert [round(v) for v in stage1["Average working days"]] == [8, 7, 6, 6]
    sources = themes.compliments_by_source(demo_db, STATUTORY_2122)
    assert sources["Compliments"].sum() == 502
    assert records(sources)[:2] == [["professional", 191], ["parent or carer", 179]]
