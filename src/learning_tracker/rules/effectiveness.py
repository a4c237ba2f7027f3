"""Did the learning work? The rules of an effectiveness check, each in one place.

A learning point is **embedded** once every action on it is verified or cancelled and at least one is
verified; it was embedded on the latest ``verified_on`` of its actions. Its **theme** is a concern code
('Category' or 'Category > Subcategory'). Recurrence compares two windows of ``window_months`` calendar
months (configuration, default 6):

- **before**: from ``created_on`` less the window to the day before ``created_on``;
- **after**: from the day after ``embedded_on`` to ``embedded_on`` plus the window (the day clipped to the
  month's end), *complete* once the as-of date is past its end.

Each window counts the complaints of the learning point's service area, any procedure, received in it that
raise a concern matching the theme (the same category; and the same subcategory when the theme names one),
once per complaint. ``p_value`` is the two-sided exact binomial test of ``after`` out of ``before + after``
against one half (the windows are equal), ``None`` when both are 0.
"""

from __future__ import annotations

from datetime import date, timedelta
from .periods import add_months

DEFAULT_WINDOW_MONTHS = 6

EFFECTIVE, PARTLY_EFFECTIVE, NOT_EFFECTIVE = VERDICTS = ("effective", "partly effective", "not effective")
# The verdict that reopens the learning point: a new action is needed.
REOPENS = NOT_EFFECTIVE


def windows(created_on: date, embedded_on: date, months: int) -> tuple[date, date, date, date]:
    """(before from, before to, after from, after to), each day included."""
    return (add_months(created_on, -months), created_on - timedelta(days=1),
            embedded_on + timedelta(days=1), add_months(embedded_on, months))


def after_window_complete(embedded_on: date, months: int, as_of: date) -> bool:
    """The after window has ended: ``as_of`` is past its last day."""
    return as_of > add_months(embedded_on, months)


def p_value(before: int, after: int) -> float | None:
    """The two-sided exact binomial test of ``after`` out of ``before + after`` against one half: the chance,
    were the learning to have changed nothing, of a split at least as uneven; ``None`` when both are 0."""
    n = before + after
    if n == 0:
        return None
    # The lower tail's binomial coefficients, each from the one before (whole numbers, so the sum is exact).
    term = tail = 1
    for i in range(min(before, after)):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(1.0, 2 * tail / 2 ** n)
