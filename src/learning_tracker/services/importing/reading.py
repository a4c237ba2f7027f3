"""Reading an uploaded file into a header and rows of text.

A CSV (UTF-8 with or without a byte-order mark, UTF-16, Windows-1252 or Latin-1; comma, semicolon or
tab separated, sniffed) or an Excel workbook (.xlsx). A file that is not what it claims (a PDF named
.csv, an empty file) is ``UnreadableFile`` with one sentence saying why.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import DomainError, Problem
from ...read.templates import squash
from .cells import cell_text

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


class UnreadableFile(DomainError):
    """The file is not a table this app can import; the message is one sentence saying why."""


@dataclass
class Table:
    """A file's header and rows as text, with each row's number as a spreadsheet shows it (header = 1)."""

    filename: str
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None


def _kind_of_bytes(content: bytes) -> str | None:
    """What a file's first bytes say it is, whatever its name."""
    if content.startswith(b"%PDF"):
        return "a PDF document"
    if content.startswith(b"PK\x03\x04"):
        return "zip"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return "an Excel 97-2003 workbook (.xls) or another old Office file"
    if content.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "a picture"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in content[:4096]:
        return "binary"
    return None


def read_table(filename: str, content: bytes, *, kind: str | None = None) -> Table:
    """The header and rows of an uploaded CSV or Excel file, or ``UnreadableFile`` in one sentence.

    For a workbook, the sheet named like the record type (``kind``) is read if there is one, else the
    first sheet. Entirely blank rows are skipped; a row with more cells than the header is an error.
    """
    name = Path(filename).name or "The file"
    suffix = Path(filename).suffix.lower()
    if not content or not content.strip():
        raise UnreadableFile(f"{name} is empty: there is nothing to import.")
    what = _kind_of_bytes(content)
    expected = EXTENSIONS.get(suffix)
    if expected is None:
        raise UnreadableFile(
            f"{name} is not a CSV or Excel file: import a .csv file or an Excel workbook (.xlsx).")
    if what == "zip":
        if expected != "xlsx":
            raise UnreadableFile(f"{name} is an Excel workbook or another zip file, not a CSV file: "
                                 "save it as CSV, or give it the .xlsx name it should have.")
        return _read_xlsx(name, content, kind)
    if expected == "xlsx":
        found = what if what not in (None, "binary", "utf-16") else "a text file" if what != "binary" else "another kind of file"
        raise UnreadableFile(f"{name} is named .xlsx but is {found}, not an Excel workbook.")
    if what not in (None, "utf-16"):
        raise UnreadableFile(f"{name} is {what if what != 'binary' else 'not a text file'}, not a CSV file: "
                             "export the spreadsheet as CSV (or .xlsx) and import that.")
    return _read_csv(name, content)


def _decode(content: bytes) -> str:
    """Text in the first encoding that fits: a byte-order mark says UTF-8 or UTF-16; then UTF-8, then
    Windows-1252 (Excel's 'CSV' on Windows), then Latin-1, which reads any bytes."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the sniffer's choice when the header agrees, else the commonest in the header."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0] if lines else ""
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t").delimiter
        if sniffed in header:
            return sniffed
    except csv.Error:
        pass
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(name: str, content: bytes) -> Table:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as error:
        raise UnreadableFile(f"{name} could not be read as CSV ({error}).") from None
    return _table(name, records, None)


def _read_xlsx(name: str, content: bytes, kind: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise UnreadableFile(f"{name} could not be read as an Excel workbook ({type(error).__name__}); "
                             "open it in Excel and save it again as .xlsx or CSV.") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if kind:
            for candidate in workbook.worksheets:
                if squash(candidate.title) == squash(kind):
                    sheet = candidate
        if sheet is None:
            raise UnreadableFile(f"{name} has no worksheet to import.")
        records = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        workbook.close()
    return _table(name, records, title)


def _table(name: str, records: list[list[str]], sheet: str | None) -> Table:
    """Header (the first non-blank row) and data rows; numbering as the spreadsheet shows it."""
    start = next((i for i, r in enumerate(records) if any(str(c).strip() for c in r)), None)
    if start is None:
        raise UnreadableFile(f"{name} is empty: there is nothing to import.")
    raw_headers = [str(c).strip() for c in records[start]]
    while raw_headers and not raw_headers[-1]:
        raw_headers.pop()
    headers = [h or f"column {i + 1}" for i, h in enumerate(raw_headers)]
    seen: dict[str, str] = {}
    for header in headers:
        if header.lower() in seen:
            raise UnreadableFile(f"{name} has two columns named '{header}': give each column its own name.")
        seen[header.lower()] = header
    table = Table(name, headers, [], [], sheet=sheet)
    width = len(headers)
    for index in range(start + 1, len(records)):
        cells = [str(c) for c in records[index]]
        if not any(c.strip() for c in cells):
            continue
        number = index + 1
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            table.problems.append(Problem(
                "row", None, f"has {len(cells)} values but the header has {width} columns; "
                "check for a separator inside a value that is not in quotes", row=number))
            continue
        table.rows.append((cells + [""] * width)[:width])
        table.row_numbers.append(number)
    if not table.rows and not table.problems:
        raise UnreadableFile(f"{name} has a header row but no rows below it to import.")
    return table
