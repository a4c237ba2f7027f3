"""Mapping a file's columns and values to a template, and the mappings saved by name.

A ``Mapping`` pairs the template's fields (``read.templates``) with the file's columns, with value
mappings for coded columns ("Partially Upheld" -> partly upheld). ``guess_mapping`` pairs the obvious
ones; a canonical template file needs no mapping at all. ``unmatched_values`` lists what the value
mapping step asks about. Mappings are saved by name (the ``import_mappings`` table), by the complaints
officer only.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ...db import now_utc, transaction
from ...errors import Conflict, InvalidInput, NotFound, Problem
from ...read.records import Lookups, norm
# Every CSV and Excel file is written through ``escaping``, whose rule quotes a would-be formula with an
# apostrophe; the import takes the apostrophe off again.
from ...escaping import FORMULA_START
from ...read.templates import VALUE_SYNONYMS, guess_column, squash, template
from ..core import Actor, record_audit, refusal_audited, require_officer
from .reading import Table, UnreadableFile


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
            if text[:1] == "'" and text[1:2] in FORMULA_START and text[1:2]:
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
    Upheld" means partly upheld), and ``close``, the nearest allowed spelling, only ever offered as a hint:
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
    with refusal_audited(db, actor, event, "import_mapping"):
        require_officer(actor, "save import mappings")
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
