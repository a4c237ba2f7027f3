"""Advocacy, the time limit and declined complaints (services/circumstances.py), and how a declined complaint
is counted: in the outcomes, never in the timescale figures, and off the RAG report."""

import json
from datetime import date

import pytest

from learning_tracker import config
from learning_tracker.errors import Conflict, InvalidInput, Refused
from learning_tracker.models import (
    Advocacy,
    Declining,
    Escalation,
    NewComplaint,
    OutcomeDecision,
    StageExtension,
    StageResponse,
    TimeLimit,
    Withdrawal,
    parse,
)
from learning_tracker.read import monitoring, open_stages, register, report_figures, themes
from learning_tracker.rules import procedures
from learning_tracker.services import circumstances, complaints, permissions
from tests.factories import audit_events, build_world

TODAY = date(2023, 6, 1)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def create(world, reference="CS-0001", received_on=date(2022, 12, 20), **overrides):
    values = {"reference": reference, "received_on": received_on, "procedure": "statutory",
              "service_area": "Team West", "complainant_type": "parent or carer", **overrides}
    return complaints.create_complaint(world.db, world.officer, NewComplaint(**values), today=TODAY)


def complaint(world, complaint_id):
    return world.db["complaints"].get(complaint_id)


def version(world, complaint_id):
    return complaint(world, complaint_id)["version"]


def stage_rows(world, complaint_id):
    return world.db.execute("SELECT stage, responded_on, outcome, outcome_on FROM complaint_stages"
                            " WHERE complaint_id = ? ORDER BY id", [complaint_id]).fetchall()


def written(world):
    """What a refused form must leave as it was: every complaint and stage, and the audit events done."""
    db = world.db
    return (db.execute("SELECT * FROM complaints ORDER BY id").fetchall(),
            db.execute("SELECT * FROM complaint_stages ORDER BY id").fetchall(),
            db.execute("SELECT COUNT(*) FROM audit_events WHERE outcome = 'done'").fetchone()[0])


def decline(world, complaint_id, day=date(2023, 1, 4), reason="outside the complaints procedure", note=None):
    circumstances.decline(world.db, world.officer, complaint_id, version(world, complaint_id),
                          Declining(declined_on=day, reason=reason, note=note), today=TODAY)


def time_limit(world, complaint_id, grounds, decision=None, reason=None, decided_on=None):
    circumstances.record_time_limit(
        world.db, world.officer, complaint_id, version(world, complaint_id),
        TimeLimit(grounds_arose_on=grounds, decision=decision, reason=reason, decided_on=decided_on), today=TODAY)


# --- made by or for a child ----------------------------------------------------------------------------------


def test_a_complaint_by_a_child_and_every_statutory_complaint_is_by_or_for_a_child():
    assert procedures.for_a_child("child or young person", "corporate")
    assert procedures.for_a_child("Child or Young Person ", "informal")
    assert procedures.for_a_child("parent or carer", "statutory")
    assert procedures.for_a_child(None, "statutory")
    assert not procedures.for_a_child("parent or carer", "corporate")
    assert not procedures.for_a_child(None, "informal")
    # The child's complainant type is the configured vocabulary's own word, written once.
    assert procedures.CHILD_COMPLAINANT in config.VOCABULARIES["complainant_type"]


def test_the_sql_twin_of_for_a_child_picks_the_same_complaints(world):
    cases = {"A-1": ("child or young person", "corporate"), "A-2": ("parent or carer", "statutory"),
             "A-3": ("parent or carer", "corporate"), "A-4": (None, "informal")}
    for reference, (who, procedure) in cases.items():
        create(world, reference, complainant_type=who, procedure=procedure)
    found = [r[0] for r in world.db.execute(
        f"SELECT reference FROM complaints c WHERE {procedures.for_a_child_sql('c')} ORDER BY reference")]
    assert found == [ref for ref, (who, procedure) in cases.items() if procedures.for_a_child(who, procedure)]
    assert found == ["A-1", "A-2"]


# --- advocacy -------------------------------------------------------------------------------------------------


def test_advocacy_offered_and_accepted_also_marks_the_complaint_as_supported_by_an_advocate(world):
    complaint_id = create(world)
    circumstances.record_advocacy(world.db, world.officer, complaint_id, 1,
                                  Advocacy(offered_on=date(2022, 12, 21), accepted=True), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["advocacy_offered_on"], row["advocacy_accepted"], row["advocate"], row["version"]) == (
        "2022-12-21", 1, 1, 2)
    event = audit_events(world.db, "complaint")[-1]
    assert (event["event"], event["outcome"]) == ("record advocacy", "done")
    assert json.loads(event["before"]) == {"advocacy_offered_on": None, "advocacy_accepted": None, "advocate": 0,
                                           "version": 1}
    assert json.loads(event["after"]) == {"advocacy_offered_on": "2022-12-21", "advocacy_accepted": 1, "advocate": 1,
                                          "version": 2}


def test_advocacy_not_yet_known_or_declined_by_the_child_leaves_the_advocate_flag_alone(world):
    complaint_id = create(world)
    circumstances.record_advocacy(world.db, world.officer, complaint_id, 1,
                                  Advocacy(offered_on=date(2022, 12, 21)), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["advocacy_accepted"], row["advocate"]) == (None, 0)
    circumstances.record_advocacy(world.db, world.officer, complaint_id, 2,
                                  Advocacy(offered_on=date(2022, 12, 21), accepted=False), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["advocacy_accepted"], row["advocate"]) == (0, 0)


def test_advocacy_cannot_be_offered_before_the_complaint_or_in_the_future(world):
    complaint_id = create(world)
    before = written(world)
    with pytest.raises(InvalidInput) as refused:
        circumstances.record_advocacy(world.db, world.officer, complaint_id, 1,
                                      Advocacy(offered_on=date(2022, 12, 19)), today=TODAY)
    assert "advocacy offered on ('2022-12-19') is before the complaint was received (2022-12-20)" in str(refused.value)
    with pytest.raises(InvalidInput, match=r"is in the future; today is 2023-06-01"):
        circumstances.record_advocacy(world.db, world.officer, complaint_id, 1,
                                      Advocacy(offered_on=date(2023, 6, 2)), today=TODAY)
    assert written(world) == before


def test_only_the_officer_records_advocacy_and_a_stale_form_is_refused(world):
    complaint_id = create(world)
    before = written(world)
    with pytest.raises(Refused):
        circumstances.record_advocacy(world.db, world.manager_west, complaint_id, 1,
                                      Advocacy(offered_on=date(2022, 12, 21)), today=TODAY)
    assert [e["outcome"] for e in audit_events(world.db, "complaint")][-1] == "refused"
    with pytest.raises(Conflict):
        circumstances.record_advocacy(world.db, world.officer, complaint_id, 7,
                                      Advocacy(offered_on=date(2022, 12, 21)), today=TODAY)
    assert written(world) == before


def test_the_form_answer_not_yet_known_arrives_as_none():
    assert parse(Advocacy, {"offered_on": date(2023, 1, 2), "accepted": None}).accepted is None


# --- the time limit -------------------------------------------------------------------------------------------


def test_grounds_less_than_a_year_old_are_recorded_without_a_decision(world):
    complaint_id = create(world)
    time_limit(world, complaint_id, date(2021, 12, 21))
    row = complaint(world, complaint_id)
    assert (row["grounds_arose_on"], row["late_decision"], row["late_decision_reason"], row["outcome"]) == (
        "2021-12-21", None, None, None)


def test_a_decision_on_a_complaint_that_is_not_late_is_refused(world):
    complaint_id = create(world)
    before = written(world)
    with pytest.raises(InvalidInput) as refused:
        time_limit(world, complaint_id, date(2021, 12, 21), "considered", "Delay explained")
    message = str(refused.value)
    assert ("decision ('considered') cannot be recorded: the complaint is not late: it was received on 2022-12-20, "
            "less than a year after the grounds arose (2021-12-21)") in message
    assert written(world) == before


def test_grounds_after_the_complaint_was_received_are_refused(world):
    complaint_id = create(world)
    with pytest.raises(InvalidInput, match=r"grounds arose on \('2022-12-21'\) is after the complaint was received"):
        time_limit(world, complaint_id, date(2022, 12, 21))


def test_a_complaint_received_on_the_anniversary_is_late_and_needs_a_decision_and_a_reason(world):
    complaint_id = create(world)
    before = written(world)
    with pytest.raises(InvalidInput) as refused:
        time_limit(world, complaint_id, date(2021, 12, 20))
    assert "decision is required" in str(refused.value)
    assert "reason is required for the decision on a late complaint" in str(refused.value)
    with pytest.raises(InvalidInput, match=r"decision \('ignored'\) is not known"):
        time_limit(world, complaint_id, date(2021, 12, 20), "ignored", "A reason")
    assert written(world) == before
    time_limit(world, complaint_id, date(2021, 12, 20), "Considered", "The delay was the council's own")
    row = complaint(world, complaint_id)
    assert (row["grounds_arose_on"], row["late_decision"], row["late_decision_reason"], row["outcome"]) == (
        "2021-12-20", "considered", "The delay was the council's own", None)
    assert stage_rows(world, complaint_id) == [(1, None, None, None)]


@pytest.mark.parametrize("received_on, late", [(date(2021, 2, 28), False), (date(2021, 3, 1), True)])
def test_the_year_after_29_february_ends_on_28_february(world, received_on, late):
    complaint_id = create(world, received_on=received_on)
    if late:
        with pytest.raises(InvalidInput, match="decision is required"):
            time_limit(world, complaint_id, date(2020, 2, 29))
        time_limit(world, complaint_id, date(2020, 2, 29), "considered", "Reasons given")
        assert complaint(world, complaint_id)["late_decision"] == "considered"
    else:
        with pytest.raises(InvalidInput, match="cannot be recorded: the complaint is not late"):
            time_limit(world, complaint_id, date(2020, 2, 29), "considered", "Reasons given")
        time_limit(world, complaint_id, date(2020, 2, 29))
        assert complaint(world, complaint_id)["late_decision"] is None


def test_declining_a_late_complaint_declines_it_for_the_configured_first_reason(world):
    complaint_id = create(world)
    time_limit(world, complaint_id, date(2021, 6, 1), "declined", "No good reason for the delay",
               decided_on=date(2023, 1, 4))
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"], row["declined_reason"], row["late_decision"]) == (
        "declined", "2023-01-04", "matter more than a year old", "declined")
    assert procedures.LATE_REASON == config.VOCABULARIES["declined_reason"][0] == row["declined_reason"]
    assert stage_rows(world, complaint_id) == [(1, "2023-01-04", "declined", "2023-01-04")]
    event = audit_events(world.db, "complaint")[-1]
    assert event["event"] == "record complaint time limit"
    assert json.loads(event["after"])["stage_outcome"] == "declined"
    # Declined, its time limit stands: the decision cannot be turned round afterwards.
    with pytest.raises(InvalidInput, match="was declined, so its time limit and the decision on it stand"):
        time_limit(world, complaint_id, date(2021, 6, 1), "considered", "Changed our mind")


def test_declining_a_late_complaint_needs_its_date_within_the_open_stage(world):
    complaint_id = create(world)
    with pytest.raises(InvalidInput, match="decided on is required to decline a late complaint"):
        time_limit(world, complaint_id, date(2021, 6, 1), "declined", "Too late")
    with pytest.raises(InvalidInput, match=r"decided on \('2022-12-19'\) is before the stage's clock start"):
        time_limit(world, complaint_id, date(2021, 6, 1), "declined", "Too late", decided_on=date(2022, 12, 19))
    complaints.record_response(world.db, world.officer, complaint_id, 1,
                               StageResponse(responded_on=date(2022, 12, 22), outcome="not upheld"), today=TODAY)
    with pytest.raises(InvalidInput, match="has no open stage"):
        time_limit(world, complaint_id, date(2021, 6, 1), "declined", "Too late", decided_on=date(2023, 1, 4))
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["declined_reason"], row["grounds_arose_on"]) == ("not upheld", None, None)
    assert stage_rows(world, complaint_id) == [(1, "2022-12-22", "not upheld", "2022-12-22")]


def test_only_the_officer_records_the_time_limit(world):
    complaint_id = create(world)
    with pytest.raises(Refused):
        circumstances.record_time_limit(world.db, world.manager_west, complaint_id, 1,
                                        TimeLimit(grounds_arose_on=date(2022, 1, 1)), today=TODAY)
    assert complaint(world, complaint_id)["grounds_arose_on"] is None


# --- declining --------------------------------------------------------------------------------------------------


def test_declining_closes_the_open_stage_like_a_withdrawal(world):
    complaint_id = create(world)
    decline(world, complaint_id, note="Referred to the school's own procedure")
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"], row["declined_reason"], row["version"]) == (
        "declined", "2023-01-04", "outside the complaints procedure", 2)
    assert stage_rows(world, complaint_id) == [(1, "2023-01-04", "declined", "2023-01-04")]
    event = audit_events(world.db, "complaint")[-1]
    assert (event["event"], event["outcome"]) == ("decline complaint", "done")
    assert json.loads(event["before"])["outcome"] is None
    after = json.loads(event["after"])
    assert (after["outcome"], after["declined_reason"], after["stage_outcome"], after["responded_on"], after["note"]) == (
        "declined", "outside the complaints procedure", "declined", "2023-01-04", "Referred to the school's own procedure")


def test_declining_at_stage_two_keeps_stage_ones_outcome(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1,
                               StageResponse(responded_on=date(2022, 12, 22), outcome="not upheld"), today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 3)), today=TODAY)
    decline(world, complaint_id, date(2023, 1, 5), "already considered under the procedure")
    assert stage_rows(world, complaint_id) == [(1, "2022-12-22", "not upheld", "2022-12-22"),
                                               (2, "2023-01-05", "declined", "2023-01-05")]


def test_the_reason_is_one_of_the_configured_reasons_and_the_day_within_the_stage(world):
    complaint_id = create(world)
    before = written(world)
    with pytest.raises(InvalidInput, match=r"reason \('too busy'\) is not known"):
        decline(world, complaint_id, reason="too busy")
    with pytest.raises(InvalidInput, match=r"declined on \('2022-12-19'\) is before the stage's clock start"):
        decline(world, complaint_id, date(2022, 12, 19))
    with pytest.raises(InvalidInput, match="is in the future"):
        decline(world, complaint_id, date(2023, 6, 2))
    with pytest.raises(InvalidInput, match="reason is required"):
        parse(Declining, {"declined_on": date(2023, 1, 4), "reason": None})
    with pytest.raises(Refused):
        circumstances.decline(world.db, world.manager_west, complaint_id, 1,
                              Declining(declined_on=date(2023, 1, 4), reason="other"), today=TODAY)
    assert written(world) == before
    decline(world, complaint_id, reason="OTHER")
    assert complaint(world, complaint_id)["declined_reason"] == "other"


@pytest.mark.parametrize("write, words", [
    (lambda w, c, v: complaints.record_outcome(w.db, w.officer, c, v, OutcomeDecision(
        outcome="upheld", outcome_on=date(2023, 1, 5)), today=TODAY), "was declined, so it has no other outcome"),
    (lambda w, c, v: complaints.record_response(w.db, w.officer, c, v, StageResponse(
        responded_on=date(2023, 1, 5)), today=TODAY), "was declined, so you cannot record a response"),
    (lambda w, c, v: complaints.escalate(w.db, w.officer, c, v, Escalation(
        procedure="statutory", stage=2, requested_on=date(2023, 1, 5)), today=TODAY), "was declined, so it cannot be escalated"),
    (lambda w, c, v: complaints.withdraw(w.db, w.officer, c, v, Withdrawal(
        withdrawn_on=date(2023, 1, 5)), today=TODAY), "was declined, so you cannot withdraw it"),
    (lambda w, c, v: complaints.extend_stage(w.db, w.officer, c, v, StageExtension(
        extended_due_on=date(2023, 2, 1), reason="More time")), "was declined, so you cannot extend it"),
    (lambda w, c, v: circumstances.decline(w.db, w.officer, c, v, Declining(
        declined_on=date(2023, 1, 5), reason="other"), today=TODAY), "was declined, so you cannot decline it"),
], ids=["outcome", "response", "escalate", "withdraw", "extend", "decline again"])
def test_a_declined_complaint_takes_no_outcome_response_or_escalation(world, write, words):
    complaint_id = create(world)
    decline(world, complaint_id)
    before = written(world)
    with pytest.raises(InvalidInput, match=words):
        write(world, complaint_id, version(world, complaint_id))
    assert written(world) == before


def test_a_withdrawn_complaint_cannot_be_declined(world):
    complaint_id = create(world)
    complaints.withdraw(world.db, world.officer, complaint_id, 1, Withdrawal(withdrawn_on=date(2023, 1, 3)), today=TODAY)
    with pytest.raises(InvalidInput, match="was withdrawn, so you cannot decline it"):
        decline(world, complaint_id)


def test_the_officer_is_offered_declining_on_an_open_complaint_and_no_outcome_once_it_is_declined(world):
    complaint_id = create(world)
    offered = permissions.complaint_forms(world.officer, register.complaint_detail(world.db, complaint_id, as_of=TODAY))
    assert {permissions.DECLINE, permissions.ADVOCACY, permissions.OUTCOME, permissions.RESPONSE} <= set(offered.forms)
    manager = permissions.complaint_forms(world.manager_west, register.complaint_detail(world.db, complaint_id, as_of=TODAY))
    assert not {permissions.DECLINE, permissions.ADVOCACY} & set(manager.forms)
    decline(world, complaint_id)
    detail = register.complaint_detail(world.db, complaint_id, as_of=TODAY)
    assert (detail["open_stage"], detail["escalations"]) == (None, [])
    offered = permissions.complaint_forms(world.officer, detail)
    assert permissions.ADVOCACY in offered.forms
    assert not {permissions.DECLINE, permissions.OUTCOME, permissions.RESPONSE, permissions.ESCALATION,
                permissions.WITHDRAWAL, permissions.EXTENSION} & set(offered.forms)


# --- how a declined complaint is counted -------------------------------------------------------------------------


def test_a_declined_complaint_leaves_the_rag_report(world):
    complaint_id = create(world, received_on=date(2023, 5, 22))
    assert "CS-0001" in {row["reference"] for row in open_stages.rag_rows(world.db, TODAY)}
    decline(world, complaint_id, date(2023, 5, 25))
    assert "CS-0001" not in {row["reference"] for row in open_stages.rag_rows(world.db, TODAY)}
    # Before the day it was declined, it was open on the report of that day.
    assert "CS-0001" in {row["reference"] for row in open_stages.rag_rows(world.db, date(2023, 5, 24))}


@pytest.fixture
def answered_and_declined(world):
    """Two statutory complaints received on 20 December 2022: one answered within timescale two working days
    later (upheld), one declined on 1 March 2023, long after its stage 1 was due (5 January 2023)."""
    answered = create(world, "CS-0001")
    complaints.record_response(world.db, world.officer, answered, 1,
                               StageResponse(responded_on=date(2022, 12, 22), outcome="upheld"), today=TODAY)
    declined = create(world, "CS-0002")
    decline(world, declined, date(2023, 3, 1), "would prejudice legal or other proceedings")
    return world


def test_a_declined_complaint_is_counted_in_the_outcomes_and_by_final_stage_but_never_in_a_timescale(answered_and_declined):
    db = answered_and_declined.db
    outcomes = report_figures.statutory_outcomes(db, "2022-23")
    assert outcomes == {"upheld": 1, "partly upheld": 0, "not upheld": 0, "withdrawn": 0, "declined": 1, "open": 0}
    assert list(outcomes) == ["upheld", "partly upheld", "not upheld", "withdrawn", "declined", "open"]
    # Counted among its final stage's complaints (so the stages add up to the year), not within, over or pending.
    assert report_figures.final_stages(db, "2022-23", TODAY, "statutory")["1"] == {
        "complaints": 2, "within_timescale": 1, "over_timescale": 0, "pending": 0, "average_working_days": 2.0}
    assert report_figures.stage1_average_working_days_by_quarter(db, "2022-23") == {
        "Q1": None, "Q2": None, "Q3": 2.0, "Q4": None}
    figures = report_figures.annual_figures(db, "2022-23", TODAY)
    assert not [c for c in figures["reconciliation"] if not c["ok"]
                and ("outcome" in c["check"] or "final stage" in c["check"])]


def test_a_year_without_a_declined_complaint_shows_no_declined_outcome(world):
    create(world)
    assert "declined" not in report_figures.statutory_outcomes(world.db, "2022-23")


def test_the_dashboard_and_the_themes_timeliness_leave_a_declined_complaint_out(answered_and_declined):
    db = answered_and_declined.db
    averages = monitoring.average_working_days_by_quarter(db, date(2023, 3, 31))
    stage1 = averages[(averages["Financial year"] == "2022-23") & (averages["Stage"] == "Stage 1")]
    assert list(zip(stage1["Quarter"], stage1["Answered"])) == [("Q1", 0), ("Q2", 0), ("Q3", 1), ("Q4", 0)]
    assert stage1.loc[stage1["Quarter"] == "Q3", "Average working days"].item() == 2.0
    times = themes.stage_times_by_quarter(db, themes.ThemeFilters())
    assert (list(times[themes.RESPONSES]), list(times[themes.AVERAGE_DAYS])) == ([1], [2.0])
    # Declined at stage 1 is not "answered at stage 1": the escalation rate leaves it out, as a withdrawal.
    assert monitoring.escalation_rate(db, "2022-23") == {"answered_at_stage_1": 1, "escalated": 0, "rate": 0.0}
