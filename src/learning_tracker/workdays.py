"""The working-day clock: Monday to Friday, less the bank holidays in England.

The day after a clock starts is working day 1, so a complaint received on 2022-12-20 with 10 working
days to answer is due on 2023-01-06. Bank holidays, one-off ones included (the state funeral of
19 September 2022, the coronation of 8 May 2023), come from the ``holidays`` package, never a list
kept by hand.

Working days are numbered once for a wide calendar so that adding and counting are a lookup rather
than a day-by-day walk: the register and reports call these for every row.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

import holidays

FIRST_YEAR, LAST_YEAR = 2000, 2060


@lru_cache(maxsize=1)
def _calendar() -> tuple[list[date], frozenset[date]]:
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    days, day = [], date(FIRST_YEAR, 1, 1)
    end = date(LAST_YEAR, 12, 31)
    while day <= end:
        if day.weekday() < 5 and day not in bank_holidays:
            days.append(day)
        day += timedelta(days=1)
    return days, frozenset(bank_holidays.keys())


@lru_cache(maxsize=1)
def _ordinals_by_iso() -> dict[str, int]:
    """Every calendar day's ISO date -> its working-day ordinal: SQL calls this for every stage it averages."""
    days, by_iso = _calendar()[0], {}
    day, end, ordinal = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31), 0
    while day <= end:
        if ordinal < len(days) and days[ordinal] == day:
            ordinal += 1
        by_iso[day.isoformat()] = ordinal
        day += timedelta(days=1)
    return by_iso


def working_days_between_iso(start: str, end: str) -> int:
    """``working_days_between`` for ISO date strings, by lookup (the reports' SQL aggregates call it per row)."""
    ordinals = _ordinals_by_iso()
    try:
        return ordinals[end] - ordinals[start]
    except KeyError:
        return working_days_between(date.fromisoformat(start), date.fromisoformat(end))


def _check_range(day: date) -> None:
    if not date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
        raise ValueError(f"{day.isoformat()} is outside the calendar this app knows ({FIRST_YEAR} to {LAST_YEAR}).")


def bank_holidays_between(start: date, end: date) -> list[date]:
    """The bank holidays in England from ``start`` to ``end`` inclusive."""
    return sorted(d for d in _calendar()[1] if start <= d <= end)


def is_working_day(day: date) -> bool:
    """True for Monday to Friday when it is not a bank holiday in England."""
    return day.weekday() < 5 and day not in _calendar()[1]


def _ordinal(day: date) -> int:
    """How many working days there are from the calendar's start up to and including ``day``."""
    _check_range(day)
    return bisect_right(_calendar()[0], day)


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (the next working day after ``start`` is day 1).

    ``n`` of 0 gives ``start`` itself; a negative ``n`` counts backwards.
    """
    if n == 0:
        return start
    days = _calendar()[0]
    position = _ordinal(start)
    if n > 0:
        index = position + n - 1
    else:
        # Working days strictly before start end at index ``before - 1``.
        before = position - (1 if is_working_day(start) else 0)
        index = before + n
    if not 0 <= index < len(days):
        raise ValueError(f"{n} working days from {start.isoformat()} is outside the calendar this app knows.")
    return days[index]


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is before ``start``.

    This is the time a stage took (clock start to response), and the working days remaining from
    an as-of date to a due date.
    """
    return _ordinal(end) - _ordinal(start)


def due_date(clock_started_on: date, working_days: int) -> date:
    """The due date of a stage whose clock started on ``clock_started_on`` with ``working_days`` to run."""
    return add_working_days(clock_started_on, working_days)


def timeliness(responded_on: date, due_on: date) -> str:
    """'within' when a stage was answered on or before its (extended) due date, else 'over'."""
    return "within" if responded_on <= due_on else "over"



def parse_date(value: str | date) -> date:
    """An ISO date string (or a date) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)
