from datetime import date, timedelta

import pytest

from learning_tracker import workdays
from learning_tracker.rules.rag import rag
from learning_tracker.workdays import add_working_days, timeliness, working_days_between


@pytest.mark.parametrize(
    "start,n,expected",
    [
        # Christmas 2022: 26 and 27 December and 2 January are bank holidays.
        (date(2022, 12, 20), 10, date(2023, 1, 6)),
        # The state funeral of Queen Elizabeth II, 19 September 2022, was a one-off bank holiday.
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        (date(2022, 9, 12), 10, date(2022, 9, 27)),
        # The coronation of King Charles III, 8 May 2023, and the early May bank holiday on 1 May.
        (date(2023, 4, 28), 1, date(2023, 5, 2)),
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
        (date(2023, 4, 28), 10, date(2023, 5, 16)),
        # Weekends: Friday + 1 is Monday; a clock started on Saturday runs from Monday.
        (date(2024, 3, 1), 1, date(2024, 3, 4)),
        (date(2024, 3, 2), 1, date(2024, 3, 4)),
        (date(2024, 3, 2), 10, date(2024, 3, 15)),
        # Zero days is the start itself.
        (date(2024, 3, 2), 0, date(2024, 3, 2)),
        # Statutory stage 1 extended to its 20 working-day cap.
        (date(2022, 12, 20), 20, date(2023, 1, 20)),
        # Easter 2023: Good Friday 7 April and Easter Monday 10 April.
        (date(2023, 4, 6), 1, date(2023, 4, 11)),
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    "start,n,expected",
    [(date(2023, 1, 6), -10, date(2022, 12, 20)), (date(2024, 3, 4), -1, date(2024, 3, 1)), (date(2024, 3, 3), -1, date(2024, 3, 1))],
)
def test_add_working_days_backwards(start, n, expected):
    assert add_working_days(start, n) == expected


def test_one_off_bank_holidays_are_not_working_days():
    assert not workdays.is_working_day(date(2022, 9, 19))
    assert not workdays.is_working_day(date(2023, 5, 8))
    assert workdays.is_working_day(date(2023, 5, 9))
    assert date(2022, 9, 19) in workdays.bank_holidays_between(date(2022, 9, 1), date(2022, 9, 30))


@pytest.mark.parametrize(
    "start,end,expected",
    [
        (date(2022, 12, 20), date(2023, 1, 6), 10),
        (date(2022, 12, 20), date(2022, 12, 20), 0),
        (date(2023, 1, 6), date(2022, 12, 20), -10),
        # Received on a Friday, answered the next Monday: one working day.
        (date(2024, 3, 1), date(2024, 3, 4), 1),
        # Answered on a Saturday counts as the Friday before it.
        (date(2024, 3, 1), date(2024, 3, 9), 5),
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_adding_then_counting_gives_back_the_days():
    start = date(2022, 12, 1)
    for n in range(0, 70):
        assert working_days_between(start, add_working_days(start, n)) == n


@pytest.mark.parametrize(
    "responded,due,expected",
    [(date(2023, 1, 6), date(2023, 1, 6), "within"), (date(2023, 1, 9), date(2023, 1, 6), "over"), (date(2023, 1, 5), date(2023, 1, 6), "within")],
)
def test_timeliness_of_a_completed_stage(responded, due, expected):
    assert timeliness(responded, due) == expected


def test_an_extension_moves_the_limit_a_stage_is_judged_by():
    received = date(2022, 12, 20)
    due, extended = add_working_days(received, 10), add_working_days(received, 20)
    answered = date(2023, 1, 16)
    assert timeliness(answered, due) == "over"
    assert timeliness(answered, extended) == "within"


@pytest.mark.parametrize(
    "due,as_of,expected",
    [
        (date(2023, 1, 5), date(2023, 1, 6), "Red"),
        (date(2023, 1, 6), date(2023, 1, 6), "Amber"),  # due today: day 1 of 3
        (date(2023, 1, 10), date(2023, 1, 6), "Amber"),  # Fri, Mon, Tue: day 3 of 3
        (date(2023, 1, 11), date(2023, 1, 6), "Green"),
        # Over Christmas 2022 the bank holidays of 26 and 27 December do not count: from Friday
        # 23 December, Thursday 29th is the third working day (today included), Friday 30th the fourth.
        (date(2022, 12, 29), date(2022, 12, 23), "Amber"),
        (date(2022, 12, 30), date(2022, 12, 23), "Green"),
    ],
)
def test_rag_of_an_open_stage(due, as_of, expected):
    assert rag(due, as_of) == expected


def test_rag_threshold_is_configurable():
    assert rag(date(2023, 1, 11), date(2023, 1, 6), amber_working_days=5) == "Amber"
    assert rag(date(2023, 1, 6), date(2023, 1, 6), amber_working_days=1) == "Amber"
    assert rag(date(2023, 1, 9), date(2023, 1, 6), amber_working_days=1) == "Green"


def test_dates_outside_the_calendar_are_refused_clearly():
    with pytest.raises(ValueError, match="outside the calendar"):
        add_working_days(date(1999, 1, 1), 5)


def test_the_iso_lookup_agrees_with_the_date_clock():
    start = date(2022, 9, 1)
    for n in range(0, 200):
        end = start + timedelta(days=n)
        assert workdays.working_days_between_iso(start.isoformat(), end.isoformat()) == working_days_between(start, end)
    with pytest.raises(ValueError, match="outside the calendar"):
        workdays.working_days_between_iso("1999-12-31", "2000-01-05")
