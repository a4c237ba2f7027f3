from datetime import date, timedelta

import pandas as pd
import pytest

from learning_tracker import db as database
from learning_tracker.read import learning_and_actions
from learning_tracker.read.learning_and_actions import Filters
from learning_tracker.models import DueDateChange, Evidence, NewLearningPoint, NoLearningDecision, StatusChange
from learning_tracker.services import actions as action_services
from learning_tracker.services import learning_points
from tests.factories import add_action, add_complaint, build_world

AS_OF = date(2026, 3, 10)


@pytest.fixture
def world(tmp_path):
    """Complaints of both areas in every learning state, and actions around AS_OF."""
    world = build_world(tmp_path / "tracker.db")
    db = world.db
    for reference, area, outcome, received in [
        ("W-1", world.west, "upheld", "2025-11-03"),          # linked to the world's learning point
        ("W-2", world.west, "partly upheld", "2025-10-01"),   # gap (oldest in West)
        ("W-3", world.west, "upheld", "2026-02-02"),          # gap
        ("W-4", world.west, "upheld", "2025-09-01"),          # "no learning identified"
        ("W-5", world.west, "not upheld", "2025-08-01"),      # not a gap: not upheld
        ("W-6", world.west, None, "2025-08-01"),              # not a gap: still open
        ("E-1", world.east, "partly upheld", "2026-01-15"),   # gap
        ("E-2", world.east, "withdrawn", "2025-07-01"),       # not a gap
    ]:
        add_complaint(db, reference, area, outcome=outcome, received_on=received)
    learning_points.link_complaint(db, world.officer, world.learning_point, "W-1", 1)
    learning_points.record_no_learning(db, world.officer, "W-4", 1, NoLearningDecision(reason="Isolated error, apologised"))
    world.east_point = learning_points.add_learning_point(
        db, world.officer, NewLearningPoint(service_area="Team East", theme="Standards of service",
                                            description="Explain short breaks decisions", complaint_references=["W-1"]))
    lp, ep = world.learning_point, world.east_point
    # world.action: West, not started, due 2026-03-31.
    world.late = add_action(db, lp, world.manager_west, world.west, "2026-03-01", status="in progress", description="Late one")
    world.later = add_action(db, ep, world.manager_east, world.east, "2026-02-20", description="Later one")
    world.due_today = add_action(db, ep, world.manager_east, world.east, "2026-03-10", description="Due today")
    world.soon = add_action(db, lp, world.officer, world.west, "2026-03-15", description="Officer's own")
    world.done = add_action(db, lp, world.manager_west, world.west, "2026-01-01", status="completed", description="Done late")
    world.cancelled = add_action(db, ep, world.manager_east, world.east, "2026-01-01", status="cancelled", description="Dropped")
    with database.transaction(db):
        for point in (lp, ep):
            action_services.refresh_learning_point_status(db, point)
    return world


def ids(frame):
    return [int(i) for i in frame["id"]]


def rows(frame):
    """A frame's rows as lists, with missing values as None (pandas shows them as NaN)."""
    return [[None if pd.isna(v) else v for v in row] for row in frame.values.tolist()]


def test_learning_gaps_are_upheld_complaints_without_learning_or_a_no_learning_decision_oldest_first(world):
    frame, total = learning_and_actions.learning_gaps(world.db)
    assert total == 3
    assert frame[["reference", "service_area", "received_on", "outcome"]].values.tolist() == [
        ["W-2", "Team West", "2025-10-01", "partly upheld"],
        ["E-1", "Team East", "2026-01-15", "partly upheld"],
        ["W-3", "Team West", "2026-02-02", "upheld"],
    ]
    assert learning_and_actions.learning_gaps_by_area(world.db).values.tolist() == [
        ["Team East", 1, "2026-01-15"], ["Team West", 2, "2025-10-01"]]
    west_only, total = learning_and_actions.learning_gaps(world.db, service_area_ids=(world.west,), limit=1, offset=1)
    assert (west_only["reference"].tolist(), total) == (["W-3"], 2)


def test_recording_learning_or_no_learning_closes_a_gap(world):
    learning_points.link_complaint(world.db, world.manager_west, world.learning_point, "W-2", 1)
    learning_points.record_no_learning(world.db, world.manager_east, "E-1", 1, NoLearningDecision(reason="None"))
    frame, total = learning_and_actions.learning_gaps(world.db)
    assert (frame["reference"].tolist(), total) == (["W-3"], 1)


def test_the_actions_list_puts_overdue_first_then_due_soonest_then_the_closed_ones(world):
    frame, total = learning_and_actions.actions(world.db, Filters(), AS_OF)
    assert total == 7
    assert ids(frame) == [world.later, world.late, world.due_today, world.soon, world.action, world.done, world.cancelled]
    assert frame["overdue"].tolist() == [True, True, False, False, False, False, False]
    assert frame["days_overdue"].tolist() == [18, 9, 0, 0, 0, 0, 0]
    assert frame.loc[0, ["service_area", "theme", "owner", "complaints"]].tolist() == [
        "Team East", "Standards of service", "Service Manager, Team East", "W-1"]
    page, total = learning_and_actions.actions(world.db, Filters(), AS_OF, limit=2, offset=2)
    assert (ids(page), total) == ([world.due_today, world.soon], 7)


@pytest.mark.parametrize(
    "filters,expected",
    [
        (Filters(due_window="overdue"), ["later", "late"]),
        (Filters(due_window="due in 7 days"), ["due_today", "soon"]),
        (Filters(due_window="due in 30 days"), ["due_today", "soon", "action"]),
        (Filters(service_area_ids=(1,)), ["late", "soon", "action", "done"]),
        (Filters(themes=("Standards of service",)), ["later", "due_today", "cancelled"]),
        (Filters(statuses=("completed", "cancelled")), ["done", "cancelled"]),
        (Filters(owner_id=3), ["later", "due_today", "cancelled"]),
        (Filters(complaint_reference=" w-1 "), ["later", "late", "due_today", "soon", "action", "done", "cancelled"]),
        (Filters(complaint_reference="W-2"), []),
        (Filters(service_area_ids=(1,), due_window="overdue", statuses=("in progress",)), ["late"]),
        (Filters(search=" one "), ["later", "late", "done"]),  # "Done late" holds "one" too
        (Filters(search="100%"), []),
        (Filters(search="12345678901234567890"), []),
        (Filters(search="²"), []),
    ],
    ids=["overdue", "7 days", "30 days", "area", "theme", "status", "owner", "complaint", "no such learning", "combined",
         "words", "wildcards taken literally", "a number too long", "a digit that is no number"],
)
def test_the_actions_list_filters(world, filters, expected):
    frame, total = learning_and_actions.actions(world.db, filters, AS_OF)
    assert ids(frame) == [getattr(world, name) for name in expected]
    assert total == len(expected)


def test_an_action_is_found_by_its_number(world):
    for search in (str(world.soon), f"#{world.soon}"):
        frame, total = learning_and_actions.actions(world.db, Filters(search=search), AS_OF)
        assert (ids(frame), total) == ([world.soon], 1)


def test_my_actions_are_those_i_own_and_those_of_my_areas(world):
    west = world.manager_west
    frame, _ = learning_and_actions.actions(world.db, Filters(responsible=(west.id, tuple(west.service_area_ids))), AS_OF)
    assert ids(frame) == [world.late, world.soon, world.action, world.done]
    officer, _ = learning_and_actions.actions(world.db, Filters(responsible=(world.officer.id, ())), AS_OF)
    assert ids(officer) == [world.soon]


def test_action_counts_match_the_list(world):
    assert learning_and_actions.action_counts(world.db, Filters(), AS_OF) == {
        "actions": 7, "open": 5, "overdue": 2, "due_in_7_days": 2, "awaiting_verification": 1}
    assert learning_and_actions.action_counts(world.db, Filters(service_area_ids=(world.east,)), AS_OF)["overdue"] == 1


def test_overdue_changes_with_the_date_and_the_status(world):
    assert ids(learning_and_actions.actions(world.db, Filters(due_window="overdue"), date(2026, 2, 21))[0]) == [world.later]
    action_services.change_status(world.db, world.manager_east, world.later, 1, StatusChange(status="completed"))
    assert ids(learning_and_actions.actions(world.db, Filters(due_window="overdue"), AS_OF)[0]) == [world.late]


def test_learning_points_list_counts_and_narrows_by_their_actions(world):
    frame, total = learning_and_actions.learning_points(world.db, Filters(), AS_OF)
    assert total == 2
    assert frame[["id", "service_area", "complaints", "actions", "open_actions", "overdue_actions"]].values.tolist() == [
        [world.east_point, "Team East", 1, 3, 2, 1], [world.learning_point, "Team West", 1, 4, 3, 1]]
    owned_by_officer, total = learning_and_actions.learning_points(world.db, Filters(owner_id=world.officer.id), AS_OF)
    assert (ids(owned_by_officer), total) == ([world.learning_point], 1)
    assert learning_and_actions.learning_points(world.db, Filters(complaint_reference="W-3"), AS_OF)[1] == 0
    assert learning_and_actions.learning_points(world.db, Filters(learning_statuses=("open",)), AS_OF)[1] == 0
    assert learning_and_actions.learning_points(world.db, Filters(learning_statuses=("in progress",)), AS_OF)[1] == 2


def test_a_learning_points_detail_holds_its_complaints_actions_history_and_evidence(world):
    db = world.db
    action_services.change_status(db, world.manager_west, world.late, 1, StatusChange(status="completed"))
    action_services.change_due_date(db, world.manager_west, world.action, 1, DueDateChange(due_on=date(2026, 4, 30), reason="Staff leave"))
    evidence_id = action_services.add_evidence(db, world.manager_west, world.late, Evidence(description="Audit report", filename="audit.pdf", content=b"%PDF"))
    detail = learning_and_actions.learning_point(db, world.learning_point, AS_OF)
    assert (detail.point["service_area"], detail.point["theme"], detail.point["status"]) == ("Team West", "Communication", "in progress")
    assert detail.complaints[["reference", "service_area", "outcome"]].values.tolist() == [["W-1", "Team West", "upheld"]]
    assert ids(detail.actions) == [world.soon, world.action, world.done, world.late]
    assert rows(detail.history[world.late][["by", "kind", "from_value", "to_value"]]) == [
        ["Service Manager, Team West", "status", "in progress", "completed"],
        ["Service Manager, Team West", "evidence", None, "audit.pdf"]]
    assert rows(detail.history[world.action][["kind", "from_value", "to_value", "note"]]) == [
        ["due date", "2026-03-31", "2026-04-30", "Staff leave"]]
    assert detail.evidence[world.late][["description", "filename", "size_bytes"]].values.tolist() == [["Audit report", "audit.pdf", 4]]
    assert "content" not in detail.evidence[world.late].columns
    assert learning_and_actions.evidence_file(db, evidence_id) == ("audit.pdf", b"%PDF")
    assert learning_and_actions.learning_point(db, 999, AS_OF) is None


def test_a_complaints_learning_shows_its_learning_points_or_its_no_learning_decision(world):
    linked = learning_and_actions.complaint_learning(world.db, "w-1")
    assert (linked["reference"], linked["learning_expected"]) == ("W-1", True)
    assert linked["learning_points"]["id"].tolist() == [world.learning_point, world.east_point]
    decided = learning_and_actions.complaint_learning(world.db, "W-4")
    assert (decided["no_learning_reason"], decided["no_learning_recorded_by"]) == ("Isolated error, apologised", "Complaints Officer")
    assert learning_and_actions.complaint_learning(world.db, "W-5")["learning_expected"] is False
    assert learning_and_actions.complaint_learning(world.db, "nope") is None


def test_learning_point_choices_search_words_and_areas(world):
    assert [i for i, _ in learning_and_actions.learning_point_choices(world.db)] == [world.east_point, world.learning_point]
    assert learning_and_actions.learning_point_choices(world.db, search="short breaks") == [
        (world.east_point, f"{world.east_point}: Team East, Standards of service (in progress): Explain short breaks decisions")]
    assert [i for i, _ in learning_and_actions.learning_point_choices(world.db, service_area_ids=(world.west,))] == [world.learning_point]


def test_learning_gaps_stay_fast_at_100000_complaints(tmp_path):
    import time

    world = build_world(tmp_path / "big.db")
    db = world.db
    outcomes = ["upheld", "partly upheld", "not upheld", "withdrawn", None]
    with database.transaction(db):
        db.conn.executemany(
            "INSERT INTO complaints (reference, received_on, procedure, service_area_id, outcome) VALUES (?, ?, 'statutory', ?, ?)",
            ((f"C-{i:06d}", f"20{15 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}", world.west if i % 2 else world.east, outcomes[i % 5])
             for i in range(100_000)),
        )
        db.conn.executemany("INSERT INTO learning_point_complaints VALUES (?, ?)", ((world.learning_point, i) for i in range(1, 100_000, 3)))
    db.execute("ANALYZE")
    started = time.perf_counter()
    frame, total = learning_and_actions.learning_gaps(db, limit=50)
    summary = learning_and_actions.learning_gaps_by_area(db)
    elapsed = time.perf_counter() - started
    assert len(frame) == 50 and total == int(summary["gaps"].sum())
    assert elapsed < 1.0, f"learning gaps took {elapsed:.2f}s"


@pytest.mark.parametrize("today", [date(2025, 6, 16), date.today()])
def test_the_demo_has_learning_points_actions_live_overdue_items_and_learning_gaps(tmp_path, today):
    from learning_tracker import demo_mode
    from learning_tracker.services import reminders

    path = tmp_path / "demo.db"
    demo_mode.create(path, today=today)
    db = database.connect(path)
    # The report's 2021-22 learning is there, with its actions.
    report_point = db.execute(
        "SELECT lp.id FROM learning_points lp JOIN actions a ON a.learning_point_id = lp.id"
        " WHERE a.description = 'Share the learning on consistent communication with all team members.'").fetchone()
    assert report_point is not None
    detail = learning_and_actions.learning_point(db, report_point[0], today)
    assert len(detail.complaints) >= 1 and len(detail.actions) >= 1
    assert all(not history.empty for history in detail.history.values())

    points, total_points = learning_and_actions.learning_points(db, Filters(), today)
    assert total_points > 10 and len(points) == 10
    counts = learning_and_actions.action_counts(db, Filters(), today)
    assert counts["overdue"] > 0 and counts["open"] > counts["overdue"]
    overdue, total = learning_and_actions.actions(db, Filters(due_window="overdue"), today, limit=1000)
    assert total == counts["overdue"]
    assert all(d < today.isoformat() and s in ("not started", "in progress") for d, s in zip(overdue["due_on"], overdue["status"]))
    # Live: some overdue action fell due within the last three months, not only long-forgotten ones.
    assert max(overdue["due_on"]) >= (today - timedelta(days=90)).isoformat()

    gaps, total_gaps = learning_and_actions.learning_gaps(db, limit=1000)
    assert total_gaps > 0
    independent = {r[0] for r in db.execute(
        "SELECT reference FROM complaints WHERE outcome IN ('upheld', 'partly upheld') AND no_learning_reason IS NULL"
        " AND id NOT IN (SELECT complaint_id FROM learning_point_complaints)")}
    assert set(gaps["reference"]) == independent
    assert int(learning_and_actions.learning_gaps_by_area(db)["gaps"].sum()) == total_gaps

    owners = reminders.digests(db, today)
    assert sum(d.counts()["overdue"] for d in owners) == counts["overdue"]
