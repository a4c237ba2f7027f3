"""Cross-area writes: a service checks the area of every record it touches, and an improvement action's owner
is always someone who can update it (the service, the import and the owners the page offers)."""

from __future__ import annotations

from datetime import date

import pytest

from learning_tracker import db as database
from learning_tracker.errors import InvalidInput, Refused
from learning_tracker.models import NewAction
from learning_tracker.read import learning_and_actions
from learning_tracker.services import actions, importing
from learning_tracker.services.core import load_actor
from learning_tracker.services.permissions import may_own_action

from .factories import add_user, build_world

DUE = date(2030, 6, 30)


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "world.db")
    yield world
    world.db.close()


def new_action(world, owner: str, area: str = "Team West", point: int | None = None) -> NewAction:
    return NewAction(learning_point_id=point or world.learning_point, description="Audit call-backs monthly",
                     owner_email=owner, service_area=area, due_on=DUE)


def point_state(world) -> tuple:
    return world.db.execute("SELECT status, version FROM learning_points WHERE id = ?", [world.learning_point]).fetchone()


def test_finding_cross_area_write_east_manager_adding_an_action_to_a_west_learning_point_is_refused(world):
    before, actions_before = point_state(world), world.db["actions"].count
    # The action filed under the manager's own area, owned by themselves: only the learning point is West's.
    with pytest.raises(Refused, match="only in your own service areas; this belongs to Team West"):
        actions.create_action(world.db, world.manager_east, new_action(world, "east@test.invalid", "Team East"))
    assert point_state(world) == before
    assert world.db["actions"].count == actions_before
    refused = world.db.execute(
        "SELECT user_email, outcome, message FROM audit_events WHERE event = 'create action' ORDER BY id").fetchall()
    assert refused == [("east@test.invalid", "refused",
                        ("You may add improvement actions to learning points only in your own service areas; "
                        "this belongs to Team West."))]


def test_finding_cross_area_write_a_manager_of_both_areas_may_file_an_action_under_either(world):
    # Decision: an action may belong to another area than its learning point (learning in one team, the
    # work in another), when whoever adds it works in both.
    both = add_user(world.db, "both@test.invalid", "Service Manager, West and East", "service_manager",
                    [world.west, world.east])
    action_id = actions.create_action(world.db, both, new_action(world, "east@test.invalid", "Team East"))
    assert world.db["actions"].get(action_id)["service_area_id"] == world.east


@pytest.mark.parametrize("owner, message", [
    ("viewer@test.invalid", ("owner ('viewer@test.invalid') is a viewer, who cannot update improvement actions: "
                            "choose the complaints officer or a service manager of Team West")),
    ("forum@test.invalid", ("owner ('forum@test.invalid') is a forum member, who cannot update improvement "
                           "actions: choose the complaints officer or a service manager of Team West")),
    ("east@test.invalid", ("owner ('east@test.invalid') works in Team East only, so could not update an action "
                          "of Team West: choose the complaints officer or a service manager of Team West")),
])
def test_finding_cross_area_write_an_owner_who_cannot_update_the_action_is_refused_with_a_clear_message(
        world, owner, message):
    before, actions_before = point_state(world), world.db["actions"].count
    with pytest.raises(InvalidInput) as refused:
        actions.create_action(world.db, world.officer, new_action(world, owner))
    assert str(refused.value) == message
    assert (point_state(world), world.db["actions"].count) == (before, actions_before)


def test_finding_cross_area_write_a_manager_without_an_area_cannot_own_an_action(world):
    add_user(world.db, "new@test.invalid", "New Service Manager", "service_manager")
    with pytest.raises(InvalidInput, match=r"has no service area yet, so could not update an action of Team West"):
        actions.create_action(world.db, world.officer, new_action(world, "new@test.invalid"))


def test_finding_cross_area_write_possible_owners_are_only_users_who_can_act(world):
    db = world.db
    add_user(db, "both@test.invalid", "Area Manager, both teams", "service_manager", [world.west, world.east])
    add_user(db, "nowhere@test.invalid", "Manager without an area", "service_manager")
    gone = add_user(db, "former@test.invalid", "Former Officer", "complaints_officer")
    db.execute("UPDATE users SET active = 0 WHERE id = ?", [gone.id])

    offered = learning_and_actions.possible_owners(db, world.west)
    # The area's service managers first, then the complaints officers; nobody else.
    assert offered == [("both@test.invalid", "Area Manager, both teams"),
                       ("west@test.invalid", "Service Manager, Team West"),
                       ("officer@test.invalid", "Complaints Officer")]
    # The list is the service's rule, user by user: each one offered is accepted, each other one refused.
    for user_id, email, active in db.execute("SELECT id, email, active FROM users ORDER BY id").fetchall():
        can_own = bool(active) and may_own_action(load_actor(db, user_id), world.west)
        assert ((email, db["users"].get(user_id)["name"]) in offered) == can_own, email
        if can_own:
            actions.create_action(db, world.officer, new_action(world, email))
        else:
            with pytest.raises(InvalidInput, match="owner"):
                actions.create_action(db, world.officer, new_action(world, email))
    assert [e for e, _ in learning_and_actions.possible_owners(db, world.east)] == [
        "both@test.invalid", "east@test.invalid", "officer@test.invalid"]


ACTIONS_HEADER = "learning_point_id,description,owner_email,service_area,due_on,status,completed_on,verified_on"


def test_finding_cross_area_write_an_import_refuses_an_open_action_owned_by_someone_who_cannot_update_it(world):
    lp = world.learning_point
    content = "\r\n".join([
        ACTIONS_HEADER,
        f"{lp},Call-back audit,viewer@test.invalid,Team West,2030-06-30,not started,,",
        f"{lp},Share the standard,east@test.invalid,Team West,2030-06-30,in progress,,",
        f"{lp},Train duty staff,west@test.invalid,Team West,2030-06-30,not started,,",
    ]).encode() + b"\r\n"
    before = world.db["actions"].count
    plan = importing.import_file(world.db, world.officer, "actions", "actions.csv", content)
    assert [str(p) for p in plan.problems] == [
        ("row 2: owner_email ('viewer@test.invalid') is a viewer, who cannot update improvement actions: "
        "choose the complaints officer or a service manager of Team West"),
        ("row 3: owner_email ('east@test.invalid') works in Team East only, so could not update an action of "
        "Team West: choose the complaints officer or a service manager of Team West"),
    ]
    assert not plan.written and world.db["actions"].count == before


def test_finding_cross_area_write_an_import_keeps_the_owner_of_a_finished_action_as_history(world):
    # A verified action's owner has since moved to Team East: the record of what happened stands.
    content = "\r\n".join([
        ACTIONS_HEADER,
        f"{world.learning_point},Call-back audit,east@test.invalid,Team West,2025-06-30,verified,2025-06-01,2025-06-10",
    ]).encode() + b"\r\n"
    plan = importing.import_file(world.db, world.officer, "actions", "actions.csv", content)
    assert plan.problems == [] and plan.written


def test_finding_cross_area_write_an_import_refuses_an_open_action_of_a_deactivated_owner(world):
    world.db.execute("UPDATE users SET active = 0 WHERE id = ?", [world.manager_west.id])
    content = (f"{ACTIONS_HEADER}\r\n"
               f"{world.learning_point},Call-back audit,west@test.invalid,Team West,2030-06-30,in progress,,\r\n").encode()
    plan = importing.import_file(world.db, world.officer, "actions", "actions.csv", content)
    assert [str(p) for p in plan.problems] == [
        ("row 2: owner_email ('west@test.invalid') has been deactivated; an action still open needs an owner who "
        "can update it: choose the complaints officer or a service manager of Team West")]


def test_finding_cross_area_write_every_action_of_the_demo_has_an_owner_who_can_update_it(demo_db_path):
    db = database.connect(demo_db_path)
    try:
        owners = db.execute("SELECT DISTINCT owner_id, service_area_id FROM actions").fetchall()
        assert owners
        cannot = [(o, a) for o, a in owners if not may_own_action(load_actor(db, o), a)]
        assert cannot == []
    finally:
        db.close()
