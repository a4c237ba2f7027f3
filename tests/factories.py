"""Small, explicit records for tests that need a few rows rather than the demo database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from learning_tracker import db as database
from learning_tracker.services.core import Actor, load_actor


@dataclass
class World:
    """Two service areas, one user per role (two service managers), one learning point with one action."""

    db: sqlite_utils.Database
    officer: Actor
    manager_west: Actor
    manager_east: Actor
    forum: Actor
    viewer: Actor
    west: int
    east: int
    learning_point: int
    action: int


def add_user(db, email, name, role, areas=()):
    user_id = db["users"].insert({"email": email, "name": name, "role": role}).last_pk
    for area in areas:
        db["user_service_areas"].insert({"user_id": user_id, "service_area_id": area})
    return load_actor(db, user_id)


def build_world(path: Path) -> World:
    db = database.connect(path)
    with database.transaction(db):
        west = db["service_areas"].insert({"name": "Team West"}).last_pk
        east = db["service_areas"].insert({"name": "Team East"}).last_pk
        officer = add_user(db, "officer@test.invalid", "Complaints Officer", "complaints_officer")
        manager_west = add_user(db, "west@test.invalid", "Service Manager, Team West", "service_manager", [west])
        manager_east = add_user(db, "east@test.invalid", "Service Manager, Team East", "service_manager", [east])
        forum = add_user(db, "forum@test.invalid", "Forum Chair", "forum_member")
        viewer = add_user(db, "viewer@test.invalid", "Director", "viewer")
        learning_point = db["learning_points"].insert(
            {"service_area_id": west, "theme": "Communication", "description": "Return calls within a day",
             "created_on": "2026-01-05"}
        ).last_pk
        action = db["actions"].insert(
            {"learning_point_id": learning_point, "description": "Share call-back standard with the team",
             "owner_id": manager_west.id, "service_area_id": west, "due_on": date(2026, 3, 31).isoformat(),
             "priority": "high", "status": "not started", "created_on": "2026-01-05"}
        ).last_pk
    return World(db, officer, manager_west, manager_east, forum, viewer, west, east, learning_point, action)


def audit_events(db, entity="action"):
    return [dict(r) for r in db.query("SELECT * FROM audit_events WHERE entity = ? ORDER BY id", [entity])]


def add_complaint(db, reference, service_area_id, *, outcome=None, received_on="2026-01-05", procedure="statutory"):
    """A bare complaint row (no stages or concerns): enough for learning and learning-gap tests."""
    with database.transaction(db):
        return db["complaints"].insert(
            {"reference": reference, "received_on": received_on, "procedure": procedure,
             "service_area_id": service_area_id, "outcome": outcome,
             "outcome_on": received_on if outcome else None}
        ).last_pk


def add_action(db, learning_point_id, owner, service_area_id, due_on, *, status="not started", description="An action"):
    """A bare action row on a learning point, owned by ``owner`` (an Actor)."""
    with database.transaction(db):
        return db["actions"].insert(
            {"learning_point_id": learning_point_id, "description": description, "owner_id": owner.id,
             "service_area_id": service_area_id, "due_on": str(due_on), "status": status, "created_on": "2026-01-05"}
        ).last_pk


def record_complaint(world, reference, received_on, *, area="Team West", procedure="statutory", concerns=(),
                     responded_on=None, outcome=None, acknowledged=True, today=date(2030, 1, 1)):
    """A complaint recorded through the complaints service (stage 1 opened on receipt), acknowledged the day it
    arrived unless ``acknowledged`` is false (so its only open step is the response), optionally answered.

    Dates are ISO strings or dates; returns the complaint id.
    """
    from learning_tracker.models import NewComplaint, StageResponse
    from learning_tracker.services import complaints

    complaint_id = complaints.create_complaint(world.db, world.officer, NewComplaint(
        reference=reference, received_on=received_on, procedure=procedure, service_area=area,
        acknowledged_on=received_on if acknowledged else None, concerns=list(concerns)), today=today)
    if responded_on:
        complaints.record_response(world.db, world.officer, complaint_id, 1,
                                   StageResponse(responded_on=responded_on, outcome=outcome), today=today)
    return complaint_id


def open_page(db_path, monkeypatch, role: str, page_file: str | None = None, **state):
    """AppTest of the app on ``db_path`` as the demo user of ``role``, switched to ``pages/<page_file>`` with
    ``state`` set in the session (a complaint's reference, a filter) before it runs."""
    from streamlit.testing.v1 import AppTest

    from learning_tracker import navigation
    from learning_tracker.demo import DEMO_USERS_BY_ROLE

    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    db = database.connect(db_path)
    try:
        user_id = db.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    finally:
        db.close()
    at = AppTest.from_file(str(navigation.ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id
    at.run()
    if page_file:
        at.switch_page(str(navigation.ROOT / "pages" / page_file))
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
    return at
