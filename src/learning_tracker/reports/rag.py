"""The weekly RAG report as a page table, CSV, JSON, Excel and terminal text.

Its rows come from ``read.open_stages`` (which stages are open on a date, and their RAG); this module
only lays them out.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pandas as pd

from ..escaping import csv_bytes, excel_row
from ..read.open_stages import COLUMNS, rag_counts
from ..rules.periods import long_date, short_date
from ..rules.rag import RAG_COLOURS, RAG_ORDER
from .render import number_format

HEADINGS = {
    "reference": "Reference",
    "procedure": "Procedure",
    "stage": "Stage",
    "step": "Step",
    "service_area": "Service area",
    "clock_started_on": "Clock started",
    "due_on": "Due",
    "working_days_remaining": "Working days left",
    "rag": "RAG",
}

def styled(frame: pd.DataFrame, column: str = "RAG"):
    """``frame`` with the text of its RAG column in bold RAG colours (a pandas Styler; no HTML)."""
    def colour(value):
        return f"color: #{RAG_COLOURS[value]}; font-weight: bold" if value in RAG_COLOURS else ""

    return frame.style.map(colour, subset=[column])


def rag_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a DataFrame with the users' column headings."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.rename(columns=HEADINGS)


def to_json(rows: list[dict[str, Any]]) -> str:
    """The rows as a JSON list of objects with exactly ``COLUMNS`` as keys."""
    return json.dumps([{key: row[key] for key in COLUMNS} for row in rows], indent=2) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as CSV (UTF-8 with a byte-order mark, so Excel reads it), with the machine column names and
    ISO dates like the JSON (it is for other systems; people get the Excel file); a reference or service
    area a spreadsheet would run as a formula is written as text."""
    return csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))


def to_excel(rows: list[dict[str, Any]], as_of: date, *, amber_working_days: int = 3) -> bytes:
    """The rows as an Excel workbook: the report with coloured RAG cells, and a sheet saying what it is."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "RAG report"
    sheet.append([HEADINGS[c] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [row[c] for c in COLUMNS]
        for index in (COLUMNS.index("clock_started_on"), COLUMNS.index("due_on")):
            values[index] = date.fromisoformat(values[index])
        sheet.append(excel_row(sheet, values))
        for cell, value in zip(sheet[sheet.max_row], values):
            cell.number_format = number_format(value) or cell.number_format
        rag_cell = sheet.cell(row=sheet.max_row, column=COLUMNS.index("rag") + 1)
        rag_cell.fill = PatternFill("solid", fgColor=RAG_COLOURS[row["rag"]])
        rag_cell.font = Font(bold=True, color="FFFFFF")
    widths = {"reference": 16, "procedure": 11, "stage": 7, "step": 17, "service_area": 28, "clock_started_on": 14,
              "due_on": 12, "working_days_remaining": 18, "rag": 8}
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = widths[column]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions

    about = book.create_sheet("About")
    counts = rag_counts(rows)
    for line in [
        ["Complaints RAG report"],
        ["As of", as_of],
        ["Open steps", len(rows)],
        *[[rag, counts[rag]] for rag in RAG_ORDER],
        [],
        ["Red", "past its (extended) due date"],
        ["Amber", f"due within {amber_working_days} working days, counting the as-of date as the first"],
        ["Green", "due later"],
        ["Working days left", "working days after the as-of date up to the due date; negative when overdue"],
        ["Step", "acknowledgement, response; a review panel's meeting, report and the council's response"],
    ]:
        about.append(line)
        for cell, value in zip(about[about.max_row], line):
            cell.number_format = number_format(value) or cell.number_format
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 70
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_table(rows: list[dict[str, Any]], as_of: date) -> str:
    """The report as plain text for a terminal: a block per service area, Red first."""
    if not rows:
        return f"No complaint step is open on {long_date(as_of)}.\n"
    counts = rag_counts(rows)
    summary = ", ".join(f"{counts[r]:,} {r}" for r in RAG_ORDER)
    lines = [f"RAG report as of {long_date(as_of)}: {len(rows):,} open steps ({summary})"]
    shown = [c for c in COLUMNS if c != "service_area"]

    def text(row, column):
        return short_date(row[column]) if column in ("clock_started_on", "due_on") else str(row[column])

    widths = {c: max(len(HEADINGS[c]), *(len(text(r, c)) for r in rows)) for c in shown}
    area = None
    for row in rows:
        if row["service_area"] != area:
            area = row["service_area"]
            lines += ["", area, "  ".join(HEADINGS[c].ljust(widths[c]) for c in shown).rstrip()]
        lines.append("  ".join(text(row, c).ljust(widths[c]) for c in shown).rstrip())
    return "\n".join(lines) + "\n"
