from datetime import date

import pytest

from learning_tracker import charts
from learning_tracker.read import monitoring
from learning_tracker.models import Escalation, StageResponse, Withdrawal
from learning_tracker.services import complaints
from tests.factories import build_world, record_complaint
from learning_tracker.read import open_stages

TODAY = date(2030, 1, 1)
WEDNESDAY = date(2023, 1, 4)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def escalate(world, complaint_id, version, requested_on, stage=2, procedure="statutory"):
    complaints.escalate(world.db, world.officer, complaint_id, version,
                        Escalation(procedure=procedure, stage=stage, requested_on=requested_on), today=TODAY)


def test_open_stages_by_stage_and_rag_count_what_the_rag_report_lists(world):
    record_complaint(world, "RED-1", "2022-12-01")
    record_complaint(world, "RED-2", "2022-12-02", area="Team East")
    record_complaint(world, "AMBER", "2022-12-20")
    record_complaint(world, "CORP", "2023-01-03", procedure="corporate")
    two = record_complaint(world, "TWO", "2022-11-01", responded_on="2022-11-10")
    escalate(world, two, 2, date(2022, 11, 21))
    frame = monitoring.open_by_stage_and_rag(world.db, WEDNESDAY)
    assert frame.values.tolist() == [
        ["statutory stage 1", "Red", 2], ["statutory stage 1", "Amber", 1],
        # Stage 2's acknowledgement and its response are both overdue.
        ["statutory stage 2", "Red", 2],
        ["corporate stage 1", "Green", 1],
    ]
    assert frame["Open steps"].sum() == len(open_stages.rag_rows(world.db, WEDNESDAY))
    assert monitoring.headline(world.db, WEDNESDAY) == {"open": 6, "overdue": 4, "amber": 1, "due_this_week": 1}


def test_due_this_week_is_what_falls_due_from_today_to_sunday(world):
    record_complaint(world, "DUE-FRIDAY", "2022-12-20")           # due 2023-01-06
    record_complaint(world, "DUE-MONDAY", "2022-12-21")           # due 2023-01-09
    record_complaint(world, "OVERDUE", "2022-12-01")              # due 2022-12-15
    record_complaint(world, "DUE-TODAY", "2022-12-16")            # due 2023-01-04
    frame = monitoring.due_this_week(world.db, WEDNESDAY)
    assert frame[["Reference", "Due", "Working days left", "RAG"]].values.tolist() == [
        ["DUE-TODAY", date(2023, 1, 4), 0, "Amber"], ["DUE-FRIDAY", date(2023, 1, 6), 2, "Amber"]]
    assert monitoring.end_of_week(WEDNESDAY) == date(2023, 1, 8)
    assert monitoring.end_of_week(date(2023, 1, 8)) == date(2023, 1, 8)


def test_overdue_by_service_area_most_first(world):
    record_complaint(world, "W1", "2022-12-01")
    record_complaint(world, "E1", "2022-12-01", area="Team East")
    record_complaint(world, "E2", "2022-12-02", area="Team East")
    record_complaint(world, "W-ANSWERED", "2022-12-01", responded_on="2022-12-14")
    assert monitoring.overdue_by_service_area(world.db, WEDNESDAY).values.tolist() == [["Team East", 2], ["Team West", 1]]


def test_average_working_days_by_quarter_of_the_response_for_this_and_last_financial_year(world):
    # 2022-23 Q3: stage 1 answered in 7 and 9 working days; a withdrawal is not an answer.
    record_complaint(world, "A", "2022-11-01", responded_on="2022-11-10")
    record_complaint(world, "B", "2022-11-01", responded_on="2022-11-14")
    withdrawn = record_complaint(world, "W", "2022-11-01")
    complaints.withdraw(world.db, world.officer, withdrawn, 1, Withdrawal(withdrawn_on=date(2022, 12, 30)), today=TODAY)
    # 2021-22 Q4: stage 1 in 10 working days, then stage 2 answered in 2022-23 Q1 after 20 (Easter, 2 May).
    c = record_complaint(world, "C", "2022-03-01", responded_on="2022-03-15")
    escalate(world, c, 2, date(2022, 4, 1))
    complaints.record_response(world.db, world.officer, c, 3, StageResponse(responded_on=date(2022, 5, 4)), today=TODAY)
    # Corporate and last-but-two-year stages are left out.
    record_complaint(world, "CORP", "2022-11-01", procedure="corporate", responded_on="2022-11-02")
    record_complaint(world, "OLD", "2020-11-02", responded_on="2020-11-03")

    frame = monitoring.average_working_days_by_quarter(world.db, date(2023, 1, 4))
    assert len(frame) == 16
    answered = frame[frame["Answered"] > 0].values.tolist()
    assert answered == [
        ["2021-22", "Q4", "Stage 1", 1, 10.0],
        ["2022-23", "Q3", "Stage 1", 2, 8.0],
        ["2022-23", "Q1", "Stage 2", 1, 20.0],
    ]
    assert frame[frame["Answered"] == 0]["Average working days"].isna().all()
    corporate = monitoring.average_working_days_by_quarter(world.db, date(2023, 1, 4), procedure="corporate")
    assert corporate[corporate["Answered"] > 0].values.tolist() == [["2022-23", "Q3", "Stage 1", 1, 1.0]]


def test_the_escalation_rate_from_stage_one_to_stage_two(world):
    for n in range(3):
        record_complaint(world, f"ANSWERED-{n}", "2022-05-02", responded_on="2022-05-10")
    escalated = record_complaint(world, "ESCALATED", "2022-05-02", responded_on="2022-05-10")
    escalate(world, escalated, 2, date(2022, 5, 20))
    corporate = record_complaint(world, "CORP", "2022-05-02", procedure="corporate", responded_on="2022-05-10")
    escalate(world, corporate, 2, date(2022, 5, 20), procedure="corporate")
    withdrawn = record_complaint(world, "WITHDRAWN", "2022-05-02")
    complaints.withdraw(world.db, world.officer, withdrawn, 1, Withdrawal(withdrawn_on=date(2022, 5, 5)), today=TODAY)
    record_complaint(world, "STILL-OPEN", "2022-05-02")
    record_complaint(world, "INFORMAL", "2022-05-02", procedure="informal", responded_on="2022-05-10")
    assert monitoring.escalation_rate(world.db, "2022-23") == {"answered_at_stage_1": 5, "escalated": 2, "rate": 0.4}
    assert monitoring.escalation_rate(world.db, "2021-22") == {"answered_at_stage_1": 0, "escalated": 0, "rate": None}


def test_the_charts_encode_the_aggregated_frames(world):
    record_complaint(world, "RED", "2022-12-01")
    record_complaint(world, "AMBER", "2022-12-20", area="Team East")
    spec = charts.open_by_stage_chart(monitoring.open_by_stage_and_rag(world.db, WEDNESDAY)).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["scale"] == {"domain": ["Red", "Amber", "Green"],
                                                  "range": ["#C00000", "#B35C00", "#2E7D32"]}
    assert spec["encoding"]["x"]["field"] == "Open steps"
    overdue = charts.overdue_by_area_chart(monitoring.overdue_by_service_area(world.db, WEDNESDAY)).to_dict()
    assert (overdue["encoding"]["y"]["field"], overdue["encoding"]["y"]["sort"]) == ("Service area", "-x")
    averages = monitoring.average_working_days_by_quarter(world.db, WEDNESDAY)
    layered = charts.average_days_chart(averages, "Stage 1", target=10).to_dict()
    assert [layer["mark"]["type"] for layer in layered["layer"]] == ["bar", "rule"]
    assert layered["layer"][0]["encoding"]["xOffset"]["field"] == "Financial year"
    assert monitoring.timescale_targets(world.db) == {"Stage 1": 10, "Stage 2": 25, "Stage 3": 50}


def test_the_dashboard_charts_keep_long_area_names_upright_quarters_and_years_as_written(world):
    record_complaint(world, "OVERDUE", "2022-12-01", area="Team East")
    overdue = charts.overdue_by_area_chart(monitoring.overdue_by_service_area(world.db, WEDNESDAY)).to_dict()
    assert overdue["encoding"]["y"]["axis"]["labelLimit"] == charts.LABEL_LIMIT  # "Looked After Children" in full
    averages = monitoring.average_working_days_by_quarter(world.db, WEDNESDAY)
    bars = charts.average_days_chart(averages, "Stage 1", target=10).to_dict()["layer"][0]["encoding"]
    assert bars["x"]["axis"]["labelAngle"] == 0
    assert bars["color"]["legend"]["labelExpr"] == "replace(datum.label, '-', '/')"  # 2022-23 reads 2022/23
