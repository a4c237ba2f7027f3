"""Importing records from the council's case system and spreadsheets: file -> validated rows -> one
transaction, with a row-by-row error report.

The steps, each a function the page and the command share:

1. ``read_table`` reads a CSV (UTF-8 with or without a byte-order mark, UTF-16, Windows-1252 or
   Latin-1; comma, semicolon or tab separated, sniffed) or an Excel workbook (.xlsx) into a header and
   rows. A file that is not what it claims (a PDF named .csv, an empty file) is one clear sentence.
2. A ``Mapping`` pairs the template's fields (``templates.py``) with the file's columns, with value
   mappings for coded columns ("Partially Upheld" -> "partly upheld"). ``guess_mapping`` pairs the
   obvious ones; a canonical template file needs no mapping at all. Mappings are saved by name.
3. ``plan_import`` checks every row (pydantic, then the domain rules against lookups loaded once) and
   works out what would be added, updated (field by field) and left unchanged. Nothing is written.
4. ``import_file`` does 1 to 3 and, when no row has an error, writes everything in one transaction with
   one audit event naming the file and its counts. Any error writes nothing.

A record that exists already is updated: a complaint by its reference, a service area by its name, a
user by their email, anything else by its ``id`` column. A row without an id (compliments, learning,
actions) is matched to an identical record, so importing the same file twice changes nothing the
second time. A column the file does not have leaves that field of an existing record as it is.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from . import config, exporting, workdays
from .db import now_utc, transaction
from .errors import DomainError, InvalidInput, NotFound, Problem, unknown_value
from .models import DATE_HINT
from .services.actions import refresh_learning_point_status
from .services.compliments import personal_details_in
from .services.core import Actor, record_audit
from .rules.roles import SERVICE_MANAGER, role_key
from .templates import (
    ACTIONS,
    COMPLAINTS,
    COMPLIMENTS,
    LEARNING,
    SERVICE_AREAS,
    USERS,
    VALUE_SYNONYMS,
    Template,
    fmt_yes_no,
    guess_column,
    squash,
    template,
)
from .rules import roles, vocabulary

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
MAX_PROBLEMS_SHOWN = 1000


class UnreadableFile(DomainError):
    """The file is not a table this app can import; the message is one sentence saying why."""


# =================================================================================================
# 1. Reading a file
# =================================================================================================


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


def _cell_text(value: Any) -> str:
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
        records = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
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


# =================================================================================================
# 2. Mapping a file's columns and values to a template
# =================================================================================================


def norm(value: str) -> str:
    """A value as it is matched: case, surrounding and repeated spaces ignored."""
    return " ".join(str(value).split()).lower()


@dataclass
class Mapping:
    """Which file column holds each template field, and what some of the file's values mean.

    ``columns`` maps a template field to a file column; ``values`` maps, per coded field, a file value
    (as ``norm`` gives it) to an allowed value. ``name`` and ``version`` are set for a saved mapping.
    """

    kind: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    name: str | None = None
    version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": self.columns, "values": self.values}

    def missing_required(self) -> list[str]:
        """The required template fields no file column is mapped to."""
        return [f for f in template(self.kind).required if not self.columns.get(f)]


def guess_mapping(kind: str, headers: list[str]) -> Mapping:
    """The obvious pairing of the template's fields with a file's columns: the same name (any case,
    spaces or underscores), else a usual other name ('Date received' for received_on)."""
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for column in template(kind).columns:
        found = guess_column(column, [h for h in headers if h not in taken])
        if found is not None:
            columns[column.name] = found
            taken.add(found)
    return Mapping(kind, columns)


def is_canonical(kind: str, headers: list[str]) -> bool:
    """True when every column of the file is a template column by name and every required one is there."""
    fields = {squash(f) for f in template(kind).fields}
    return all(squash(h) in fields for h in headers) and not guess_mapping(kind, headers).missing_required()


def ignored_columns(mapping: Mapping, headers: list[str]) -> list[str]:
    """The file's columns no template field is mapped to (they are not imported)."""
    used = set(mapping.columns.values())
    return [h for h in headers if h not in used]


def check_columns(mapping: Mapping, table: Table) -> None:
    """One sentence when required template fields have no column in the file."""
    missing = mapping.missing_required()
    if missing:
        tpl = template(mapping.kind)
        names = " and ".join(", ".join(missing).rsplit(", ", 1))
        raise UnreadableFile(
            f"{table.filename} has no column for {names}, which the {tpl.label} template needs "
            f"(its columns are: {', '.join(table.headers[:12])}{', ...' if len(table.headers) > 12 else ''}); "
            "rename the columns or map them on the Import and export page.")


def mapped_rows(table: Table, mapping: Mapping) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as {template field: text}, holding only the fields the file has a column for, value
    mappings applied."""
    tpl = template(mapping.kind)
    index = {h: i for i, h in enumerate(table.headers)}
    fields = [(f, index[h]) for f, h in mapping.columns.items() if h in index and f in tpl.fields]
    many = {c.name for c in tpl.columns if c.many}
    values = {f: v for f, v in mapping.values.items() if v}
    for number, cells in zip(table.row_numbers, table.rows):
        row = {}
        for name, i in fields:
            text = cells[i]
            # The export quotes a cell a spreadsheet would run as a formula with an apostrophe.
            if text[:1] == "'" and text[1:2] in exporting.FORMULA_START and text[1:2]:
                text = text[1:]
            value_map = values.get(name)
            if value_map:
                if name in many:
                    text = "; ".join(value_map.get(norm(item), item) for item in text.split(";") if item.strip())
                elif text.strip():
                    text = value_map.get(norm(text), text)
            row[name] = text
        yield number, row


def distinct_values(table: Table, mapping: Mapping, field_name: str, limit: int = 200) -> list[str]:
    """The different values (as first written) a file's column holds for a coded field, commonest first."""
    header = mapping.columns.get(field_name)
    if header not in table.headers:
        return []
    i = table.headers.index(header)
    many = template(mapping.kind).column(field_name).many
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for cells in table.rows:
        items = cells[i].split(";") if many else [cells[i]]
        for item in items:
            if item.strip():
                key = norm(item)
                counts[key] += 1
                first.setdefault(key, item.strip())
    return [first[k] for k, _ in counts.most_common(limit)]


def unmatched_values(db: sqlite_utils.Database, table: Table, mapping: Mapping) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """Per coded field, the file's values that are not allowed as they stand: what the value-mapping step
    asks about. Each comes with ``meaning``, the allowed value it means when that is known ("Partially
    Upheld" is "partly upheld"), and ``close``, the nearest allowed spelling, only ever offered as a hint:
    "Team Wets" may be a typo for "Team West" or a team this app does not have yet."""
    look = Lookups(db)
    result: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for column in template(mapping.kind).columns:
        if not column.coded or column.coded == "yes_no" or column.name not in mapping.columns:
            continue
        allowed = look.allowed(column.coded)
        index = {norm(a): a for a in allowed}
        unknown = []
        for value in distinct_values(table, mapping, column.name):
            if column.coded == "concern":
                if look.concern(value) is not None:
                    continue
            elif norm(value) in index or (column.coded == "role" and look.role(value)):
                continue
            meaning = value_meaning(value, allowed)
            unknown.append((value, meaning, None if meaning else closest_value(value, allowed)))
        if unknown:
            result[column.name] = unknown
    return result


def value_meaning(value: str, allowed: list[str]) -> str | None:
    """The allowed value a file's value means: the same words in any case, or a usual other wording."""
    index = {norm(a): a for a in allowed}
    wanted = norm(value)
    if wanted in index:
        return index[wanted]
    synonym = VALUE_SYNONYMS.get(wanted)
    return index.get(norm(synonym)) if synonym else None


def closest_value(value: str, allowed: list[str]) -> str | None:
    """The allowed value closest in spelling, if any is close."""
    index = {norm(a): a for a in allowed}
    close = difflib.get_close_matches(norm(value), list(index), n=1, cutoff=0.6)
    return index[close[0]] if close else None


# --- saved mappings (the import_mappings table) -----------------------------------------------------


def saved_mappings(db: sqlite_utils.Database, kind: str) -> list[Mapping]:
    """The mappings saved for a record type, by name."""
    return [_mapping_from_row(r) for r in db.execute(
        "SELECT kind, name, columns, value_map, version FROM import_mappings WHERE kind = ? ORDER BY name", [kind]
    ).fetchall()]


def load_mapping(db: sqlite_utils.Database, kind: str, name: str) -> Mapping:
    """A saved mapping by record type and name (any case), or NotFound naming the saved ones."""
    row = db.execute(
        "SELECT kind, name, columns, value_map, version FROM import_mappings WHERE kind = ? AND name = ? COLLATE NOCASE",
        [kind, name.strip()],
    ).fetchone()
    if row is None:
        names = [m.name for m in saved_mappings(db, kind)]
        known = f"; the saved ones are: {', '.join(names)}" if names else "; none is saved yet"
        raise NotFound(f"No {template(kind).label} mapping is saved as '{name.strip()}'{known}.")
    return _mapping_from_row(row)


def _mapping_from_row(row: tuple) -> Mapping:
    kind, name, columns, value_map, version = row
    return Mapping(kind, json.loads(columns), json.loads(value_map), name=name, version=version)


def save_mapping(db: sqlite_utils.Database, actor: Actor, mapping: Mapping, name: str) -> int:
    """Save a mapping under a name for the next import of the same layout; return its id.

    Saving over a mapping the officer loaded (``mapping.name``/``mapping.version`` set) replaces it if
    nobody changed it since; a new name that is taken already is refused rather than overwritten.
    """
    name = (name or "").strip()
    event = "save import mapping"
    exporting.require_officer(db, actor, event, "import_mapping", doing="save import mappings")
    if not name:
        raise InvalidInput([Problem("mapping name", None, "is required to save the mapping")])
    if len(name) > 100:
        raise InvalidInput([Problem("mapping name", name[:20] + "...", "must be at most 100 characters")])
    template(mapping.kind)
    values = {"columns": json.dumps(mapping.columns, sort_keys=True),
              "value_map": json.dumps(mapping.values, sort_keys=True), "saved_by": actor.id, "saved_at": now_utc()}
    with transaction(db):
        row = db.execute("SELECT id, version, name FROM import_mappings WHERE kind = ? AND name = ? COLLATE NOCASE",
                         [mapping.kind, name]).fetchone()
        if row is None:
            mapping_id = db["import_mappings"].insert({"kind": mapping.kind, "name": name, **values}).last_pk
            before = None
        else:
            if mapping.name is None or mapping.name.lower() != name.lower():
                raise InvalidInput([Problem("mapping name", name, "is taken by another saved mapping; choose that "
                                            "mapping to change it, or give this one another name")])
            if mapping.version != row[1]:
                from .errors import Conflict

                raise Conflict("Someone else changed this saved mapping after you opened it, so yours was not "
                               "saved. Choose it again to see their change.")
            mapping_id = row[0]
            before = {"version": row[1]}
            db.execute(
                "UPDATE import_mappings SET columns = ?, value_map = ?, saved_by = ?, saved_at = ?, version = version + 1"
                " WHERE id = ?", [values["columns"], values["value_map"], actor.id, values["saved_at"], mapping_id])
        record_audit(db, actor, event, "import_mapping", mapping_id, before,
                     {"kind": mapping.kind, "name": name, **mapping.to_json()})
    return mapping_id


# =================================================================================================
# 3. Checking rows: lookups loaded once, then every row against pydantic and the domain rules
# =================================================================================================


class Lookups:
    """What rows are checked against, each read from the database once per file."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @cached_property
    def areas(self) -> dict[str, tuple[int, str]]:
        """Every service area by its name as matched, active or not: imports carry history too."""
        return {norm(name): (id_, name) for id_, name in self.db.execute("SELECT id, name FROM service_areas")}

    @cached_property
    def area_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM service_areas ORDER BY active DESC, name")]

    @cached_property
    def vocabularies(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for field_name, value in self.db.execute("SELECT field, value FROM vocabularies ORDER BY field, position"):
            found.setdefault(field_name, []).append(value)
        return found

    @cached_property
    def vocabulary_index(self) -> dict[str, dict[str, str]]:
        return {f: {norm(v): v for v in values} for f, values in self.vocabularies.items()}

    @cached_property
    def codes(self) -> dict[tuple[str, str], tuple[int, str, int]]:
        """Concern codes by (category, subcategory) as matched: (id, text, position)."""
        return {
            (norm(c), norm(s)): (id_, vocabulary.concern_code_text(c, s), position)
            for id_, c, s, position in self.db.execute("SELECT id, category, subcategory, position FROM concern_codes")
        }

    @cached_property
    def code_texts(self) -> list[str]:
        return [vocabulary.concern_code_text(c, s) for c, s in
                self.db.execute("SELECT category, subcategory FROM concern_codes WHERE active ORDER BY position")]

    @cached_property
    def themes(self) -> list[str]:
        return config.concern_categories(self.db)

    @cached_property
    def timescales(self) -> dict[tuple[str, int], config.Timescale]:
        return config.timescales(self.db)

    @cached_property
    def users(self) -> dict[str, int]:
        return {email.lower(): id_ for id_, email in self.db.execute("SELECT id, email FROM users")}

    @cached_property
    def user_emails(self) -> dict[int, str]:
        """Each user's email as stored (the template writes it so)."""
        return dict(self.db.execute("SELECT id, email FROM users").fetchall())

    @cached_property
    def complaints(self) -> dict[str, tuple[int, str]]:
        return {ref.lower(): (id_, ref) for id_, ref in self.db.execute("SELECT id, reference FROM complaints")}

    def concern(self, text: str) -> tuple[int, str, int] | None:
        category, sub = vocabulary.split_concern_code(text)
        return self.codes.get((norm(category), norm(sub)))

    def role(self, text: str) -> str | None:
        try:
            return role_key(text)
        except InvalidInput:
            return None

    def allowed(self, coded: str) -> list[str]:
        """The values a coded column takes, as the error report and the value mapping list them."""
        if coded == "service_area":
            return self.area_names
        if coded == "concern":
            return self.code_texts
        if coded == "theme":
            return self.themes
        if coded == "role":
            return [label.lower() for label in roles.ROLES.values()]
        if coded == "learning_status":
            return list(vocabulary.LEARNING_POINT_STATUSES)
        if coded == "action_status":
            return list(vocabulary.ACTION_STATUSES)
        if coded == "yes_no":
            return ["yes", "no"]
        return self.vocabularies.get(coded, [])


def allowed_values(db: sqlite_utils.Database, coded: str) -> list[str]:
    """The values a coded template column takes in this database."""
    return Lookups(db).allowed(coded)


@dataclass
class FieldChange:
    """One field of an existing record that an import would change."""

    field: str
    before: str
    after: str


@dataclass
class RowUpdate:
    """A row that updates an existing record: which, and its changes field by field."""

    row: int
    key: str
    record_id: int
    changes: list[FieldChange]


@dataclass
class ImportPlan:
    """What an import would do (or did): rows to add, records to update, rows that change nothing, and
    every problem. ``written`` is True once it was written."""

    kind: str
    filename: str
    rows: int = 0
    added: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    updated: list[RowUpdate] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    mapping_name: str | None = None
    written: bool = False
    _adds: list[Any] = field(default_factory=list, repr=False)
    _updates: list[Any] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "added": len(self.added), "updated": len(self.updated),
                "unchanged": self.unchanged, "errors": len(self.problems)}

    def summary(self) -> str:
        """One line in the users' words."""
        label = template(self.kind).label
        if self.problems:
            return (f"{self.filename}: {len(self.problems)} error{'s' if len(self.problems) != 1 else ''} in "
                    f"{self.rows} rows, so nothing was imported.")
        verb = "imported" if self.written else "would import"
        return (f"{self.filename}: {self.rows} rows; {verb} {len(self.added)} new {label}, "
                f"{len(self.updated)} updated, {self.unchanged} unchanged.")


def problems_csv(problems: list[Problem]) -> bytes:
    """The error report: one line per problem with its row, column, value and what is allowed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["row", "column", "value", "problem"])
    for p in problems:
        value = "" if p.value is None else str(p.value)
        writer.writerow([p.row if p.row is not None else "", p.field, exporting._csv_cell(value), p.message])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class _Checker:
    """The rules of one record type's rows, with the lookups and the problems of one file."""

    def __init__(self, db: sqlite_utils.Database, mapping: Mapping, actor: Actor, today: date):
        self.db, self.mapping, self.actor, self.today = db, mapping, actor, today
        self.tpl: Template = template(mapping.kind)
        self.look = Lookups(db)
        self.problems: list[Problem] = []
        self.row = 0

    # -- problems in the file's words --------------------------------------------------------------

    def label(self, field_name: str) -> str:
        """The file's name for a template field's column (the template name when unmapped)."""
        return self.mapping.columns.get(field_name) or field_name

    def problem(self, field_name: str, value: Any, message: str) -> None:
        shown = value.isoformat() if isinstance(value, date) else value
        self.problems.append(Problem(self.label(field_name), shown, message, row=self.row))

    def validate(self, data: dict[str, Any]):
        """The row as the template's pydantic model, or None with its problems recorded."""
        try:
            return self.tpl.model.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else "row"
                value = data.get(name)
                if item["type"] == "value_error":
                    message = str(item["ctx"]["error"])
                elif value is None or (isinstance(value, str) and not value.strip()):
                    message = "is required"
                elif item["type"] in ("date_type", "date_parsing", "date_from_datetime_parsing"):
                    message = DATE_HINT
                elif item["type"] in ("int_parsing", "int_from_float", "int_type"):
                    message = "must be a whole number"
                elif item["type"] == "string_too_long":
                    message = f"is too long: at most {item['ctx']['max_length']} characters"
                elif item["type"] == "greater_than_equal":
                    message = "must be 1 or more"
                else:
                    message = item["msg"].lower()
                self.problem(name, value, message)
            return None

    # -- values -----------------------------------------------------------------------------------

    def coded(self, field_name: str, value: str | None, coded: str | None = None) -> str | None:
        """The allowed spelling of a coded value, or None with a 'did you mean' problem."""
        if value is None:
            return None
        coded = coded or self.tpl.column(field_name).coded
        found = self.look.vocabulary_index.get(coded, {}).get(norm(value))
        if found is None:
            self.problems.append(unknown_value(self.label(field_name), value, self.look.allowed(coded), row=self.row))
        return found

    def area(self, field_name: str, value: str | None) -> tuple[int, str] | None:
        if value is None:
            return None
        found = self.look.areas.get(norm(value))
        if found is None:
            self.problems.append(unknown_value(self.label(field_name), value, self.look.area_names, row=self.row))
        return found

    def user(self, field_name: str, email: str | None) -> int | None:
        if email is None:
            return None
        found = self.look.users.get(email.strip().lower())
        if found is None:
            self.problem(field_name, email, "is not a user of this app; import the users first, or add them")
        return found

    def happened(self, field_name: str, day: date | None, *, after: date | None = None, what: str = "") -> None:
        """A date something happened on: not in the future, not before ``after`` (``what`` it is)."""
        if day is None:
            return
        if day > self.today:
            self.problem(field_name, day, f"is in the future; today is {self.today.isoformat()}")
        elif day.year < workdays.FIRST_YEAR:
            self.problem(field_name, day, f"is before {workdays.FIRST_YEAR}, where the app's calendar starts")
        elif after is not None and day < after:
            self.problem(field_name, day, f"is before {what} ({after.isoformat()})")


def _changes(before: dict[str, str], after: dict[str, str]) -> list[FieldChange]:
    return [FieldChange(f, before.get(f, ""), value) for f, value in after.items() if before.get(f, "") != value]


# An optional column that qualifies another: when the file has the other column but not this one, this
# one is blank (its default applies) rather than the record's, e.g. a file that says stage 1 was extended
# but not to when extends it to the longest allowed.
_FOLLOWS = {
    "stage1_extended_to": "stage1_extended",
    "stage2_extended_to": "stage2_extended",
    "outcome_on": "outcome",
    "no_learning_recorded_by": "no_learning_reason",
    "no_learning_recorded_on": "no_learning_reason",
}


def _with_existing(raw: dict[str, str], existing: dict[str, str] | None) -> dict[str, str]:
    """A row over the record it updates: a column the file lacks keeps the record's value."""
    if not existing:
        return raw
    merged = {**existing, **raw}
    for qualifier, primary in _FOLLOWS.items():
        if qualifier in existing and qualifier not in raw and primary in raw:
            merged[qualifier] = ""
    return merged


def _id_from(raw: dict[str, str]) -> int | None:
    text = (raw.get("id") or "").strip()
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


# --- service areas -----------------------------------------------------------------------------------


def _plan_service_areas(c: _Checker, rows, plan: ImportPlan) -> None:
    existing = {norm(name): (id_, exporting.service_area_template_row({"name": name, "active": active}))
                for id_, name, active in c.db.execute("SELECT id, name, active FROM service_areas")}
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = norm(raw.get("name") or "")
        found = existing.get(key)
        merged = _with_existing(raw, found[1] if found else None)
        row = c.validate(merged)
        if row is None:
            continue
        if key in seen:
            c.problem("name", row.name, f"is also on row {seen[key]}; each service area once")
            continue
        seen[key] = number
        active = row.active if row.active is not None else (found[1]["active"] == "yes" if found else True)
        after = exporting.service_area_template_row({"name": row.name, "active": active})
        payload = {"name": row.name, "active": int(active)}
        _place(plan, number, row.name, found[0] if found else None, found[1] if found else None, after, payload)


def _place(plan: ImportPlan, number: int, key: str, record_id: int | None, before: dict[str, str] | None,
           after: dict[str, str], payload: Any) -> None:
    """File a checked row as an addition, an update (field by field) or no change."""
    if record_id is None:
        plan.added.append((number, after))
        plan._adds.append(payload)
        return
    changes = _changes(before or {}, after)
    if changes:
        plan.updated.append(RowUpdate(number, key, record_id, changes))
        plan._updates.append((record_id, payload, changes))
    else:
        plan.unchanged += 1


def _apply_service_areas(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    db.conn.executemany("INSERT INTO service_areas (name, active) VALUES (?, ?)",
                        [(p["name"], p["active"]) for p in plan._adds])
    db.conn.executemany("UPDATE service_areas SET name = ?, active = ?, version = version + 1 WHERE id = ?",
                        [(p["name"], p["active"], id_) for id_, p, _ in plan._updates])


# --- users ------------------------------------------------------------------------------------------


def _plan_users(c: _Checker, rows, plan: ImportPlan) -> None:
    existing = {r["email"].lower(): (id_, r) for id_, r in _existing_users(c.db).items()}
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = (raw.get("email") or "").strip().lower()
        found = existing.get(key)
        row = c.validate(_with_existing(raw, found[1] if found else None))
        if row is None:
            continue
        if "@" not in row.email or " " in row.email:
            c.problem("email", row.email, "is not an email address")
            continue
        if key in seen:
            c.problem("email", row.email, f"is also on row {seen[key]}; each user once")
            continue
        seen[key] = number
        role = c.look.role(row.role)
        if role is None:
            c.problems.append(unknown_value(c.label("role"), row.role, c.look.allowed("role"), row=number))
        areas = [c.area("service_areas", name) for name in row.service_areas]
        if role == SERVICE_MANAGER and not row.service_areas:
            c.problem("service_areas", None, "are required for a service manager: name at least one")
        if role is None or None in areas:
            continue
        active = row.active if row.active is not None else (found[1]["active"] == "yes" if found else True)
        area_ids = list(dict.fromkeys(a[0] for a in areas))
        after = exporting.user_template_row(
            {"email": row.email, "name": row.name, "role": role, "active": active}, [a[1] for a in areas])
        payload = {"email": row.email, "name": row.name, "role": role, "active": int(active), "areas": area_ids}
        _place(plan, number, row.email, found[0] if found else None, found[1] if found else None, after, payload)


def _existing_users(db: sqlite_utils.Database) -> dict[int, dict[str, str]]:
    rows = {}
    users = list(exporting.rows(db, USERS))
    ids = [r[0] for r in db.execute("SELECT id FROM users ORDER BY id")]
    for id_, row in zip(ids, users):
        rows[id_] = row
    return rows


def _apply_users(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    for p in plan._adds:
        user_id = db.execute("INSERT INTO users (email, name, role, active) VALUES (?, ?, ?, ?)",
                             [p["email"], p["name"], p["role"], p["active"]]).lastrowid
        db.conn.executemany("INSERT INTO user_service_areas (user_id, service_area_id) VALUES (?, ?)",
                            [(user_id, a) for a in p["areas"]])
    for user_id, p, _ in plan._updates:
        db.execute("UPDATE users SET email = ?, name = ?, role = ?, active = ?, version = version + 1 WHERE id = ?",
                   [p["email"], p["name"], p["role"], p["active"], user_id])
        db.execute("DELETE FROM user_service_areas WHERE user_id = ?", [user_id])
        db.conn.executemany("INSERT INTO user_service_areas (user_id, service_area_id) VALUES (?, ?)",
                            [(user_id, a) for a in p["areas"]])
    officers = db.execute("SELECT COUNT(*) FROM users WHERE role = 'complaints_officer' AND active").fetchone()[0]
    if not officers and c.look.users:
        raise InvalidInput([Problem("role", None, "changes would leave no active complaints officer; someone must "
                                    "always be able to administer the app")])


# --- complaints -------------------------------------------------------------------------------------

_COMPLAINT_COLUMNS = (
    "reference", "received_on", "procedure", "service_area_id", "received_via", "complainant_type", "advocate",
    "gender", "age_band", "ethnicity", "disability", "outcome", "outcome_on", "lgsco_referred_on", "lgsco_decision",
    "remedy_pence", "no_learning_reason", "no_learning_recorded_by", "no_learning_recorded_on",
)
_STAGE_COLUMNS = ("procedure", "stage", "clock_started_on", "due_on", "extended_due_on", "extension_reason",
                  "responded_on")


def _plan_complaints(c: _Checker, rows, plan: ImportPlan) -> None:
    rows = list(rows)
    ids = [c.look.complaints[k][0] for k in {(r.get("reference") or "").strip().lower() for _, r in rows}
           if k in c.look.complaints]
    existing = exporting.complaint_rows_for(c.db, ids)
    user_emails = c.look.user_emails
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = (raw.get("reference") or "").strip().lower()
        found = c.look.complaints.get(key)
        before = existing.get(found[0]) if found else None
        row = c.validate(_with_existing(raw, before))
        if row is None:
            continue
        if key in seen:
            c.problem("reference", row.reference, f"is also on row {seen[key]}; each complaint once")
            continue
        seen[key] = number
        if before is not None:
            # References are matched without regard to case: it is the same complaint, spelt as recorded.
            row.reference = before["reference"]
        result = _check_complaint(c, row, before, user_emails)
        if result is None:
            continue
        after, payload = result
        _place(plan, number, row.reference, found[0] if found else None, before, after, payload)


def _check_complaint(c: _Checker, row, before: dict[str, str] | None, user_emails: dict[int, str]):
    """A complaint row against the domain rules: its template row as it will be stored, and what to store."""
    count = len(c.problems)
    received = row.received_on
    c.happened("received_on", received)
    if len(c.problems) > count:
        return None  # the stage clock cannot start from a date outside the app's calendar
    procedure = c.coded("procedure", row.procedure)
    area = c.area("service_area", row.service_area)
    values = {name: c.coded(name, getattr(row, name)) for name in
              ("received_via", "complainant_type", "gender", "age_band", "ethnicity", "disability")}
    concerns = []
    for text in row.concerns:
        code = c.look.concern(text)
        if code is None:
            c.problems.append(unknown_value(c.label("concerns"), text, c.look.code_texts, row=c.row))
        else:
            concerns.append(code)
    outcome = c.coded("outcome", row.outcome)
    lgsco_decision = c.coded("lgsco_decision", row.lgsco_decision)
    stages = _check_stages(c, row, procedure) if procedure else []
    if outcome and stages and stages[-1]["responded_on"] is None:
        c.problem("outcome", outcome, f"is given but {_stage_words(stages[-1])} has no completed date; a complaint "
                  "is open, with no outcome, until its last stage is answered")
    outcome_on = None
    if outcome:
        outcome_on = row.outcome_on or (stages[-1]["responded_on"] if stages else None)
        c.happened("outcome_on", outcome_on, after=received, what="the complaint was received")
    elif row.outcome_on:
        c.problem("outcome_on", row.outcome_on, "is given but the complaint has no outcome")
    c.happened("lgsco_referred_on", row.lgsco_referred_on, after=received, what="the complaint was received")
    if lgsco_decision and row.lgsco_referred_on is None:
        c.problem("lgsco_referred_on", None, "is required when the Ombudsman's decision is given")
    no_learning = _check_no_learning(c, row, before, user_emails)
    if len(c.problems) > count:
        return None

    complaint = {
        "reference": row.reference, "received_on": received.isoformat(), "procedure": procedure,
        "service_area_id": area[0], **values, "advocate": int(bool(row.advocate)), "outcome": outcome,
        "outcome_on": outcome_on.isoformat() if outcome_on else None,
        "lgsco_referred_on": row.lgsco_referred_on.isoformat() if row.lgsco_referred_on else None,
        "lgsco_decision": lgsco_decision, "remedy_pence": row.remedy_gbp, **no_learning,
    }
    concerns.sort(key=lambda code: code[2])
    for stage in stages:
        for name in ("clock_started_on", "due_on", "extended_due_on", "responded_on"):
            stage[name] = stage[name].isoformat() if stage[name] else None
    after = exporting.complaint_template_row(
        {**complaint, "service_area": area[1],
         "no_learning_recorded_by": user_emails.get(complaint["no_learning_recorded_by"])},
        stages, [code[1] for code in concerns])
    return after, {"complaint": complaint, "stages": stages, "concerns": [code[0] for code in concerns]}


def _stage_words(stage: dict[str, Any]) -> str:
    return "the informal stage" if stage["procedure"] == "informal" else f"stage {stage['stage']}"


def _check_stages(c: _Checker, row, procedure: str) -> list[dict[str, Any]]:
    """The complaint's stage rows from its stage columns, due dates from the configured timescales."""
    timescales = c.look.timescales
    received = row.received_on
    stages: list[dict[str, Any]] = []
    clock = received
    if row.informal_completed_on:
        if procedure == "informal":
            c.problem("informal_completed_on", row.informal_completed_on, "is only for a complaint first handled "
                      "informally and then under the statutory or corporate procedure; this one is informal")
        elif ("informal", 1) not in timescales:
            c.problem("informal_completed_on", row.informal_completed_on, "cannot be used: no informal timescale "
                      "is configured")
        else:
            c.happened("informal_completed_on", row.informal_completed_on, after=received,
                       what="the complaint was received")
            stages.append(_stage_row("informal", 1, received, timescales[("informal", 1)], row.informal_completed_on))
            if row.stage1_requested_on is None:
                c.problem("stage1_requested_on", None, "is required when informal_completed_on is given: the day "
                          f"the complainant asked for the {procedure} procedure")
            else:
                c.happened("stage1_requested_on", row.stage1_requested_on, after=row.informal_completed_on,
                           what="the informal stage was answered")
                clock = row.stage1_requested_on
    elif row.stage1_requested_on:
        c.happened("stage1_requested_on", row.stage1_requested_on, after=received, what="the complaint was received")
        clock = row.stage1_requested_on
    if (procedure, 1) not in timescales:
        c.problem("procedure", procedure, "has no stage 1 timescale configured")
        return stages
    previous = _stage(c, procedure, 1, clock, row.stage1_completed_on, row.stage1_extended,
                      row.stage1_extension_reason, row.stage1_extended_to,
                      started="the complaint was received" if clock == received else "stage 1 started")
    stages.append(previous)
    for number in (2, 3):
        requested = getattr(row, f"stage{number}_requested_on")
        completed = getattr(row, f"stage{number}_completed_on")
        extended = getattr(row, f"stage{number}_extended", None)
        reason = getattr(row, f"stage{number}_extension_reason", None)
        extended_to = getattr(row, f"stage{number}_extended_to", None)
        given = [(n, v) for n, v in ((f"stage{number}_requested_on", requested),
                                     (f"stage{number}_completed_on", completed),
                                     (f"stage{number}_extended", True if extended else None),
                                     (f"stage{number}_extension_reason", reason),
                                     (f"stage{number}_extended_to", extended_to)) if v]
        if not given:
            break
        if (procedure, number) not in timescales:
            c.problem(given[0][0], given[0][1], f"is given but a {procedure} complaint has no stage {number}")
            break
        if requested is None:
            c.problem(f"stage{number}_requested_on", None, f"is required when stage {number} details are given")
            break
        if previous["responded_on"] is None:
            c.problem(f"stage{number}_requested_on", requested, f"is given but stage {number - 1} has no completed "
                      f"date; stage {number} starts after stage {number - 1} is answered")
            break
        c.happened(f"stage{number}_requested_on", requested, after=previous["responded_on"],
                   what=f"stage {number - 1} was answered")
        previous = _stage(c, procedure, number, requested, completed, extended, reason, extended_to,
                          started=f"stage {number} was requested")
        stages.append(previous)
    return stages


def _stage_row(procedure, number, clock, timescale, responded, extended_on=None, reason=None) -> dict[str, Any]:
    return {"procedure": procedure, "stage": number, "clock_started_on": clock,
            "due_on": workdays.due_date(clock, timescale.due_working_days), "extended_due_on": extended_on,
            "extension_reason": reason, "responded_on": responded}


def _stage(c: _Checker, procedure: str, number: int, clock: date, completed, extended, reason, extended_to, *,
           started: str):
    timescale = c.look.timescales[(procedure, number)]
    due = workdays.due_date(clock, timescale.due_working_days)
    extended_on = None
    prefix = f"stage{number}_"
    if extended or reason or extended_to:
        if timescale.max_working_days is None:
            c.problem(prefix + "extended", "yes" if extended else reason or extended_to,
                      f"is not possible: the {procedure} stage {number} timescale allows no extension")
        elif not extended:
            c.problem(prefix + "extended", "no" if extended is False else None,
                      "must be yes when an extension reason or date is given")
        else:
            cap = workdays.add_working_days(clock, timescale.max_working_days)
            extended_on = extended_to or cap
            if not reason:
                c.problem(prefix + "extension_reason", None, f"is required when stage {number} was extended")
            if extended_to and extended_to <= due:
                c.problem(prefix + "extended_to", extended_to, f"must be after the due date ({due.isoformat()})")
            elif extended_to and extended_to > cap:
                c.problem(prefix + "extended_to", extended_to, f"is beyond the longest extension allowed: "
                          f"{timescale.max_working_days} working days after the clock started, {cap.isoformat()}")
    c.happened(prefix + "completed_on", completed, after=clock, what=started)
    return _stage_row(procedure, number, clock, timescale, completed, extended_on, reason if extended_on else None)


def _check_no_learning(c: _Checker, row, before: dict[str, str] | None, user_emails: dict[int, str]) -> dict[str, Any]:
    """The "no learning identified" decision; who and when default to the record's, else to the importer today."""
    if not row.no_learning_reason:
        return {"no_learning_reason": None, "no_learning_recorded_by": None, "no_learning_recorded_on": None}
    by = c.user("no_learning_recorded_by", row.no_learning_recorded_by)
    if by is None and row.no_learning_recorded_by is None:
        previous = (before or {}).get("no_learning_recorded_by")
        by = c.look.users.get(previous.lower()) if previous else c.actor.id
    on = row.no_learning_recorded_on
    c.happened("no_learning_recorded_on", on)
    if on is None:
        previous_on = (before or {}).get("no_learning_recorded_on")
        on = date.fromisoformat(previous_on) if previous_on else c.today
    return {"no_learning_reason": row.no_learning_reason, "no_learning_recorded_by": by,
            "no_learning_recorded_on": on.isoformat()}


def _apply_complaints(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    conn = db.conn
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM complaints").fetchone()[0]
    complaint_rows, stage_rows, concern_rows = [], [], []
    for offset, p in enumerate(plan._adds):
        complaint_id = next_id + offset
        complaint_rows.append((complaint_id, *(p["complaint"][k] for k in _COMPLAINT_COLUMNS)))
        stage_rows += [(complaint_id, *(s[k] for k in _STAGE_COLUMNS)) for s in p["stages"]]
        concern_rows += [(complaint_id, code) for code in p["concerns"]]
    conn.executemany(
        f"INSERT INTO complaints (id, {', '.join(_COMPLAINT_COLUMNS)}) VALUES ({', '.join('?' * (len(_COMPLAINT_COLUMNS) + 1))})",
        complaint_rows)
    _insert_stages(conn, stage_rows)
    conn.executemany("INSERT INTO concerns (complaint_id, concern_code_id) VALUES (?, ?)", concern_rows)

    assignments = ", ".join(f"{k} = ?" for k in _COMPLAINT_COLUMNS)
    for complaint_id, p, _ in plan._updates:
        conn.execute(f"UPDATE complaints SET {assignments}, version = version + 1 WHERE id = ?",
                     [*(p["complaint"][k] for k in _COMPLAINT_COLUMNS), complaint_id])
        _update_stages(conn, complaint_id, p["stages"])
        held = [r[0] for r in conn.execute("SELECT concern_code_id FROM concerns WHERE complaint_id = ?", [complaint_id])]
        if Counter(held) != Counter(p["concerns"]):
            conn.execute("DELETE FROM concerns WHERE complaint_id = ?", [complaint_id])
            conn.executemany("INSERT INTO concerns (complaint_id, concern_code_id) VALUES (?, ?)",
                             [(complaint_id, code) for code in p["concerns"]])


def _insert_stages(conn, stage_rows: list[tuple]) -> None:
    conn.executemany(
        f"INSERT INTO complaint_stages (complaint_id, {', '.join(_STAGE_COLUMNS)}) VALUES ({', '.join('?' * 8)})",
        stage_rows)


def _update_stages(conn, complaint_id: int, stages: list[dict[str, Any]]) -> None:
    """Bring a complaint's stage rows in line with the file, keeping each row (and its due date, unless its
    clock moved) so that its id and version history stay."""
    held = {(r[1], r[2]): r for r in conn.execute(
        "SELECT id, procedure, stage, clock_started_on, due_on, extended_due_on, extension_reason, responded_on"
        " FROM complaint_stages WHERE complaint_id = ?", [complaint_id])}
    wanted = {(s["procedure"], s["stage"]): s for s in stages}
    for key, row in held.items():
        if key not in wanted:
            conn.execute("DELETE FROM complaint_stages WHERE id = ?", [row[0]])
    for key, s in wanted.items():
        row = held.get(key)
        if row is None:
            _insert_stages(conn, [(complaint_id, *(s[k] for k in _STAGE_COLUMNS))])
            continue
        due_on = row[4] if row[3] == s["clock_started_on"] else s["due_on"]
        new = (s["clock_started_on"], due_on, s["extended_due_on"], s["extension_reason"], s["responded_on"])
        if tuple(row[3:]) != new:
            conn.execute(
                "UPDATE complaint_stages SET clock_started_on = ?, due_on = ?, extended_due_on = ?, extension_reason = ?,"
                " responded_on = ?, version = version + 1 WHERE id = ?", [*new, row[0]])


# --- records with an id: compliments, learning points, actions ---------------------------------------


class _Matcher:
    """Finds the existing record a row updates: by its id, else an identical record (counted, so that two
    identical rows match two identical records and a third is added)."""

    def __init__(self, existing: dict[int, dict[str, str]], identity: Callable[[dict[str, str]], tuple]):
        self.existing = existing
        self.identity = identity
        self.pool: dict[tuple, list[int]] = {}
        for record_id in sorted(existing):
            self.pool.setdefault(identity(existing[record_id]), []).append(record_id)
        self.used: set[int] = set()

    def by_id(self, record_id: int | None) -> dict[str, str] | None:
        return self.existing.get(record_id) if record_id is not None else None

    def take(self, after: dict[str, str]) -> int | None:
        for record_id in self.pool.get(self.identity(after), []):
            if record_id not in self.used:
                self.used.add(record_id)
                return record_id
        return None


def _plan_with_ids(c: _Checker, rows, plan: ImportPlan, existing_rows: Callable, identity, check) -> None:
    """The planning loop of a record type whose key is its id."""
    rows = list(rows)
    table = {COMPLIMENTS: "compliments", LEARNING: "learning_points", ACTIONS: "actions"}[c.tpl.kind]
    given_ids = [i for i in (_id_from(r) for _, r in rows) if i is not None]
    if any(_id_from(r) is None for _, r in rows):
        ids = [r[0] for r in c.db.execute(f"SELECT id FROM {table}")]
    else:
        ids = [r[0] for r in c.db.execute(f"SELECT id FROM {table} WHERE id IN ({exporting._id_list(given_ids or [0])})")]
    matcher = _Matcher(existing_rows(c.db, ids), identity)
    seen: dict[int, int] = {}
    for number, raw in rows:
        c.row = number
        record_id = _id_from(raw)
        before = matcher.by_id(record_id)
        row = c.validate(_with_existing(raw, before))
        if row is None:
            continue
        if record_id is not None:
            if record_id in seen:
                c.problem("id", record_id, f"is also on row {seen[record_id]}; each record once")
                continue
            seen[record_id] = number
        result = check(c, row, before)
        if result is None:
            continue
        after, payload = result
        if record_id is None:
            matched = matcher.take(after)
            if matched is not None:
                before, record_id = matcher.existing[matched], matched
                after = {**after, "id": str(matched)}
                # A defaulted field left blank keeps the record's value (see the check functions).
                again = check(c, row, before)
                if again is not None:
                    after, payload = {**again[0], "id": str(matched)}, again[1]
            else:
                payload["id"] = None
        else:
            matcher.used.add(record_id)
            payload["id"] = record_id
        _place(plan, number, str(record_id or ""), record_id if before is not None else None, before, after, payload)


def _next_ids(db: sqlite_utils.Database, table: str, payloads: list[dict[str, Any]]) -> None:
    """Give new records without an id the next free ones, after any id the file gives."""
    highest = db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
    highest = max([highest, *(p["id"] for p in payloads if p["id"])])
    for p in payloads:
        if not p["id"]:
            highest += 1
            p["id"] = highest


def _check_compliment(c: _Checker, row, before):
    count = len(c.problems)
    c.happened("received_on", row.received_on)
    area = c.area("service_area", row.service_area)
    source = c.coded("source", row.source)
    categories = [c.coded("categories", text) for text in row.categories]
    if not row.categories:
        c.problem("categories", None, "need at least one category")
    summary = row.summary or ""
    found = personal_details_in(summary)
    if found:
        c.problem("summary", None, f"seems to hold {' and '.join(found)}; describe the compliment without names "
                  "or contact details")
    if len(c.problems) > count:
        return None
    order = {v: i for i, v in enumerate(c.look.vocabularies.get("compliment_category", []))}
    unique = sorted(dict.fromkeys(categories), key=lambda v: order.get(v, len(order)))
    values = {"received_on": row.received_on.isoformat(), "service_area_id": area[0], "source": source,
              "summary": summary}
    after = exporting.compliment_template_row({**values, "id": row.id, "service_area": area[1]}, unique)
    return after, {**values, "categories": unique}


def _compliment_identity(r: dict[str, str]) -> tuple:
    return (r["received_on"], r["service_area"].lower(), r["source"], r["categories"], r["summary"])


def _apply_compliments(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    _next_ids(db, "compliments", plan._adds)
    db.conn.executemany(
        "INSERT INTO compliments (id, received_on, service_area_id, source, summary) VALUES (?, ?, ?, ?, ?)",
        [(p["id"], p["received_on"], p["service_area_id"], p["source"], p["summary"]) for p in plan._adds])
    db.conn.executemany("INSERT INTO compliment_categories (compliment_id, category) VALUES (?, ?)",
                        [(p["id"], cat) for p in plan._adds for cat in p["categories"]])
    for record_id, p, _ in plan._updates:
        db.execute("UPDATE compliments SET received_on = ?, service_area_id = ?, source = ?, summary = ?,"
                   " version = version + 1 WHERE id = ?",
                   [p["received_on"], p["service_area_id"], p["source"], p["summary"], record_id])
        db.execute("DELETE FROM compliment_categories WHERE compliment_id = ?", [record_id])
        db.conn.executemany("INSERT INTO compliment_categories (compliment_id, category) VALUES (?, ?)",
                            [(record_id, cat) for cat in p["categories"]])


def _check_learning(c: _Checker, row, before):
    count = len(c.problems)
    area = c.area("service_area", row.service_area)
    theme = None
    for option in c.look.themes:
        if norm(option) == norm(row.theme):
            theme = option
    if theme is None:
        c.problems.append(unknown_value(c.label("theme"), row.theme, c.look.themes, row=c.row))
    complaints = []
    for reference in dict.fromkeys(r.lower() for r in row.complaints):
        found = c.look.complaints.get(reference)
        if found is None:
            c.problem("complaints", reference, "is not the reference of a complaint in this app; import the "
                      "complaints first")
        else:
            complaints.append(found)
    if not row.complaints:
        c.problem("complaints", None, "must name at least one complaint the learning comes from")
    status = row.status or (before or {}).get("status") or "open"
    if status not in vocabulary.LEARNING_POINT_STATUSES:
        status = next((s for s in vocabulary.LEARNING_POINT_STATUSES if norm(s) == norm(status)), None)
        if status is None:
            c.problems.append(unknown_value(c.label("status"), row.status, vocabulary.LEARNING_POINT_STATUSES, row=c.row))
    created_on = row.created_on or _date_or((before or {}).get("created_on"), c.today)
    c.happened("created_on", created_on)
    created_by = c.user("created_by", row.created_by)
    if row.created_by is None:
        previous = (before or {}).get("created_by")
        created_by = c.look.users.get(previous.lower()) if previous else c.actor.id
    if len(c.problems) > count:
        return None
    values = {"service_area_id": area[0], "theme": theme, "description": row.description,
              "source": row.source or (before or {}).get("source") or "complaint", "status": status,
              "created_by": created_by, "created_on": created_on.isoformat()}
    references = sorted((ref for _, ref in complaints), key=str.lower)
    after = exporting.learning_template_row(
        {**values, "id": row.id, "service_area": area[1], "created_by": c.look.user_emails.get(created_by)},
        references)
    return after, {**values, "complaints": [id_ for id_, _ in complaints]}


def _date_or(text: str | None, default: date) -> date:
    return date.fromisoformat(text) if text else default


def _learning_identity(r: dict[str, str]) -> tuple:
    return (r["service_area"].lower(), r["theme"], r["description"], r["complaints"].lower())


_LEARNING_COLUMNS = ("service_area_id", "theme", "description", "source", "status", "created_by", "created_on")


def _apply_learning(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    _next_ids(db, "learning_points", plan._adds)
    db.conn.executemany(
        f"INSERT INTO learning_points (id, {', '.join(_LEARNING_COLUMNS)}) VALUES ({', '.join('?' * 8)})",
        [(p["id"], *(p[k] for k in _LEARNING_COLUMNS)) for p in plan._adds])
    links = [(p["id"], complaint_id) for p in plan._adds for complaint_id in p["complaints"]]
    for record_id, p, _ in plan._updates:
        db.execute(f"UPDATE learning_points SET {', '.join(f'{k} = ?' for k in _LEARNING_COLUMNS)}, version = version + 1"
                   " WHERE id = ?", [*(p[k] for k in _LEARNING_COLUMNS), record_id])
        held = {r[0] for r in db.execute(
            "SELECT complaint_id FROM learning_point_complaints WHERE learning_point_id = ?", [record_id])}
        gone = held - set(p["complaints"])
        if gone:
            db.execute(f"DELETE FROM learning_point_complaints WHERE learning_point_id = ? AND complaint_id IN "
                       f"({exporting._id_list(gone)})", [record_id])
        links += [(record_id, complaint_id) for complaint_id in p["complaints"] if complaint_id not in held]
    db.conn.executemany("INSERT INTO learning_point_complaints (learning_point_id, complaint_id) VALUES (?, ?)", links)
    # Learning now exists for these complaints, so a "no learning identified" decision no longer stands.
    linked = sorted({complaint_id for _, complaint_id in links})
    for start in range(0, len(linked), 1000):
        db.execute(
            "UPDATE complaints SET no_learning_reason = NULL, no_learning_recorded_by = NULL, "
            "no_learning_recorded_on = NULL, version = version + 1 "
            f"WHERE no_learning_reason IS NOT NULL AND id IN ({exporting._id_list(linked[start:start + 1000])})")


def _check_action(c: _Checker, row, before):
    count = len(c.problems)
    if row.learning_point_id not in c.learning_points:
        c.problem("learning_point_id", row.learning_point_id, "is not the number of a learning point in this app; "
                  "import the learning first")
    owner = c.user("owner_email", row.owner_email)
    area = c.area("service_area", row.service_area)
    before = before or {}
    priority = c.coded("priority", row.priority or before.get("priority") or "medium")
    status = row.status or before.get("status") or vocabulary.NOT_STARTED
    if norm(status) not in {norm(s) for s in vocabulary.ACTION_STATUSES}:
        c.problems.append(unknown_value(c.label("status"), status, vocabulary.ACTION_STATUSES, row=c.row))
    status = next((s for s in vocabulary.ACTION_STATUSES if norm(s) == norm(status)), status)
    # An action without its date agreed was agreed by the time it was completed, if it was.
    created_on = row.created_on or _date_or(before.get("created_on"), min(c.today, row.completed_on or c.today))
    c.happened("created_on", created_on)
    c.happened("completed_on", row.completed_on, after=created_on, what="the action was agreed")
    c.happened("verified_on", row.verified_on, after=row.completed_on, what="it was completed")
    if status in ("completed", "verified") and row.completed_on is None:
        c.problem("completed_on", None, f"is required for a {status} action")
    if status not in ("completed", "verified") and row.completed_on is not None:
        c.problem("completed_on", row.completed_on, f"is given but the action is {status}")
    if status == "verified" and row.verified_on is None:
        c.problem("verified_on", None, "is required for a verified action")
    if status != "verified" and row.verified_on is not None:
        c.problem("verified_on", row.verified_on, f"is given but the action is {status}")
    if status == "cancelled" and not row.cancel_reason:
        c.problem("cancel_reason", None, "is required for a cancelled action")
    if status != "cancelled" and row.cancel_reason:
        c.problem("cancel_reason", row.cancel_reason, f"is given but the action is {status}")
    if len(c.problems) > count:
        return None
    values = {"learning_point_id": row.learning_point_id, "description": row.description, "owner_id": owner,
              "service_area_id": area[0], "due_on": row.due_on.isoformat(), "priority": priority, "status": status,
              "cancel_reason": row.cancel_reason if status == "cancelled" else None,
              "completed_on": row.completed_on.isoformat() if row.completed_on else None,
              "verified_on": row.verified_on.isoformat() if row.verified_on else None,
              "created_on": created_on.isoformat()}
    after = exporting.action_template_row(
        {**values, "id": row.id, "owner_email": c.look.user_emails[owner], "service_area": area[1]})
    return after, values


def _action_identity(r: dict[str, str]) -> tuple:
    return (r["learning_point_id"], r["description"])


_ACTION_COLUMNS = ("learning_point_id", "description", "owner_id", "service_area_id", "due_on", "priority", "status",
                   "cancel_reason", "completed_on", "verified_on", "created_on")


def _apply_actions(db: sqlite_utils.Database, plan: ImportPlan, c: _Checker) -> None:
    _next_ids(db, "actions", plan._adds)
    at, note = now_utc(), f"Imported from {plan.filename}."
    db.conn.executemany(
        f"INSERT INTO actions (id, {', '.join(_ACTION_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
        [(p["id"], *(p[k] for k in _ACTION_COLUMNS)) for p in plan._adds])
    history = [(p["id"], at, c.actor.id, "created", None, p["status"], note) for p in plan._adds]
    for record_id, p, changes in plan._updates:
        db.execute(f"UPDATE actions SET {', '.join(f'{k} = ?' for k in _ACTION_COLUMNS)}, version = version + 1"
                   " WHERE id = ?", [*(p[k] for k in _ACTION_COLUMNS), record_id])
        described = "; ".join(f"{ch.field}: {ch.before or '(blank)'} -> {ch.after or '(blank)'}" for ch in changes)
        history.append((record_id, at, c.actor.id, "imported", None, None, f"{note} {described}"))
    db.conn.executemany(
        "INSERT INTO action_updates (action_id, at, user_id, kind, from_value, to_value, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
        history)
    # A learning point's status follows its actions, as when an action is added on the page.
    for learning_point_id in sorted({p["learning_point_id"] for p in plan._adds}
                                    | {p["learning_point_id"] for _, p, _ in plan._updates}):
        refresh_learning_point_status(db, learning_point_id)


# =================================================================================================
# 4. Planning and importing
# =================================================================================================


def _planners() -> dict[str, tuple[Callable, Callable]]:
    return {
        SERVICE_AREAS: (_plan_service_areas, _apply_service_areas),
        USERS: (_plan_users, _apply_users),
        COMPLAINTS: (_plan_complaints, _apply_complaints),
        COMPLIMENTS: (lambda c, rows, plan: _plan_with_ids(
            c, rows, plan, exporting.compliment_rows_for, _compliment_identity, _check_compliment),
            _apply_compliments),
        LEARNING: (lambda c, rows, plan: _plan_with_ids(
            c, rows, plan, exporting.learning_rows_for, _learning_identity, _check_learning),
            _apply_learning),
        ACTIONS: (_plan_actions, _apply_actions),
    }


def _plan_actions(c: _Checker, rows, plan: ImportPlan) -> None:
    c.learning_points = {r[0] for r in c.db.execute("SELECT id FROM learning_points")}
    _plan_with_ids(c, rows, plan, exporting.action_rows_for, _action_identity, _check_action)


def plan_import(
    db: sqlite_utils.Database, actor: Actor, table: Table, mapping: Mapping, *, today: date | None = None,
) -> ImportPlan:
    """Check every row of ``table`` read through ``mapping``; what would be added, updated and left
    unchanged, and every problem. Writes nothing."""
    check_columns(mapping, table)
    checker = _Checker(db, mapping, actor, today or date.today())
    plan = ImportPlan(mapping.kind, table.filename, rows=len(table.rows) + len(table.problems),
                      ignored_columns=ignored_columns(mapping, table.headers), mapping_name=mapping.name)
    planner, _ = _planners()[mapping.kind]
    planner(checker, mapped_rows(table, mapping), plan)
    plan.problems = sorted(table.problems + checker.problems, key=lambda p: (p.row or 0))
    plan._checker = checker  # type: ignore[attr-defined]
    return plan


def import_file(
    db: sqlite_utils.Database,
    actor: Actor,
    kind: str,
    filename: str,
    content: bytes,
    mapping: Mapping | None = None,
    *,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportPlan:
    """Import a file of ``kind`` records: check every row, then (unless ``dry_run`` or any row has a
    problem) write them all in one transaction with one audit event naming the file and its counts.

    Complaints officer only (a refusal is audited). ``mapping`` defaults to the obvious one for a file
    in the template. A file that cannot be read, or lacks a required column, raises ``UnreadableFile``;
    problems in rows come back in ``plan.problems`` and nothing is written.
    """
    event = f"import {kind}"
    exporting.require_officer(db, actor, event, "import", doing="import records")
    template(kind)
    table = read_table(filename, content, kind=kind)
    mapping = mapping or guess_mapping(kind, table.headers)
    if mapping.kind != kind:
        raise InvalidInput([Problem("mapping", mapping.name, f"is for {template(mapping.kind).label}, "
                                    f"not {template(kind).label}")])
    if dry_run:
        return plan_import(db, actor, table, mapping, today=today)
    with transaction(db):
        # Checked again inside the write lock, so the plan is against the records it writes over.
        plan = plan_import(db, actor, table, mapping, today=today)
        if plan.problems:
            return plan
        _, apply = _planners()[kind]
        apply(db, plan, plan._checker)  # type: ignore[attr-defined]
        counts = plan.counts()
        record_audit(db, actor, event, "import", None, after={
            "file": table.filename, "sheet": table.sheet, "mapping": mapping.name,
            **{k: counts[k] for k in ("rows", "added", "updated", "unchanged")}},
            message=f"Imported {table.filename}: {counts['added']} added, {counts['updated']} updated, "
                    f"{counts['unchanged']} unchanged")
        plan.written = True
    return plan
