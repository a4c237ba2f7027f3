"""The Practice Improvement Forum: meetings, decisions (recorded, audited, refused), the pack and its Word document."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document

from learning_tracker import db as database
from learning_tracker.errors import Conflict, InvalidInput, NotFound, Refused
from learning_tracker.models import ForumDecision, NewForumMeeting, StatusChange
from learning_tracker.reports import forum_pack
from learning_tracker.services import actions as action_services
from learning_tracker.services import forum
from tests.factories import add_action, add_complaint, audit_events, build_world

TODAY = date(2026, 3, 10)


@pytest.fixture
def world(tmp_path):
    """build_world plus: an East learning point of 10 Feb with an overdue action; an embedded West one;
    action updates before, on and after the 5 Feb meeting; a learning gap; meetings on 5 Feb and 5 Mar 2026."""
    world = build_world(tmp_path / "forum.db")
    db = world.db
    with database.transaction(db):
        world.east_point = db["learning_points"].insert({
            "service_area_id": world.east, "theme": "Standards of service", "description": "Explain short breaks decisions",
            "status": "in progress", "created_on": "2026-02-10"}).last_pk  # fmt: skip
        world.embedded = db["learning_points"].insert({
            "service_area_id": world.west, "theme": "Communication", "description": "Already embedded",
            "status": "embedded", "created_on": "2026-02-12"}).last_pk  # fmt: skip
    world.late = add_action(db, world.east_point, world.manager_east, world.east, "2026-02-01", status="in progress",
                            description="Rewrite the short breaks letter")
    with database.transaction(db):
        for at, note in [("2026-01-20T10:00:00+00:00", "Before the first meeting"),
                         ("2026-02-05T09:00:00+00:00", "On the day of the first meeting"),
                         ("2026-02-20T10:00:00+00:00", "Draft letter shared")]:
            db["action_updates"].insert({"action_id": world.late, "at": at, "user_id": world.manager_east.id,
                                         "kind": "note", "note": note})
    world.gap = add_complaint(db, "G-1", world.east, outcome="upheld", received_on="2026-01-15")
    world.first = forum.create_meeting(db, world.forum, NewForumMeeting(held_on=date(2026, 2, 5), attendees=["Chair"]))
    world.second = forum.create_meeting(db, world.officer, NewForumMeeting(
        held_on=date(2026, 3, 5), attendees=["Practice Improvement Forum Chair", "Complaints Officer", "complaints officer"]))
    return world


def decision(item="learning point", item_id=1, decision="noted", note=None, read_version=None):
    return ForumDecision(item=item, item_id=item_id, decision=decision, note=note, read_version=read_version)


# --- meetings -----------------------------------------------------------------------------------------


def test_a_meeting_keeps_its_date_and_attendees_role_titles_once_each_and_is_audited(world):
    row = world.db["forum_meetings"].get(world.second)
    assert (row["held_on"], row["attendees"], row["created_by"]) == (
        "2026-03-05", "Practice Improvement Forum Chair; Complaints Officer", world.officer.id)
    event = audit_events(world.db, "forum_meeting")[-1]
    assert (event["event"], event["entity_id"], event["outcome"], event["user_id"]) == (
        "create forum meeting", world.second, "done", world.officer.id)
    assert json.loads(event["after"])["attendees"] == "Practice Improvement Forum Chair; Complaints Officer"


def test_a_second_meeting_on_the_same_date_or_one_without_attendees_is_refused_in_plain_words(world):
    with pytest.raises(InvalidInput) as error:
        forum.create_meeting(world.db, world.forum, NewForumMeeting(held_on=date(2026, 3, 5), attendees=["Chair"]))
    assert str(error.value) == "meeting date ('2026-03-05') already has a meeting; choose it from the list of meetings"
    with pytest.raises(InvalidInput, match="attendees need at least one role title"):
        forum.create_meeting(world.db, world.forum, NewForumMeeting(held_on=date(2026, 4, 2), attendees=[]))
    assert world.db["forum_meetings"].count == 2


@pytest.mark.parametrize("who", ["viewer", "manager_west"])
def test_viewers_and_service_managers_cannot_set_up_meetings(world, who):
    with pytest.raises(Refused, match="Only a forum member or complaints officer may set up forum meetings"):
        forum.create_meeting(world.db, getattr(world, who), NewForumMeeting(held_on=date(2026, 4, 2), attendees=["Chair"]))
    assert world.db["forum_meetings"].count == 2
    assert audit_events(world.db, "forum_meeting")[-1]["outcome"] == "refused"


# --- decisions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["forum", "officer"])
def test_forum_members_and_the_officer_record_decisions_which_are_audited(world, who):
    actor = getattr(world, who)
    decision_id = forum.record_decision(world.db, actor, world.second,
                                        decision("action", world.late, "Escalate to senior leadership", "Overdue a month"))
    row = world.db["forum_decisions"].get(decision_id)
    assert {k: row[k] for k in ("meeting_id", "learning_point_id", "action_id", "complaint_id", "decision", "note", "recorded_by")} == {
        "meeting_id": world.second, "learning_point_id": None, "action_id": world.late, "complaint_id": None,
        "decision": "escalate to senior leadership", "note": "Overdue a month", "recorded_by": actor.id}
    event = audit_events(world.db, "forum_decision")[-1]
    assert (event["event"], event["entity_id"], event["outcome"], event["user_id"]) == (
        "record forum decision", decision_id, "done", actor.id)
    after = json.loads(event["after"])
    assert (after["item"], after["action_id"], after["decision"], after["meeting_held_on"]) == (
        "action", world.late, "escalate to senior leadership", "2026-03-05")
    # The forum recorded a decision about the action; the action itself is unchanged.
    assert world.db["actions"].get(world.late)["status"] == "in progress"


def test_a_decision_on_a_learning_gap_names_the_complaint(world):
    decision_id = forum.record_decision(world.db, world.forum, world.second, decision("learning gap", world.gap, "noted"))
    assert world.db["forum_decisions"].get(decision_id)["complaint_id"] == world.gap


@pytest.mark.parametrize("who", ["viewer", "manager_west", "manager_east"])
def test_viewers_and_service_managers_are_refused_and_the_refusal_is_audited(world, who):
    actor = getattr(world, who)
    with pytest.raises(Refused) as error:
        forum.record_decision(world.db, actor, world.second,
                              decision("learning point", world.learning_point, "close the learning point", read_version=1))
    assert str(error.value).startswith("Only a forum member or complaints officer may record forum decisions")
    assert world.db["forum_decisions"].count == 0
    assert world.db["learning_points"].get(world.learning_point)["status"] == "open"
    event = audit_events(world.db, "forum_decision")[-1]
    assert (event["event"], event["outcome"], event["user_id"], event["message"]) == (
        "record forum decision", "refused", actor.id, str(error.value))


def test_closing_the_learning_point_closes_it_in_the_same_audited_transaction(world):
    decision_id = forum.record_decision(world.db, world.forum, world.second, decision(
        "learning point", world.east_point, "close the learning point", "Letter rewritten and in use", read_version=1))
    point = world.db["learning_points"].get(world.east_point)
    assert (point["status"], point["version"]) == ("closed", 2)
    closure = audit_events(world.db, "learning_point")[-1]
    assert (closure["event"], closure["entity_id"], closure["user_id"], closure["outcome"]) == (
        "close learning point", world.east_point, world.forum.id, "done")
    assert json.loads(closure["before"]) == {"status": "in progress", "version": 1}
    assert json.loads(closure["after"]) == {"status": "closed", "version": 2, "open_actions": 1,
                                            "forum_meeting_id": world.second, "note": "Letter rewritten and in use"}
    recorded = audit_events(world.db, "forum_decision")[-1]
    assert recorded["entity_id"] == decision_id
    assert json.loads(recorded["after"])["learning_point_closed"] == {"status": "closed", "version": 2, "open_actions": 1}


def test_closing_a_learning_point_someone_else_changed_is_a_conflict_and_writes_nothing(world):
    with database.transaction(world.db):
        world.db.execute("UPDATE learning_points SET version = version + 1 WHERE id = ?", [world.east_point])
    with pytest.raises(Conflict, match="Someone else changed this learning point"):
        forum.record_decision(world.db, world.forum, world.second,
                              decision("learning point", world.east_point, "close the learning point", read_version=1))
    assert world.db["learning_points"].get(world.east_point)["status"] == "in progress"
    assert world.db["forum_decisions"].count == 0


@pytest.mark.parametrize("bad,message", [
    (decision("action", 1, "close the learning point"),
     "decision ('close the learning point') applies to a learning point; choose the learning point itself to close it"),
    (decision("learning gap", 1, "close the learning point"),
     "decision ('close the learning point') applies to a learning point; choose the learning point itself to close it"),
    (decision("learning point", 1, "close the learning point"),
     "learning point version is required to close a learning point: reload the pack and decide again"),
    (decision("learning point", 1, "escalate to senior leadership", "  "),
     "note is required for 'escalate to senior leadership': say what is escalated and why"),
    (decision("learning point", 1, "new action needed"),
     "note is required for 'new action needed': say what action is needed and who should own it"),
    (decision("learning point", 1, "notted"), "decision ('notted') is not known; did you mean 'noted'?"),
])
def test_a_bad_decision_is_refused_in_plain_words_and_writes_nothing(world, bad, message):
    with pytest.raises(InvalidInput) as error:
        forum.record_decision(world.db, world.forum, world.second, bad)
    assert str(error.value) == message
    assert world.db["forum_decisions"].count == 0


def test_closing_an_already_closed_learning_point_is_refused(world):
    forum.record_decision(world.db, world.officer, world.second,
                          decision("learning point", world.learning_point, "close the learning point", read_version=1))
    with pytest.raises(InvalidInput, match=r"learning point \('1'\) is already closed"):
        forum.record_decision(world.db, world.officer, world.second,
                              decision("learning point", world.learning_point, "close the learning point", read_version=2))


@pytest.mark.parametrize("meeting_id,item,message", [
    (99, decision("learning point", 1), "Forum meeting 99 does not exist."),
    (None, decision("action", 99), "Action 99 does not exist."),
    (None, decision("learning gap", 99), "Complaint 99 does not exist."),
])
def test_a_decision_about_something_that_does_not_exist_is_not_found(world, meeting_id, item, message):
    with pytest.raises(NotFound) as error:
        forum.record_decision(world.db, world.forum, meeting_id or world.second, item)
    assert str(error.value) == message


def test_forum_members_still_cannot_change_actions(world):
    with pytest.raises(Refused):
        action_services.change_status(world.db, world.forum, world.late, 1, StatusChange(status="completed"))
    with pytest.raises(Refused):
        action_services.add_note(world.db, world.forum, world.late, "The forum asks for an update")
    assert world.db["actions"].get(world.late)["status"] == "in progress"


# --- the pack -----------------------------------------------------------------------------------------


def test_the_pack_lists_open_learning_overdue_first_and_what_changed_since_the_previous_meeting(world):
    forum.record_decision(world.db, world.forum, world.second, decision("learning gap", world.gap, "noted", "Chase the form"))
    pack = forum_pack.build(world.db, world.second, today=TODAY)
    assert (pack.previous.id, pack.since, pack.until, pack.as_of) == (world.first, date(2026, 2, 5), date(2026, 3, 5), date(2026, 3, 5))
    assert pack.summary.values.tolist() == [["Team East", "Standards of service", 1, 1, 1], ["Team West", "Communication", 1, 1, 0]]
    # The embedded learning point is left out; the one with an overdue action comes first.
    assert pack.learning_points[["Learning point", "Service area", "Open actions", "Overdue actions"]].values.tolist() == [
        [world.east_point, "Team East", 1, 1], [world.learning_point, "Team West", 1, 0]]
    assert pack.learning_points_total == 2
    assert pack.actions[["Action", "Days overdue", "Status"]].values.tolist() == [
        [world.late, 32, "in progress"], [world.action, 0, "not started"]]
    assert (pack.actions_total, pack.overdue_actions) == (2, 1)
    # New since 5 February, up to and including 5 March: the learning points created on 10 and 12 February.
    assert pack.new_learning_points["Learning point"].tolist() == [world.embedded, world.east_point]
    # Updates after the day of the previous meeting only.
    assert pack.action_updates[["Action", "Note"]].values.tolist() == [[world.late, "Draft letter shared"]]
    assert pack.gaps[["Complaint", "Service area", "Outcome", "Decision at this meeting"]].values.tolist() == [
        ["G-1", "Team East", "upheld", "noted"]]
    assert pack.decisions[["Item", "Service area", "Decision", "Note", "Recorded by"]].values.tolist() == [
        ["Learning gap: complaint G-1", "Team East", "noted", "Chase the form", "Forum Chair"]]


def test_the_first_meeting_looks_back_four_weeks_and_judges_overdue_on_its_date(world):
    pack = forum_pack.build(world.db, world.first, today=TODAY)
    assert (pack.previous, pack.since, pack.as_of) == (None, date(2026, 1, 8), date(2026, 2, 5))
    assert pack.action_updates["Note"].tolist() == ["On the day of the first meeting", "Before the first meeting"]
    assert pack.actions["Days overdue"].tolist() == [4, 0]


def test_the_pack_can_be_narrowed_to_service_areas_and_themes_and_cut_to_a_limit(world):
    west = forum_pack.build(world.db, world.second, today=TODAY, service_area_ids=(world.west,))
    assert west.learning_points["Learning point"].tolist() == [world.learning_point]
    assert west.actions["Action"].tolist() == [world.action]
    assert west.gaps.empty and west.action_updates.empty
    assert west.filtered_by == ["service areas: Team West"]
    themed = forum_pack.build(world.db, world.second, today=TODAY, themes=("Standards of service",))
    assert themed.learning_points["Learning point"].tolist() == [world.east_point]
    short = forum_pack.build(world.db, world.second, today=TODAY, limit=1)
    assert (len(short.learning_points), short.learning_points_total, len(short.actions), short.actions_total) == (1, 2, 1, 2)


def test_the_forum_can_decide_on_every_item_of_its_pack(world):
    pack = forum_pack.build(world.db, world.second, today=TODAY)
    items = forum_pack.decision_items(pack)
    assert [i.name for i in items] == [f"learning point {world.east_point}", f"learning point {world.learning_point}",
                                       f"action {world.late}", f"action {world.action}", "the learning gap of complaint G-1"]
    assert [(i.kind, i.id, i.version) for i in items] == [
        ("learning point", world.east_point, 1), ("learning point", world.learning_point, 1),
        ("action", world.late, None), ("action", world.action, None), ("learning gap", world.gap, None)]
    assert items[0].label == (f"Learning point {world.east_point} (Team East, Standards of service, in progress): "
                              "Explain short breaks decisions")
    assert items[2].label == f"Action {world.late} (Team East, in progress, 32 days overdue): Rewrite the short breaks letter"


def test_past_meetings_keep_their_decisions(world):
    forum.record_decision(world.db, world.forum, world.first, decision("action", world.late, "noted", "First look"))
    forum.record_decision(world.db, world.forum, world.second, decision("action", world.late, "escalate to senior leadership", "Still late"))
    assert forum_pack.decisions(world.db, world.first)[["Decision", "Note"]].values.tolist() == [["noted", "First look"]]
    assert forum_pack.meetings(world.db)[["held_on", "decisions"]].values.tolist() == [["2026-03-05", 1], ["2026-02-05", 1]]
    pack = forum_pack.build(world.db, world.second, today=TODAY)
    assert pack.actions.loc[pack.actions["Action"] == world.late, "Decision at this meeting"].item() == "escalate to senior leadership"


def test_the_word_pack_opens_with_python_docx_and_holds_the_headings_and_rows(world):
    forum.record_decision(world.db, world.forum, world.second,
                          decision("action", world.late, "escalate to senior leadership", "Overdue a month"))
    document = Document(io.BytesIO(forum_pack.to_docx(forum_pack.build(world.db, world.second, today=TODAY))))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [
        ("Title", "Practice Improvement Forum: 5 March 2026"),
        ("Heading 1", "Decisions"),
        ("Heading 1", "Open learning by service area and theme"),
        ("Heading 1", "Open learning points"),
        ("Heading 1", "Improvement actions, overdue first"),
        ("Heading 1", "New or changed since the previous meeting"),
        ("Heading 2", "New learning points"),
        ("Heading 2", "Action updates"),
        ("Heading 1", "Learning gaps"),
    ]
    texts = [p.text for p in document.paragraphs]
    assert "Attendees: Practice Improvement Forum Chair, Complaints Officer." in texts
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    decisions, summary, points, actions, new_points, updates, gaps_by_area, gaps = tables
    assert decisions == [
        ["Item", "Service area", "Decision", "Note", "Recorded by"],
        [f"Action {world.late}: Rewrite the short breaks letter", "Team East", "escalate to senior leadership",
         "Overdue a month", "Forum Chair"]]
    assert summary[1] == ["Team East", "Standards of service", "1", "1", "1"]
    assert [row[0] for row in points] == ["Learning point", str(world.east_point), str(world.learning_point)]
    assert actions[0] == ["Action", "Learning point", "Service area", "Description", "Owner", "Due", "Status",
                          "Days overdue", "Decision at this meeting"]
    assert actions[1] == [str(world.late), str(world.east_point), "Team East", "Rewrite the short breaks letter",
                          "Service Manager, Team East", "01/02/2026", "in progress", "32", "escalate to senior leadership"]
    assert [row[0] for row in new_points] == ["Learning point", str(world.embedded), str(world.east_point)]
    assert updates[1][7] == "Draft letter shared"
    assert gaps_by_area == [["Service area", "Learning gaps", "Oldest received"], ["Team East", "1", "15/01/2026"]]
    assert gaps[1][:3] == ["G-1", "Team East", "15/01/2026"]


def test_an_empty_pack_still_makes_a_document(tmp_path):
    world = build_world(tmp_path / "empty.db")
    with database.transaction(world.db):
        world.db.execute("UPDATE learning_points SET status = 'closed'")
    meeting_id = forum.create_meeting(world.db, world.forum, NewForumMeeting(held_on=date(2026, 3, 5), attendees=["Chair"]))
    document = Document(io.BytesIO(forum_pack.to_docx(forum_pack.build(world.db, meeting_id, today=TODAY))))
    texts = [p.text for p in document.paragraphs]
    assert "No decisions recorded yet." in texts and "No open learning points." in texts
    assert "Open learning points (those with overdue actions first): 0." in texts
