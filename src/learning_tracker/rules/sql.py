"""Rules as SQL: a constant of the rules turned into a SQL literal, so queries never retype a rule."""

from __future__ import annotations

from collections.abc import Iterable


def literal(value: str) -> str:
    """A string as a quoted SQL literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def values(items: Iterable[str]) -> str:
    """``('a', 'b')``: a tuple of the rules' own constants for ``IN``, never user input."""
    return "(" + ", ".join(literal(item) for item in items) + ")"
