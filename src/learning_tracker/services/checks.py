"""Small validation helpers the complaint and compliment services share: gather every problem of a form
so that the user is told all their mistakes at once, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from ..errors import InvalidInput, Problem

T = TypeVar("T")


def collect(problems: list[Problem], check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Run one check; keep its problems instead of stopping at the first, and give None for a failed check."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        problems.extend(error.problems)
        return None


def not_in_future(problems: list[Problem], field: str, day: date | None, today: date) -> None:
    """A date the user enters for something that has happened may not be after today."""
    if day is not None and day > today:
        problems.append(Problem(field, day.isoformat(), f"is in the future; today is {today.isoformat()}"))


def not_before(problems: list[Problem], field: str, day: date | None, earliest: str, what: str) -> None:
    """A date may not be before ``earliest`` (an ISO date), which is ``what`` in the users' words."""
    if day is not None and day.isoformat() < earliest:
        problems.append(Problem(field, day.isoformat(), f"is before {what} ({earliest})"))


# The dates recorded on a stage as it goes, in the order they happen, in the users' words.
_STAGE_DATES = (
    ("clock_started_on", "the stage's clock start"),
    ("acknowledged_on", "the stage was acknowledged"),
    ("statement_agreed_on", "the statement of complaint was agreed"),
    ("panel_met_on", "the panel met"),
    ("panel_report_on", "the panel's report was received"),
)


def not_before_stage(problems: list[Problem], field: str, day: date | None, stage: dict) -> None:
    """A date that answers, closes or decides a stage (a complaint_stages row) may not be before its clock
    start or any step already recorded on it, so that its dates stay in the order an export re-imports."""
    recorded = [(stage[column], words) for column, words in _STAGE_DATES if stage.get(column)]
    latest, words = max(recorded)
    not_before(problems, field, day, latest, words)


def raise_problems(problems: list[Problem]) -> None:
    """Refuse the whole form when anything is wrong."""
    if problems:
        raise InvalidInput(problems)
