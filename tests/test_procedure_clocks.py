"""Every step's clock (rules.procedures and complaints.record_stage_date) across bank holidays, and the steps on
the RAG report."""

from datetime import date

import pytest

from learning_tracker import cli, config
from learning_tracker.errors import InvalidInput, Refused
from learning_tracker.models import Escalation, NewComplaint, StageDate, StageExtension, StageResponse
from learning_tracker.read import open_stages, register
from learning_tracker.rules import procedures
from learning_tracker.rules.procedures import ACKNOWLEDGED_ON, PANEL_MET_ON, PANEL_REPORT_ON, STATEMENT_AGREED_ON
from learning_tracker.services import complaints
from tests.factories import build_world, record_complaint

TODAY = date(2030, 1, 1)
CODE_FROM = date(2026, 4, 1)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def scale(procedure, stage):
    return {(t.procedure, t.stage): t for t in config.TIMESCALES}[procedure, stage]


def stage_row(world, complaint_id, stage):
    return world.db.execute("SELECT * FROM complaint_stages WHERE complaint_id = ? AND stage = ?",
                            [complaint_id, stage]).fetchone()


def dates_of(world, complaint_id, stage, *columns):
    return world.db.execute(f"SELECT {', '.join(columns)} FROM complaint_stages WHERE complaint_id = ? AND stage = ?",
                            [complaint_id, stage]).fetchone()


def version(world, complaint_id):
    return world.db.execute("SELECT version FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0]


def record(world, complaint_id, what, on, actor=None):
    complaints.record_stage_date(world.db, actor or world.officer, complaint_id, version(world, complaint_id),
                                 StageDate(what=what, on=on), today=TODAY)


# --- the rules ---------------------------------------------------------------------------------------


def test_a_stage_opened_before_christmas_is_acknowledged_within_5_working_days_and_answered_within_10():
    # Received Monday 21 December 2026: 25 and 28 December (Boxing Day's substitute) and 1 January are holidays.
    assert procedures.opening_dates(scale("statutory", 1), date(2026, 12, 21)) == {
        "clock_started_on": "2026-12-21", "due_on": "2027-01-07", "acknowledgement_due_on": "2026-12-30",
        "panel_meeting_due_on": None}


def test_a_corporate_response_clock_starts_at_the_acknowledgement_once_the_code_applies():
    corporate = scale("corporate", 1)
    stage = {"clock_started_on": "2026-12-21", "acknowledged_on": "2026-12-23"}
    # Ten working days after Wednesday 23 December, over Christmas and New Year: Monday 11 January.
    assert procedures.moved_dates(corporate, stage, "2026-12-21", CODE_FROM) == {
        "response_clock_started_on": "2026-12-23", "due_on": "2027-01-11", "panel_report_due_on": None}
    # Not yet acknowledged: due as if the clock started on receipt, never later than the true date.
    assert procedures.moved_dates(corporate, {"clock_started_on": "2026-12-21"}, "2026-12-21", CODE_FROM)["due_on"] == (
        "2027-01-07")
    # Received before the Code applied: the clock ran from receipt, whatever the acknowledgement.
    before = {"clock_started_on": "2026-03-30", "acknowledged_on": "2026-04-02"}
    assert procedures.moved_dates(corporate, before, "2026-03-30", CODE_FROM) == {
        "response_clock_started_on": None, "due_on": "2026-04-15", "panel_report_due_on": None}


def test_a_statutory_stage_2_clock_may_start_at_the_agreed_statement():
    from dataclasses import replace

    stage_2 = replace(scale("statutory", 2), clock_starts=procedures.STATEMENT_AGREED)
    request = {"clock_started_on": "2026-05-01"}
    # 25 working days from the request, over the May bank holidays (4 and 25 May): 9 June.
    assert procedures.moved_dates(stage_2, request, "2026-04-01", CODE_FROM)["due_on"] == "2026-06-09"
    agreed = {**request, "statement_agreed_on": "2026-05-20"}
    assert procedures.moved_dates(stage_2, agreed, "2026-04-01", CODE_FROM) == {
        "response_clock_started_on": "2026-05-20", "due_on": "2026-06-25", "panel_report_due_on": None}
    # Where the clock starts at the request, the statement moves nothing.
    assert procedures.moved_dates(scale("statutory", 2), agreed, "2026-04-01", CODE_FROM)["due_on"] == "2026-06-09"


def test_the_review_panels_three_clocks_run_over_easter():
    panel = scale("statutory", 3)
    opened = procedures.opening_dates(panel, date(2027, 3, 1))
    # 30 working days to meet (Good Friday 26 and Easter Monday 29 March 2027 between); the whole 50 to respond.
    assert (opened["panel_meeting_due_on"], opened["due_on"]) == ("2027-04-14", "2027-05-13")
    met = {"clock_started_on": "2027-03-01", "panel_met_on": "2027-03-24"}
    # The report 5 working days after the meeting, over Easter; the council 15 after that.
    assert procedures.moved_dates(panel, met, "2027-01-04", CODE_FROM) == {
        "response_clock_started_on": None, "due_on": "2027-04-23", "panel_report_due_on": "2027-04-02"}
    reported = {**met, "panel_report_on": "2027-03-31"}
    assert procedures.moved_dates(panel, reported, "2027-01-04", CODE_FROM) == {
        "response_clock_started_on": "2027-03-31", "due_on": "2027-04-21", "panel_report_due_on": "2027-04-02"}


@pytest.mark.parametrize("findings,outcome", [
    (["upheld", "upheld"], "upheld"),
    (["upheld", "not upheld"], "partly upheld"),
    (["partly upheld"], "partly upheld"),
    (["not upheld", "unable to determine"], "not upheld"),
    (["unable to determine"], "not upheld"),
    (["upheld", None], None),
    ([], None),
])
def test_a_stage_2_outcome_follows_from_its_points(findings, outcome):
    assert procedures.outcome_from_findings(findings) == outcome


@pytest.mark.parametrize("arose,received,late", [
    ("2025-06-01", "2026-05-31", False),
    ("2025-06-01", "2026-06-01", True),
    ("2024-02-29", "2025-02-28", False),
    ("2024-02-29", "2025-03-01", True),
])
def test_a_complaint_is_late_a_year_after_its_grounds_arose(arose, received, late):
    assert procedures.is_late(date.fromisoformat(arose), date.fromisoformat(received)) is late


# --- recording the steps -------------------------------------------------------------------------------


def test_recording_the_acknowledgement_starts_a_corporate_response_clock(world):
    complaint_id = record_complaint(world, "C-1", "2026-12-21", procedure="corporate", acknowledged=False)
    assert dates_of(world, complaint_id, 1, "acknowledgement_due_on", "due_on") == ("2026-12-30", "2027-01-07")
    record(world, complaint_id, ACKNOWLEDGED_ON, date(2026, 12, 23))
    assert dates_of(world, complaint_id, 1, "acknowledged_on", "response_clock_started_on", "due_on") == (
        "2026-12-23", "2026-12-23", "2027-01-11")
    # The Code's extension cap: at most 20 working days from the acknowledgement (10 more than due).
    with pytest.raises(InvalidInput, match="2027-01-25"):
        complaints.extend_stage(world.db, world.officer, complaint_id, version(world, complaint_id),
                                StageExtension(extended_due_on=date(2027, 1, 26), reason="complex"))
    complaints.extend_stage(world.db, world.officer, complaint_id, version(world, complaint_id),
                            StageExtension(extended_due_on=date(2027, 1, 25), reason="complex"))


def test_a_complaint_acknowledged_as_it_is_logged_has_only_its_response_open(world):
    complaint_id = complaints.create_complaint(world.db, world.officer, NewComplaint(
        reference="C-2", received_on=date(2026, 12, 21), acknowledged_on=date(2026, 12, 22), procedure="corporate",
        service_area="Team West"), today=TODAY)
    assert [(r["step"], r["due_on"]) for r in open_stages.rag_rows(world.db, date(2026, 12, 23))] == [
        ("response", "2027-01-08")]
    with pytest.raises(InvalidInput, match="before the complaint was received"):
        complaints.create_complaint(world.db, world.officer, NewComplaint(
            reference="C-3", received_on=date(2026, 12, 21), acknowledged_on=date(2026, 12, 18), procedure="corporate",
            service_area="Team West"), today=TODAY)
    assert complaint_id


def test_a_service_manager_acknowledges_at_stage_1_and_the_officer_records_the_rest(world):
    manager = world.manager_west
    other = record_complaint(world, "S-0", "2026-05-01", acknowledged=False)
    record(world, other, ACKNOWLEDGED_ON, date(2026, 5, 5), actor=manager)
    with pytest.raises(Refused):
        record(world, other, ACKNOWLEDGED_ON, date(2026, 5, 5), actor=world.manager_east)  # not their area
    complaint_id = record_complaint(world, "S-1", "2026-05-01", acknowledged=False, responded_on="2026-05-12")
    complaints.escalate(world.db, world.officer, complaint_id, version(world, complaint_id),
                        Escalation(procedure="statutory", stage=2, requested_on=date(2026, 5, 20)), today=TODAY)
    with pytest.raises(Refused):
        record(world, complaint_id, ACKNOWLEDGED_ON, date(2026, 5, 21), actor=manager)
    with pytest.raises(InvalidInput, match="cannot be recorded at statutory stage 2"):
        record(world, complaint_id, PANEL_MET_ON, date(2026, 5, 21))
    record(world, complaint_id, STATEMENT_AGREED_ON, date(2026, 5, 27))
    assert dates_of(world, complaint_id, 2, "statement_agreed_on", "due_on") == ("2026-05-27", "2026-06-25")


def test_a_review_panels_steps_are_recorded_in_order_and_each_moves_the_next_due_date(world):
    complaint_id = record_complaint(world, "P-1", "2027-01-04", responded_on="2027-01-11")
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2027, 1, 12)), today=TODAY)
    complaints.record_response(world.db, world.officer, complaint_id, 3,
                               StageResponse(responded_on=date(2027, 2, 10), outcome="not upheld"), today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, 4,
                        Escalation(procedure="statutory", stage=3, requested_on=date(2027, 3, 1)), today=TODAY)
    as_of = date(2027, 3, 2)
    assert [(r["step"], r["due_on"]) for r in open_stages.rag_rows(world.db, as_of)] == [
        ("acknowledgement", "2027-03-08"), ("panel meeting", "2027-04-14")]
    with pytest.raises(InvalidInput, match="needs the panel's meeting first"):
        record(world, complaint_id, PANEL_REPORT_ON, date(2027, 3, 31))
    with pytest.raises(InvalidInput, match="needs the panel's report first"):
        complaints.record_response(world.db, world.officer, complaint_id, version(world, complaint_id),
                                   StageResponse(responded_on=date(2027, 3, 31)), today=TODAY)
    record(world, complaint_id, ACKNOWLEDGED_ON, date(2027, 3, 2))
    record(world, complaint_id, PANEL_MET_ON, date(2027, 3, 24))
    assert [(r["step"], r["due_on"]) for r in open_stages.rag_rows(world.db, date(2027, 3, 25))] == [
        ("panel report", "2027-04-02")]
    with pytest.raises(InvalidInput, match="is before the panel met"):
        record(world, complaint_id, PANEL_REPORT_ON, date(2027, 3, 23))
    record(world, complaint_id, PANEL_REPORT_ON, date(2027, 3, 31))
    [row] = open_stages.rag_rows(world.db, date(2027, 4, 1))
    assert (row["step"], row["clock_started_on"], row["due_on"]) == ("council response", "2027-03-31", "2027-04-21")
    # The complaint's record lists the stage's steps in order, each done or open.
    detail = register.complaint_detail(world.db, complaint_id, as_of=date(2027, 4, 1))
    assert [(s["step"], s["state"]) for s in detail["stages"][-1]["steps"]] == [
        ("acknowledgement", "done"), ("panel meeting", "done"), ("panel report", "done"), ("council response", "open")]
    complaints.record_response(world.db, world.officer, complaint_id, version(world, complaint_id),
                               StageResponse(responded_on=date(2027, 4, 20), outcome="not upheld"), today=TODAY)
    assert open_stages.rag_rows(world.db, date(2027, 4, 21)) == []


def test_an_extension_the_moved_due_date_overtakes_is_dropped(world):
    complaint_id = record_complaint(world, "C-4", "2026-12-21", procedure="corporate", acknowledged=False)
    complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                            StageExtension(extended_due_on=date(2027, 1, 8), reason="waiting for records"))
    record(world, complaint_id, ACKNOWLEDGED_ON, date(2026, 12, 23))
    assert dates_of(world, complaint_id, 1, "due_on", "extended_due_on", "extension_reason") == ("2027-01-11", None, None)


def test_the_rag_command_gives_each_step_its_own_due_date_and_rag(world, tmp_path, capsys):
    complaint_id = record_complaint(world, "C-5", "2026-12-21", procedure="corporate", acknowledged=False)
    assert cli.main(["rag", "--as-of", "2026-12-31", "--format", "json", "--db", str(tmp_path / "tracker.db")]) == 0
    import json

    printed = json.loads(capsys.readouterr().out)
    assert [(r["step"], r["due_on"], r["working_days_remaining"], r["rag"]) for r in printed] == [
        ("acknowledgement", "2026-12-30", -1, "Red"), ("response", "2027-01-07", 4, "Green")]
    assert complaint_id
