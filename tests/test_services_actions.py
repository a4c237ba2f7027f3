import json
from datetime import date

import pytest

from learning_tracker.errors import Conflict, InvalidInput, Refused
from learning_tracker.models import DueDateChange, Evidence, NewAction, StatusChange, parse
from learning_tracker.services import actions
from tests.factories import audit_events, build_world
from learning_tracker.rules import vocabulary


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def action_row(world):
    return world.db["actions"].get(world.action)


def history(world):
    return [(r["kind"], r["from_value"], r["to_value"]) for r in world.db.query(
        "SELECT kind, from_value, to_value FROM action_updates WHERE action_id = ? ORDER BY id", [world.action])]


def test_the_whole_lifecycle_of_an_action_leaves_its_history_and_one_audit_event_per_write(world):
    db = world.db
    actions.change_status(db, world.manager_west, world.action, 1, StatusChange(status="in progress"))
    actions.add_note(db, world.manager_west, world.action, "Discussed at team meeting")
    actions.change_due_date(db, world.manager_west, world.action, 2, DueDateChange(due_on=date(2026, 4, 30), reason="Team meeting moved"))
    actions.add_evidence(db, world.manager_west, world.action, Evidence(description="Minutes", link="https://intranet.example/minutes"))
    actions.change_status(db, world.manager_west, world.action, 3, StatusChange(status="completed"))
    actions.change_status(db, world.officer, world.action, 4, StatusChange(status="verified"))

    row = action_row(world)
    assert (row["status"], row["due_on"], row["version"]) == ("verified", "2026-04-30", 5)
    assert row["completed_on"] is not None and row["verified_on"] is not None
    assert history(world) == [
        ("status", "not started", "in progress"),
        ("note", None, None),
        ("due date", "2026-03-31", "2026-04-30"),
        ("evidence", None, "https://intranet.example/minutes"),
        ("status", "in progress", "completed"),
        ("verified", "completed", "verified"),
    ]
    events = audit_events(db)
    assert [e["event"] for e in events] == [
        "change action status", "add action note", "change action due date", "add action evidence",
        "change action status", "change action status",
    ]
    assert all(e["outcome"] == "done" and e["entity_id"] == world.action for e in events)
    assert json.loads(events[0]["before"]) == {"status": "not started", "version": 1}
    assert json.loads(events[0]["after"]) == {"status": "in progress", "version": 2}
    assert json.loads(events[2]["before"]) == {"due_on": "2026-03-31", "version": 2}
    assert events[5]["user_email"] == "officer@test.invalid"
    # Every action verified: the learning point is embedded.
    assert db["learning_points"].get(world.learning_point)["status"] == "embedded"


def test_a_service_manager_is_refused_on_another_areas_action_and_the_refusal_is_audited(world):
    with pytest.raises(Refused, match="only in your own service areas; this belongs to Team West"):
        actions.change_status(world.db, world.manager_east, world.action, 1, StatusChange(status="in progress"))
    assert action_row(world)["status"] == "not started"
    assert action_row(world)["version"] == 1
    assert history(world) == []
    [event] = audit_events(world.db)
    assert (event["outcome"], event["user_email"], event["entity_id"]) == ("refused", "east@test.invalid", world.action)
    assert "Team West" in event["message"]


@pytest.mark.parametrize("who", ["manager_east", "forum", "viewer"])
def test_only_the_owning_area_and_the_officer_may_add_notes(world, who):
    with pytest.raises(Refused):
        actions.add_note(world.db, getattr(world, who), world.action, "note")
    assert history(world) == []
    assert [e["outcome"] for e in audit_events(world.db)] == ["refused"]


def test_two_users_saving_the_same_action_the_second_gets_a_conflict_and_the_first_change_stays(world):
    read_by_both = action_row(world)["version"]
    actions.change_status(world.db, world.manager_west, world.action, read_by_both, StatusChange(status="in progress"))
    with pytest.raises(Conflict, match="Someone else changed this action"):
        actions.change_due_date(world.db, world.officer, world.action, read_by_both,
                                DueDateChange(due_on=date(2026, 6, 1), reason="Later"))
    row = action_row(world)
    assert (row["status"], row["due_on"], row["version"]) == ("in progress", "2026-03-31", 2)
    assert [e["event"] for e in audit_events(world.db)] == ["change action status"]


def test_only_the_complaints_officer_verifies_a_completed_action(world):
    actions.change_status(world.db, world.manager_west, world.action, 1, StatusChange(status="completed"))
    with pytest.raises(Refused, match="Only a complaints officer may verify"):
        actions.change_status(world.db, world.manager_west, world.action, 2, StatusChange(status="verified"))
    assert action_row(world)["status"] == "completed"


def test_the_officer_sends_a_completed_action_back_with_a_note(world):
    actions.change_status(world.db, world.manager_west, world.action, 1, StatusChange(status="completed"))
    with pytest.raises(InvalidInput, match="note is required to send an action back"):
        actions.change_status(world.db, world.officer, world.action, 2, StatusChange(status="in progress"))
    actions.change_status(world.db, world.officer, world.action, 2, StatusChange(status="in progress", note="No evidence attached"))
    assert action_row(world)["status"] == "in progress"
    assert history(world)[-1] == ("sent back", "completed", "in progress")


def test_a_due_date_change_needs_a_reason(world):
    with pytest.raises(InvalidInput, match="reason is required"):
        parse(DueDateChange, {"due_on": "2026-05-01", "reason": "  "})


def test_cancelling_needs_a_reason_and_a_cancelled_action_cannot_be_completed(world):
    with pytest.raises(InvalidInput, match="reason is required to cancel"):
        actions.change_status(world.db, world.officer, world.action, 1, StatusChange(status="cancelled"))
    actions.change_status(world.db, world.officer, world.action, 1, StatusChange(status="cancelled", note="Superseded by the new leaflet"))
    with pytest.raises(InvalidInput, match="a cancelled action can no longer change"):
        actions.change_status(world.db, world.manager_west, world.action, 2, StatusChange(status="completed"))
    assert action_row(world)["cancel_reason"] == "Superseded by the new leaflet"
    assert [e["outcome"] for e in audit_events(world.db)] == ["done"]


def test_evidence_over_the_size_limit_is_refused_and_nothing_is_stored(world):
    world.db.execute("UPDATE settings SET value = '1000' WHERE key = 'evidence_max_bytes'")
    with pytest.raises(InvalidInput, match="the most allowed is"):
        actions.add_evidence(world.db, world.manager_west, world.action,
                             Evidence(description="Scan", filename="scan.pdf", content=b"x" * 1001))
    assert world.db["action_evidence"].count == 0
    actions.add_evidence(world.db, world.manager_west, world.action,
                         Evidence(description="Scan", filename="scan.pdf", content=b"x" * 1000))
    assert world.db["action_evidence"].count == 1


def test_evidence_needs_a_link_or_a_file(world):
    with pytest.raises(InvalidInput, match="needs a link or a file"):
        actions.add_evidence(world.db, world.manager_west, world.action, Evidence(description="Trust me"))


def test_creating_an_action_checks_area_owner_and_priority(world):
    new = dict(learning_point_id=world.learning_point, description="Audit call logs", owner_email="west@test.invalid",
               service_area="team west", due_on=date(2026, 5, 1), priority="High")
    action_id = actions.create_action(world.db, world.manager_west, NewAction(**new))
    row = world.db["actions"].get(action_id)
    assert (row["service_area_id"], row["priority"], row["status"]) == (world.west, "high", "not started")
    with pytest.raises(InvalidInput, match="'Team Wets'\\) is not known; did you mean 'Team West'"):
        actions.create_action(world.db, world.officer, NewAction(**{**new, "service_area": "Team Wets"}))
    with pytest.raises(Refused):
        actions.create_action(world.db, world.manager_east, NewAction(**new))
    assert world.db["actions"].count == 2


def test_overdue_is_derived_from_due_date_and_status():
    assert vocabulary.action_is_overdue("in progress", date(2026, 1, 1), date(2026, 1, 2))
    assert not vocabulary.action_is_overdue("in progress", date(2026, 1, 2), date(2026, 1, 2))
    assert not vocabulary.action_is_overdue("completed", date(2026, 1, 1), date(2026, 1, 2))
    assert not vocabulary.action_is_overdue("cancelled", date(2026, 1, 1), date(2026, 1, 2))


def test_learning_point_status_follows_its_actions(world):
    db = world.db
    assert actions.refresh_learning_point_status(db, world.learning_point) == "actions agreed"
    actions.change_status(db, world.manager_west, world.action, 1, StatusChange(status="in progress"))
    assert db["learning_points"].get(world.learning_point)["status"] == "in progress"


def test_a_stale_save_is_told_about_the_other_change_not_about_a_rule_it_now_breaks(world):
    # Both read "not started" at version 1; the first starts it, the second's "start it" would now
    # break the transition rule, but what the second user needs to hear is that someone got there first.
    actions.change_status(world.db, world.manager_west, world.action, 1, StatusChange(status="in progress"))
    with pytest.raises(Conflict, match="Someone else changed this action"):
        actions.change_status(world.db, world.officer, world.action, 1, StatusChange(status="in progress"))
