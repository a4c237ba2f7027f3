"""A report as a document, and its renderers: Markdown, Word, Excel and JSON.

A report builder (``annual``, ``quarterly``) turns its figures into a ``Document``: an ordered list of
headings, paragraphs, tables and charts. Each renderer walks the same list, so the page preview, the
Word file, the workbook and the Markdown say the same thing in the same order.

Cell values keep their type until they are shown: ``int`` counts (shown with thousands separators),
``float`` working days (one decimal), ``Pounds``, ``Percent``, ``str`` (the words "fewer than 5" of a
suppressed count among them) and ``None`` (nothing to show, printed as a dash).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from .. import escaping
from ..escaping import excel_row

ALL_FORMATS = frozenset({"preview", "md", "docx", "xlsx"})
DASH = "–"


class Pounds(float):
    """An amount of money in pounds, shown as £1,234.00."""


class Percent(float):
    """A share between 0 and 1, shown as a whole percentage."""


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    """Prose. ``key`` marks an editable draft (the page shows it in a text area; edits replace it)."""

    text: str
    key: str | None = None
    style: str = "normal"  # "normal", "note" (small print) or "warning"


@dataclass
class Table:
    """A table with a title. ``sheet`` names its Excel sheet (at most 31 characters, unique in a workbook)."""

    sheet: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str | None = None
    formats: frozenset[str] = ALL_FORMATS


@dataclass
class Chart:
    """An Altair chart; Word gets it as a PNG image, the page as an interactive chart."""

    title: str
    chart: Any
    formats: frozenset[str] = frozenset({"preview", "docx"})


Block = Heading | Paragraph | Table | Chart


@dataclass
class Document:
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def blocks_for(self, fmt: str) -> Iterable[Block]:
        for block in self.blocks:
            if fmt in getattr(block, "formats", ALL_FORMATS):
                yield block


# ---------------------------------------------------------------------------------------------
# Showing a value
# ---------------------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A cell value as text, the same in every format."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Pounds):
        return f"£{value:,.2f}"
    if isinstance(value, Percent):
        return f"{value * 100:.0f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def count(value: Any) -> str:
    """A count in a sentence: "1,234", or the words of a suppressed count as they are."""
    return show(value)


def plural(value: Any, singular: str, plural_form: str | None = None) -> str:
    """ "1 complaint", "2 complaints", "fewer than 5 complaints"."""
    word = singular if value == 1 else (plural_form or singular + "s")
    return f"{count(value)} {word}"


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def to_json(report: dict) -> str:
    """The report's figures as JSON (UTF-8 text, two-space indent)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

# The one rule for showing words as written in Markdown, here and on every page: ``escaping.md_escape``.
md_escape = escaping.md_escape


def to_markdown(document: Document) -> str:
    """The document as Markdown: headings, paragraphs and pipe tables (charts are left out; their
    numbers are in the tables)."""
    lines = [f"# {md_escape(document.title)}", "", md_escape(document.subtitle), ""]
    for block in document.blocks_for("md"):
        if isinstance(block, Heading):
            lines += [f"{'#' * min(block.level + 1, 6)} {md_escape(block.text)}", ""]
        elif isinstance(block, Paragraph):
            text = "\n".join(md_escape(line) for line in block.text.split("\n"))
            if block.style == "warning":
                text = f"> **Warning:** {text}"
            elif block.style == "note":
                text = f"*{text}*"
            lines += [text, ""]
        elif isinstance(block, Table):
            lines += [f"**{md_escape(block.title)}**", ""]
            lines.append("| " + " | ".join(md_escape(c) for c in block.columns) + " |")
            lines.append("|" + "|".join(" ---: " if _numeric_column(block, i) else " --- " for i in range(len(block.columns))) + "|")
            for row in block.rows:
                lines.append("| " + " | ".join(md_escape(show(v)) for v in row) + " |")
            if not block.rows:
                lines.append("| " + " | ".join(["(none)"] + [""] * (len(block.columns) - 1)) + " |")
            lines.append("")
            if block.note:
                lines += [f"*{md_escape(block.note)}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def _numeric_column(table: Table, index: int) -> bool:
    values = [row[index] for row in table.rows if row[index] is not None]
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


# ---------------------------------------------------------------------------------------------
# Charts as images
# ---------------------------------------------------------------------------------------------


def chart_png(chart: Any, scale: float = 2) -> bytes:
    """An Altair chart as a PNG image (vl-convert renders it without a browser)."""
    import vl_convert as vlc

    spec = chart.to_dict() if hasattr(chart, "to_dict") else chart
    return vlc.vegalite_to_png(spec, scale=scale)


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def to_docx(document: Document) -> bytes:
    """The document as a Word file: real headings (so Word's navigation and contents work), tables
    in the "Table Grid" style with a bold heading row, charts as PNG images. Ready to edit."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt, RGBColor

    word = WordDocument()
    style = word.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    word.core_properties.title = document.title
    word.add_heading(document.title, level=0)
    word.add_paragraph(document.subtitle)

    for block in document.blocks_for("docx"):
        if isinstance(block, Heading):
            word.add_heading(block.text, level=min(block.level, 9))
        elif isinstance(block, Paragraph):
            for part in block.text.split("\n\n"):
                paragraph = word.add_paragraph()
                run = paragraph.add_run(part)
                if block.style == "note":
                    run.italic = True
                    run.font.size = Pt(9)
                elif block.style == "warning":
                    run.bold = True
                    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        elif isinstance(block, Table):
            caption = word.add_paragraph(block.title, style="Caption")
            caption.paragraph_format.keep_with_next = True
            _docx_table(word, block)
            if block.note:
                note = word.add_paragraph().add_run(block.note)
                note.italic = True
                note.font.size = Pt(9)
        elif isinstance(block, Chart):
            word.add_picture(io.BytesIO(chart_png(block.chart)), width=Inches(6))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            word.add_paragraph(block.title, style="Caption")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_table(word, block: Table) -> None:
    """A table, its body written as one XML fragment: python-docx's cell-by-cell API takes seconds
    for the thousands of action rows of a large council's year."""
    from docx.oxml import parse_xml

    columns = len(block.columns)
    table = word.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, block.columns):
        cell.text = ""
        cell.paragraphs[0].add_run(str(title)).bold = True
    # Repeat the heading row on every page of a long table.
    header_properties = table.rows[0]._tr.get_or_add_trPr()
    header_properties.append(parse_xml(f'<w:tblHeader xmlns:w="{_W_NS}"/>'))
    if not block.rows:
        rows_xml = _row_xml(["(none)"] + [""] * (columns - 1), [False] * columns)
    else:
        numeric = [_numeric_column(block, i) for i in range(columns)]
        rows_xml = "".join(_row_xml([show(v) for v in row], numeric) for row in block.rows)
    fragment = parse_xml(f'<w:tbl xmlns:w="{_W_NS}">{rows_xml}</w:tbl>')
    for row in list(fragment):
        table._tbl.append(row)


def _row_xml(texts: list[str], right_aligned: list[bool]) -> str:
    cells = []
    for text, right in zip(texts, right_aligned):
        justification = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
        cells.append(
            f'<w:tc><w:p>{justification}<w:r><w:t xml:space="preserve">{escape(_xml_safe(text))}</w:t></w:r></w:p></w:tc>'
        )
    return f"<w:tr>{''.join(cells)}</w:tr>"


_xml_safe = escaping.xml_safe


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------


def to_xlsx(document: Document, about: list[tuple[str, Any]] = ()) -> bytes:
    """The document as an Excel workbook: an "About" sheet, then one sheet per table (title in row 1,
    column headings in row 2, values from row 3, numbers as numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "About"
    sheet.append(excel_row(sheet, [document.title]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(excel_row(sheet, [document.subtitle]))
    for label, value in about:
        sheet.append(excel_row(sheet, [label, value]))
    sheet.append([])
    sheet.append(["Sheet", "Table"])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90

    used: set[str] = {"about"}
    for block in document.blocks_for("xlsx"):
        if not isinstance(block, Table):
            continue
        name = _sheet_name(block.sheet, used)
        sheet.append(excel_row(sheet, [name, block.title]))  # the contents: the next row of the About sheet
        ws = book.create_sheet(name)
        ws.append(excel_row(ws, [block.title]))
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(excel_row(ws, block.columns))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        formats = {}
        for row in block.rows:
            ws.append(excel_row(ws, [_excel_value(v) for v in row]))
            for index, value in enumerate(row, start=1):
                if isinstance(value, Pounds):
                    formats[index] = "£#,##0.00"
                elif isinstance(value, Percent):
                    formats[index] = "0%"
                elif isinstance(value, float):
                    formats.setdefault(index, "0.0")
        for index, number_format in formats.items():
            for (cell,) in ws.iter_rows(min_row=3, min_col=index, max_col=index):
                if isinstance(cell.value, (int, float)):
                    cell.number_format = number_format
        if block.note:
            ws.append([])
            ws.append(excel_row(ws, [block.note]))
            ws.cell(row=ws.max_row, column=1).font = Font(italic=True)
        for index, title in enumerate(block.columns, start=1):
            longest = max([len(str(title))] + [len(show(r[index - 1])) for r in block.rows[:200]])
            ws.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 80)
        ws.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    """Money and shares as plain numbers (their formats are set per column); everything else as it is, for
    ``excel_row`` to make safe."""
    if isinstance(value, (Pounds, Percent)):
        return float(value)
    return value


def _sheet_name(wanted: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    base = re.sub(r"[\[\]:*?/\\]", "-", wanted).strip("'") or "Table"
    base = base[:31]
    name, number = base, 2
    while name.lower() in used:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    used.add(name.lower())
    return name
