"""Reading the app's tables as a person reads them: ``widgets.table`` draws an HTML table (st.table) of text,
every value written for people (07/04/2021, 1,234, blank for nothing) and Markdown-escaped.

``rows`` reads one in AppTest (``at.table[i]``), ``browser_rows`` one in a real browser (a Playwright
locator of a ``<table>``); both give a dict per row keyed by the column headings, the values as shown.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from learning_tracker.escaping import WORD_JOINER

_ESCAPE = re.compile(r"\\(.)")


def unescape(text: Any) -> str:
    """What a reader sees of a Markdown-escaped value (``escaping.md_escape`` puts a backslash before each
    character that has a meaning in Markdown, and an invisible word joiner inside web addresses)."""
    return _ESCAPE.sub(r"\1", str(text)).replace(WORD_JOINER, "")


def frame(table) -> pd.DataFrame:
    """An AppTest table (``at.table[i]``) as shown: headings and values as text, escapes taken off."""
    value = table.value
    return pd.DataFrame({unescape(c): [unescape(v) for v in value[c]] for c in value.columns})


def rows(table) -> list[dict[str, str]]:
    """An AppTest table's rows (``at.table[i]``), each a dict of the values shown by heading."""
    return frame(table).to_dict("records")


def column(table, heading: str) -> list[str]:
    """One column of an AppTest table, as shown."""
    return frame(table)[heading].tolist()


def find(tables, heading: str) -> pd.DataFrame:
    """The first of some AppTest tables (``at.table``) that has a column ``heading``."""
    for table in tables:
        shown = frame(table)
        if heading in shown.columns:
            return shown
    raise AssertionError(f"No table has a column {heading!r}: {[list(frame(t).columns) for t in tables]}")


def browser_rows(table) -> list[dict[str, str]]:
    """The rows of an HTML table in the page (a Playwright locator of a ``<table>``), by heading."""
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    found = []
    for row in table.locator("tbody tr").all():
        cells = [text.strip() for text in row.locator("td, th").all_inner_texts()]
        found.append(dict(zip(headings, cells)))
    return found


def count(text: str) -> int:
    """A count as shown ("1,234") as a number."""
    return int(text.replace(",", ""))
