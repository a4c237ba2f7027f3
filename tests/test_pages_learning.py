"""Page behaviour of My actions, Record learning and Learning and actions, for each role (AppTest)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker.rules.periods import long_date
from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.read import learning_and_actions
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.read.learning_and_actions import Filters
from learning_tracker.models import DueDateChange, NewLearningPoint, NoLearningDecision
from learning_tracker.services import actions as action_services
from learning_tracker.services import learning_points
from learning_tracker.services.core import actor_by_email
from tests import tables
from tests.factories import add_complaint

ROOT = navigation.ROOT
TODAY = date.today()  # the pages compute overdue from today, so the demo is built for today


@pytest.fixture
def demo(demo_db_path, monkeypatch):
    """This test's own copy of the demo database (built for today), which the app opens too."""
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(demo_db_path))
    db = database.connect(demo_db_path)
    yield db
    db.close()


def actor(db, role):
    return actor_by_email(db, DEMO_USERS_BY_ROLE[role])


def open_page(db, role: str, page_file: str, query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = actor(db, role).id
    at.run()
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.switch_page(str(ROOT / "pages" / page_file))
    at.run()
    assert not at.exception, at.exception
    return at


def button(at, label):
    [found] = [b for b in at.button if b.label == label]
    return found


def texts(elements):
    return [e.value for e in elements]


def action_row(db, action_id):
    return db["actions"].get(action_id)


def updates(db, action_id):
    return [(r["kind"], r["from_value"], r["to_value"], r["note"]) for r in db.query(
        "SELECT * FROM action_updates WHERE action_id = ? ORDER BY id", [action_id])]


# --- navigation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,titles",
    [
        ("complaints_officer", ["My actions", "Record learning", "Learning and actions"]),
        ("service_manager", ["My actions", "Record learning", "Learning and actions"]),
        ("forum_member", ["Learning and actions"]),
        ("viewer", ["Learning and actions"]),
    ],
)
def test_forum_members_and_viewers_only_read_learning(role, titles):
    mine = {"my_actions.py", "record_learning.py", "learning.py"}
    menu = [p.title for pages in navigation.pages_for(role).values() for p in pages if p.file in mine]
    assert menu == titles


# --- My actions -------------------------------------------------------------------------------------


def first_shown(at, key="my_actions_selected"):
    """The action picked on My actions (``widgets.choose`` keeps it under ``key``)."""
    return at.session_state[key]


def test_my_actions_lists_a_managers_own_and_area_actions_overdue_first(demo):
    manager = actor(demo, "service_manager")
    at = open_page(demo, "service_manager", "my_actions.py")
    expected = learning_and_actions.action_counts(demo, Filters(responsible=(manager.id, tuple(manager.service_area_ids))), TODAY)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Open": str(expected["open"]), "Overdue": str(expected["overdue"]),
                       "Due within 7 days": str(expected["due_in_7_days"]),
                       "Completed, awaiting verification": str(expected["awaiting_verification"])}
    assert expected["overdue"] > 0, "the demo has live overdue actions in the manager's area"
    table = tables.frame(at.table[0])
    assert list(table.columns) == ["No.", "When", "Due", "Action", "Status", "Priority", "Service area", "Owner",
                                   "From complaints"]
    assert set(table["Service area"]) == {"Through Care"}
    whens = list(table["When"])
    overdue = [w for w in whens if w.endswith("overdue")]
    assert whens[: len(overdue)] == overdue and len(overdue) == expected["overdue"]
    # The most urgent action is picked for updating.
    assert first_shown(at) == int(table["No."].iloc[0])
    assert not any(b.label == "Verify" for b in at.button), "only the officer verifies"


def test_a_manager_adds_a_progress_note_in_a_few_clicks(demo):
    at = open_page(demo, "service_manager", "my_actions.py")
    action_id = first_shown(at)
    at.text_area(key=f"note-{action_id}#0").input("Chased the team; on track for the new date")
    button(at, "Add note").click().run()
    assert texts(at.success) == [f"Note added to action {action_id}."]
    assert updates(demo, action_id)[-1] == ("note", None, None, "Chased the team; on track for the new date")
    assert at.text_area(key=f"note-{action_id}#1").value == "", "a saved form starts afresh"


def test_a_manager_moves_a_due_date_only_with_a_reason(demo):
    at = open_page(demo, "service_manager", "my_actions.py")
    action_id = first_shown(at)
    before = dict(action_row(demo, action_id))
    new_due = TODAY + timedelta(days=21)
    at.date_input(key=f"due-{action_id}#0").set_value(new_due)
    button(at, "Move due date").click().run()
    assert texts(at.error) == ["Nothing was saved. Please correct:\n\n- reason is required"]
    assert dict(action_row(demo, action_id)) == before
    at.text_input(key=f"due-reason-{action_id}#0").input("Waiting for the new policy")
    button(at, "Move due date").click().run()
    assert texts(at.success) == [f"Action {action_id} is now due on {long_date(new_due)}."]
    assert action_row(demo, action_id)["due_on"] == new_due.isoformat()
    assert updates(demo, action_id)[-1] == ("due date", before["due_on"], new_due.isoformat(), "Waiting for the new policy")


def test_an_actions_history_reads_in_the_users_words(demo):
    at = open_page(demo, "service_manager", "my_actions.py")
    action_id = first_shown(at)
    old_due = date.fromisoformat(action_row(demo, action_id)["due_on"])
    new_due = TODAY + timedelta(days=21)
    at.date_input(key=f"due-{action_id}#0").set_value(new_due)
    at.text_input(key=f"due-reason-{action_id}#0").input("Waiting for the new policy")
    button(at, "Move due date").click().run()
    [history] = [tables.frame(t) for t in at.expander[0].table]
    last = history.iloc[-1]
    assert (last["What"], last["From"], last["To"], last["Note"]) == (
        "due date moved", f"{old_due:%d/%m/%Y}", f"{new_due:%d/%m/%Y}", "Waiting for the new policy")
    assert "None" not in set(history["Note"]) and "None" not in set(history["From"])
    assert all(len(at_) == 16 and at_[2] == "/" for at_ in history["When"]), "local times, day first, to the minute"
    caption = next(c.value for c in at.caption if c.value.startswith("Learning point"))
    assert f"due {new_due.day} {new_due:%B %Y}" in caption


def test_a_manager_adds_evidence_by_upload_within_the_size_limit(demo):
    demo.execute("UPDATE settings SET value = '2000' WHERE key = 'evidence_max_bytes'")
    at = open_page(demo, "service_manager", "my_actions.py")
    action_id = first_shown(at)
    at.text_input(key=f"evidence-description-{action_id}#0").input("Team meeting minutes")
    at.file_uploader(key=f"evidence-file-{action_id}#0").set_value(("minutes.pdf", b"x" * 2001, "application/pdf"))
    button(at, "Add evidence").click().run()
    assert texts(at.error) == ["Nothing was saved. Please correct:\n\n- file ('minutes.pdf') is 2,001 bytes; the most allowed is 2,000 bytes"]
    assert demo.execute("SELECT COUNT(*) FROM action_evidence WHERE action_id = ?", [action_id]).fetchone()[0] == 0
    at.file_uploader(key=f"evidence-file-{action_id}#0").set_value(("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"))
    button(at, "Add evidence").click().run()
    assert texts(at.success) == [f"Evidence added to action {action_id}."]
    row = next(demo.query("SELECT * FROM action_evidence WHERE action_id = ?", [action_id]))
    assert (row["description"], row["filename"], row["content"], row["size_bytes"]) == (
        "Team meeting minutes", "minutes.pdf", b"%PDF-1.4 minutes", 16)


def test_a_stale_status_save_shows_the_conflict_and_keeps_the_other_change(demo):
    at = open_page(demo, "service_manager", "my_actions.py")
    action_id = first_shown(at)
    row = action_row(demo, action_id)
    # The officer moves the due date after the manager opened the page.
    moved = TODAY + timedelta(days=60)
    action_services.change_due_date(demo, actor(demo, "complaints_officer"), action_id, row["version"],
                                    DueDateChange(due_on=moved, reason="Agreed at the forum"))
    at.selectbox(key=f"status-{action_id}#0").set_value("completed")
    button(at, "Save status").click().run()
    assert texts(at.warning)[-1] == ("Someone else changed this action after you opened it, so your change was not saved. "
                                     "Reload to see their change, then make yours again.")
    assert (action_row(demo, action_id)["status"], action_row(demo, action_id)["due_on"]) == (row["status"], moved.isoformat())
    # The page now shows their change, so saving again works.
    button(at, "Save status").click().run()
    assert texts(at.success) == [f"Action {action_id} is now completed."]


def test_the_officer_verifies_a_completed_action_or_sends_it_back_with_a_note(demo):
    at = open_page(demo, "complaints_officer", "my_actions.py")
    waiting = learning_and_actions.action_counts(demo, Filters(statuses=("completed",)), TODAY)["actions"]
    assert waiting > 0
    assert [t.label for t in at.tabs][:1] + [t.label for t in at.tabs if t.label.startswith("Completed")] == [
        "Actions", f"Completed, awaiting verification ({waiting})"]
    action_id = first_shown(at, "verify_selected")
    button(at, "Send back").click().run()
    assert texts(at.error) == ["Nothing was saved. Please correct:\n\n- note is required to send an action back"]
    assert action_row(demo, action_id)["status"] == "completed"
    at.text_area(key=f"verify-note-{action_id}#0").input("Please attach the briefing notes")
    button(at, "Send back").click().run()
    assert texts(at.success) == [f"Action {action_id} was sent back to its owner."]
    assert (action_row(demo, action_id)["status"], action_row(demo, action_id)["completed_on"]) == ("in progress", None)

    next_id = first_shown(at, "verify_selected")
    button(at, "Verify").click().run()
    assert texts(at.success) == [f"Action {next_id} is verified."]
    assert action_row(demo, next_id)["status"] == "verified"
    assert updates(demo, next_id)[-1][:3] == ("verified", "completed", "verified")


# --- Record learning ---------------------------------------------------------------------------------


def a_complaint(db, area: str, outcome: str = "upheld") -> str:
    """The reference of a demo complaint of ``area`` with this outcome that has learning linked."""
    return db.execute(
        """SELECT c.reference FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
           WHERE sa.name = ? AND c.outcome = ?
             AND EXISTS (SELECT 1 FROM learning_point_complaints l WHERE l.complaint_id = c.id)
           ORDER BY c.received_on DESC LIMIT 1""",
        [area, outcome],
    ).fetchone()[0]


def a_new_complaint(db, area: str, outcome: str = "upheld") -> str:
    """A new complaint of ``area`` with this outcome and no learning decision yet (a learning gap)."""
    reference = f"TEST-{area[:4].upper()}-{outcome[:4].upper()}"
    add_complaint(db, reference, db.execute("SELECT id FROM service_areas WHERE name = ?", [area]).fetchone()[0],
                  outcome=outcome, received_on=(TODAY - timedelta(days=30)).isoformat())
    return reference


def test_record_learning_lists_the_gaps_and_picking_one_opens_its_form(demo):
    gaps, total = learning_and_actions.learning_gaps(demo, limit=50)
    assert total > 0, "the demo has learning gaps"
    at = open_page(demo, "complaints_officer", "record_learning.py")
    assert tables.column(at.table[0], "Complaint") == gaps["reference"].tolist()
    at.selectbox(key="record_learning_gap").set_value(gaps["reference"].iloc[0]).run()
    assert at.text_input(key="record_learning_reference").value == gaps["reference"].iloc[0]
    assert at.header[0].value == f"Complaint {gaps['reference'].iloc[0]}"
    assert f"Nothing recorded yet. This {gaps['outcome'].iloc[0]} complaint is a learning gap." in texts(at.warning)


def test_a_manager_adds_a_new_learning_point_and_its_action_from_a_linked_complaint(demo):
    reference = a_new_complaint(demo, "Through Care")
    at = open_page(demo, "service_manager", "record_learning.py", {"complaint": reference})
    assert at.text_input(key="record_learning_reference").value == reference
    at.selectbox(key="new_point_theme#0").set_value("Communication")
    at.text_area(key="new_point_description#0").input("Confirm every change of social worker in writing")
    button(at, "Save learning point").click().run()
    assert texts(at.success) == [f"Learning point recorded for {reference}. Add its improvement actions next."]
    point = learning_and_actions.complaint_learning(demo, reference)["learning_points"]
    assert point[["service_area", "theme", "description", "status"]].values.tolist() == [
        ["Through Care", "Communication", "Confirm every change of social worker in writing", "open"]]
    point_id = int(point["id"].iloc[0])

    at.text_area(key="action_description#0").input("Letter template for changes of social worker")
    button(at, "Add action").click().run()
    assert texts(at.success) == [f"Action added to learning point {point_id}."]
    [created] = demo.query("SELECT * FROM actions WHERE learning_point_id = ?", [point_id])
    assert (created["description"], created["owner_id"], created["status"], created["due_on"]) == (
        "Letter template for changes of social worker", actor(demo, "service_manager").id, "not started",
        (TODAY + timedelta(days=28)).isoformat())
    events = [e["event"] for e in demo.query("SELECT event FROM audit_events WHERE outcome = 'done' ORDER BY id DESC LIMIT 2")]
    assert events == ["create action", "add learning point"]


def test_a_new_actions_owner_is_the_manager_of_the_actions_area_and_follows_the_area_chosen(demo):
    reference = a_new_complaint(demo, "Through Care")
    learning_points.add_learning_point(demo, actor(demo, "complaints_officer"), NewLearningPoint(
        service_area="Through Care", theme="Communication", description="Write to families when workers change",
        complaint_references=[reference]))
    at = open_page(demo, "complaints_officer", "record_learning.py", {"complaint": reference})
    through_care = learning_and_actions.service_area_ids(demo, ["Through Care"])[0]
    owners = [email for email, _ in learning_and_actions.possible_owners(demo, through_care)]
    assert at.selectbox(key="action_owner#0").options == [
        f"{name} ({email})" for email, name in learning_and_actions.possible_owners(demo, through_care)]
    assert at.selectbox(key="action_owner#0").value == owners[0] == DEMO_USERS_BY_ROLE["service_manager"], (
        "the area's service manager, not the complaints officer typing")
    other = next(a for a in at.selectbox(key="action_area#0").options if a != "Through Care")
    at.selectbox(key="action_area#0").set_value(other).run()
    other_id = learning_and_actions.service_area_ids(demo, [other])[0]
    assert at.selectbox(key="action_owner#0").value == learning_and_actions.possible_owners(demo, other_id)[0][0]


def test_a_manager_links_a_complaint_to_an_existing_learning_point(demo):
    reference = a_new_complaint(demo, "Through Care", outcome="partly upheld")
    at = open_page(demo, "service_manager", "record_learning.py", {"complaint": reference})
    manager = actor(demo, "service_manager")
    choices = learning_and_actions.learning_point_choices(demo, service_area_ids=tuple(manager.service_area_ids))
    assert at.selectbox(key="link_point#0").options == [label for _, label in choices]
    point_id = choices[0][0]
    at.selectbox(key="link_point#0").set_value(point_id)
    button(at, "Link this complaint").click().run()
    assert texts(at.success) == [f"Complaint {reference} is linked to learning point {point_id}."]
    assert learning_and_actions.complaint_learning(demo, reference)["learning_points"]["id"].tolist() == [point_id]


def test_a_manager_is_refused_another_areas_complaint_and_the_refusal_is_audited(demo):
    reference = a_new_complaint(demo, "Team West")
    at = open_page(demo, "service_manager", "record_learning.py", {"complaint": reference})
    assert "This complaint belongs to Team West: you can record learning only for your own service areas." in texts(at.warning)
    at.text_area(key=f"no_learning_reason-{learning_and_actions.complaint_learning(demo, reference)['id']}#0").input("Nothing to learn")
    button(at, "Record no learning identified").click().run()
    assert texts(at.error) == [
        "Not allowed: You may record learning decisions for complaints only in your own service areas; this belongs to Team West."]
    assert learning_and_actions.complaint_learning(demo, reference)["no_learning_reason"] is None
    [event] = demo.query("SELECT * FROM audit_events WHERE outcome = 'refused'")
    assert (event["event"], event["user_email"]) == ("record no learning identified", DEMO_USERS_BY_ROLE["service_manager"])


def test_two_users_saving_the_same_learning_decision_the_second_sees_the_conflict(demo):
    reference = learning_and_actions.learning_gaps(demo, limit=1)[0]["reference"].iloc[0]
    at = open_page(demo, "complaints_officer", "record_learning.py", {"complaint": reference})
    # A service manager records the decision while the officer has the form open.
    learning_points.record_no_learning(demo, actor(demo, "complaints_officer"), reference, 1,
                                         NoLearningDecision(reason="Resolved by apology"))
    theme = at.selectbox(key="new_point_theme#0")
    theme.set_value(theme.options[0])
    at.text_area(key="new_point_description#0").input("Something else")
    button(at, "Save learning point").click().run()
    assert texts(at.warning)[-1] == ("Someone else changed this complaint after you opened it, so your change was not saved. "
                                     "Reload to see their change, then make yours again.")
    complaint = learning_and_actions.complaint_learning(demo, reference)
    assert (complaint["no_learning_reason"], len(complaint["learning_points"])) == ("Resolved by apology", 0)
    # The page now shows the other decision; saving again works.
    assert any(i.startswith("No learning identified (recorded by") for i in texts(at.info))
    button(at, "Save learning point").click().run()
    assert texts(at.success) == [f"Learning point recorded for {reference}. Add its improvement actions next."]


def test_an_unknown_reference_says_so(demo):
    at = open_page(demo, "complaints_officer", "record_learning.py", {"complaint": "NOPE-1"})
    assert texts(at.error) == ["No complaint has the reference 'NOPE-1'. Check it in the council's case system."]


# --- Learning and actions -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(DEMO_USERS_BY_ROLE))
def test_learning_and_actions_filters_overdue_actions_for_every_role(demo, role):
    at = open_page(demo, role, "learning.py")
    at.selectbox(key="learning_due").set_value("overdue").run()
    expected, total = learning_and_actions.actions(demo, Filters(due_window="overdue"), TODAY)
    assert total > 0
    table = tables.frame(at.table[0])
    assert table["No."].astype(int).tolist() == expected["id"].tolist()[:25]
    assert all(w.endswith("overdue") for w in table["When"])
    assert {m.label: m.value for m in at.metric}["Overdue"] == str(total)
    # Forum members and viewers read; only the officer may close a learning point.
    closers = [b for b in at.button if b.label == "Close this learning point"]
    assert bool(closers) == (role == "complaints_officer")


def test_learning_points_show_their_complaints_actions_and_history(demo):
    at = open_page(demo, "viewer", "learning.py")
    at.text_input(key="learning_complaint").input(a_complaint(demo, "Team West")).run()
    [expander] = at.expander
    point_id = int(expander.label.split(":")[0])
    detail = learning_and_actions.learning_point(demo, point_id, TODAY)
    frames = [tables.frame(t) for t in expander.table]
    assert frames[0]["Complaint"].tolist() == detail.complaints["reference"].tolist()
    histories = [f for f in frames[1:] if "What" in f.columns]
    assert len(histories) == sum(not h.empty for h in detail.history.values())
    assert "created" in set(histories[0]["What"])


def test_learning_gaps_tab_counts_gaps_by_area_and_links_to_the_form(demo):
    at = open_page(demo, "service_manager", "learning.py")
    by_area = learning_and_actions.learning_gaps_by_area(demo)
    shown = tables.find(at.table, "Learning gaps")
    assert shown.values.tolist() == [[area, f"{gaps:,}", f"{date.fromisoformat(oldest):%d/%m/%Y}"]
                                     for area, gaps, oldest in by_area.values.tolist()]
    [link] = [p for p in at.get("page_link") if p.proto.label.startswith("Record learning for")]
    assert link.proto.query_string == f"complaint={learning_and_actions.learning_gaps(demo, limit=1)[0]['reference'].iloc[0]}"


def test_the_officer_closes_a_learning_point(demo):
    at = open_page(demo, "complaints_officer", "learning.py")
    expander = at.expander[0]
    point_id = int(expander.label.split(":")[0])
    at.text_input(key=f"close-note-{point_id}#0").input("Forum agreed it is embedded")
    at.button(key=f"close-button-{point_id}#0").click().run()
    assert texts(at.success) == [f"Learning point {point_id} is closed."]
    assert demo["learning_points"].get(point_id)["status"] == "closed"
