from datetime import date

import pytest

from learning_tracker.read import register
from learning_tracker.models import (
    Escalation,
    NewCompliment,
    StageExtension,
    Withdrawal,
)
from learning_tracker.read.register import ComplimentFilter, RegisterFilter
from learning_tracker.services import complaints, compliments
from tests.factories import build_world, record_complaint

TODAY = date(2030, 1, 1)
AS_OF = date(2023, 1, 5)


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "tracker.db")
    # A council whose references may hold '_' (the default pattern has no '_'): "INF_2022_1" tests that a
    # search's '_' is not a wildcard.
    world.db.execute("UPDATE settings SET value = '[A-Za-z0-9/_-]{1,40}' WHERE key = 'complaint_reference_pattern'")
    # 2021-22: answered and upheld; withdrawn.
    record_complaint(world, "CS-2021-001", "2021-05-04", concerns=["Communication"], responded_on="2021-05-14",
                     outcome="upheld")
    withdrawn = record_complaint(world, "CS-2021-002", "2022-03-31", area="Team East", procedure="corporate")
    complaints.withdraw(world.db, world.officer, withdrawn, 1, Withdrawal(withdrawn_on=date(2022, 4, 4)), today=TODAY)
    # 2022-23: open, Red on AS_OF; open, Amber; escalated to stage 2 (Green); informal.
    record_complaint(world, "CS-2022-010", "2022-12-01", concerns=["Standards of service > delay in receiving service"])
    record_complaint(world, "CS-2022-011", "2022-12-20", area="Team East",
                     concerns=["Finance", "Communication", "Communication"])
    escalated = record_complaint(world, "CS-2022-012", "2022-11-01", responded_on="2022-11-10", outcome="not upheld")
    complaints.escalate(world.db, world.officer, escalated, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2022, 11, 21)), today=TODAY)
    record_complaint(world, "INF_2022_1", "2022-06-01", procedure="informal", responded_on="2022-06-08",
                     outcome="partly upheld")
    return world


def refs(world, page_size=50, page=1, **filters):
    result = register.complaints_register(world.db, RegisterFilter(**filters), as_of=AS_OF, page=page,
                                          page_size=page_size)
    return result.total, list(result.rows["Reference"])


def test_the_register_lists_every_complaint_newest_first(world):
    assert refs(world) == (6, ["CS-2022-011", "CS-2022-010", "CS-2022-012", "INF_2022_1", "CS-2021-002", "CS-2021-001"])


def test_the_register_shows_the_current_stage_outcome_due_date_and_rag_on_the_date(world):
    rows = register.complaints_register(world.db, RegisterFilter(), as_of=AS_OF).rows.set_index("Reference")
    assert rows.loc["CS-2022-012"].to_dict() == {
        "Received": date(2022, 11, 1), "Procedure": "statutory", "Current stage": "statutory stage 2",
        "Service area": "Team West", "Outcome": "open (statutory stage 1: not upheld)", "Due": date(2022, 12, 28),
        "Answered": None, "Waiting for": "acknowledgement", "RAG": "Red", "Concerns": ""}
    assert rows.loc["CS-2022-011", "Outcome"] == "open"  # never escalated
    assert rows.loc["CS-2022-011", "Concerns"] == "Communication ×2; Finance"
    assert rows.loc["CS-2022-011", "RAG"] == "Amber"
    assert rows.loc["CS-2021-001", "Outcome"] == "upheld"
    assert rows.loc["CS-2021-001", "RAG"] == ""
    assert rows.loc["INF_2022_1", "Current stage"] == "informal"


def test_pages_hold_page_size_rows_and_a_page_past_the_end_shows_the_last(world):
    assert refs(world, page_size=4, page=1) == (6, ["CS-2022-011", "CS-2022-010", "CS-2022-012", "INF_2022_1"])
    assert refs(world, page_size=4, page=2) == (6, ["CS-2021-002", "CS-2021-001"])
    result = register.complaints_register(world.db, RegisterFilter(), as_of=AS_OF, page=9, page_size=4)
    assert (result.page, result.pages, len(result.rows)) == (2, 2, 2)


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"financial_year": "2021-22"}, ["CS-2021-002", "CS-2021-001"]),
        ({"procedure": "corporate"}, ["CS-2021-002"]),
        ({"stage": 2}, ["CS-2022-012"]),
        ({"stage": 1, "procedure": "statutory"}, ["CS-2022-011", "CS-2022-010", "CS-2021-001"]),
        ({"outcome": "open"}, ["CS-2022-011", "CS-2022-010", "CS-2022-012"]),
        ({"outcome": "withdrawn"}, ["CS-2021-002"]),
        ({"concern_category": "communication"}, ["CS-2022-011", "CS-2021-001"]),
        ({"concern_category": "Standards of service"}, ["CS-2022-010"]),
        ({"rag": "Red"}, ["CS-2022-010", "CS-2022-012"]),
        ({"rag": "Amber"}, ["CS-2022-011"]),
        ({"rag": "Green"}, []),
        ({"reference": "2022-01"}, ["CS-2022-011", "CS-2022-010", "CS-2022-012"]),
        ({"reference": "inf_"}, ["INF_2022_1"]),
        ({"reference": "%"}, []),
        ({"financial_year": "2022-23", "outcome": "open", "rag": "Red", "reference": "010"}, ["CS-2022-010"]),
    ],
)
def test_each_filter_narrows_the_register_and_the_count(world, filters, expected):
    assert refs(world, **filters) == (len(expected), expected)


def test_the_service_area_filter(world):
    assert refs(world, service_area_ids=(world.east,)) == (2, ["CS-2022-011", "CS-2021-002"])
    assert refs(world, service_area_ids=(world.east, world.west))[0] == 6


def test_the_complaint_detail_shows_its_stages_as_a_timeline(world):
    complaint_id = complaints.complaint_id_by_reference(world.db, "cs-2022-012")
    complaints.extend_stage(world.db, world.officer, complaint_id, 3,
                            StageExtension(extended_due_on=date(2023, 1, 31), reason="Investigator appointed late"))
    detail = register.complaint_detail(world.db, complaint_id, as_of=AS_OF)
    assert (detail["reference"], detail["service_area"], detail["procedure"], detail["version"]) == (
        "CS-2022-012", "Team West", "statutory", 4)
    assert [(s["label"], s["clock_started_on"], s["effective_due_on"], s["responded_on"], s["working_days_taken"],
             s["timeliness"], s["rag"], s["cap_on"]) for s in detail["stages"]] == [
        ("statutory stage 1", "2022-11-01", "2022-11-15", "2022-11-10", 7, "within", None, "2022-11-29"),
        ("statutory stage 2", "2022-11-21", "2023-01-31", None, None, None, "Green", "2023-02-23"),
    ]
    assert detail["stages"][1]["extension_reason"] == "Investigator appointed late"
    assert [(s["outcome"], s["outcome_on"], s["outcome_words"]) for s in detail["stages"]] == [
        ("not upheld", "2022-11-10", "not upheld on 10 November 2022"),
        (None, None, "not answered yet"),
    ]
    assert detail["open_stage"]["stage"] == 2
    assert detail["escalations"] == []


def test_a_stages_outcome_in_words_when_withdrawn_or_answered_without_one(world):
    def words(reference):
        detail = register.complaint_detail(world.db, complaints.complaint_id_by_reference(world.db, reference),
                                           as_of=AS_OF)
        return [s["outcome_words"] for s in detail["stages"]]

    record_complaint(world, "CS-2022-020", "2022-10-03", responded_on="2022-10-12")
    assert words("CS-2022-020") == ["answered, outcome not recorded"]
    assert words("CS-2021-002") == ["withdrawn on 4 April 2022"]
    assert words("CS-2021-001") == ["upheld on 14 May 2021"]


def test_an_answered_complaints_detail_offers_its_escalations(world):
    detail = register.complaint_detail(world.db, complaints.complaint_id_by_reference(world.db, "INF_2022_1"), as_of=AS_OF)
    assert detail["open_stage"] is None
    assert detail["escalations"] == [("statutory", 1), ("corporate", 1)]
    assert detail["outcome"] == "partly upheld"


def test_register_options_list_the_filters_choices(world):
    options = register.register_options(world.db)
    assert options["financial_years"] == ["2022-23", "2021-22"]
    assert options["outcomes"] == ["open", "upheld", "partly upheld", "not upheld", "withdrawn", "declined"]
    assert options["stages"] == [1, 2, 3]
    assert options["service_areas"] == [(world.east, "Team East"), (world.west, "Team West")]


# --- compliments ---------------------------------------------------------------------------------------------


def add_compliments(world):
    for received_on, area, source, categories in [
        ("2022-04-01", "Team West", "professional", ["standard of service", "good communication"]),
        ("2022-05-01", "Team West", "parent or carer", ["standard of service"]),
        ("2022-06-01", "Team East", "professional", ["good child focus"]),
        ("2021-06-01", "Team East", "adopter", ["standard of service"]),
    ]:
        compliments.record_compliment(world.db, world.officer, NewCompliment(
            received_on=received_on, service_area=area, source=source, categories=categories), today=TODAY)


def test_compliments_are_listed_newest_first_with_filters(world):
    add_compliments(world)
    page = register.compliments_list(world.db, ComplimentFilter())
    assert page.total == 4
    assert page.rows.iloc[0].to_dict() == {"Received": date(2022, 6, 1), "Service area": "Team East",
                                           "Source": "professional", "Categories": "good child focus", "Summary": ""}
    assert page.rows.iloc[2]["Categories"] == "good communication; standard of service"
    assert register.compliments_list(world.db, ComplimentFilter(financial_year="2022-23")).total == 3
    assert register.compliments_list(world.db, ComplimentFilter(source="professional")).total == 2
    assert register.compliments_list(world.db, ComplimentFilter(category="standard of service")).total == 3
    assert register.compliments_list(world.db, ComplimentFilter(service_area_ids=(world.west,))).total == 2


def test_compliments_are_counted_by_category_source_and_area_a_compliment_once_per_category(world):
    add_compliments(world)
    counts = register.compliment_counts(world.db, ComplimentFilter(financial_year="2022-23"))
    assert counts["category"].values.tolist() == [["standard of service", 2], ["good communication", 1],
                                                  ["good child focus", 1]]
    assert counts["source"].values.tolist() == [["professional", 2], ["parent or carer", 1]]
    assert counts["service_area"].values.tolist() == [["Team West", 2], ["Team East", 1]]
