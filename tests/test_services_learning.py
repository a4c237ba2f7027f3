import json
from datetime import date

import pytest

from learning_tracker.errors import Conflict, InvalidInput, NotFound, Refused
from learning_tracker.models import (
    DueDateChange,
    Evidence,
    NewAction,
    NewLearningPoint,
    NoLearningDecision,
    StatusChange,
    parse,
)
from learning_tracker.services import actions, learning_points
from tests.factories import add_complaint, audit_events, build_world


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "tracker.db")
    add_complaint(world.db, "CS-001", world.west, outcome="upheld", received_on="2026-01-05")
    add_complaint(world.db, "CS-002", world.west, outcome="partly upheld", received_on="2026-01-12")
    add_complaint(world.db, "CS-003", world.east, outcome="upheld", received_on="2026-01-19")
    add_complaint(world.db, "CS-004", world.west, outcome="not upheld", received_on="2026-01-26")
    return world


def complaint(world, reference):
    return next(world.db.query("SELECT * FROM complaints WHERE reference = ?", [reference]))


def links(world):
    return sorted(
        (r["learning_point_id"], r["reference"]) for r in world.db.query(
            "SELECT lpc.learning_point_id, c.reference FROM learning_point_complaints lpc"
            " JOIN complaints c ON c.id = lpc.complaint_id")
    )


def new_point(**overrides):
    values = {"service_area": "Team West", "theme": "communication", "description": "Explain delays in writing",
              "complaint_references": ["CS-001"]}
    return NewLearningPoint(**{**values, **overrides})


def counts(world):
    db = world.db
    return (db["learning_points"].count, db["learning_point_complaints"].count, db["actions"].count,
            db["action_updates"].count, db["action_evidence"].count)


def test_the_whole_learning_lifecycle_from_complaint_to_verified_action_and_closure(world):
    db = world.db
    # The service manager records learning from an upheld complaint of their area...
    point = learning_points.add_learning_point(db, world.manager_west, new_point(), {"CS-001": 1})
    # ...links a second complaint to it...
    learning_points.link_complaint(db, world.manager_west, point, "cs-002", 1)
    # ...and records that a not upheld complaint left no learning_points.
    learning_points.record_no_learning(db, world.manager_west, "CS-004", 1, NoLearningDecision(reason="Practice was sound"))
    row = db["learning_points"].get(point)
    assert (row["service_area_id"], row["theme"], row["status"], row["created_by"]) == (
        world.west, "Communication", "open", world.manager_west.id)
    assert links(world) == [(point, "CS-001"), (point, "CS-002")]
    assert complaint(world, "CS-001")["version"] == 2
    assert (complaint(world, "CS-004")["no_learning_reason"], complaint(world, "CS-004")["no_learning_recorded_by"]) == (
        "Practice was sound", world.manager_west.id)

    action_id = actions.create_action(db, world.manager_west, NewAction(
        learning_point_id=point, description="Template letter for delays", owner_email="west@test.invalid",
        service_area="Team West", due_on=date(2026, 4, 1)))
    assert db["learning_points"].get(point)["status"] == "actions agreed"
    actions.change_status(db, world.manager_west, action_id, 1, StatusChange(status="in progress"))
    actions.add_note(db, world.manager_west, action_id, "Draft shared with the team")
    actions.change_due_date(db, world.manager_west, action_id, 2, DueDateChange(due_on=date(2026, 4, 15), reason="Legal review"))
    actions.add_evidence(db, world.manager_west, action_id, Evidence(description="Letter", filename="letter.docx", content=b"PK"))
    actions.change_status(db, world.manager_west, action_id, 3, StatusChange(status="completed"))
    actions.change_status(db, world.officer, action_id, 4, StatusChange(status="verified"))
    assert db["learning_points"].get(point)["status"] == "embedded"
    version = db["learning_points"].get(point)["version"]
    learning_points.close_learning_point(db, world.officer, point, version, note="Forum agreed the learning is embedded")
    assert db["learning_points"].get(point)["status"] == "closed"

    events = [(e["event"], e["entity"], e["outcome"]) for e in db.query("SELECT * FROM audit_events ORDER BY id")]
    assert events == [
        ("add learning point", "learning_point", "done"),
        ("link complaint to learning point", "learning_point", "done"),
        ("record no learning identified", "complaint", "done"),
        ("create action", "action", "done"),
        ("change action status", "action", "done"),
        ("add action note", "action", "done"),
        ("change action due date", "action", "done"),
        ("add action evidence", "action", "done"),
        ("change action status", "action", "done"),
        ("change action status", "action", "done"),
        ("close learning point", "learning_point", "done"),
    ]
    added, linked, no_learning = audit_events(db, "learning_point")[0], audit_events(db, "learning_point")[1], audit_events(db, "complaint")[0]
    assert json.loads(added["after"]) == {
        "service_area_id": world.west, "service_area": "Team West", "theme": "Communication",
        "description": "Explain delays in writing", "source": "complaint", "status": "open",
        "created_by": world.manager_west.id, "created_on": date.today().isoformat(), "complaints": ["CS-001"],
    }
    assert (linked["entity_id"], json.loads(linked["after"])) == (point, {"complaint": "CS-002", "complaint_version": 2})
    assert (no_learning["entity_id"], no_learning["before"]) == (complaint(world, "CS-004")["id"], None)
    assert json.loads(no_learning["after"]) == {"complaint": "CS-004", "no_learning_reason": "Practice was sound", "version": 2}
    closed = audit_events(db, "learning_point")[-1]
    assert json.loads(closed["before"]) == {"status": "embedded", "version": version}
    assert json.loads(closed["after"])["note"] == "Forum agreed the learning is embedded"


def test_one_learning_point_may_draw_on_complaints_of_several_service_areas(world):
    point = learning_points.add_learning_point(world.db, world.officer, new_point(complaint_references=["CS-001", "CS-003", "cs-001"]),
                                        {"CS-001": 1, "CS-003": 1})
    assert links(world) == [(point, "CS-001"), (point, "CS-003")]
    learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-003", 2)
    assert links(world) == [(world.learning_point, "CS-003"), (point, "CS-001"), (point, "CS-003")]


def test_learning_may_be_recorded_on_a_complaint_that_was_not_upheld(world):
    point = learning_points.add_learning_point(world.db, world.manager_west, new_point(complaint_references=["CS-004"]), {"CS-004": 1})
    assert links(world) == [(point, "CS-004")]


def test_recording_learning_replaces_an_earlier_no_learning_decision(world):
    learning_points.record_no_learning(world.db, world.officer, "CS-001", 1, NoLearningDecision(reason="None found"))
    learning_points.link_complaint(world.db, world.manager_west, world.learning_point, "CS-001", 2)
    row = complaint(world, "CS-001")
    assert (row["no_learning_reason"], row["no_learning_recorded_by"], row["no_learning_recorded_on"], row["version"]) == (
        None, None, None, 3)
    assert json.loads(audit_events(world.db, "learning_point")[0]["before"]) == {"no_learning_reason": "None found", "version": 2}


def test_no_learning_cannot_be_recorded_on_a_complaint_that_has_learning(world):
    learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-001", 1)
    with pytest.raises(InvalidInput, match=f"cannot be recorded: complaint CS-001 already has learning point {world.learning_point}"):
        learning_points.record_no_learning(world.db, world.officer, "CS-001", 2, NoLearningDecision(reason="None"))
    assert complaint(world, "CS-001")["no_learning_reason"] is None


def refusals(world):
    return [(e["event"], e["user_email"]) for e in world.db.query("SELECT * FROM audit_events WHERE outcome = 'refused' ORDER BY id")]


@pytest.mark.parametrize(
    "attempt,message",
    [
        (lambda w: learning_points.add_learning_point(w.db, w.manager_east, new_point(), {"CS-001": 1}),
         "You may record learning only in your own service areas; this belongs to Team West."),
        (lambda w: learning_points.add_learning_point(w.db, w.manager_west, new_point(complaint_references=["CS-001", "CS-003"])),
         "You may record learning for complaints only in your own service areas; this belongs to Team East."),
        (lambda w: learning_points.link_complaint(w.db, w.manager_east, w.learning_point, "CS-003", 1),
         "You may link complaints to learning points only in your own service areas; this belongs to Team West."),
        (lambda w: learning_points.link_complaint(w.db, w.manager_west, w.learning_point, "CS-003", 1),
         "You may record learning for complaints only in your own service areas; this belongs to Team East."),
        (lambda w: learning_points.record_no_learning(w.db, w.manager_east, "CS-001", 1, NoLearningDecision(reason="x")),
         "You may record learning decisions for complaints only in your own service areas; this belongs to Team West."),
        (lambda w: learning_points.close_learning_point(w.db, w.manager_west, w.learning_point, 1),
         "Only a complaints officer may close a learning point; you are signed in as a service manager."),
    ],
    ids=["new point in another area", "complaint of another area", "link to another area's point",
         "link another area's complaint", "no learning in another area", "manager closing"],
)
def test_a_service_manager_outside_their_areas_is_refused_the_refusal_audited_and_nothing_written(world, attempt, message):
    before = counts(world), [complaint(world, r)["version"] for r in ("CS-001", "CS-003")]
    with pytest.raises(Refused) as refused:
        attempt(world)
    assert str(refused.value) == message
    assert (counts(world), [complaint(world, r)["version"] for r in ("CS-001", "CS-003")]) == before
    assert world.db["learning_points"].get(world.learning_point)["status"] == "open"
    [(event, email)] = refusals(world)
    assert event in ("add learning point", "link complaint to learning point", "record no learning identified",
                     "close learning point")
    assert email.startswith(("west", "east"))


@pytest.mark.parametrize("who,role", [("forum", "forum member"), ("viewer", "viewer")])
@pytest.mark.parametrize(
    "attempt",
    [
        lambda w, a: learning_points.add_learning_point(w.db, a, new_point(), {"CS-001": 1}),
        lambda w, a: learning_points.link_complaint(w.db, a, w.learning_point, "CS-001", 1),
        lambda w, a: learning_points.record_no_learning(w.db, a, "CS-001", 1, NoLearningDecision(reason="x")),
        lambda w, a: learning_points.close_learning_point(w.db, a, w.learning_point, 1),
        lambda w, a: actions.change_status(w.db, a, w.action, 1, StatusChange(status="in progress")),
        lambda w, a: actions.change_due_date(w.db, a, w.action, 1, DueDateChange(due_on=date(2026, 5, 1), reason="x")),
        lambda w, a: actions.add_evidence(w.db, a, w.action, Evidence(description="x", link="https://x.example")),
        lambda w, a: actions.add_note(w.db, a, w.action, "x"),
    ],
    ids=["add point", "link", "no learning", "close", "status", "due date", "evidence", "note"],
)
def test_forum_members_and_viewers_never_write_learning_or_actions(world, who, role, attempt):
    before = counts(world), complaint(world, "CS-001")["version"], world.db["actions"].get(world.action)["version"]
    with pytest.raises(Refused, match=f"you are signed in as a {role}"):
        attempt(world, getattr(world, who))
    assert (counts(world), complaint(world, "CS-001")["version"], world.db["actions"].get(world.action)["version"]) == before
    assert [outcome for (outcome,) in world.db.execute("SELECT outcome FROM audit_events")] == ["refused"]


def test_two_users_saving_the_same_learning_decision_the_second_gets_a_conflict(world):
    read_by_both = complaint(world, "CS-001")["version"]
    learning_points.record_no_learning(world.db, world.manager_west, "CS-001", read_by_both, NoLearningDecision(reason="Isolated error"))
    with pytest.raises(Conflict, match="Someone else changed this complaint after you opened it"):
        learning_points.add_learning_point(world.db, world.officer, new_point(), {"CS-001": read_by_both})
    with pytest.raises(Conflict):
        learning_points.record_no_learning(world.db, world.officer, "CS-001", read_by_both, NoLearningDecision(reason="Other"))
    with pytest.raises(Conflict):
        learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-001", read_by_both)
    row = complaint(world, "CS-001")
    assert (row["no_learning_reason"], row["version"]) == ("Isolated error", read_by_both + 1)
    assert world.db["learning_points"].count == 1 and world.db["learning_point_complaints"].count == 0
    assert [e["event"] for e in world.db.query("SELECT event FROM audit_events")] == ["record no learning identified"]


def test_closing_a_learning_point_checks_its_version_and_refuses_a_second_close(world):
    actions.change_status(world.db, world.manager_west, world.action, 1, StatusChange(status="in progress"))
    with pytest.raises(Conflict, match="this learning point"):
        learning_points.close_learning_point(world.db, world.officer, world.learning_point, 1)
    version = world.db["learning_points"].get(world.learning_point)["version"]
    learning_points.close_learning_point(world.db, world.officer, world.learning_point, version)
    with pytest.raises(InvalidInput, match=f"learning point \\('{world.learning_point}'\\) is already closed"):
        learning_points.close_learning_point(world.db, world.officer, world.learning_point, version + 1)
    # Actions moving later do not reopen a closed learning point.
    actions.change_status(world.db, world.manager_west, world.action, 2, StatusChange(status="completed"))
    assert world.db["learning_points"].get(world.learning_point)["status"] == "closed"


@pytest.mark.parametrize(
    "attempt,error,message",
    [
        (lambda w: learning_points.add_learning_point(w.db, w.officer, new_point(complaint_references=["CS-999"])),
         NotFound, "No complaint has the reference 'CS-999'."),
        (lambda w: learning_points.add_learning_point(w.db, w.officer, new_point(complaint_references=[])),
         InvalidInput, "complaints must name at least one complaint the learning comes from"),
        (lambda w: learning_points.add_learning_point(w.db, w.officer, new_point(theme="Comunication")),
         InvalidInput, "theme ('Comunication') is not known; did you mean 'Communication'?"),
        (lambda w: learning_points.add_learning_point(w.db, w.officer, new_point(service_area="Team Wets")),
         InvalidInput, "service area ('Team Wets') is not known; did you mean 'Team West'?"),
        (lambda w: learning_points.link_complaint(w.db, w.officer, 999, "CS-001", 1), NotFound, "Learning point 999 does not exist."),
        (lambda w: learning_points.link_complaint(w.db, w.officer, w.learning_point, "CS-999", 1),
         NotFound, "No complaint has the reference 'CS-999'."),
        (lambda w: learning_points.record_no_learning(w.db, w.officer, "nope", 1, NoLearningDecision(reason="x")),
         NotFound, "No complaint has the reference 'nope'."),
    ],
    ids=["unknown complaint", "no complaint", "unknown theme", "unknown area", "unknown point", "link unknown complaint",
         "no learning on unknown complaint"],
)
def test_bad_learning_input_is_refused_in_plain_words_and_nothing_is_written(world, attempt, error, message):
    before = counts(world)
    with pytest.raises(error) as raised:
        attempt(world)
    assert str(raised.value) == message
    assert counts(world) == before
    assert world.db["audit_events"].count == 0


def test_a_complaint_is_linked_to_a_learning_point_only_once(world):
    learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-001", 1)
    with pytest.raises(InvalidInput, match=f"complaint \\('CS-001'\\) is already linked to learning point {world.learning_point}"):
        learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-001", 2)
    assert world.db["learning_point_complaints"].count == 1


def test_a_no_learning_decision_needs_a_reason():
    with pytest.raises(InvalidInput, match="reason is required"):
        parse(NoLearningDecision, {"reason": "   "})


@pytest.mark.parametrize(
    "attempt,error,message",
    [
        (lambda w: actions.change_status(w.db, w.manager_west, w.action, 2, StatusChange(status="verified")),
         Refused, "Only a complaints officer may verify a completed action or send it back"),
        (lambda w: actions.change_status(w.db, w.manager_west, w.action, 2, StatusChange(status="in progress", note="redo")),
         Refused, "Only a complaints officer may verify a completed action or send it back"),
        (lambda w: actions.change_due_date(w.db, w.manager_east, w.action, 2, DueDateChange(due_on=date(2026, 5, 1), reason="x")),
         Refused, "only in your own service areas; this belongs to Team West"),
        (lambda w: actions.add_evidence(w.db, w.manager_west, w.action, Evidence(description="big", filename="big.pdf", content=b"x" * 1001)),
         InvalidInput, "file ('big.pdf') is 1,001 bytes; the most allowed is 1,000 bytes"),
        (lambda w: actions.change_due_date(w.db, w.manager_west, w.action, 2, parse(DueDateChange, {"due_on": "2026-05-01", "reason": ""})),
         InvalidInput, "reason is required"),
    ],
    ids=["manager verifying", "manager sending back", "other area moving due date", "evidence over the limit", "due date without reason"],
)
def test_every_refusal_on_a_completed_action_leaves_it_unchanged(world, attempt, error, message):
    world.db.execute("UPDATE settings SET value = '1000' WHERE key = 'evidence_max_bytes'")
    actions.change_status(world.db, world.manager_west, world.action, 1, StatusChange(status="completed"))
    before = dict(world.db["actions"].get(world.action)), counts(world)
    with pytest.raises(error, match=message.replace("(", "\\(").replace(")", "\\)")):
        attempt(world)
    assert (dict(world.db["actions"].get(world.action)), counts(world)) == before


def test_completing_a_cancelled_action_is_refused_in_plain_words_and_changes_nothing(world):
    actions.change_status(world.db, world.officer, world.action, 1, StatusChange(status="cancelled", note="Superseded"))
    before = dict(world.db["actions"].get(world.action)), counts(world)
    with pytest.raises(InvalidInput) as refused:
        actions.change_status(world.db, world.manager_west, world.action, 2, StatusChange(status="completed"))
    assert str(refused.value) == "status ('completed') cannot follow 'cancelled'; a cancelled action can no longer change"
    assert (dict(world.db["actions"].get(world.action)), counts(world)) == before


def test_a_stale_learning_decision_is_told_of_the_other_change_before_any_rule(world):
    read_by_both = complaint(world, "CS-001")["version"]
    learning_points.link_complaint(world.db, world.manager_west, world.learning_point, "CS-001", read_by_both)
    # "no learning" would also break the rule that a complaint with learning cannot have it; the conflict comes first.
    with pytest.raises(Conflict, match="Someone else changed this complaint"):
        learning_points.record_no_learning(world.db, world.officer, "CS-001", read_by_both, NoLearningDecision(reason="None"))
    with pytest.raises(Conflict, match="Someone else changed this complaint"):
        learning_points.link_complaint(world.db, world.officer, world.learning_point, "CS-001", read_by_both)
