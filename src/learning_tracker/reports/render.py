"""A report as a document, and its renderers: Markdown, Word, Excel and JSON.

A report builder (``annual``, ``quarterly``) turns its figures into a ``Document``: an ordered list of
headings, paragraphs, tables and charts. Each renderer walks the same list, so the page preview, the
Word file, the workbook and the Markdown say the same thing in the same order.

Cell values keep their type until they are shown: ``int`` counts (shown with thousands separators),
``float`` working days (one decimal), ``Pounds``, ``Percent``, ``datetime.date`` (06/04/2021, and a date
cell in Excel), ``str`` (the words "fewer than 5" of a suppressed count among them) and ``None``
(nothing to show, printed as a dash). Excel gets each cell's number format from its type (``number_format``).
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from .. import escaping
from ..escaping import excel_row
from ..rules.periods import DATE_FORMAT, short_date

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
    if isinstance(value, date):
        return short_date(value)
    return str(value)


def number_format(value: Any) -> str | None:
    """The Excel number format of a cell value, by its type (None for text): counts "#,##0", working days
    "0.0", money "£#,##0.00", shares "0%", dates ``periods.DATE_FORMAT``."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, Pounds):
        return "£#,##0.00"
    if isinstance(value, Percent):
        return "0%"
    if isinstance(value, int):
        return "#,##0"
    if isinstance(value, float):
        return "0.0"
    if isinstance(value, date):
        return DATE_FORMAT
    return None


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


#: The size of the body text and of table text in the report's Word files, in points.
WORD_FONT_SIZE = 11


def to_docx(document: Document) -> bytes:
    """The document as a Word file: real headings (so Word's navigation and contents work), tables
    in the "Table Grid" style with a bold heading row and columns as wide as their words need (a table
    too wide for the page gets a landscape page), charts as PNG images. Ready to edit."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt, RGBColor

    word = WordDocument()
    style = word.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(WORD_FONT_SIZE)
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
            texts = docx_texts(block.rows, len(block.columns))
            widths = docx_column_widths(block.columns, texts, docx_text_width(word), WORD_FONT_SIZE)
            landscape = widths is None
            if landscape:  # its words do not fit across a portrait page: the table gets a landscape page
                docx_orientation(word, landscape=True)
            caption = word.add_paragraph(block.title, style="Caption")
            caption.paragraph_format.keep_with_next = True
            add_docx_table(word, block, WORD_FONT_SIZE, widths)
            if block.note:
                note = word.add_paragraph().add_run(block.note)
                note.italic = True
                note.font.size = Pt(9)
            if landscape:
                docx_orientation(word, landscape=False)
        elif isinstance(block, Chart):
            word.add_picture(io.BytesIO(chart_png(block.chart)), width=Inches(6))
            word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            word.add_paragraph(block.title, style="Caption")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def docx_texts(rows: list[list[Any]], columns: int) -> list[list[str]]:
    """A table's rows as the texts of its cells (``show``), or one "(none)" row for an empty table."""
    if not rows:
        return [["(none)"] + [""] * (columns - 1)]
    return [[show(v) for v in row] for row in rows]


def docx_text_width(word) -> float:
    """The width in points between the margins of a Word document's last section (where a table goes)."""
    section = word.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 12700  # EMU per point


def docx_orientation(word, *, landscape: bool) -> None:
    """Continue a Word document on a new page in landscape (or back in portrait), unless it already is."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = word.sections[-1]
    if (current.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return
    section = word.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = current.page_height, current.page_width


# Arial's advance widths (those of Helvetica and Liberation Sans, which share its metrics) of the printable
# ASCII characters, in thousandths of the font size: how much of a line a word takes.
_CHARACTERS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
_ADVANCES = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10, 278, 278, 584, 584,
    584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222,
    222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_ARIAL = dict(zip(_CHARACTERS, _ADVANCES))
_BOLD = 1.1  # Arial Bold is up to a tenth wider
# Word's cell margins (0.08 inch either side) and a little room, so that a word never touches the border.
_CELL_PADDING = 2 * 5.76 + 4


@functools.lru_cache(maxsize=65536)
def _word_width(word: str) -> float:
    """The width of a word in Arial at 1 point, in points (any other character as wide as a capital)."""
    return sum(_ARIAL.get(character, 667) for character in word) / 1000


def _widths(text: str, size: float, bold: bool) -> tuple[float, float]:
    """(the widest word, the whole text on one line) of ``text`` in points."""
    words = [_word_width(w) for w in text.split()] or [0.0]
    scale = size * (_BOLD if bold else 1)
    return max(words) * scale, (sum(words) + _word_width(" ") * (len(words) - 1)) * scale


def _measures(columns: list[str], texts: list[list[str]], available: float, size: float) -> tuple[list[float], list[float]]:
    """For each column, the width its widest word needs and the width its longest text wants on one line. A
    "word" wider than half the line (a web address) may break rather than widen its column past that."""
    need, want = [], []
    for index, title in enumerate(columns):
        measures = [_widths(str(title), size, True)] + [_widths(text, size, False) for text in {r[index] for r in texts}]
        need.append(min(max(m[0] for m in measures) + _CELL_PADDING, available / 2))
        want.append(max(min(max(m[1] for m in measures) + _CELL_PADDING, available), need[-1]))
    return need, want


def docx_column_widths(columns: list[str], texts: list[list[str]], available: float, size: float) -> list[float] | None:
    """Column widths in points for a Word table of ``texts`` under bold ``columns`` headings, filling
    ``available`` points, such that no word is split across lines: each column is at least as wide as its
    widest word, and the room left goes to the columns whose texts are longest. None when the widest
    words alone do not fit."""
    need, want = _measures(columns, texts, available, size)
    spare = available - sum(need)
    if spare < 0:
        return None
    longer = [w - n for w, n in zip(want, need)]
    if sum(longer) <= spare:  # every cell fits on one line: share the rest of the line as the texts are long
        return [w + (available - sum(want)) * w / sum(want) for w in want]
    return [n + spare * extra / sum(longer) for n, extra in zip(need, longer)]


def add_docx_table(word, block: Table, size: float, widths: list[float] | None = None) -> None:
    """A table's columns and rows at the end of a Word document (its title and note are the caller's):
    "Table Grid" style, a bold heading row repeated on every page, values as ``show`` writes them, numeric
    columns aligned right, and fixed column widths (``widths`` in points, else ``docx_column_widths`` within
    the text width; shrunk to fit when even the widest words do not, the one case where a word may break).
    ``size`` is the text's size in points. The rows are written as one XML fragment: python-docx's
    cell-by-cell API takes seconds for the thousands of action rows of a large council's year."""
    from docx.oxml import parse_xml

    columns = block.columns
    texts = docx_texts(block.rows, len(columns))
    right_aligned = [_numeric_column(block, i) for i in range(len(columns))]
    available = docx_text_width(word)
    if widths is None:
        widths = docx_column_widths(columns, texts, available, size)
    if widths is None:  # even the widest words do not fit: each column gets its share of the line
        need, _ = _measures(columns, texts, available, size)
        widths = [available * n / sum(need) for n in need]
    twips = [round(w * 20) for w in widths]  # Word measures table widths in twentieths of a point
    table = word.add_table(rows=0, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False  # the widths hold: Word does not re-measure the columns
    table_width = table._tbl.tblPr.find(f"{{{_W_NS}}}tblW")
    table_width.set(f"{{{_W_NS}}}w", str(sum(twips)))
    table_width.set(f"{{{_W_NS}}}type", "dxa")
    for column, width in zip(table._tbl.tblGrid.findall(f"{{{_W_NS}}}gridCol"), twips):
        column.set(f"{{{_W_NS}}}w", str(width))
    heading = _row_xml([str(c) for c in columns], [False] * len(columns), twips, heading=True)
    body = "".join(_row_xml(row, right_aligned, twips) for row in texts)
    fragment = parse_xml(f'<w:tbl xmlns:w="{_W_NS}">{heading}{body}</w:tbl>')
    for row in list(fragment):
        table._tbl.append(row)


def _row_xml(texts: list[str], right_aligned: list[bool], twips: list[int], heading: bool = False) -> str:
    cells = []
    bold = "<w:rPr><w:b/></w:rPr>" if heading else ""
    for text, right, width in zip(texts, right_aligned, twips):
        justification = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
        cells.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p>{justification}'
            f'<w:r>{bold}<w:t xml:space="preserve">{escape(_xml_safe(text))}</w:t></w:r></w:p></w:tc>'
        )
    # The heading row is repeated at the top of every page of a long table.
    properties = "<w:trPr><w:tblHeader/></w:trPr>" if heading else ""
    return f"<w:tr>{properties}{''.join(cells)}</w:tr>"


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
        _append(sheet, [label, value])
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
        for row in block.rows:
            _append(ws, row)
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


def _append(ws, values: list[Any]) -> None:
    """A row of cell values appended to a sheet, each cell with the number format of its own value's type
    (a column may mix counts and shares, like the comparison with earlier years)."""
    ws.append(excel_row(ws, [_excel_value(v) for v in values]))
    for cell, value in zip(ws[ws.max_row], values):
        number_format_ = number_format(value)
        if number_format_:
            cell.number_format = number_format_


def _excel_value(value: Any) -> Any:
    """Money and shares as plain numbers, yes and no in words (as every other format shows them); everything
    else (dates as dates) as it is, for ``excel_row`` to make safe."""
    if isinstance(value, (Pounds, Percent)):
        return float(value)
    if isinstance(value, bool):
        return show(value)
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
