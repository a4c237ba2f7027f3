"""The report files as people open them: in Excel every number is a number with the format of its kind
and every date a date cell written 07/04/2021; in Word no ISO date, no "None", and every table has
column widths that fit the page and hold each word on one line. Built from the demo database."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from learning_tracker import db as database
from learning_tracker.read import open_stages
from learning_tracker.reports import annual, forum_pack, quarterly, rag, render
from learning_tracker.rules import periods

YEAR = "2021-22"
AS_OF = date(2023, 3, 31)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# What each kind of value looks like in Excel, written out here rather than taken from render.
FORMATS = {"count": "#,##0", "working days": "0.0", "money": "£#,##0.00", "share": "0%", "date": "DD/MM/YYYY"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Text that is really a number or a date: "235", "1,234", "7.0", "75%", "£300.00", "07/04/2021".
NUMBER_AS_TEXT = re.compile(r"^(-?[\d,]+(\.\d+)?%?|£[\d,.]+|\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}.*)$")


@pytest.fixture(scope="module")
def db(demo_template_path):
    connection = database.connect(demo_template_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def report(db):
    return annual.annual_report(db, YEAR, AS_OF)


@pytest.fixture(scope="module")
def quarter(db):
    return quarterly.quarterly_report(db, YEAR, 3, AS_OF)


def kind_of(value) -> str | None:
    """A document cell value's kind, by its type."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, render.Pounds):
        return "money"
    if isinstance(value, render.Percent):
        return "share"
    if isinstance(value, int):
        return "count"
    if isinstance(value, float):
        return "working days"
    assert isinstance(value, date), value
    return "date"


def check_every_cell(book) -> None:
    """Every sheet: numbers carry a number format of their kind, dates are date cells, no number is text."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate} ({cell.value!r})"
                value = cell.value
                if isinstance(value, datetime):
                    assert cell.number_format == FORMATS["date"] and value.time() == datetime.min.time(), where
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert cell.number_format in (FORMATS["count"], FORMATS["working days"], FORMATS["money"], FORMATS["share"]), where
                    if cell.number_format == FORMATS["count"]:
                        assert value == int(value), where
                    if cell.number_format == FORMATS["share"]:
                        assert 0 <= value <= 1, where
                elif isinstance(value, str):
                    assert not NUMBER_AS_TEXT.match(value.strip()), where
                    assert value != "None", where


def check_tables(book, document: render.Document) -> None:
    """Each table's sheet holds its values, each cell with the number format of its value's kind."""
    tables = [b for b in document.blocks_for("xlsx") if isinstance(b, render.Table)]
    assert len(book.sheetnames) == len(tables) + 1
    for table, name in zip(tables, book.sheetnames[1:]):
        sheet = book[name]
        assert [c.value for c in sheet[2]][: len(table.columns)] == table.columns, name
        for row_number, row in enumerate(table.rows, start=3):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column)
                where = f"{name}!{cell.coordinate} ({value!r})"
                kind = kind_of(value)
                if kind is None:
                    assert cell.number_format == "General", where
                    assert cell.value == (render.show(value) if isinstance(value, bool) else value), where
                elif kind == "date":
                    assert cell.value.date() == value and cell.number_format == FORMATS["date"], where
                else:
                    assert cell.value == pytest.approx(value) and cell.number_format == FORMATS[kind], where


def shares(book) -> set[str]:
    """Where the workbook holds percentages: "sheet: column" or "sheet: row"."""
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                if cell.number_format == FORMATS["share"]:
                    heading = sheet.cell(row=2, column=cell.column).value
                    found.add(f"{sheet.title}: {heading}" if heading == "%" else f"{sheet.title}: {row[0].value}")
    return found


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("published", [False, True])
def test_every_number_in_the_annual_workbook_has_the_format_of_its_kind(report, published):
    shown = annual.publishable(report) if published else report
    document = annual.annual_document(shown)
    book = load_workbook(io.BytesIO(render.to_xlsx(document, annual.about(shown))))
    check_every_cell(book)
    check_tables(book, document)
    # The comparison with earlier years mixes counts, a share and working days, row by row.
    comparison = {row[0].value: row[1:] for row in book["Comparison"].iter_rows(min_row=3) if row[0].value}
    assert [c.value for c in comparison["Complaints received"]] == [235, 157, 255, 174]
    assert {c.number_format for c in comparison["Complaints received"]} == {FORMATS["count"]}
    assert {c.number_format for c in comparison["Statutory resolved at stage 1"]} == {FORMATS["share"]}
    assert {c.number_format for c in comparison["Average working days, statutory stage 1"]} == {FORMATS["working days"]}
    assert shares(book) == {
        "Comparison: Statutory resolved at stage 1", "Complaints by procedure: %", "Statutory outcomes: %",
        "Gender: %", "Age band: %", "Ethnicity: %", "Disability: %",
    }  # fmt: skip
    assert {c.number_format for c in book["Remedy payments"]["B"][2:]} == {FORMATS["money"]}
    about = {row[0].value: row[1] for row in book["About"].iter_rows() if row[0].value}
    assert about["Figures as at"].value == datetime(2023, 3, 31) and about["Figures as at"].number_format == FORMATS["date"]
    # The actions' due and completed dates are date cells.
    due = [c for c in book["Actions"]["E"][2:] if c.value is not None]
    assert due and all(isinstance(c.value, datetime) and c.number_format == FORMATS["date"] for c in due)


def test_every_number_in_the_quarterly_workbook_has_the_format_of_its_kind(quarter):
    document = quarterly.quarterly_document(quarter)
    book = load_workbook(io.BytesIO(render.to_xlsx(document, quarterly.about(quarter))))
    check_every_cell(book)
    check_tables(book, document)
    assert shares(book) == set()
    timescales = book["Timescales"]
    assert [c.number_format for c in timescales[3]] == ["General"] + [FORMATS["count"]] * 3 + [FORMATS["working days"]] \
        + [FORMATS["count"]] * 3 + [FORMATS["working days"]]
    about = {row[0].value: row[1].value for row in book["About"].iter_rows() if row[0].value}
    assert about["Period"] == "1 October 2021 to 31 December 2021"
    assert about["Figures as at"] == datetime(2023, 3, 31)


def test_the_rag_workbook_has_date_cells_and_counts(db):
    as_of = date.today()
    rows = open_stages.rag_rows(db, as_of)
    assert rows  # the demo always has stages waiting for a response
    book = load_workbook(io.BytesIO(rag.to_excel(rows, as_of)))
    check_every_cell(book)
    sheet = book["RAG report"]
    for row, expected in zip(sheet.iter_rows(min_row=2), rows):
        values = {rag.HEADINGS[c]: cell for c, cell in zip(open_stages.COLUMNS, row)}
        assert values["Due"].value.date() == date.fromisoformat(expected["due_on"])
        assert values["Due"].number_format == values["Clock started"].number_format == FORMATS["date"]
        assert values["Working days left"].number_format == values["Stage"].number_format == FORMATS["count"]
    assert book["About"]["B2"].value.date() == as_of and book["About"]["B2"].number_format == FORMATS["date"]
    assert book["About"]["B3"].value == len(rows) and book["About"]["B3"].number_format == FORMATS["count"]


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word_files(db, report, quarter):
    """Every Word file the app writes, by name (the RAG report has no Word file: CSV, Excel and JSON)."""
    [meeting_id] = [int(m) for m in forum_pack.meetings(db)["id"][:1]]
    return {
        "annual": render.to_docx(annual.annual_document(report)),
        "annual published": render.to_docx(annual.annual_document(annual.publishable(report))),
        "quarterly": render.to_docx(quarterly.quarterly_document(quarter)),
        "forum pack": forum_pack.to_docx(forum_pack.build(db, meeting_id, today=date.today())),
    }


def tables_by_section(word) -> list[tuple[object, float]]:
    """Each table with the width in points between the margins of the section it is in."""
    found, waiting = [], []
    for element in word.element.body.iterchildren():
        if element.tag == f"{W}tbl":
            waiting.append(element)
        properties = element if element.tag == f"{W}sectPr" else element.find(f"{W}pPr/{W}sectPr")
        if properties is not None:
            page, margins = properties.find(f"{W}pgSz"), properties.find(f"{W}pgMar")
            width = (int(page.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))) / 20
            found += [(table, width) for table in waiting]
            waiting = []
    assert not waiting
    return found


def cell_texts(table) -> list[tuple[str, bool, int]]:
    """(text, bold, width in twips) of every cell of a table."""
    cells = []
    for tc in table.iter(f"{W}tc"):
        width = tc.find(f"{W}tcPr/{W}tcW")
        assert width is not None and width.get(f"{W}type") == "dxa", "a cell without a width"
        text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
        cells.append((text, tc.find(f".//{W}rPr/{W}b") is not None, int(width.get(f"{W}w"))))
    return cells


@pytest.mark.parametrize("name", ["annual", "annual published", "quarterly", "forum pack"])
def test_word_files_write_dates_as_people_do_and_never_none(word_files, name):
    word = WordDocument(io.BytesIO(word_files[name]))
    texts = [p.text for p in word.paragraphs]
    texts += [text for table, _ in tables_by_section(word) for text, _, _ in cell_texts(table)]
    assert texts and not [t for t in texts if ISO_DATE.search(t)]
    assert not [t for t in texts if re.search(r"\bNone\b", t)]
    assert any(re.search(r"\d{2}/\d{2}/\d{4}", t) for t in texts) or name == "quarterly"


@pytest.mark.parametrize("name", ["annual", "annual published", "quarterly", "forum pack"])
def test_word_tables_have_widths_that_fit_the_page_and_keep_words_whole(word_files, name):
    # Liberation Sans has Arial's metrics: the widths of the words as Word and LibreOffice set them.
    fonts = Path("/usr/share/fonts/truetype/liberation")
    if not (fonts / "LiberationSans-Regular.ttf").exists():
        pytest.skip("Liberation Sans (fonts-liberation) is not installed")
    from PIL import ImageFont

    word = WordDocument(io.BytesIO(word_files[name]))
    size = 10 if name == "forum pack" else 11
    regular = ImageFont.truetype(str(fonts / "LiberationSans-Regular.ttf"), 100)
    bold = ImageFont.truetype(str(fonts / "LiberationSans-Bold.ttf"), 100)
    tables = tables_by_section(word)
    assert len(tables) == len(word.tables) > 3
    for table, text_width in tables:
        assert table.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        grid = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
        assert all(grid) and sum(grid) / 20 <= text_width + 0.5
        for text, is_bold, width in cell_texts(table):
            assert width in grid
            room = width / 20 - 2 * 5.76  # Word's cell margins, 0.08 inch either side
            for token in text.split():
                length = (bold if is_bold else regular).getlength(token) * size / 100
                assert length <= room, f"{name}: '{token}' ({length:.0f}pt) is split in a column of {room:.0f}pt"


def test_a_table_too_wide_for_a_portrait_page_gets_a_landscape_page(quarter):
    word = WordDocument(io.BytesIO(render.to_docx(quarterly.quarterly_document(quarter))))
    widths = {width for _, width in tables_by_section(word)}
    assert len(widths) == 2  # the nine columns of the timescales table go across a landscape page
    assert [s.orientation for s in word.sections][-3:] == [0, 1, 0]  # portrait, landscape, back to portrait


def test_dates_in_tables_and_sentences_and_times_in_the_councils_time():
    assert periods.short_date(date(2021, 4, 7)) == render.show(date(2021, 4, 7)) == "07/04/2021"
    assert periods.short_date("2021-04-07T10:00:00+00:00") == "07/04/2021" and periods.short_date(None) == ""
    assert periods.long_date("2021-04-07") == "7 April 2021"
    assert periods.local_time("2021-06-30 23:30") == "01/07/2021 00:30"  # British Summer Time
    assert periods.local_time("2021-12-01T09:05:00+00:00") == "01/12/2021 09:05"
    assert render.show(1234) == "1,234" and render.show(None) == render.DASH
