"""Statutory stage 2 investigations and adjudications, stage 3 panel recommendations and the council's response
(services/investigations.py, read/investigations.py), on a real SQLite file."""

from __future__ import annotations

import re
from datetime import date

import pytest

from learning_tracker.errors import Conflict, InvalidInput, Refused
from learning_tracker.models import (
    Adjudication,
    Escalation,
    Investigation,
    PanelRecommendations,
    PanelResponse,
    StageDate,
    StageResponse,
    parse,
)
from learning_tracker.read import investigations as read_investigations
from learning_tracker.read import learning_and_actions, register
from learning_tracker.read.learning_and_actions import Filters
from learning_tracker.rules import procedures
from learning_tracker.services import complaints, investigations, permissions
from learning_tracker.services.core import load_actor
from tests.factories import audit_events, build_world, record_complaint

TODAY = date(2023, 6, 1)
REQUESTED = date(2022, 4, 25)  # stage 2 asked for (a Monday): its clock starts
IO = "Independent investigator, Coram Voice"
IP = "Independent person, NYAS"


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def version(world, complaint_id):
    return world.db.execute("SELECT version FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0]


def at_stage_two(world, reference="CS-0001", area="Team West"):
    """A statutory complaint answered at stage 1 (not upheld) and escalated to stage 2 on REQUESTED."""
    complaint_id = record_complaint(world, reference, "2022-04-04", area=area, responded_on="2022-04-14",
                                    outcome="not upheld", today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, version(world, complaint_id),
                        Escalation(procedure="statutory", stage=2, requested_on=REQUESTED), today=TODAY)
    return complaint_id


def stage(world, complaint_id, number):
    return next(world.db.query(
        "SELECT * FROM complaint_stages WHERE complaint_id = ? AND procedure = 'statutory' AND stage = ?",
        [complaint_id, number]))


def investigate(world, complaint_id, findings=("upheld", "partly upheld", "not upheld"), recommendations=None, **extra):
    points = [{"summary": f"Point {n}: about the visits", "finding": f} for n, f in enumerate(findings, start=1)]
    if recommendations is None:
        recommendations = [{"text": "Train the team on recording visits", "point": 1},
                           {"text": "Write to the family with an apology", "point": 2},
                           {"text": "Review the whole service", "point": None}]
    values = {"investigating_officer": IO, "independent_person": IP, "investigation_report_on": date(2022, 5, 20),
              "independent_person_report_on": date(2022, 5, 23), "points": points,
              "recommendations": recommendations, **extra}
    investigations.record_investigation(world.db, world.officer, complaint_id, version(world, complaint_id),
                                        parse(Investigation, values), today=TODAY)


def accepted(owner="west@test.invalid", due=date(2022, 7, 29), action=None):
    return {"decision": "accepted", "owner_email": owner, "due_on": due, "action": action}


def not_accepted(reason="Already done in March"):
    return {"decision": "not accepted", "reason": reason}


NEW_POINT = {"theme": "Communication", "description": "Visits are recorded and families told of changes"}


def adjudicate(world, complaint_id, decisions=None, **extra):
    values = {"adjudicated_on": date(2022, 5, 27), "adjudicator": "Head of Service",
              "decisions": decisions if decisions is not None else [accepted(), accepted(), not_accepted()],
              "new_learning_point": NEW_POINT, **extra}
    investigations.adjudicate(world.db, world.officer, complaint_id, version(world, complaint_id),
                              parse(Adjudication, values), today=TODAY)


def counts(world):
    """What an adjudication writes: a refused one changes none of it."""
    db = world.db
    return {
        "actions": db["actions"].count,
        "action_updates": db["action_updates"].count,
        "learning_points": db["learning_points"].count,
        "links": db["learning_point_complaints"].count,
        "decided": db.execute("SELECT COUNT(*) FROM recommendations WHERE decision IS NOT NULL").fetchone()[0],
        "versions": db.execute("SELECT SUM(version) FROM complaints").fetchone()[0],
        "stage_versions": db.execute("SELECT SUM(version) FROM complaint_stages").fetchone()[0],
        "answered": db.execute("SELECT COUNT(*) FROM complaint_stages WHERE responded_on IS NOT NULL").fetchone()[0],
        "adjudicated": db.execute("SELECT COUNT(*) FROM complaint_stages WHERE adjudicated_on IS NOT NULL").fetchone()[0],
        "done": db.execute("SELECT COUNT(*) FROM audit_events WHERE outcome = 'done'").fetchone()[0],
    }


# --- the investigation ------------------------------------------------------------------------------------


def test_the_investigation_is_recorded_on_stage_two_with_its_points_and_recommendations(world):
    complaint_id = at_stage_two(world)
    before = version(world, complaint_id)
    investigate(world, complaint_id)

    row = stage(world, complaint_id, 2)
    assert (row["investigating_officer"], row["independent_person"], row["investigation_report_on"],
            row["independent_person_report_on"]) == (IO, IP, "2022-05-20", "2022-05-23")
    assert version(world, complaint_id) == before + 1
    found = read_investigations.investigation(world.db, row["id"])
    assert [(p["number"], p["finding"]) for p in found["points"]] == [
        (1, "upheld"), (2, "partly upheld"), (3, "not upheld")]
    assert [(r["number"], r["text"], r["point"], r["decision"]) for r in found["recommendations"]] == [
        (1, "Train the team on recording visits", 1, None), (2, "Write to the family with an apology", 2, None),
        (3, "Review the whole service", None, None)]
    assert found["derived_outcome"] == "partly upheld"
    event = audit_events(world.db, "complaint")[-1]
    assert (event["event"], event["outcome"], event["entity_id"]) == ("record stage 2 investigation", "done", complaint_id)
    # The stage 1 stage shows no investigation.
    assert read_investigations.investigation(world.db, stage(world, complaint_id, 1)["id"]) is None


def test_points_and_recommendations_are_replaced_until_the_adjudication(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    investigate(world, complaint_id, findings=("upheld", None), recommendations=[{"text": "Apologise", "point": 2}])
    found = read_investigations.investigation(world.db, stage(world, complaint_id, 2)["id"])
    assert [(p["summary"], p["finding"]) for p in found["points"]] == [
        ("Point 1: about the visits", "upheld"), ("Point 2: about the visits", None)]
    assert [(r["text"], r["point"]) for r in found["recommendations"]] == [("Apologise", 2)]
    assert found["derived_outcome"] is None  # a point without a finding yet
    assert world.db["complaint_points"].count == 2 and world.db["recommendations"].count == 1


@pytest.mark.parametrize("field,text,what", [
    ("investigating_officer", "Jo Bloggs, jo.bloggs@example.org", "an email address"),
    ("independent_person", "Independent person, 07700 900123", "a phone number"),
])
def test_contact_details_of_a_person_are_refused_as_the_investigator_or_independent_person(world, field, text, what):
    complaint_id = at_stage_two(world)
    with pytest.raises(InvalidInput) as error:
        investigate(world, complaint_id, **{field: text})
    message = str(error.value)
    assert what in message and "role and organisation" in message and "Coram Voice" in message
    assert stage(world, complaint_id, 2)[field] is None


def test_an_investigation_is_refused_at_a_complaint_without_stage_two_and_dates_are_checked(world):
    complaint_id = record_complaint(world, "CS-0002", "2022-04-04", today=TODAY)
    with pytest.raises(InvalidInput, match=r"has no statutory stage 2, so you cannot record an investigation "
                                           r"\(it is at statutory stage 1\)"):
        investigate(world, complaint_id)

    complaint_id = at_stage_two(world)
    with pytest.raises(InvalidInput) as error:
        investigate(world, complaint_id, investigation_report_on=date(2022, 4, 22),
                    independent_person_report_on=date(2023, 6, 2),
                    points=[{"summary": "Visits", "finding": "mostly upheld"}],
                    recommendations=[{"text": "Train", "point": 2}])
    assert str(error.value) == (
        "investigation report on ('2022-04-22') is before the stage's clock start (2022-04-25); "
        "independent person report on ('2023-06-02') is in the future; today is 2023-06-01; "
        "point 1 finding ('mostly upheld') is not a finding; allowed: 'upheld', 'partly upheld', 'not upheld', "
        "'unable to determine'; "
        "recommendation 1 point ('2') is not a point of this complaint: there are 1")


def test_only_the_complaints_officer_records_an_investigation_and_refusals_are_audited(world):
    complaint_id = at_stage_two(world)
    for person in (world.manager_west, world.viewer):
        with pytest.raises(Refused, match="Only a complaints officer may record stage 2 investigations"):
            investigations.record_investigation(world.db, person, complaint_id, version(world, complaint_id),
                                                parse(Investigation, {"investigating_officer": IO,
                                                                      "independent_person": IP}), today=TODAY)
    refused = [e for e in audit_events(world.db, "complaint") if e["outcome"] == "refused"]
    assert [(e["event"], e["user_email"]) for e in refused] == [
        ("record stage 2 investigation", "west@test.invalid"), ("record stage 2 investigation", "viewer@test.invalid")]
    assert stage(world, complaint_id, 2)["investigating_officer"] is None


def test_a_stale_version_is_a_conflict_for_the_investigation_and_the_adjudication(world):
    complaint_id = at_stage_two(world)
    stale = version(world, complaint_id)
    investigate(world, complaint_id)
    with pytest.raises(Conflict, match="Someone else changed this complaint"):
        investigations.record_investigation(world.db, world.officer, complaint_id, stale, parse(Investigation, {
            "investigating_officer": "Team manager, Team West", "independent_person": IP}), today=TODAY)
    before = counts(world)
    with pytest.raises(Conflict):
        investigations.adjudicate(world.db, world.officer, complaint_id, stale, parse(Adjudication, {
            "adjudicated_on": date(2022, 5, 27), "adjudicator": "Head of Service",
            "decisions": [accepted(), accepted(), not_accepted()], "new_learning_point": NEW_POINT}), today=TODAY)
    assert counts(world) == before
    assert stage(world, complaint_id, 2)["investigating_officer"] == IO


# --- the outcome from the points ---------------------------------------------------------------------------


@pytest.mark.parametrize("findings,outcome", [
    (("upheld", "upheld"), "upheld"),
    (("upheld", "not upheld", "unable to determine"), "partly upheld"),
    (("partly upheld", "not upheld"), "partly upheld"),
    (("not upheld", "unable to determine"), "not upheld"),
    (("unable to determine", "unable to determine"), "not upheld"),
])
def test_the_adjudication_gives_stage_two_the_outcome_of_its_points(world, findings, outcome):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id, findings=findings, recommendations=[])
    adjudicate(world, complaint_id, decisions=[], new_learning_point=None)
    row = stage(world, complaint_id, 2)
    # The adjudication is the council's stage 2 response: answered that day, with that outcome.
    assert (row["responded_on"], row["outcome"], row["outcome_on"], row["outcome_reason"]) == (
        "2022-05-27", outcome, "2022-05-27", None)
    assert (row["adjudicated_on"], row["adjudicator"]) == ("2022-05-27", "Head of Service")
    assert world.db.execute("SELECT outcome, outcome_on FROM complaints WHERE id = ?", [complaint_id]).fetchone() == (
        outcome, "2022-05-27")
    assert stage(world, complaint_id, 1)["outcome"] == "not upheld"  # stage 1 keeps its own


def test_an_outcome_other_than_the_points_give_needs_a_reason(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id, findings=("upheld", "not upheld"), recommendations=[])
    before = counts(world)
    with pytest.raises(InvalidInput, match=r"outcome reason is required: the points give 'partly upheld', and the "
                                           r"outcome recorded is 'upheld'"):
        adjudicate(world, complaint_id, decisions=[], new_learning_point=None, outcome="upheld")
    assert counts(world) == before
    # The outcome the points give, chosen explicitly, needs no reason.
    adjudicate(world, complaint_id, decisions=[], new_learning_point=None, outcome="Upheld",
               outcome_reason="The second point was the heart of the complaint")
    row = stage(world, complaint_id, 2)
    assert (row["outcome"], row["outcome_reason"]) == ("upheld", "The second point was the heart of the complaint")


def test_the_adjudication_needs_every_point_found(world):
    complaint_id = at_stage_two(world)
    with pytest.raises(InvalidInput, match="are not recorded yet: record the investigation's points"):
        adjudicate(world, complaint_id, decisions=[], new_learning_point=None)
    investigate(world, complaint_id, findings=("upheld", None, None), recommendations=[])
    with pytest.raises(InvalidInput, match="points of complaint 2, 3 have no finding yet"):
        adjudicate(world, complaint_id, decisions=[], new_learning_point=None)


# --- accepted recommendations become actions ------------------------------------------------------------------


def test_accepted_recommendations_become_actions_on_my_actions_of_their_owner(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    mine = Filters(responsible=(world.manager_west.id, tuple(sorted(world.manager_west.service_area_ids))))
    _, before = learning_and_actions.actions(world.db, mine, TODAY)

    adjudicate(world, complaint_id, decisions=[accepted(action="Train the West team on recording visits"),
                                               accepted(owner="officer@test.invalid", due=date(2022, 6, 30)),
                                               not_accepted()])

    point_id, theme, area = world.db.execute(
        "SELECT id, theme, service_area_id FROM learning_points ORDER BY id DESC LIMIT 1").fetchone()
    assert (theme, area) == ("Communication", world.west)
    assert world.db.execute("SELECT complaint_id FROM learning_point_complaints WHERE learning_point_id = ?",
                            [point_id]).fetchall() == [(complaint_id,)]
    found = read_investigations.investigation(world.db, stage(world, complaint_id, 2)["id"])
    assert [(r["decision"], r["reason"], r["decided_on"], r["action"], r["action_status"], r["action_owner"],
             r["action_due_on"], r["learning_point_id"]) for r in found["recommendations"]] == [
        ("accepted", None, "2022-05-27", "Train the West team on recording visits", "not started",
         "Service Manager, Team West", "2022-07-29", point_id),
        ("accepted", None, "2022-05-27", "Write to the family with an apology", "not started", "Complaints Officer",
         "2022-06-30", point_id),
        ("not accepted", "Already done in March", "2022-05-27", None, None, None, None, None)]
    # On My actions of the area's manager (which also lists the area's other actions).
    frame, total = learning_and_actions.actions(world.db, mine, TODAY)
    assert total == before + 2
    new = frame[frame["learning_point_id"] == point_id]
    assert sorted(zip(new["description"], new["owner"])) == [
        ("Train the West team on recording visits", "Service Manager, Team West"),
        ("Write to the family with an apology", "Complaints Officer")]
    # Written as actions always are: a history row each, the learning point's status, their audit events.
    action_ids = [r["action_id"] for r in found["recommendations"][:2]]
    assert world.db.execute(
        f"SELECT action_id, kind, to_value FROM action_updates WHERE action_id IN ({action_ids[0]}, {action_ids[1]})"
        " ORDER BY action_id").fetchall() == [(action_ids[0], "created", "not started"),
                                                (action_ids[1], "created", "not started")]
    assert world.db.execute("SELECT status FROM learning_points WHERE id = ?", [point_id]).fetchone()[0] == "actions agreed"
    events = [(e["event"], e["entity"], e["entity_id"]) for e in world.db.query(
        "SELECT * FROM audit_events WHERE outcome = 'done' ORDER BY id")][-4:]
    assert events == [("add learning point", "learning_point", point_id), ("create action", "action", action_ids[0]),
                      ("create action", "action", action_ids[1]), ("adjudicate stage 2", "complaint", complaint_id)]


def test_one_failed_action_rolls_back_the_whole_adjudication(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    before = counts(world)
    statements = []
    world.db.conn.set_trace_callback(statements.append)
    try:
        with pytest.raises(InvalidInput) as error:
            # The second action's owner works in Team East only: they could never update it.
            adjudicate(world, complaint_id, decisions=[accepted(), accepted(owner="east@test.invalid"), not_accepted()])
    finally:
        world.db.conn.set_trace_callback(None)
    assert str(error.value).startswith("recommendation 2 action owner ('east@test.invalid') works in Team East only, "
                                       "so could not update an action of Team West")
    # The stage, the complaint, the learning point and the first action were written before the second failed...
    written = {re.match(r"(INSERT INTO|UPDATE) \W?(\w+)", s).group(2) for s in statements
               if s.startswith(("INSERT", "UPDATE"))}
    assert {"complaint_stages", "complaints", "learning_points", "learning_point_complaints", "actions",
            "action_updates", "audit_events"} <= written
    assert "ROLLBACK" in statements
    # ...and none of it is kept.
    assert counts(world) == before
    row = stage(world, complaint_id, 2)
    assert (row["adjudicated_on"], row["responded_on"], row["outcome"]) == (None, None, None)
    assert world.db.execute("SELECT COUNT(*) FROM recommendations WHERE action_id IS NOT NULL").fetchone()[0] == 0

    # Corrected, it saves: the decisions and the actions together.
    adjudicate(world, complaint_id)
    assert counts(world)["actions"] == before["actions"] + 2
    assert counts(world)["decided"] == 3


def test_decisions_are_checked_before_anything_is_written(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    before = counts(world)
    with pytest.raises(InvalidInput) as error:
        adjudicate(world, complaint_id, decisions=[
            {"decision": "accepted"}, accepted(due=date(2022, 5, 27)), {"decision": "not accepted"}],
            new_learning_point=None)
    assert str(error.value) == (
        "recommendation 1 action owner is required: an accepted recommendation becomes an improvement action, which "
        "needs an owner; recommendation 1 action due on is required for the improvement action; "
        "recommendation 2 action due on ('2022-05-27') must be after the decision (2022-05-27); "
        "recommendation 3 reason is required when the recommendation is not accepted; "
        "learning point is required: the accepted recommendations' actions go on a learning point of Team West "
        "(one linked to the complaint, or a new one)")
    with pytest.raises(InvalidInput, match=r"decisions must be one for each of the 3 recommendations; 2 given"):
        adjudicate(world, complaint_id, decisions=[accepted(), accepted()])
    with pytest.raises(InvalidInput, match=r"recommendation 1 decision \('maybe'\) is not a decision; the adjudication "
                                           r"decides 'accepted' or 'not accepted'"):
        adjudicate(world, complaint_id, decisions=[{"decision": "maybe"}, accepted(), not_accepted()])
    with pytest.raises(InvalidInput, match=r"adjudicator \('Head of Service, 0113 496 0000'\) seems to hold a phone number"):
        adjudicate(world, complaint_id, adjudicator="Head of Service, 0113 496 0000")
    with pytest.raises(InvalidInput, match=r"adjudicated on \('2022-05-22'\) is before the investigation report "
                                           r"\(2022-05-20\)|adjudicated on \('2022-05-22'\) is before the Independent"):
        adjudicate(world, complaint_id, adjudicated_on=date(2022, 5, 22))
    assert counts(world) == before


def test_actions_go_on_a_learning_point_of_the_area_linked_to_the_complaint(world):
    complaint_id = at_stage_two(world)
    other_id = at_stage_two(world, "CS-0009", area="Team East")
    investigate(world, complaint_id)
    db = world.db
    # The world's learning point is Team West's but drawn from no complaint yet.
    with pytest.raises(InvalidInput, match=rf"learning point \('{world.learning_point}'\) is not linked to complaint "
                                           "CS-0001: choose one that is, or record a new one"):
        adjudicate(world, complaint_id, new_learning_point=None, learning_point_id=world.learning_point)
    with db.conn:
        east_point = db["learning_points"].insert({"service_area_id": world.east, "theme": "Communication",
                                                   "description": "East", "created_on": "2022-05-01"}).last_pk
        db["learning_point_complaints"].insert_all([
            {"learning_point_id": world.learning_point, "complaint_id": complaint_id},
            {"learning_point_id": east_point, "complaint_id": complaint_id},
            {"learning_point_id": east_point, "complaint_id": other_id}])
    with pytest.raises(InvalidInput, match=r"is not of Team West, the complaint's service area"):
        adjudicate(world, complaint_id, new_learning_point=None, learning_point_id=east_point)
    with pytest.raises(InvalidInput, match="choose one: a learning point already linked to the complaint, or a new one"):
        adjudicate(world, complaint_id, learning_point_id=world.learning_point)
    assert read_investigations.learning_points_for_actions(db, complaint_id) == [
        (world.learning_point, f"{world.learning_point}: Communication (open): Return calls within a day")]

    adjudicate(world, complaint_id, new_learning_point=None, learning_point_id=world.learning_point)
    assert db.execute("SELECT COUNT(*) FROM actions WHERE learning_point_id = ?", [world.learning_point]).fetchone()[0] == 3
    assert db["learning_points"].count == 2  # no new one


def test_the_adjudication_is_made_once_and_then_its_recommendations_stand(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    adjudicate(world, complaint_id)
    with pytest.raises(InvalidInput, match="adjudication was recorded on 2022-05-27 by the Head of Service; its "
                                           "decisions stand"):
        adjudicate(world, complaint_id)
    with pytest.raises(InvalidInput, match="recommendations cannot be changed: the adjudication of 2022-05-27 decided"):
        investigate(world, complaint_id, recommendations=[{"text": "Something else", "point": None}])
    # The same points and recommendations, with the Independent Person corrected, still save.
    investigate(world, complaint_id, independent_person="Independent person, Barnardo's")
    assert stage(world, complaint_id, 2)["independent_person"] == "Independent person, Barnardo's"
    assert world.db.execute("SELECT COUNT(*) FROM recommendations WHERE action_id IS NOT NULL").fetchone()[0] == 2


def test_an_adjudication_after_the_stage_two_response_records_the_outcome_on_the_stage(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id, findings=("upheld", "upheld"), recommendations=[])
    complaints.record_response(world.db, world.officer, complaint_id, version(world, complaint_id),
                               StageResponse(responded_on=date(2022, 5, 26)), today=TODAY)
    complaints.escalate(world.db, world.officer, complaint_id, version(world, complaint_id),
                        Escalation(procedure="statutory", stage=3, requested_on=date(2022, 6, 6)), today=TODAY)
    adjudicate(world, complaint_id, decisions=[], new_learning_point=None)
    row = stage(world, complaint_id, 2)
    assert (row["responded_on"], row["outcome"], row["outcome_on"]) == ("2022-05-26", "upheld", "2022-05-27")
    # The complaint's outcome is its current stage's (stage 3, open): unchanged.
    assert world.db.execute("SELECT outcome FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0] is None


def test_the_adjudication_is_the_complaints_officers_in_any_area(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    before = counts(world)
    for person in (world.manager_west, world.manager_east, world.forum):
        with pytest.raises(Refused, match="Only a complaints officer may record stage 2 adjudications"):
            investigations.adjudicate(world.db, person, complaint_id, version(world, complaint_id), parse(
                Adjudication, {"adjudicated_on": date(2022, 5, 27), "adjudicator": "Head of Service",
                               "decisions": [accepted(), accepted(), not_accepted()],
                               "new_learning_point": NEW_POINT}), today=TODAY)
    assert counts(world) == before
    refused = [e["event"] for e in audit_events(world.db, "complaint") if e["outcome"] == "refused"]
    assert refused == ["adjudicate stage 2"] * 3


# --- stage 3: the panel --------------------------------------------------------------------------------------


def at_stage_three(world):
    complaint_id = at_stage_two(world)
    investigate(world, complaint_id)
    adjudicate(world, complaint_id)
    complaints.escalate(world.db, world.officer, complaint_id, version(world, complaint_id),
                        Escalation(procedure="statutory", stage=3, requested_on=date(2022, 6, 6)), today=TODAY)
    return complaint_id


def panel(world, complaint_id, recommendations):
    investigations.record_panel_recommendations(world.db, world.officer, complaint_id, version(world, complaint_id),
                                                PanelRecommendations(recommendations=recommendations))


def respond(world, complaint_id, **values):
    values = {"decided_on": date(2022, 8, 1), "decisions": [accepted(due=date(2022, 9, 30)), not_accepted()],
              "new_learning_point": {"theme": "Communication", "description": "The panel's learning"}, **values}
    investigations.respond_to_panel(world.db, world.officer, complaint_id, version(world, complaint_id),
                                    parse(PanelResponse, values), today=TODAY)


def test_the_council_responds_to_the_panel_and_accepted_recommendations_become_actions(world):
    complaint_id = at_stage_three(world)
    with pytest.raises(InvalidInput, match="has no statutory stage 3, so you cannot record panel recommendations"):
        panel(world, at_stage_two(world, "CS-0002"), ["A"])
    panel(world, complaint_id, ["Apologise in writing", "Change the policy"])
    panel(world, complaint_id, ["Apologise in writing to the young person", "Change the visiting policy"])
    three = stage(world, complaint_id, 3)
    before = counts(world)
    with pytest.raises(InvalidInput, match="council response cannot be recorded before the panel's report"):
        respond(world, complaint_id)
    assert counts(world) == before

    for what, on in ((procedures.PANEL_MET_ON, date(2022, 7, 11)), (procedures.PANEL_REPORT_ON, date(2022, 7, 15))):
        complaints.record_stage_date(world.db, world.officer, complaint_id, version(world, complaint_id),
                                     StageDate(what=what, on=on), today=TODAY)
    with pytest.raises(InvalidInput,
                       match=r"decided on \('2022-07-14'\) is before the panel's report was received \(2022-07-15\)"):
        respond(world, complaint_id, decided_on=date(2022, 7, 14))
    respond(world, complaint_id, outcome="partly upheld")

    three = stage(world, complaint_id, 3)
    assert (three["responded_on"], three["outcome"], three["outcome_on"]) == ("2022-08-01", "partly upheld", "2022-08-01")
    assert world.db.execute("SELECT outcome FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0] == "partly upheld"
    found = read_investigations.investigation(world.db, three["id"])
    assert [(r["number"], r["text"], r["decision"], r["reason"], r["action"], r["action_owner"])
            for r in found["recommendations"]] == [
        (1, "Apologise in writing to the young person", "accepted", None, "Apologise in writing to the young person",
         "Service Manager, Team West"),
        (2, "Change the visiting policy", "not accepted", "Already done in March", None, None)]
    assert counts(world)["actions"] == before["actions"] + 1
    with pytest.raises(InvalidInput, match="recommendations cannot be changed: the council responded to them on 2022-08-01"):
        panel(world, complaint_id, ["Something else"])
    with pytest.raises(InvalidInput, match="recommendations were decided on 2022-08-01; the decisions stand"):
        respond(world, complaint_id)


def test_the_panel_response_without_an_outcome_answers_the_stage(world):
    complaint_id = at_stage_three(world)
    panel(world, complaint_id, [])
    for what, on in ((procedures.PANEL_MET_ON, date(2022, 7, 11)), (procedures.PANEL_REPORT_ON, date(2022, 7, 15))):
        complaints.record_stage_date(world.db, world.officer, complaint_id, version(world, complaint_id),
                                     StageDate(what=what, on=on), today=TODAY)
    respond(world, complaint_id, decisions=[], new_learning_point=None)
    three = stage(world, complaint_id, 3)
    assert (three["responded_on"], three["outcome"]) == ("2022-08-01", None)


# --- what the complaint's page is offered and shown ---------------------------------------------------------


def test_the_officer_is_offered_the_investigation_forms_at_stage_two_and_the_panel_at_stage_three(world):
    complaint_id = at_stage_two(world)
    detail = register.complaint_detail(world.db, complaint_id, as_of=TODAY)
    forms = permissions.complaint_forms(world.officer, detail).forms
    assert permissions.INVESTIGATION in forms and permissions.ADJUDICATION in forms and permissions.PANEL not in forms
    manager = load_actor(world.db, world.manager_west.id)
    assert permissions.INVESTIGATION not in permissions.complaint_forms(manager, detail).forms

    investigate(world, complaint_id)
    adjudicate(world, complaint_id)
    complaints.escalate(world.db, world.officer, complaint_id, version(world, complaint_id),
                        Escalation(procedure="statutory", stage=3, requested_on=date(2022, 6, 6)), today=TODAY)
    detail = register.complaint_detail(world.db, complaint_id, as_of=TODAY)
    forms = permissions.complaint_forms(world.officer, detail).forms
    assert permissions.PANEL in forms and permissions.INVESTIGATION not in forms
    by_label = {s["label"]: s["investigation"] for s in detail["stages"]}
    assert by_label["statutory stage 1"] is None
    assert by_label["statutory stage 2"]["adjudicator"] == "Head of Service"
    assert by_label["statutory stage 3"] is None  # no panel recommendations yet

    stage_one = record_complaint(world, "CS-0003", "2022-04-04", today=TODAY)
    detail = register.complaint_detail(world.db, stage_one, as_of=TODAY)
    assert not {permissions.INVESTIGATION, permissions.ADJUDICATION, permissions.PANEL} & set(
        permissions.complaint_forms(world.officer, detail).forms)
