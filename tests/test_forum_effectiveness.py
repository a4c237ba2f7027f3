"""The forum pack's "Did the learning work?": effectiveness reviews due on the meeting's date and reviews
recorded since the previous meeting, in the pack, its Word document and its page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.models import EffectivenessReview, NewForumMeeting
from learning_tracker.reports import forum_pack
from learning_tracker.services import effectiveness as reviews
from learning_tracker.services import forum
from tests import tables
from tests.factories import build_world, embedded_point, record_complaint

TODAY = date(2026, 3, 10)


def review(world, lp, verdict, note, on):
    return reviews.record_review(world.db, world.forum, lp, world.db["learning_points"].get(lp)["version"],
                                 EffectivenessReview(verdict=verdict, note=note), today=on)


@pytest.fixture
def world(tmp_path):
    """Team West's learning point on Communication, created 1 March 2025 and embedded 31 August 2025 (its six
    months after end 28 February 2026: due at the 5 March meeting, not at the 5 February one), with 2 complaints
    before and 1 after; Team East's, embedded 30 June 2025, reviewed on 20 February 2026 (between the meetings);
    Team East's second, reviewed on 10 January 2026 (before the first meeting); Team West's second, embedded
    30 September 2025 (due only from 1 April 2026). Meetings on 5 February and 5 March 2026."""
    w = build_world(tmp_path / "forum.db")
    with database.transaction(w.db):
        w.db.execute("UPDATE learning_points SET created_on = '2025-03-01', status = 'embedded' WHERE id = ?", [w.learning_point])
        w.db.execute("UPDATE actions SET status = 'verified', completed_on = '2025-08-31', verified_on = '2025-08-31'"
                     " WHERE id = ?", [w.action])
    for n, day in enumerate(["2024-09-01", "2025-02-28", "2025-03-01", "2025-09-01", "2026-03-01"]):
        record_complaint(w, f"W-{n}", day, concerns=("Communication",))  # before, before, neither, after, neither
    w.east_reviewed = embedded_point(w, w.east, "Standards of service", "2025-01-10", "2025-06-30", w.manager_east)
    w.east_early = embedded_point(w, w.east, "Communication", "2025-01-05", "2025-05-31", w.manager_east)
    w.west_later = embedded_point(w, w.west, "Standards of service", "2025-04-01", "2025-09-30", w.manager_west)
    review(w, w.east_reviewed, "partly effective", "Fewer delays, but letters still late", date(2026, 2, 20))
    review(w, w.east_early, "effective", None, date(2026, 1, 10))
    w.first = forum.create_meeting(w.db, w.forum, NewForumMeeting(held_on=date(2026, 2, 5), attendees=["Chair"]))
    w.second = forum.create_meeting(w.db, w.forum, NewForumMeeting(held_on=date(2026, 3, 5), attendees=["Chair"]))
    return w


def test_the_pack_lists_the_reviews_due_on_its_date_and_those_recorded_since_the_previous_meeting(world):
    pack = forum_pack.build(world.db, world.second, today=TODAY)
    assert pack.reviews_due.values.tolist() == [
        [world.learning_point, "Team West", "Communication", "2025-08-31", 2, 1]]
    assert pack.reviews_due_total == 1
    assert pack.reviews_recorded.values.tolist() == [
        ["2026-02-20", world.east_reviewed, "Team East", "Standards of service", "2025-06-30", "partly effective",
         "Fewer delays, but letters still late", "Forum Chair"]]
    assert pack.reviews_recorded_total == 1


def test_the_first_meeting_has_no_review_due_yet_and_lists_the_review_of_its_four_weeks(world):
    pack = forum_pack.build(world.db, world.first, today=TODAY)
    assert (pack.reviews_due.empty, pack.reviews_due_total) == (True, 0)
    assert pack.reviews_recorded[["Reviewed on", "Learning point", "Verdict", "Note"]].values.tolist() == [
        ["2026-01-10", world.east_early, "effective", ""]]


def test_a_review_recorded_at_the_meeting_leaves_the_due_list_and_joins_the_recorded(world):
    review(world, world.learning_point, "not effective", "Calls still not returned", date(2026, 3, 5))
    pack = forum_pack.build(world.db, world.second, today=TODAY)
    assert pack.reviews_due_total == 0
    assert pack.reviews_recorded[["Learning point", "Verdict"]].values.tolist() == [
        [world.learning_point, "not effective"], [world.east_reviewed, "partly effective"]]
    assert world.db["learning_points"].get(world.learning_point)["status"] == "open"


def test_the_reviews_follow_the_packs_service_areas_themes_and_limit(world):
    # A later meeting: Team West's second learning point is due too.
    later = forum.create_meeting(world.db, world.forum, NewForumMeeting(held_on=date(2026, 4, 2), attendees=["Chair"]))
    pack = forum_pack.build(world.db, later, today=date(2026, 4, 2))
    assert pack.reviews_due["Learning point"].tolist() == [world.west_later, world.learning_point]
    east = forum_pack.build(world.db, world.second, today=TODAY, service_area_ids=(world.east,))
    assert (east.reviews_due_total, east.reviews_recorded["Learning point"].tolist()) == (0, [world.east_reviewed])
    themed = forum_pack.build(world.db, later, today=date(2026, 4, 2), themes=("Communication",))
    assert themed.reviews_due["Learning point"].tolist() == [world.learning_point]
    short = forum_pack.build(world.db, later, today=date(2026, 4, 2), limit=1)
    assert (len(short.reviews_due), short.reviews_due_total) == (1, 2)


def test_the_word_pack_ends_with_the_reviews_due_and_recorded(world):
    document = Document(io.BytesIO(forum_pack.to_docx(forum_pack.build(world.db, world.second, today=TODAY))))
    texts = [p.text for p in document.paragraphs]
    assert texts.index("Did the learning work?") < texts.index("Effectiveness reviews due") < texts.index("Effectiveness reviews recorded")
    assert ("Effectiveness reviews due on 5 March 2026 (embedded learning whose months after have ended, no verdict "
            "yet; the most recently embedded first): 1.") in texts
    rows = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    due, recorded = rows[-2:]
    assert due == [["Learning point", "Service area", "Theme", "Embedded on", "Complaints before", "Complaints after"],
                   [str(world.learning_point), "Team West", "Communication", "31/08/2025", "2", "1"]]
    assert recorded == [["Reviewed on", "Learning point", "Service area", "Theme", "Embedded on", "Verdict", "Note", "Reviewed by"],
                        ["20/02/2026", str(world.east_reviewed), "Team East", "Standards of service", "30/06/2025",
                         "partly effective", "Fewer delays, but letters still late", "Forum Chair"]]


def test_the_forum_page_shows_the_reviews_in_their_own_tab(world, monkeypatch):
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(world.db.conn.execute("PRAGMA database_list").fetchone()[2]))
    at = AppTest.from_file(str(navigation.ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = world.viewer.id
    at.run()
    at.switch_page(str(navigation.ROOT / "pages" / "forum.py"))
    at.session_state["forum_meeting"] = world.second
    at.run()
    assert not at.exception
    assert [t.label for t in at.tabs][-1] == "Did the learning work?"
    tab = at.tabs[-1]
    assert [c.value for c in tab.caption] == [
        "Effectiveness reviews due on 5 March 2026 (embedded learning whose months after have ended, no verdict yet; "
        "the most recently embedded first): 1.",
        "Effectiveness reviews recorded since the previous meeting (newest first): 1."]
    due, recorded = (tables.frame(t) for t in tab.table)
    assert due.values.tolist() == [[str(world.learning_point), "Team West", "Communication", "31/08/2025", "2", "1"]]
    assert recorded[["Reviewed on", "Verdict", "Reviewed by"]].values.tolist() == [
        ["20/02/2026", "partly effective", "Forum Chair"]]
