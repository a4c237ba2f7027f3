"""What the app writes out and shows of people's words, made safe: a spreadsheet cell (CSV or Excel) that
is never run as a formula, and Markdown that shows a value as it was written.

Every value in these records was typed by someone (a complaint reference, a service area's name, an
action's description, a column of an imported file). Written into a CSV file as it is, ``=HYPERLINK(...)``
becomes a live formula when the file is opened in Excel; shown through Streamlit's Markdown as it is,
``[sign in again](http://...)`` becomes a link and ``![x](http://...)`` an image loaded from outside the
council. So every CSV and Excel file the app writes goes through ``csv_bytes`` or ``excel_row``, and every
value that reaches Markdown (text, captions, alerts, labels, help) through ``md_escape``.

It sits at the bottom of the layers (it imports nothing of the app) so that the read side, the services,
the reports and the pages all use the same rule.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

# --- spreadsheets -----------------------------------------------------------------------------------------

#: How a cell a spreadsheet would run as a formula starts (OWASP's list: a tab or carriage return first makes
#: some spreadsheets skip to what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot hold: openpyxl refuses a workbook with one, so a stray control character typed
# into a description would stop the whole export.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """Text without the control characters an Office file (XML) cannot hold."""
    return _XML_INVALID.sub("", text)


def csv_cell(value: str) -> str:
    """A text value as a CSV cell: one a spreadsheet would run as a formula gets a leading apostrophe, which
    Excel and LibreOffice take to mean "text" (the importer takes it off again)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _missing(value: Any) -> bool:
    """None, or a table's "no value" (NaN, NaT, pandas' NA): the only values not equal to themselves."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas' NA compares to NA, which has no truth value
        return True


def _csv_value(value: Any) -> Any:
    if _missing(value):
        return ""
    if isinstance(value, str):
        return csv_cell(value)
    return value  # numbers stay numbers: -12 working days left is a number, not a formula


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file: the header, then the rows; text cells made safe with ``csv_cell``, numbers as they are,
    blanks for None. UTF-8 with a byte-order mark, so that Excel reads accents and £ signs right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def excel_cell(sheet: Any, value: Any) -> Any:
    """A value to append to an openpyxl ``sheet`` (a normal or a write-only one): numbers, dates and None as
    they are; text without the characters a workbook cannot hold, and text that starts like a formula
    written as a text cell with Excel's own "this is text" mark (quotePrefix, what typing '=1+1 gives), which
    Excel and LibreOffice both show as text and keep as text when the cell is edited."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if not value.startswith(FORMULA_START):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store a value starting with '=' as a formula
    cell.quotePrefix = True
    return cell


def excel_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row of values for ``sheet.append``, each made safe with ``excel_cell``."""
    return [excel_cell(sheet, v) for v in values]


# --- Markdown ---------------------------------------------------------------------------------------------

# Every character with a meaning in Markdown, GitHub's flavour or Streamlit's additions: links and images
# ([ ] !: with "[" shown as written, a following "(...)" is plain text, so brackets stay unescaped),
# autolinks and HTML (<), emphasis (* _ ~), code (`), headings (#), tables (|), maths ($),
# Streamlit's :colour[...] directives ([ ]), and the backslash itself.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<#|$~!])")
# A quote, a list item or a rule at the start of the text: "> x", "- x", "+ x", "1. x", "---" (the * and #
# ones are escaped above). "-12" and "7.0" are no markers and stay as they are. A ">" inside the text
# ("Standards of service > delay") means nothing to Markdown and stays, so labels read as written.
_MD_LEADING_MARKER = re.compile(r"^(\s*)(?:([-+])(?=[\s-]|$)|(>)|(\d+)\.(?=\s|$))")
# What Streamlit's Markdown turns into a link or an icon after escapes are resolved: a bare web address
# ("http://...", "www...."), an email address, and the ":material/icon:" and ":colour[...]" directives. An
# invisible word joiner (U+2060) inside each ("http:\u2060//", "www\u2060.", "\u2060@", ":\u2060blue[") shows
# the same text, unlinked and as written; a backslash escape does not stop them.
WORD_JOINER = "\u2060"
_MD_BARE_LINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)|(?<=:)(?=[a-z][\w/-]*\\?[:\[])", re.IGNORECASE)


def md_escape(text: Any) -> str:
    """Text that Markdown shows exactly as written, on one line: no links, images, emphasis, headings, lists
    or table breaks from a user's words. Use it on every user value shown through Streamlit's Markdown."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\r", " ").replace("\n", " ")
    escaped = _MD_LEADING_MARKER.sub(
        lambda m: m[1] + (f"\\{m[2] or m[3]}" if m[2] or m[3] else f"{m[4]}\\."), escaped, count=1)
    return _MD_BARE_LINK.sub(WORD_JOINER, escaped)
