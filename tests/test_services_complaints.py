import json
from datetime import date
from decimal import Decimal

import pytest

from learning_tracker.errors import Conflict, InvalidInput, NotFound, Refused
from learning_tracker.models import (
    ConcernCoding,
    Escalation,
    NewComplaint,
    OmbudsmanRecord,
    OutcomeDecision,
    StageExtension,
    StageResponse,
    Withdrawal,
    parse,
)
from learning_tracker.services import complaints
from tests.factories import audit_events, build_world

TODAY = date(2023, 6, 1)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def new_complaint(**overrides):
    values = {"reference": "CS-0001", "received_on": date(2022, 12, 20), "procedure": "statutory",
              "service_area": "Team West", "received_via": "email", "complainant_type": "parent or carer",
              "advocate": False, "concerns": ["Communication", "Standards of service > delay in receiving service"]}
    return NewComplaint(**{**values, **overrides})


def create(world, **overrides):
    return complaints.create_complaint(world.db, world.officer, new_complaint(**overrides), today=TODAY)


def complaint(world, complaint_id):
    return world.db["complaints"].get(complaint_id)


def stages(world, complaint_id):
    return [dict(r) for r in world.db.query(
        "SELECT procedure, stage, clock_started_on, due_on, extended_due_on, extension_reason, responded_on, version"
        " FROM complaint_stages WHERE complaint_id = ? ORDER BY id", [complaint_id])]


def counts(world):
    """Rows a complaint write may touch, and its done audit events: a refused form changes none of them."""
    db = world.db
    return {
        "complaints": db["complaints"].count,
        "stages": db["complaint_stages"].count,
        "concerns": db["concerns"].count,
        "versions": db.execute("SELECT COALESCE(SUM(version), 0) FROM complaints").fetchone()[0],
        "stage_versions": db.execute("SELECT COALESCE(SUM(version), 0) FROM complaint_stages").fetchone()[0],
        "done": db.execute("SELECT COUNT(*) FROM audit_events WHERE outcome = 'done'").fetchone()[0],
    }


def stage_outcomes(world, complaint_id):
    return world.db.execute("SELECT procedure, stage, outcome, outcome_on FROM complaint_stages WHERE complaint_id = ?"
                            " ORDER BY id", [complaint_id]).fetchall()


def respond(world, complaint_id, version, day, outcome=None):
    complaints.record_response(world.db, world.officer, complaint_id, version,
                               StageResponse(responded_on=day, outcome=outcome), today=TODAY)


def refused_events(world):
    return [e for e in audit_events(world.db, "complaint") if e["outcome"] == "refused"]


# --- creating a complaint -----------------------------------------------------------------------------


def test_creating_a_complaint_opens_stage_one_due_ten_working_days_after_receipt_over_christmas(world):
    complaint_id = create(world)
    row = complaint(world, complaint_id)
    assert (row["reference"], row["received_on"], row["procedure"], row["service_area_id"], row["outcome"],
            row["version"]) == ("CS-0001", "2022-12-20", "statutory", world.west, None, 1)
    assert stages(world, complaint_id) == [
        {"procedure": "statutory", "stage": 1, "clock_started_on": "2022-12-20", "due_on": "2023-01-06",
         "extended_due_on": None, "extension_reason": None, "responded_on": None, "version": 1}
    ]
    assert complaints.concern_texts(world.db, complaint_id) == [
        "Communication", "Standards of service > delay in receiving service"]
    [event] = audit_events(world.db, "complaint")
    assert (event["event"], event["outcome"], event["entity_id"]) == ("create complaint", "done", complaint_id)
    assert json.loads(event["after"])["due_on"] == "2023-01-06"


def test_vocabulary_values_are_matched_without_regard_to_case_and_stored_in_their_configured_spelling(world):
    complaint_id = create(world, procedure=" Corporate ", service_area="team east", received_via="ONLINE FORM",
                          ethnicity="white british", concerns=["communication", "standards of service > DELAY in receiving service"])
    row = complaint(world, complaint_id)
    assert (row["procedure"], row["service_area_id"], row["received_via"], row["ethnicity"]) == (
        "corporate", world.east, "online form", "White British")
    assert len(complaints.concern_texts(world.db, complaint_id)) == 2


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"service_area": "Team Wets"}, "service area ('Team Wets') is not known; did you mean 'Team West'?"),
        ({"procedure": "statutary"}, "procedure ('statutary') is not known; did you mean 'statutory'?"),
        ({"concerns": ["Comunication"]}, "concern ('Comunication') is not known; did you mean 'Communication'?"),
        ({"concerns": ["Finance > rent arrears"]}, "concern ('Finance > rent arrears') is not known"),
        ({"received_via": "carrier pigeon"}, "received via ('carrier pigeon') is not known; allowed: 'email'"),
        ({"received_on": date(2023, 6, 2)}, "received on ('2023-06-02') is in the future; today is 2023-06-01"),
    ],
)
def test_an_unknown_value_is_refused_with_a_clear_message_and_nothing_is_written(world, overrides, message):
    before = counts(world)
    with pytest.raises(InvalidInput) as error:
        create(world, **overrides)
    assert message in str(error.value)
    assert counts(world) == before


def test_a_duplicate_reference_is_refused_whatever_its_case_and_nothing_is_written(world):
    create(world)
    before = counts(world)
    with pytest.raises(InvalidInput, match=r"reference \('cs-0001'\) is already used by another complaint"):
        create(world, reference="cs-0001")
    assert counts(world) == before


def test_every_mistake_of_the_form_is_reported_at_once(world):
    with pytest.raises(InvalidInput) as error:
        create(world, service_area="Nowhere", procedure="formal", gender="robot")
    assert [p.field for p in error.value.problems] == ["procedure", "service area", "gender"]


@pytest.mark.parametrize("who", ["manager_west", "forum", "viewer"])
def test_only_the_complaints_officer_records_complaints(world, who):
    with pytest.raises(Refused, match="Only a complaints officer may record complaints"):
        complaints.create_complaint(world.db, getattr(world, who), new_complaint(), today=TODAY)
    assert world.db["complaints"].count == 0
    assert [e["outcome"] for e in audit_events(world.db, "complaint")] == ["refused"]


# --- responses and outcomes ---------------------------------------------------------------------------


def test_the_officer_records_a_response_with_its_outcome(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1,
                               StageResponse(responded_on=date(2023, 1, 5), outcome="Partly upheld"), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"], row["version"]) == ("partly upheld", "2023-01-05", 2)
    [stage] = stages(world, complaint_id)
    assert (stage["responded_on"], stage["version"]) == ("2023-01-05", 2)
    assert stage_outcomes(world, complaint_id) == [("statutory", 1, "partly upheld", "2023-01-05")]
    event = audit_events(world.db, "complaint")[-1]
    assert (event["event"], event["outcome"]) == ("record stage response", "done")
    assert json.loads(event["before"]) == {"stage_id": 1, "responded_on": None, "outcome": None, "stage_outcome": None,
                                           "stage_outcome_on": None, "version": 1}
    assert json.loads(event["after"]) == {"stage_id": 1, "responded_on": "2023-01-05", "outcome": "partly upheld",
                                          "stage_outcome": "partly upheld", "stage_outcome_on": "2023-01-05",
                                          "version": 2}


def test_a_response_without_an_outcome_leaves_the_stage_with_none(world):
    complaint_id = create(world)
    answer(world, complaint_id, 1, date(2023, 1, 5))
    assert stage_outcomes(world, complaint_id) == [("statutory", 1, None, None)]
    assert complaint(world, complaint_id)["outcome"] is None


def test_recording_the_outcome_records_it_on_the_current_stage_too_and_corrects_it(world):
    complaint_id = create(world)
    respond(world, complaint_id, 1, date(2023, 1, 5), "not upheld")
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    respond(world, complaint_id, 3, date(2023, 2, 14), "partly upheld")
    # A correction of the outcome is the current stage's: stage 1 keeps its own.
    complaints.record_outcome(world.db, world.officer, complaint_id, 4,
                              OutcomeDecision(outcome="Upheld", outcome_on=date(2023, 2, 20)), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"], row["version"]) == ("upheld", "2023-02-20", 5)
    assert stage_outcomes(world, complaint_id) == [
        ("statutory", 1, "not upheld", "2023-01-05"),
        ("statutory", 2, "upheld", "2023-02-20"),
    ]
    assert [s["version"] for s in stages(world, complaint_id)] == [2, 3]
    event = audit_events(world.db, "complaint")[-1]
    assert json.loads(event["before"]) == {"outcome": "partly upheld", "outcome_on": "2023-02-14", "stage_id": 2,
                                           "stage_outcome": "partly upheld", "stage_outcome_on": "2023-02-14",
                                           "version": 4}
    assert json.loads(event["after"]) == {"outcome": "upheld", "outcome_on": "2023-02-20", "stage_id": 2,
                                          "stage_outcome": "upheld", "stage_outcome_on": "2023-02-20", "version": 5}


def test_an_outcome_refused_changes_neither_the_complaint_nor_its_stage(world):
    complaint_id = create(world)
    respond(world, complaint_id, 1, date(2023, 1, 5), "not upheld")
    before = counts(world)
    with pytest.raises(InvalidInput, match=r"outcome on \('2022-12-19'\) is before the complaint was received"):
        complaints.record_outcome(world.db, world.officer, complaint_id, 2,
                                  OutcomeDecision(outcome="upheld", outcome_on=date(2022, 12, 19)), today=TODAY)
    assert counts(world) == before
    assert stage_outcomes(world, complaint_id) == [("statutory", 1, "not upheld", "2023-01-05")]


@pytest.mark.parametrize(
    "responded_on,message",
    [
        (date(2022, 12, 19), "responded on ('2022-12-19') is before the stage's clock start (2022-12-20)"),
        (date(2023, 6, 2), "responded on ('2023-06-02') is in the future; today is 2023-06-01"),
    ],
)
def test_a_response_dated_before_the_clock_start_or_in_the_future_is_refused(world, responded_on, message):
    complaint_id = create(world)
    before = counts(world)
    with pytest.raises(InvalidInput) as error:
        complaints.record_response(world.db, world.officer, complaint_id, 1, StageResponse(responded_on=responded_on),
                                   today=TODAY)
    assert str(error.value) == message
    assert counts(world) == before


def test_a_response_on_the_clock_start_day_is_allowed(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1, StageResponse(responded_on=date(2022, 12, 20)),
                               today=TODAY)
    assert stages(world, complaint_id)[0]["responded_on"] == "2022-12-20"


def test_a_second_response_to_an_answered_stage_is_refused(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1, StageResponse(responded_on=date(2023, 1, 5)),
                               today=TODAY)
    with pytest.raises(InvalidInput, match=r"has no open stage \(statutory stage 1 was answered on 2023-01-05\)"):
        complaints.record_response(world.db, world.officer, complaint_id, 2, StageResponse(responded_on=date(2023, 1, 6)),
                                   today=TODAY)


def test_the_outcome_withdrawn_is_only_recorded_by_withdrawing(world):
    complaint_id = create(world)
    with pytest.raises(InvalidInput, match="is recorded with 'Withdraw the complaint'"):
        complaints.record_outcome(world.db, world.officer, complaint_id, 1,
                                  OutcomeDecision(outcome="withdrawn", outcome_on=date(2023, 1, 5)), today=TODAY)
    with pytest.raises(InvalidInput, match=r"outcome \('sort of'\) is not known; allowed: 'upheld'"):
        complaints.record_outcome(world.db, world.officer, complaint_id, 1,
                                  OutcomeDecision(outcome="sort of", outcome_on=date(2023, 1, 5)), today=TODAY)
    assert complaint(world, complaint_id)["version"] == 1


def test_a_service_manager_records_their_own_areas_stage_one_response_and_outcome(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.manager_west, complaint_id, 1,
                               StageResponse(responded_on=date(2023, 1, 5)), today=TODAY)
    complaints.record_outcome(world.db, world.manager_west, complaint_id, 2,
                              OutcomeDecision(outcome="upheld", outcome_on=date(2023, 1, 5)), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["version"]) == ("upheld", 3)
    assert [(e["event"], e["outcome"], e["user_email"]) for e in audit_events(world.db, "complaint")[1:]] == [
        ("record stage response", "done", "west@test.invalid"),
        ("record complaint outcome", "done", "west@test.invalid"),
    ]


def test_a_service_manager_is_refused_another_areas_response_and_the_refusal_is_audited(world):
    complaint_id = create(world)
    before = counts(world)
    with pytest.raises(Refused, match="only in your own service areas; this belongs to Team West"):
        complaints.record_response(world.db, world.manager_east, complaint_id, 1,
                                   StageResponse(responded_on=date(2023, 1, 5)), today=TODAY)
    with pytest.raises(Refused, match="only in your own service areas"):
        complaints.record_outcome(world.db, world.manager_east, complaint_id, 1,
                                  OutcomeDecision(outcome="upheld", outcome_on=date(2023, 1, 5)), today=TODAY)
    assert counts(world) == before
    assert [(e["event"], e["user_email"], e["entity_id"]) for e in refused_events(world)] == [
        ("record stage response", "east@test.invalid", complaint_id),
        ("record complaint outcome", "east@test.invalid", complaint_id),
    ]


@pytest.mark.parametrize(
    "use_case,form",
    [
        (complaints.extend_stage, StageExtension(extended_due_on=date(2023, 1, 20), reason="Complex")),
        (complaints.escalate, Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10))),
        (complaints.withdraw, Withdrawal(withdrawn_on=date(2023, 1, 3))),
        (complaints.code_concerns, ConcernCoding(concerns=["Finance"])),
        (complaints.record_ombudsman, OmbudsmanRecord(referred_on=date(2023, 2, 1))),
    ],
    ids=["extend", "escalate", "withdraw", "code concerns", "ombudsman"],
)
def test_a_service_manager_is_refused_the_complaints_officers_work_even_in_their_own_area(world, use_case, form):
    complaint_id = create(world)
    before = counts(world)
    with pytest.raises(Refused, match="Only a complaints officer may"):
        use_case(world.db, world.manager_west, complaint_id, 1, form)
    assert counts(world) == before
    assert len(refused_events(world)) == 1


def test_a_service_manager_may_not_answer_a_stage_two(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1, StageResponse(responded_on=date(2023, 1, 5)),
                               today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    with pytest.raises(Refused, match="only at stage 1; this complaint is at statutory stage 2"):
        complaints.record_response(world.db, world.manager_west, complaint_id, 3,
                                   StageResponse(responded_on=date(2023, 2, 1)), today=TODAY)
    assert len(refused_events(world)) == 1


@pytest.mark.parametrize("who", ["forum", "viewer"])
def test_forum_members_and_viewers_record_no_responses(world, who):
    complaint_id = create(world)
    with pytest.raises(Refused):
        complaints.record_response(world.db, getattr(world, who), complaint_id, 1,
                                   StageResponse(responded_on=date(2023, 1, 5)), today=TODAY)
    assert stages(world, complaint_id)[0]["responded_on"] is None


def test_a_stale_version_is_a_conflict_and_the_first_change_stays(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.manager_west, complaint_id, 1,
                               StageResponse(responded_on=date(2023, 1, 5), outcome="upheld"), today=TODAY)
    with pytest.raises(Conflict, match="Someone else changed this complaint"):
        complaints.record_outcome(world.db, world.officer, complaint_id, 1,
                                  OutcomeDecision(outcome="not upheld", outcome_on=date(2023, 1, 6)), today=TODAY)
    assert complaint(world, complaint_id)["outcome"] == "upheld"


def test_two_people_answering_the_same_stage_the_second_is_told_of_the_conflict_not_a_rule(world):
    complaint_id = create(world)
    complaints.record_response(world.db, world.officer, complaint_id, 1, StageResponse(responded_on=date(2023, 1, 5)),
                               today=TODAY)
    with pytest.raises(Conflict, match="Someone else changed this complaint"):
        complaints.record_response(world.db, world.manager_west, complaint_id, 1,
                                   StageResponse(responded_on=date(2023, 1, 6)), today=TODAY)
    assert stages(world, complaint_id)[0]["responded_on"] == "2023-01-05"


def test_an_unknown_complaint_is_not_found(world):
    with pytest.raises(NotFound, match="Complaint 99 does not exist"):
        complaints.record_response(world.db, world.officer, 99, 1, StageResponse(responded_on=date(2023, 1, 5)))
    with pytest.raises(NotFound, match="No complaint has the reference 'CS-404'"):
        complaints.complaint_id_by_reference(world.db, " CS-404 ")


# --- extensions ----------------------------------------------------------------------------------------


def test_the_officer_extends_stage_one_up_to_twenty_working_days(world):
    complaint_id = create(world)
    complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                            StageExtension(extended_due_on=date(2023, 1, 20), reason="Awaiting case records"))
    [stage] = stages(world, complaint_id)
    assert (stage["due_on"], stage["extended_due_on"], stage["extension_reason"], stage["version"]) == (
        "2023-01-06", "2023-01-20", "Awaiting case records", 2)
    assert complaint(world, complaint_id)["version"] == 2
    assert audit_events(world.db, "complaint")[-1]["event"] == "extend complaint stage"


def test_an_extension_without_a_reason_is_refused_by_the_form():
    with pytest.raises(InvalidInput, match="^reason is required$"):
        parse(StageExtension, {"extended_due_on": "2023-01-20", "reason": "   "})


@pytest.mark.parametrize(
    "extended_due_on,message",
    [
        # 20 working days after 20 Dec 2022 (Christmas and New Year bank holidays skipped) is 20 Jan 2023.
        (date(2023, 1, 23), ("extended due date ('2023-01-23') is beyond the longest extension allowed for statutory "
                             "stage 1: 20 working days after the clock started, 2023-01-20")),
        (date(2023, 1, 6), "extended due date ('2023-01-06') must be after the due date (2023-01-06)"),
        (date(2023, 1, 2), "extended due date ('2023-01-02') must be after the due date (2023-01-06)"),
    ],
)
def test_an_extension_beyond_the_cap_or_not_after_the_due_date_is_refused(world, extended_due_on, message):
    complaint_id = create(world)
    before = counts(world)
    with pytest.raises(InvalidInput) as error:
        complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                                StageExtension(extended_due_on=extended_due_on, reason="Complex"))
    assert str(error.value) == message
    assert counts(world) == before


def test_a_stage_whose_timescale_has_no_cap_cannot_be_extended(world):
    complaint_id = create(world, procedure="informal")
    before = counts(world)
    with pytest.raises(InvalidInput, match="cannot be set: the informal timescale allows no extension"):
        complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                                StageExtension(extended_due_on=date(2023, 1, 10), reason="Complex"))
    assert counts(world) == before


def test_an_extended_stage_may_be_extended_again_up_to_the_cap(world):
    complaint_id = create(world)
    complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                            StageExtension(extended_due_on=date(2023, 1, 13), reason="Awaiting records"))
    with pytest.raises(InvalidInput, match="must be after the due date \\(2023-01-13\\)"):
        complaints.extend_stage(world.db, world.officer, complaint_id, 2,
                                StageExtension(extended_due_on=date(2023, 1, 12), reason="Shorter"))
    complaints.extend_stage(world.db, world.officer, complaint_id, 2,
                            StageExtension(extended_due_on=date(2023, 1, 20), reason="Records still awaited"))
    assert stages(world, complaint_id)[0]["extended_due_on"] == "2023-01-20"


# --- escalation ------------------------------------------------------------------------------------------


def answer(world, complaint_id, version, day):
    complaints.record_response(world.db, world.officer, complaint_id, version, StageResponse(responded_on=day), today=TODAY)


def test_statutory_complaints_escalate_one_stage_at_a_time_with_the_clock_starting_on_the_request(world):
    complaint_id = create(world)
    answer(world, complaint_id, 1, date(2023, 1, 5))
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 4, 28)), today=TODAY)
    answer(world, complaint_id, 3, date(2023, 5, 30))
    complaints.escalate(world.db, world.officer, complaint_id, 4,
                        Escalation(procedure="statutory", stage=3, requested_on=date(2023, 5, 31)), today=TODAY)
    assert [(s["stage"], s["clock_started_on"], s["due_on"]) for s in stages(world, complaint_id)] == [
        (1, "2022-12-20", "2023-01-06"),
        # 25 working days from 28 Apr 2023 skip the early May bank holiday, the coronation (8 May) and 29 May.
        (2, "2023-04-28", "2023-06-07"),
        (3, "2023-05-31", "2023-08-09"),
    ]
    assert complaint(world, complaint_id)["version"] == 5


@pytest.mark.parametrize(
    "procedure,stage,message",
    [
        ("statutory", 3, "escalation ('statutory stage 3') is not allowed from statutory stage 1; it may go to statutory stage 2"),
        ("corporate", 2, "escalation ('corporate stage 2') is not allowed from statutory stage 1; it may go to statutory stage 2"),
        ("statutory", 1, "escalation ('statutory stage 1') is not allowed from statutory stage 1"),
    ],
)
def test_an_escalation_the_procedure_does_not_allow_is_refused_and_nothing_is_written(world, procedure, stage, message):
    complaint_id = create(world)
    answer(world, complaint_id, 1, date(2023, 1, 5))
    before = counts(world)
    with pytest.raises(InvalidInput) as error:
        complaints.escalate(world.db, world.officer, complaint_id, 2,
                            Escalation(procedure=procedure, stage=stage, requested_on=date(2023, 1, 10)), today=TODAY)
    assert str(error.value).startswith(message)
    assert counts(world) == before


def test_a_corporate_complaint_stops_at_stage_two(world):
    complaint_id = create(world, procedure="corporate")
    answer(world, complaint_id, 1, date(2023, 1, 5))
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="corporate", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    answer(world, complaint_id, 3, date(2023, 2, 1))
    with pytest.raises(InvalidInput, match="not allowed from corporate stage 2; it may go to nothing: it is the last stage"):
        complaints.escalate(world.db, world.officer, complaint_id, 4,
                            Escalation(procedure="corporate", stage=3, requested_on=date(2023, 2, 2)), today=TODAY)


def test_an_informal_complaint_escalated_to_the_statutory_procedure_keeps_its_informal_stage(world):
    complaint_id = create(world, procedure="informal")
    complaints.record_response(world.db, world.officer, complaint_id, 1,
                               StageResponse(responded_on=date(2023, 1, 5), outcome="not upheld"), today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="Statutory", stage=1, requested_on=date(2023, 1, 9)), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["procedure"], row["outcome"], row["outcome_on"]) == ("statutory", None, None)
    assert [(s["procedure"], s["stage"], s["clock_started_on"], s["due_on"]) for s in stages(world, complaint_id)] == [
        ("informal", 1, "2022-12-20", "2023-01-06"),
        ("statutory", 1, "2023-01-09", "2023-01-23"),
    ]
    event = audit_events(world.db, "complaint")[-1]
    assert json.loads(event["before"])["outcome"] == "not upheld"


def test_escalating_keeps_the_stage_one_outcome_on_its_stage_while_the_complaint_is_open_again(world):
    complaint_id = create(world)
    respond(world, complaint_id, 1, date(2023, 1, 5), "not upheld")
    stage_id = complaints.escalate(world.db, world.officer, complaint_id, 2,
                                   Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)),
                                   today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"]) == (None, None)
    assert stage_outcomes(world, complaint_id) == [
        ("statutory", 1, "not upheld", "2023-01-05"),
        ("statutory", 2, None, None),
    ]
    event = audit_events(world.db, "complaint")[-1]
    assert json.loads(event["before"]) == {"procedure": "statutory", "stage": 1, "outcome": "not upheld",
                                           "outcome_on": "2023-01-05", "stage_id": 1, "stage_outcome": "not upheld",
                                           "stage_outcome_on": "2023-01-05", "version": 2}
    after = json.loads(event["after"])
    assert (after["stage_id"], after["previous_stage_id"], after["stage_outcome"], after["stage_outcome_on"]) == (
        stage_id, 1, "not upheld", "2023-01-05")


def test_an_outcome_held_only_on_the_complaint_moves_to_its_stage_when_it_is_escalated(world):
    # A complaint answered before stages kept their outcomes (or imported so): its outcome is its stage's.
    complaint_id = create(world)
    answer(world, complaint_id, 1, date(2023, 1, 5))
    world.db.execute("UPDATE complaints SET outcome = 'partly upheld', outcome_on = '2023-01-06' WHERE id = ?",
                     [complaint_id])
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    assert stage_outcomes(world, complaint_id) == [
        ("statutory", 1, "partly upheld", "2023-01-06"),
        ("statutory", 2, None, None),
    ]
    assert [s["version"] for s in stages(world, complaint_id)] == [3, 1]
    after = json.loads(audit_events(world.db, "complaint")[-1]["after"])
    assert (after["stage_outcome"], after["stage_outcome_on"]) == ("partly upheld", "2023-01-06")


def test_an_informal_stage_keeps_its_outcome_when_the_complaint_goes_to_the_statutory_procedure(world):
    complaint_id = create(world, procedure="informal")
    respond(world, complaint_id, 1, date(2023, 1, 5), "partly upheld")
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=1, requested_on=date(2023, 1, 9)), today=TODAY)
    respond(world, complaint_id, 3, date(2023, 1, 20), "upheld")
    assert stage_outcomes(world, complaint_id) == [
        ("informal", 1, "partly upheld", "2023-01-05"),
        ("statutory", 1, "upheld", "2023-01-20"),
    ]
    assert complaint(world, complaint_id)["outcome"] == "upheld"


def test_escalating_needs_the_previous_stage_answered_and_a_request_after_the_answer(world):
    complaint_id = create(world)
    before = counts(world)
    with pytest.raises(InvalidInput, match="needs the statutory stage 1 response first"):
        complaints.escalate(world.db, world.officer, complaint_id, 1,
                            Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    assert counts(world) == before
    answer(world, complaint_id, 1, date(2023, 1, 5))
    with pytest.raises(InvalidInput, match=r"requested on \('2023-01-04'\) is before the statutory stage 1 response"):
        complaints.escalate(world.db, world.officer, complaint_id, 2,
                            Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 4)), today=TODAY)


# --- withdrawal, concerns, the Ombudsman -------------------------------------------------------------------


def test_withdrawing_closes_the_open_stage_on_the_withdrawal_date(world):
    complaint_id = create(world)
    complaints.withdraw(world.db, world.officer, complaint_id, 1, Withdrawal(withdrawn_on=date(2023, 1, 3)), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["outcome"], row["outcome_on"], row["version"]) == ("withdrawn", "2023-01-03", 2)
    assert stages(world, complaint_id)[0]["responded_on"] == "2023-01-03"
    with pytest.raises(InvalidInput, match="was withdrawn, so you cannot withdraw it"):
        complaints.withdraw(world.db, world.officer, complaint_id, 2, Withdrawal(withdrawn_on=date(2023, 1, 4)), today=TODAY)
    with pytest.raises(InvalidInput, match="was withdrawn, so it cannot be escalated"):
        complaints.escalate(world.db, world.officer, complaint_id, 2,
                            Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)


def test_a_withdrawal_at_stage_two_is_that_stages_outcome_and_stage_one_keeps_its_own(world):
    complaint_id = create(world)
    respond(world, complaint_id, 1, date(2023, 1, 5), "not upheld")
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 10)), today=TODAY)
    complaints.withdraw(world.db, world.officer, complaint_id, 3, Withdrawal(withdrawn_on=date(2023, 1, 20)),
                        today=TODAY)
    assert (complaint(world, complaint_id)["outcome"], complaint(world, complaint_id)["outcome_on"]) == (
        "withdrawn", "2023-01-20")
    assert stage_outcomes(world, complaint_id) == [
        ("statutory", 1, "not upheld", "2023-01-05"),
        ("statutory", 2, "withdrawn", "2023-01-20"),
    ]
    event = audit_events(world.db, "complaint")[-1]
    assert json.loads(event["before"])["stage_outcome"] is None
    assert (json.loads(event["after"])["stage_outcome"], json.loads(event["after"])["stage_outcome_on"]) == (
        "withdrawn", "2023-01-20")


def test_coding_concerns_replaces_the_list_and_a_concern_raised_twice_counts_twice(world):
    complaint_id = create(world)
    complaints.code_concerns(world.db, world.officer, complaint_id, 1,
                             ConcernCoding(concerns=["Finance", "Alleged staff conduct", "finance"]))
    assert complaints.concern_texts(world.db, complaint_id) == ["Alleged staff conduct", "Finance", "Finance"]
    assert complaint(world, complaint_id)["version"] == 2
    before = counts(world)
    with pytest.raises(InvalidInput, match=r"concern \('Financ'\) is not known; did you mean 'Finance'\?"):
        complaints.code_concerns(world.db, world.officer, complaint_id, 2, ConcernCoding(concerns=["Financ"]))
    assert counts(world) == before


def test_the_ombudsman_referral_decision_and_remedy_are_recorded(world):
    complaint_id = create(world)
    complaints.record_ombudsman(world.db, world.officer, complaint_id, 1,
                                OmbudsmanRecord(referred_on=date(2023, 3, 1), decision="Upheld",
                                                remedy_pounds=Decimal("250.50")), today=TODAY)
    row = complaint(world, complaint_id)
    assert (row["lgsco_referred_on"], row["lgsco_decision"], row["remedy_pence"]) == ("2023-03-01", "upheld", 25050)
    with pytest.raises(InvalidInput, match="referred on is required when the Ombudsman's decision is recorded"):
        complaints.record_ombudsman(world.db, world.officer, complaint_id, 2,
                                    OmbudsmanRecord(decision="not upheld"), today=TODAY)
    with pytest.raises(InvalidInput, match="input should be greater than or equal to 0"):
        parse(OmbudsmanRecord, {"remedy_pounds": "-5"})
