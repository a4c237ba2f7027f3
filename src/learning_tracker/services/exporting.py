"""Exports: every record type as CSV or Excel in its import template (``read.templates``), so that an
export imported into an empty database gives the same records; and the empty templates for download.

The records are read as template rows by the read side (``read.records.rows``, in batches, so an export
of 100,000 complaints never holds more than a batch of records in Python); this module is the use case:
the complaints officer's alone, audited, and the file written as the rows come.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

import sqlite_utils

from ..db import transaction
from ..escaping import csv_bytes, excel_row
from ..read.records import ExportFilter, allowed_values, rows
from ..read.templates import TEMPLATES, template
from .core import Actor, record_audit, refusal_audited, require_officer

FORMATS = ("csv", "xlsx")


def to_csv(kind: str, records: Iterable[dict[str, str]]) -> tuple[bytes, int]:
    """The records as a CSV file in the template (UTF-8 with a byte-order mark, so Excel reads it as
    UTF-8), and how many there were. A value a spreadsheet would run as a formula is written as text."""
    fields = template(kind).fields
    count = 0

    def counted():
        nonlocal count
        for record in records:
            count += 1
            yield [record[f] for f in fields]

    content = csv_bytes(fields, counted())
    return content, count


def to_xlsx(sheets: dict[str, Iterable[dict[str, str]]]) -> tuple[bytes, int]:
    """An Excel workbook with one sheet per record type (named as the type), and how many rows in all.

    Every cell is text, and a value a spreadsheet would run as a formula is marked as text (``excel_row``).
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = 0
    for kind, records in sheets.items():
        fields = template(kind).fields
        sheet = workbook.create_sheet(kind)
        sheet.append(fields)
        for record in records:
            sheet.append(excel_row(sheet, [record[f] for f in fields]))
            count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def export_file(
    db: sqlite_utils.Database, actor: Actor, kind: str, fmt: str, filters: ExportFilter | None = None,
) -> tuple[str, bytes, int]:
    """An export for download: (file name, content, rows). ``kind`` is a record type, or ``"all"`` for
    an Excel workbook of every type. Complaints officer only (a refusal is audited); the export is
    audited (it carries the equality data of complainants)."""
    filters = filters or ExportFilter()
    event = f"export {kind}"
    with refusal_audited(db, actor, event, "export"):
        require_officer(actor, "export records")
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
    'About the columns' saying what each column holds and which values it takes (the same lists the
    import checks against, ``read.records.allowed_values``)."""
    tpl = template(kind)
    if fmt == "csv":
        content, _ = to_csv(kind, [])
        return f"{tpl.filename}.csv", content
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(tpl.fields)
    about = workbook.create_sheet("About the columns")
    about.append(["column", "required", "what it holds", "allowed values"])
    for column in tpl.columns:
        allowed = "; ".join(allowed_values(db, column.coded)) if column.coded else ""
        # The allowed values are the council's own (service area names, concern codes): made safe like any cell.
        about.append(excel_row(about, [column.name, "yes" if column.required else "", column.help, allowed]))
    if tpl.notes:  # what the file does not hold, and how it is read
        about.append([])
        for note in tpl.notes:
            about.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"{tpl.filename}.xlsx", buffer.getvalue()
