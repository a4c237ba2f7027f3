"""Reading an uploaded file into a header and rows of text.

A CSV (UTF-8 with or without a byte-order mark, UTF-16, Windows-1252 or Latin-1; comma, semicolon or
tab separated, sniffed) or an Excel workbook (.xlsx). A file that is not what it claims (a PDF named
.csv, an empty file) is ``UnreadableFile`` with one sentence saying why.

Reading takes bounded memory and time whatever the file says about itself: a file is at most
``MAX_FILE_BYTES``, a table at most ``MAX_DATA_ROWS`` rows below its header (``MAX_ROWS_READ`` with the
blank ones) and ``MAX_COLUMNS`` columns, and a workbook is measured before it is opened (what its parts
unpack to, and how much they shrink by, since a "zip bomb" of a few kilobytes can unpack to gigabytes).
A worksheet's declared size is never trusted: a sheet that claims A1:XFD1048576 is read as the cells it
really holds, one row at a time.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import DomainError, Problem
from ...read.templates import squash
from .cells import cell_text

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}

# The limits of one import. A year of a council's complaints is a few thousand rows and the template has
# about 35 columns, so these leave room for ten years of records and a wide extract of the case system.
MAX_DATA_ROWS = 200_000
# Rows read, blank ones included: blank rows are skipped, but reading each costs time, and the Excel reader
# keeps a little of every row it has read; a table of the most rows with blank lines in it fits.
MAX_ROWS_READ = 250_000
MAX_COLUMNS = 200
MAX_FILE_BYTES = 100_000_000  # the file as uploaded (200,000 complaints are about 50 MB of CSV)
MAX_CSV_LINE_CHARS = 1_000_000  # one line of a CSV; a real row is a few kilobytes
# A workbook's parts, unpacked: 200,000 complaints written by Excel or this app are about 320 MB of XML.
MAX_UNPACKED_BYTES = 500_000_000
MAX_WORKBOOK_PARTS = 1_000
# Spreadsheet XML shrinks 5 to 20 times when zipped; a part that shrinks far more is padding, not records.
MAX_SHRINK_RATIO = 100
_RATIO_CHECKED_FROM_BYTES = 1_000_000  # small parts (styles, themes) may shrink a lot and cost nothing


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
    if not content or content.isspace():
        raise UnreadableFile(f"{name} is empty: there is nothing to import.")
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(f"{name} is {_megabytes(len(content))}; the most one import takes is "
                             f"{_megabytes(MAX_FILE_BYTES)}: split it into smaller files and import each.")
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
    # The first lines are enough to tell, and splitting the whole text would copy it.
    lines = [line for line in text[:65536].splitlines()[:21] if line.strip()]
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


def _bounded_lines(name: str, text: str):
    """The CSV's physical lines, refusing one too long to be a row: the csv module would otherwise build
    a row of a million empty cells from a line of a million separators before anything could count them."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_CSV_LINE_CHARS:
            raise UnreadableFile(f"{name} has a line longer than {MAX_CSV_LINE_CHARS:,} characters (line {number}), "
                                 "which is not a row of a table: check it is the export you meant to import.")
        yield line


def _read_csv(name: str, content: bytes) -> Table:
    text = _decode(content)
    reader = csv.reader(_bounded_lines(name, text), delimiter=_delimiter(text))
    try:
        return _table(name, reader, None)
    except csv.Error as error:
        raise UnreadableFile(f"{name} could not be read as CSV ({error}).") from None


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 10_000_000 else f"{size / 1e6:,.1f} MB"


def _not_a_workbook(name: str, error: Exception) -> UnreadableFile:
    return UnreadableFile(f"{name} could not be read as an Excel workbook ({type(error).__name__}); "
                          "open it in Excel and save it again as .xlsx or CSV.")


def _check_workbook_parts(name: str, content: bytes) -> None:
    """Refuse a workbook whose parts would unpack to more than a table of the allowed size, before opening
    it: the sizes come from the zip's directory, and Python's zip reader never unpacks a part past the
    size the directory gives it, so they bound what opening the workbook can cost."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise _not_a_workbook(name, error) from None
    if len(parts) > MAX_WORKBOOK_PARTS:
        raise UnreadableFile(f"{name} holds {len(parts):,} parts, far more than a workbook has: "
                             "open it in Excel and save it again as .xlsx or CSV.")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(f"{name} unpacks to {_megabytes(unpacked)}, more than the {_megabytes(MAX_UNPACKED_BYTES)} "
                             f"a workbook of {MAX_DATA_ROWS:,} rows needs: split it into smaller files and import each.")
    for part in parts:
        if part.file_size >= _RATIO_CHECKED_FROM_BYTES and part.file_size > MAX_SHRINK_RATIO * max(part.compress_size, 1):
            raise UnreadableFile(f"{name} unpacks to {_megabytes(part.file_size)} from {_megabytes(part.compress_size)}, "
                                 "which is padding rather than records: open it in Excel, delete the empty rows "
                                 "and columns below and beside the table, and save it again (or save it as CSV).")


def _read_xlsx(name: str, content: bytes, kind: str | None) -> Table:
    from openpyxl import load_workbook

    _check_workbook_parts(name, content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise _not_a_workbook(name, error) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if kind:
            for candidate in workbook.worksheets:
                if squash(candidate.title) == squash(kind):
                    sheet = candidate
        if sheet is None:
            raise UnreadableFile(f"{name} has no worksheet to import.")
        # The sheet's own claim of its size (its "dimension") is not trusted: read as claimed, a sheet
        # declaring A1:XFD1048576 is a million rows of 16,384 cells. Without it each row holds only the
        # cells the file really has, up to its last one.
        sheet.reset_dimensions()
        return _table(name, _sheet_rows(name, sheet), sheet.title)
    finally:
        workbook.close()


def _sheet_rows(name: str, sheet) -> Iterator[list[str]]:
    """A worksheet's rows as text, one at a time, each cut to ``MAX_COLUMNS`` cells once the cells past
    them are seen to be empty (counted in C: a row may reach column 16,384)."""
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if len(row) > MAX_COLUMNS:
            if row[MAX_COLUMNS:].count(None) != len(row) - MAX_COLUMNS:
                raise _too_many_columns(name, number)
            row = row[:MAX_COLUMNS]
        yield [cell_text(v) for v in row]


def _too_many_columns(name: str, number: int) -> UnreadableFile:
    return UnreadableFile(f"{name} has more than {MAX_COLUMNS} columns in row {number}; the most one import takes "
                          f"is {MAX_COLUMNS}: remove the columns the template does not need and import it again.")


def _within_columns(name: str, number: int, record: list[str]) -> list[str]:
    """The row cut to ``MAX_COLUMNS`` cells, or the one sentence when a cell past them holds anything."""
    if len(record) <= MAX_COLUMNS:
        return record
    tail = record[MAX_COLUMNS:]
    if tail.count("") != len(tail):
        raise _too_many_columns(name, number)
    return record[:MAX_COLUMNS]


def _too_long(name: str) -> UnreadableFile:
    return UnreadableFile(f"{name} goes on past row {MAX_ROWS_READ:,}, blank rows included; the most one import "
                          "reads is that many: delete the empty rows below the table, or split it into smaller files.")


def _table(name: str, records: Iterable[list[str]], sheet: str | None) -> Table:
    """Header (the first non-blank row) and data rows; numbering as the spreadsheet shows it.

    ``records`` is read one row at a time and only the rows with something in them are kept; reading
    stops with one sentence at the first row past ``MAX_DATA_ROWS`` (or ``MAX_ROWS_READ``, blank rows
    included) or a cell past ``MAX_COLUMNS``.
    """
    rows = iter(records)
    raw_headers: list[str] | None = None
    header_number = 0
    for header_number, record in enumerate(rows, start=1):
        if header_number > MAX_ROWS_READ:
            raise _too_long(name)
        record = _within_columns(name, header_number, record)
        if _last_filled(record):
            raw_headers = [str(c).strip() for c in record]
            break
    if raw_headers is None:
        raise UnreadableFile(f"{name} is empty: there is nothing to import.")
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
    for number, record in enumerate(rows, start=header_number + 1):
        if number > MAX_ROWS_READ:
            raise _too_long(name)
        record = _within_columns(name, number, record)
        filled = _last_filled(record)
        if not filled:
            continue
        if len(table.rows) + len(table.problems) >= MAX_DATA_ROWS:
            raise UnreadableFile(f"{name} has more than {MAX_DATA_ROWS:,} rows below its header; the most one import "
                                 "takes is that many: split it into smaller files and import each.")
        if filled > width:
            table.problems.append(Problem(
                "row", None, f"has {len(record)} values but the header has {width} columns; "
                "check for a separator inside a value that is not in quotes", row=number))
            continue
        cells = [str(c) for c in record[:width]]
        table.rows.append(cells + [""] * (width - len(cells)))
        table.row_numbers.append(number)
    if not table.rows and not table.problems:
        raise UnreadableFile(f"{name} has a header row but no rows below it to import.")
    return table


def _last_filled(record: list[str]) -> int:
    """How many cells a row holds up to its last non-blank one (0 for a blank row)."""
    for index in range(len(record) - 1, -1, -1):
        if str(record[index]).strip():
            return index + 1
    return 0
