"""Domain errors: each carries a message a complaints officer understands, never a stack trace."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable


class DomainError(Exception):
    """Base of every error the app shows to a user as it is."""


class NotFound(DomainError):
    """The record asked for does not exist."""


class Refused(DomainError):
    """The acting user's role or service areas do not allow this. Refusals are audited."""


class Conflict(DomainError):
    """Someone else changed the record after it was read; nothing was written."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which field, what value, and what is allowed."""

    field: str
    value: Any
    message: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        shown = "" if self.value is None or not str(self.value).strip() else f" ('{self.value}')"
        return f"{where}{self.field}{shown} {self.message}"


class InvalidInput(DomainError):
    """The input breaks one or more rules; nothing was written."""

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(field="", value=None, message=problems)]
        self.problems = list(problems)
        super().__init__("; ".join(str(p).strip() for p in self.problems))


def suggestion(value: str, allowed: Iterable[str]) -> str:
    """'; did you mean X?' for the closest allowed value, or '' when none is close."""
    options = list(allowed)
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.strip().lower(), list(lowered), n=1, cutoff=0.75)
    return f"; did you mean '{lowered[close[0]]}'?" if close else ""


def unknown_value(field: str, value: str, allowed: Iterable[str], *, row: int | None = None) -> Problem:
    """The problem for a value outside its vocabulary, naming what is allowed or the nearest match."""
    options = list(allowed)
    hint = suggestion(value, options)
    if not hint:
        listed = ", ".join(f"'{o}'" for o in options[:12]) + (", ..." if len(options) > 12 else "")
        hint = f"; allowed: {listed}"
    return Problem(field=field, value=value, message=f"is not known{hint}", row=row)
