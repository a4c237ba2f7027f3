"""Did the learning work? The windows at their edges, theme matching, the p-value, reviews and the command
(rules.effectiveness, read.effectiveness, services.effectiveness)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from learning_tracker import cli
from learning_tracker.errors import Conflict, InvalidInput, Refused
from learning_tracker.models import EffectivenessReview
from learning_tracker.read import effectiveness
from learning_tracker.rules import effectiveness as rules
from learning_tracker.rules.periods import add_months
from learning_tracker.services import effectiveness as reviews
from tests.factories import add_action, audit_events, build_world, record_complaint

# Created on 1 March 2024 (a leap year), embedded on 31 August 2024, six months either side:
# before 1 September 2023 to 29 February 2024; after 1 September 2024 to 28 February 2025.
CREATED, EMBEDDED = "2024-03-01", "2024-08-31"
DELAY = "Standards of service > delay in receiving service"


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "tracker.db")
    with w.db.conn:
        w.db.execute("UPDATE learning_points SET theme = 'Communication', created_on = ? WHERE id = ?",
                     [CREATED, w.learning_point])
        w.db.execute("UPDATE actions SET status = 'verified', completed_on = ?, verified_on = ? WHERE id = ?",
                     ["2024-08-20", EMBEDDED, w.action])
    return w


def complaint(w, reference, received_on, *concerns, area="Team West"):
    return record_complaint(w, reference, received_on, area=area, concerns=concerns or ("Communication",))


def only(w, as_of=date(2025, 6, 30), **options):
    [row] = effectiveness.embedded_learning(w.db, as_of, **options)
    return row


def test_months_are_added_with_the_day_clipped_to_the_months_end():
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), -2) == date(2023, 11, 30)
    assert add_months(date(2023, 12, 15), 1) == date(2024, 1, 15)
    assert rules.windows(date(2024, 3, 1), date(2024, 8, 31), 6) == (
        date(2023, 9, 1), date(2024, 2, 29), date(2024, 9, 1), date(2025, 2, 28))


@pytest.mark.parametrize("before,after,expected", [
    (8, 2, 0.109375),            # 10 complaints, 2 after: scipy.stats.binomtest(2, 10).pvalue
    (17, 3, 0.0025768280029296875),
    (10, 0, 0.001953125),
    (5, 5, 1.0),
    (0, 1, 1.0),
    (3, 7, 0.34375),
    (0, 0, None),
])
def test_the_p_value_is_the_two_sided_exact_binomial_test(before, after, expected):
    assert rules.p_value(before, after) == expected


def test_each_window_counts_from_its_first_day_to_its_last_and_not_a_day_more(world):
    for n, day in enumerate(["2023-08-31", "2023-09-01", "2024-02-29", "2024-03-01",   # before: the 2nd and 3rd
                             "2024-08-31", "2024-09-01", "2025-02-28", "2025-03-01"]):  # after: the 6th and 7th
        complaint(world, f"E-{n}", day)
    row = only(world)
    assert (row["before"], row["after"]) == (2, 2)
    assert (row["created_on"], row["embedded_on"], row["window_months"]) == (CREATED, EMBEDDED, 6)
    assert row["p_value"] == 1.0


def test_the_after_window_is_complete_the_day_after_its_last(world):
    assert only(world, date(2025, 2, 28))["after_window_complete"] is False
    assert only(world, date(2025, 3, 1))["after_window_complete"] is True
    assert only(world, date(2025, 3, 1))["review_due"] is True
    # Embedded after the as-of date: not yet in the list.
    assert effectiveness.embedded_learning(world.db, date(2024, 8, 30)) == []


def test_a_wider_window_counts_more(world):
    complaint(world, "E-1", "2023-06-01")
    assert only(world)["before"] == 0
    assert only(world, window_months=12)["before"] == 1


def test_a_theme_with_a_subcategory_matches_that_subcategory_and_a_category_matches_all_of_its_own(world):
    complaint(world, "S-1", "2024-01-10", DELAY)
    complaint(world, "S-2", "2024-01-11", "Standards of service")
    complaint(world, "S-3", "2024-01-12", "Standards of service > service level / care plan dispute")
    complaint(world, "S-4", "2024-01-13", DELAY, DELAY, "Communication")  # raised twice: counted once
    complaint(world, "S-5", "2024-01-14", DELAY, area="Team East")  # another area
    with world.db.conn:
        world.db.execute("UPDATE learning_points SET theme = ? WHERE id = ?", [DELAY, world.learning_point])
    assert only(world)["before"] == 2
    with world.db.conn:
        world.db.execute("UPDATE learning_points SET theme = 'Standards of service' WHERE id = ?", [world.learning_point])
    assert only(world)["before"] == 4


def test_a_learning_point_is_embedded_when_its_actions_are_verified_or_cancelled_and_one_is_verified(world):
    cancelled = add_action(world.db, world.learning_point, world.manager_west, world.west, "2024-09-30", status="cancelled")
    assert only(world)["embedded_on"] == EMBEDDED  # cancelled but one
    later = add_action(world.db, world.learning_point, world.manager_west, world.west, "2024-09-30", status="completed")
    assert effectiveness.embedded_learning(world.db, date(2025, 6, 30)) == []  # one still to verify
    with world.db.conn:
        world.db.execute("UPDATE actions SET status = 'verified', verified_on = '2024-10-15' WHERE id = ?", [later])
    assert only(world)["embedded_on"] == "2024-10-15"  # the latest verification
    with world.db.conn:
        world.db.execute("UPDATE actions SET status = 'cancelled', verified_on = NULL WHERE id IN (?, ?)",
                         [world.action, later])
    assert effectiveness.embedded_learning(world.db, date(2025, 6, 30)) == []  # every action cancelled
    assert cancelled


def test_a_review_is_recorded_once_the_after_window_completed_and_not_effective_reopens_the_learning_point(world):
    def review(verdict, note=None, *, actor=None, version=None, today=date(2025, 3, 1)):
        v = version or world.db["learning_points"].get(world.learning_point)["version"]
        return reviews.record_review(world.db, actor or world.officer, world.learning_point, v,
                                     EffectivenessReview(verdict=verdict, note=note), today=today)

    with pytest.raises(InvalidInput, match="its 6 months after end on 2025-02-28, so it can be reviewed from the day after"):
        review("effective", today=date(2025, 2, 28))
    with pytest.raises(InvalidInput, match="note is required when the learning was not effective"):
        review("not effective")
    with pytest.raises(InvalidInput, match="must be one of: effective, partly effective, not effective"):
        review("worked")
    for someone in (world.manager_west, world.viewer):
        with pytest.raises(Refused):
            review("effective", actor=someone)
    with pytest.raises(Conflict):
        review("effective", version=99)

    review("not effective", "Calls are still not returned", actor=world.forum)
    point = world.db["learning_points"].get(world.learning_point)
    assert point["status"] == "open"  # reopened: a new action is needed
    assert only(world)["review"] == "not effective"
    assert only(world)["review_due"] is False
    with pytest.raises(InvalidInput, match="was already reviewed for its embedding of 2024-08-31"):
        review("effective")
    [event] = [e for e in audit_events(world.db, "learning_point") if e["event"] == "record effectiveness review"
               and e["outcome"] == "done"]
    assert json.loads(event["after"])["verdict"] == "not effective"


def test_the_command_prints_one_object_per_embedded_learning_point_with_exactly_its_keys(world, tmp_path, capsys):
    complaint(world, "E-1", "2024-01-10")
    path = str(tmp_path / "tracker.db")
    assert cli.main(["effectiveness", "--as-of", "2025-06-30", "--format", "json", "--db", path]) == 0
    assert json.loads(capsys.readouterr().out) == [{
        "learning_point_id": world.learning_point, "service_area": "Team West", "theme": "Communication",
        "created_on": CREATED, "embedded_on": EMBEDDED, "window_months": 6, "before": 1, "after": 0,
        "after_window_complete": True, "p_value": 1.0, "review": None}]
    assert cli.main(["effectiveness", "--as-of", "2025-06-30", "--window-months", "3", "--db", path]) == 0
    assert "due" in capsys.readouterr().out.splitlines()[1]
    assert cli.main(["effectiveness", "--window-months", "0", "--db", path]) == 1
