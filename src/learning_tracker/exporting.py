"""Exports: every record type as CSV or Excel in its import template (``templates.py``), so that an
export imported into an empty database gives the same records.

Rows are read from SQL in batches (keyset on the id) and written as they come, so an export of 100,000
complaints never holds more than a batch of records in Python. The same functions turn one record into
its template row for the importer, which compares a file's row with the record it would update.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from . import config
from .db import transaction
from .errors import Refused
from .services.core import Actor, record_audit, require_role
from .rules.roles import COMPLAINTS_OFFICER
from .templates import (
    ACTIONS,
    COMPLAINTS,
    COMPLIMENTS,
    LEARNING,
    SERVICE_AREAS,
    TEMPLATES,
    USERS,
    fmt_date,
    fmt_pence,
    fmt_text,
    fmt_yes_no,
    join_list,
    template,
)
from .rules import roles
from .rules import periods
from .rules import vocabulary

BATCH = 2000
FORMATS = ("csv", "xlsx")
# A cell a spreadsheet would run as a formula; the CSV export quotes it with an apostrophe, as Excel does,
# and the importer takes the apostrophe off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFilter:
    """What an export is narrowed to, as on the register; an empty field does not filter.

    Learning points and actions follow the complaints they were drawn from (a learning point drawing on
    a complaint of the year and procedure); service areas filter each record type by its own area.
    """

    financial_year: str | None = None
    procedure: str | None = None
    service_area_ids: tuple[int, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, ())}


# --- one record as its template row --------------------------------------------------------------


def stage_columns(received_on: str, procedure: str, stages: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The stage columns of a complaint's template row from its stage rows.

    Stages 1 to 3 of the complaint's (current) procedure fill ``stageN_*``; an informal stage before a
    formal procedure fills ``informal_completed_on`` (and ``stage1_requested_on`` says when the formal
    stage 1 started). An extension is written with the date it runs to.
    """
    row = {
        "stage1_completed_on": "", "stage1_extended": "no", "stage1_extension_reason": "", "stage1_extended_to": "",
        "stage2_requested_on": "", "stage2_completed_on": "", "stage2_extended": "",
        "stage2_extension_reason": "", "stage2_extended_to": "",
        "stage3_requested_on": "", "stage3_completed_on": "",
        "informal_completed_on": "", "stage1_requested_on": "",
    }  # fmt: skip
    for s in stages:
        number = s["stage"]
        if s["procedure"] != procedure:
            if s["procedure"] == "informal" and number == 1:
                row["informal_completed_on"] = fmt_date(s["responded_on"])
            continue
        if number == 1:
            if fmt_date(s["clock_started_on"]) != fmt_date(received_on):
                row["stage1_requested_on"] = fmt_date(s["clock_started_on"])
        else:
            row[f"stage{number}_requested_on"] = fmt_date(s["clock_started_on"])
        row[f"stage{number}_completed_on"] = fmt_date(s["responded_on"])
        if number in (1, 2):
            row[f"stage{number}_extended"] = fmt_yes_no(s["extended_due_on"])
            row[f"stage{number}_extension_reason"] = fmt_text(s["extension_reason"])
            row[f"stage{number}_extended_to"] = fmt_date(s["extended_due_on"])
    return row


def complaint_template_row(c: dict[str, Any], stages: Iterable[dict[str, Any]], concerns: list[str]) -> dict[str, str]:
    """A complaint as its template row. ``c`` holds the complaint's columns with ``service_area`` (its
    name) and ``no_learning_recorded_by`` (an email); ``concerns`` are texts in the configured order."""
    row = {
        "reference": c["reference"],
        "received_on": fmt_date(c["received_on"]),
        "procedure": c["procedure"],
        "service_area": c["service_area"],
        "received_via": fmt_text(c["received_via"]),
        "complainant_type": fmt_text(c["complainant_type"]),
        "advocate": fmt_yes_no(c["advocate"]),
        "concerns": join_list(concerns),
        "outcome": fmt_text(c["outcome"]),
        "lgsco_referred_on": fmt_date(c["lgsco_referred_on"]),
        "lgsco_decision": fmt_text(c["lgsco_decision"]),
        "remedy_gbp": fmt_pence(c["remedy_pence"]),
        "gender": fmt_text(c["gender"]),
        "age_band": fmt_text(c["age_band"]),
        "ethnicity": fmt_text(c["ethnicity"]),
        "disability": fmt_text(c["disability"]),
        "outcome_on": fmt_date(c["outcome_on"]),
        "no_learning_reason": fmt_text(c["no_learning_reason"]),
        "no_learning_recorded_by": fmt_text(c["no_learning_recorded_by"]),
        "no_learning_recorded_on": fmt_date(c["no_learning_recorded_on"]),
        **stage_columns(c["received_on"], c["procedure"], stages),
    }
    if row["stage2_requested_on"] == "":
        row["stage2_extended"] = ""
    return {field: row[field] for field in TEMPLATES[COMPLAINTS].fields}


def compliment_template_row(m: dict[str, Any], categories: list[str]) -> dict[str, str]:
    """A compliment as its template row; ``categories`` in the configured order."""
    return {
        "id": str(m["id"]) if m.get("id") else "",
        "received_on": fmt_date(m["received_on"]),
        "service_area": m["service_area"],
        "source": m["source"],
        "categories": join_list(categories),
        "summary": fmt_text(m["summary"]),
    }


def learning_template_row(lp: dict[str, Any], references: list[str]) -> dict[str, str]:
    """A learning point as its template row; ``references`` sorted."""
    return {
        "id": str(lp["id"]) if lp.get("id") else "",
        "service_area": lp["service_area"],
        "theme": lp["theme"],
        "description": lp["description"],
        "complaints": join_list(references),
        "status": lp["status"],
        "source": fmt_text(lp["source"]),
        "created_on": fmt_date(lp["created_on"]),
        "created_by": fmt_text(lp["created_by"]),
    }


def action_template_row(a: dict[str, Any]) -> dict[str, str]:
    """An improvement action as its template row (``owner_email`` and ``service_area`` by name)."""
    return {
        "id": str(a["id"]) if a.get("id") else "",
        "learning_point_id": str(a["learning_point_id"]),
        "description": a["description"],
        "owner_email": a["owner_email"],
        "service_area": a["service_area"],
        "due_on": fmt_date(a["due_on"]),
        "priority": a["priority"],
        "status": a["status"],
        "created_on": fmt_date(a["created_on"]),
        "completed_on": fmt_date(a["completed_on"]),
        "verified_on": fmt_date(a["verified_on"]),
        "cancel_reason": fmt_text(a["cancel_reason"]),
    }


def user_template_row(u: dict[str, Any], areas: list[str]) -> dict[str, str]:
    return {
        "email": u["email"],
        "name": u["name"],
        "role": roles.ROLES[u["role"]].lower(),
        "service_areas": join_list(sorted(areas, key=str.lower)),
        "active": fmt_yes_no(u["active"]),
    }


def service_area_template_row(a: dict[str, Any]) -> dict[str, str]:
    return {"name": a["name"], "active": fmt_yes_no(a["active"])}


# --- reading records in batches ---------------------------------------------------------------------


def _dicts(cursor) -> list[dict[str, Any]]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _id_list(ids: Iterable[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _batches(db: sqlite_utils.Database, table: str, where: list[str], params: dict[str, Any]) -> Iterator[list[int]]:
    """The ids of ``table`` (aliased ``t``) matching ``where``, in id order, a batch at a time."""
    after = 0
    conditions = " AND ".join(["t.id > :after_id", *where])
    while True:
        ids = [r[0] for r in db.execute(
            f"SELECT t.id FROM [{table}] t WHERE {conditions} ORDER BY t.id LIMIT {BATCH}", {**params, "after_id": after}
        )]
        if not ids:
            return
        yield ids
        after = ids[-1]


def _year_bounds(year: str) -> tuple[str, str]:
    start, end = periods.financial_year_bounds(year)
    return start.isoformat(), end.isoformat() + "~"


def _complaint_conditions(f: ExportFilter, alias: str) -> tuple[list[str], dict[str, Any]]:
    where, params = [], {}
    if f.financial_year:
        params["fy_start"], params["fy_end"] = _year_bounds(f.financial_year)
        where.append(f"{alias}.received_on BETWEEN :fy_start AND :fy_end")
    if f.procedure:
        where.append(f"{alias}.procedure = :procedure")
        params["procedure"] = f.procedure
    return where, params


def _areas(f: ExportFilter, column: str) -> list[str]:
    return [f"{column} IN ({_id_list(f.service_area_ids)})"] if f.service_area_ids else []


def complaint_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Complaints by id as template rows (the importer's view of the records a file would update)."""
    result: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        for complaint_id, row in _complaint_batch(db, chunk):
            result[complaint_id] = row
    return result


def _complaint_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    listed = _id_list(ids)
    complaints = _dicts(db.execute(
        f"""SELECT c.*, sa.name AS service_area, u.email AS no_learning_recorded_by
            FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
            LEFT JOIN users u ON u.id = c.no_learning_recorded_by
            WHERE c.id IN ({listed}) ORDER BY c.id"""
    ))
    stages: dict[int, list[dict[str, Any]]] = {}
    for s in _dicts(db.execute(
        f"""SELECT * FROM complaint_stages WHERE complaint_id IN ({listed})
            ORDER BY complaint_id, procedure = 'informal' DESC, stage"""
    )):
        stages.setdefault(s["complaint_id"], []).append(s)
    concerns: dict[int, list[str]] = {}
    for complaint_id, category, sub in db.execute(
        f"""SELECT k.complaint_id, cc.category, cc.subcategory FROM concerns k
            JOIN concern_codes cc ON cc.id = k.concern_code_id
            WHERE k.complaint_id IN ({listed}) ORDER BY k.complaint_id, cc.position, k.id"""
    ):
        concerns.setdefault(complaint_id, []).append(vocabulary.concern_code_text(category, sub))
    return [
        (c["id"], complaint_template_row(c, stages.get(c["id"], []), concerns.get(c["id"], [])))
        for c in complaints
    ]


def _complaints(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _complaint_conditions(f, "t")
    for ids in _batches(db, "complaints", where + _areas(f, "t.service_area_id"), params):
        for _, row in _complaint_batch(db, ids):
            yield row


def compliment_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Compliments by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for m_id, row in _compliment_batch(db, ids[start:start + BATCH]):
            result[m_id] = row
    return result


def _compliment_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    listed = _id_list(ids)
    compliments = _dicts(db.execute(
        f"""SELECT m.*, sa.name AS service_area FROM compliments m JOIN service_areas sa ON sa.id = m.service_area_id
            WHERE m.id IN ({listed}) ORDER BY m.id"""
    ))
    order = {v.lower(): i for i, v in enumerate(config.vocabulary(db, "compliment_category"))}
    categories: dict[int, list[str]] = {}
    for m_id, category in db.execute(
        f"SELECT compliment_id, category FROM compliment_categories WHERE compliment_id IN ({listed})"
    ):
        categories.setdefault(m_id, []).append(category)
    return [
        (m["id"], compliment_template_row(
            m, sorted(categories.get(m["id"], []), key=lambda c: (order.get(c.lower(), len(order)), c))))
        for m in compliments
    ]


def _compliments(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = [], {}
    if f.financial_year:
        params["fy_start"], params["fy_end"] = _year_bounds(f.financial_year)
        where.append("t.received_on BETWEEN :fy_start AND :fy_end")
    for ids in _batches(db, "compliments", where + _areas(f, "t.service_area_id"), params):
        for _, row in _compliment_batch(db, ids):
            yield row


def _learning_conditions(f: ExportFilter, column: str) -> tuple[list[str], dict[str, Any]]:
    """Learning points drawing on a complaint of the filter's year and procedure."""
    where, params = _complaint_conditions(f, "c")
    if not where:
        return [], {}
    return [
        f"""{column} IN (SELECT lpc.learning_point_id FROM learning_point_complaints lpc
                         JOIN complaints c ON c.id = lpc.complaint_id WHERE {' AND '.join(where)})"""
    ], params


def learning_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Learning points by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for lp_id, row in _learning_batch(db, ids[start:start + BATCH]):
            result[lp_id] = row
    return result


def _learning_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    listed = _id_list(ids)
    points = _dicts(db.execute(
        f"""SELECT lp.*, sa.name AS service_area, u.email AS created_by FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id LEFT JOIN users u ON u.id = lp.created_by
            WHERE lp.id IN ({listed}) ORDER BY lp.id"""
    ))
    references: dict[int, list[str]] = {}
    for lp_id, reference in db.execute(
        f"""SELECT lpc.learning_point_id, c.reference FROM learning_point_complaints lpc
            JOIN complaints c ON c.id = lpc.complaint_id WHERE lpc.learning_point_id IN ({listed})"""
    ):
        references.setdefault(lp_id, []).append(reference)
    return [
        (lp["id"], learning_template_row(lp, sorted(references.get(lp["id"], []), key=str.lower))) for lp in points
    ]


def _learning(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _learning_conditions(f, "t.id")
    for ids in _batches(db, "learning_points", where + _areas(f, "t.service_area_id"), params):
        for _, row in _learning_batch(db, ids):
            yield row


def action_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Actions by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for a_id, row in _action_batch(db, ids[start:start + BATCH]):
            result[a_id] = row
    return result


def _action_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    actions = _dicts(db.execute(
        f"""SELECT a.*, sa.name AS service_area, u.email AS owner_email FROM actions a
            JOIN service_areas sa ON sa.id = a.service_area_id JOIN users u ON u.id = a.owner_id
            WHERE a.id IN ({_id_list(ids)}) ORDER BY a.id"""
    ))
    return [(a["id"], action_template_row(a)) for a in actions]


def _actions(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _learning_conditions(f, "t.learning_point_id")
    for ids in _batches(db, "actions", where + _areas(f, "t.service_area_id"), params):
        for _, row in _action_batch(db, ids):
            yield row


def _users(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    areas: dict[int, list[str]] = {}
    for user_id, name in db.execute(
        "SELECT usa.user_id, sa.name FROM user_service_areas usa JOIN service_areas sa ON sa.id = usa.service_area_id"
    ):
        areas.setdefault(user_id, []).append(name)
    for u in _dicts(db.execute("SELECT id, email, name, role, active FROM users ORDER BY id")):
        yield user_template_row(u, areas.get(u["id"], []))


def _service_areas(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    for a in _dicts(db.execute("SELECT name, active FROM service_areas ORDER BY id")):
        yield service_area_template_row(a)


_READERS = {
    SERVICE_AREAS: _service_areas,
    USERS: _users,
    COMPLAINTS: _complaints,
    COMPLIMENTS: _compliments,
    LEARNING: _learning,
    ACTIONS: _actions,
}


def rows(db: sqlite_utils.Database, kind: str, filters: ExportFilter | None = None) -> Iterator[dict[str, str]]:
    """Every record of ``kind`` matching ``filters`` as its template row, in id order."""
    template(kind)
    return _READERS[kind](db, filters or ExportFilter())


# --- files -------------------------------------------------------------------------------------------


def _csv_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(kind: str, records: Iterable[dict[str, str]]) -> tuple[bytes, int]:
    """The records as a CSV file in the template (UTF-8 with a byte-order mark, so Excel reads it as
    UTF-8), and how many there were."""
    fields = template(kind).fields
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    count = 0
    for record in records:
        writer.writerow([_csv_cell(record[f]) for f in fields])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count


def to_xlsx(sheets: dict[str, Iterable[dict[str, str]]]) -> tuple[bytes, int]:
    """An Excel workbook with one sheet per record type (named as the type), and how many rows in all.

    Every cell is written as text, so that a value starting with '=' is never run as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    count = 0
    for kind, records in sheets.items():
        fields = template(kind).fields
        sheet = workbook.create_sheet(kind)
        sheet.append(fields)
        for record in records:
            values = []
            for f in fields:
                value = record[f]
                if value.startswith("="):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    value = cell
                values.append(value)
            sheet.append(values)
            count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def require_officer(db: sqlite_utils.Database, actor: Actor, event: str, entity: str, *, doing: str) -> None:
    """Refuse anyone but the complaints officer, and audit the refusal (nothing else was written)."""
    try:
        require_role(actor, COMPLAINTS_OFFICER, doing=doing)
    except Refused as refusal:
        with transaction(db):
            record_audit(db, actor, event, entity, None, outcome="refused", message=str(refusal))
        raise


def export_file(
    db: sqlite_utils.Database, actor: Actor, kind: str, fmt: str, filters: ExportFilter | None = None,
) -> tuple[str, bytes, int]:
    """An export for download: (file name, content, rows). ``kind`` is a record type, or ``"all"`` for
    an Excel workbook of every type. Complaints officer only; the export is audited (it carries the
    equality data of complainants)."""
    filters = filters or ExportFilter()
    event = f"export {kind}"
    require_officer(db, actor, event, "export", doing="export records")
    if fmt not in FORMATS:
        raise ValueError(f"'{fmt}' is not an export format; choose csv or xlsx.")
    kinds = list(TEMPLATES) if kind == "all" else [kind]
    if kind == "all" and fmt != "xlsx":
        raise ValueError("An export of every record type is an Excel workbook (xlsx), one sheet per type.")
    if fmt == "csv":
        content, count = to_csv(kind, rows(db, kind, filters))
    else:
        content, count = to_xlsx({k: rows(db, k, filters) for k in kinds})
    suffix = "-" + filters.financial_year if filters.financial_year else ""
    filename = f"{'learning-tracker' if kind == 'all' else kind}{suffix}-{date.today().isoformat()}.{fmt}"
    with transaction(db):
        record_audit(db, actor, event, "export", None,
                     after={"file": filename, "rows": count, "filters": filters.describe()},
                     message=f"Exported {count} rows to {filename}")
    return filename, content, count


def template_file(db: sqlite_utils.Database, kind: str, fmt: str) -> tuple[str, bytes]:
    """The empty template of a record type for download: its header row; the Excel one also has a sheet
    'About the columns' saying what each column holds and which values it takes."""
    tpl = template(kind)
    if fmt == "csv":
        content, _ = to_csv(kind, [])
        return f"{tpl.filename}.csv", content
    from openpyxl import Workbook

    from .importing import allowed_values  # the same lists the importer checks against

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(tpl.fields)
    about = workbook.create_sheet("About the columns")
    about.append(["column", "required", "what it holds", "allowed values"])
    for column in tpl.columns:
        allowed = "; ".join(allowed_values(db, column.coded)) if column.coded else ""
        about.append([column.name, "yes" if column.required else "", column.help, allowed])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"{tpl.filename}.xlsx", buffer.getvalue()
