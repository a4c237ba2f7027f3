"""What a page offers is what the service allows: ``services.permissions`` answers the pages, and every
answer is checked here against the service's own refusal, for every role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from learning_tracker.errors import DomainError, Refused
from learning_tracker.models import Escalation, StageResponse, StatusChange
from learning_tracker.read import register
from learning_tracker.rules import vocabulary
from learning_tracker.services import actions, complaints, permissions

from .factories import build_world, record_complaint

TODAY = date.today()
ROLES = ("officer", "manager_west", "manager_east", "forum", "viewer")


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "permissions.db")
    yield w
    w.db.close()


def _detail(world, complaint_id):
    return register.complaint_detail(world.db, complaint_id, as_of=TODAY)


def _allowed(call) -> bool:
    """True when the service did it, False when it refused the user; any other error fails the test."""
    try:
        call()
    except Refused:
        return False
    return True


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("stage", [1, 2])
def test_the_response_form_is_offered_exactly_when_the_service_takes_the_response(world, who, stage):
    complaint_id = record_complaint(world, "W-1", TODAY - timedelta(days=30), today=TODAY)
    if stage == 2:
        complaints.record_response(world.db, world.officer, complaint_id, 1,
                                   StageResponse(responded_on=TODAY - timedelta(days=20), outcome="not upheld"))
        complaints.escalate(world.db, world.officer, complaint_id, 2, Escalation(
            procedure="statutory", stage=2, requested_on=TODAY - timedelta(days=10)))
    actor = getattr(world, who)
    detail = _detail(world, complaint_id)
    offered = permissions.complaint_forms(actor, detail)
    done = _allowed(lambda: complaints.record_response(
        world.db, actor, complaint_id, detail["version"], StageResponse(responded_on=TODAY)))
    assert (permissions.RESPONSE in offered.forms) == done
    assert bool(offered.forms) != bool(offered.why_none)


@pytest.mark.parametrize("who", ROLES)
def test_the_officers_forms_are_offered_to_the_officer_alone(world, who):
    complaint_id = record_complaint(world, "W-1", TODAY - timedelta(days=30), today=TODAY)
    actor = getattr(world, who)
    forms = set(permissions.complaint_forms(actor, _detail(world, complaint_id)).forms)
    officer_forms = {permissions.EXTENSION, permissions.WITHDRAWAL, permissions.ESCALATION, permissions.CONCERNS,
                     permissions.OMBUDSMAN}
    assert bool(forms & officer_forms) == (who == "officer") == permissions.records_complaints(actor)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("status", vocabulary.ACTION_STATUSES)
def test_the_next_statuses_offered_are_exactly_those_the_service_accepts(world, who, status):
    actor = getattr(world, who)
    world.db["actions"].update(world.action, {"status": status})
    offered = permissions.next_statuses(actor, world.db["actions"].get(world.action))
    accepted = []
    for new in vocabulary.ACTION_STATUSES:
        version = world.db["actions"].get(world.action)["version"]
        try:
            actions.change_status(world.db, actor, world.action, version,
                                  StatusChange(status=new, note="A reason for the record."))
        except DomainError:
            continue
        accepted.append(new)
        world.db["actions"].update(world.action, {"status": status})
    assert sorted(offered) == sorted(accepted), (who, status)


def test_the_offers_follow_the_role_sets_the_services_check(world):
    assert [permissions.records_learning(getattr(world, w)) for w in ROLES] == [True, True, True, False, False]
    assert [permissions.records_forum_decisions(getattr(world, w)) for w in ROLES] == [True, False, False, True, False]
    assert [permissions.reads_reports(getattr(world, w)) for w in ROLES] == [True, False, False, False, True]
    assert [permissions.verifies_actions(getattr(world, w)) for w in ROLES] == [True, False, False, False, False]
    assert permissions.own_service_areas(world.officer) is None
    assert permissions.own_service_areas(world.manager_west) == (world.west,)
    areas = [(world.east, "Team East"), (world.west, "Team West")]
    assert permissions.areas_to_record_in(world.officer, areas) == ["Team East", "Team West"]
    assert permissions.areas_to_record_in(world.manager_west, areas) == ["Team West"]
    assert permissions.areas_to_record_in(world.viewer, areas) == []
    assert permissions.closes_learning_points(world.officer, vocabulary.OPEN)
    assert not permissions.closes_learning_points(world.officer, vocabulary.CLOSED)
    assert not permissions.closes_learning_points(world.manager_west, vocabulary.OPEN)


@pytest.mark.parametrize("who", ["officer", "manager_west", "manager_east"])
def test_an_actions_update_forms_are_offered_exactly_when_the_service_takes_a_note(world, who):
    actor = getattr(world, who)
    action = world.db["actions"].get(world.action)  # Team West's
    offered = permissions.updates_action(actor, action)
    assert offered == _allowed(lambda: actions.add_note(world.db, actor, world.action, "Spoke to the team."))
    assert offered == (who != "manager_east")


def test_a_service_manager_without_areas_yet_follows_no_area_rather_than_every_area(world, tmp_path):
    from .factories import add_user

    newcomer = add_user(world.db, "new@test.invalid", "New manager", "service_manager")
    assert permissions.own_service_areas(newcomer) == ()
    assert permissions.own_service_areas(world.officer) is None
