"""One cell of an imported file: an Excel cell as the text a CSV would hold, a record's id, a date that
defaults to the record's.

The parsers of typed cells (dates, yes/no, amounts in pounds, semicolon lists) are
``models.parse_sheet_date``, ``parse_yes_no``, ``parse_pence`` and ``split_list``: the template rows'
pydantic models (``models.SheetRow``) are built from them, and the templates name those models, so they
stay below the read side rather than here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ...read.templates import fmt_yes_no


def cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold: dates as ISO dates, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return fmt_yes_no(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def id_from(raw: dict[str, str]) -> int | None:
    """The record id a row gives in its ``id`` column (a number, as Excel may write it: '12.0'), or None."""
    text = (raw.get("id") or "").strip()
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def date_or(text: str | None, default: date) -> date:
    """An ISO date as the template writes it, or ``default`` when blank."""
    return date.fromisoformat(text) if text else default
