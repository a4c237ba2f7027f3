"""What the app writes out and shows of people's words: no spreadsheet formula in any CSV or Excel file it
writes, no link, image or formatting from a user's words in anything it shows through Markdown.

Real SQLite files throughout (the demo database, or a small world); pages through AppTest. The expected
escaped text is written out here rather than computed with the app's own rule, so a weakened rule fails.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, navigation
from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.models import Evidence
from learning_tracker.read import open_stages, themes
from learning_tracker.reports import annual, rag, render
from learning_tracker.services import actions as action_services
from learning_tracker.services import audit_log, exporting
from learning_tracker.services.core import actor_by_email, record_audit
from tests import tables
from tests.factories import build_world, record_complaint

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
SUM = "=1+1"
AS_OF = date(2023, 1, 5)

# A reflected link and an outside image, as a probe typed them into a record.
PAYLOAD = "[click](http://evil.invalid) ![x](http://evil.invalid/x.png)"
# The same words as Markdown must be given them to show them as written: every link and image character
# escaped, and the "://" broken so that GitHub's flavour does not link the bare address either.
ESCAPED = "\\[click\\](http:\u2060//evil.invalid) \\!\\[x\\](http:\u2060//evil.invalid/x.png)"
# Markdown that would still link or load: a "](" or "![" no backslash breaks (other than the evidence link the
# app itself makes), or the probe's address where GitHub's flavour would link it bare.
LIVE_MARKDOWN = re.compile(r"(?<!\\)\]\((?!https://intranet\.demo\.invalid/)|(?<!\\)!\[|(?<!\\)://evil")


# --- formula injection: every CSV and Excel file ------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def formula_world(world):
    """An open stage whose complaint reference and service area would each be a live formula in a spreadsheet.

    The reference is set in the database, as a record from before any reference pattern would hold it."""
    with database.transaction(world.db):
        world.db["service_areas"].update(world.west, {"name": SUM})
    complaint_id = record_complaint(world, "W-1", "2022-12-01", area=SUM)
    with database.transaction(world.db):
        world.db["complaints"].update(complaint_id, {"reference": HYPERLINK})
    return open_stages.rag_rows(world.db, AS_OF)


def assert_text_not_formula(cell, text):
    """An Excel cell that holds ``text`` as text: a string cell marked as text, never a formula."""
    assert cell.value == text
    assert cell.data_type == "s", f"{text!r} was written as a formula (data type {cell.data_type!r})"
    assert cell.quotePrefix, f"{text!r} would turn into a formula when the cell is edited"


def no_formula_in(workbook):
    return [(ws.title, c.coordinate, c.value) for ws in workbook for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_finding_formula_injection_rag_csv_writes_formulas_as_text_and_numbers_as_numbers(world):
    rows = formula_world(world)
    [parsed] = list(csv.DictReader(io.StringIO(rag.to_csv(rows).decode("utf-8-sig"))))
    assert parsed["reference"] == "'" + HYPERLINK
    assert parsed["service_area"] == "'" + SUM
    assert parsed["working_days_remaining"] == "-12", "a negative number stays a number, not quoted text"
    assert parsed["due_on"] == "2022-12-15"


def test_finding_formula_injection_rag_excel_writes_formulas_as_text(world):
    rows = formula_world(world)
    book = load_workbook(io.BytesIO(rag.to_excel(rows, AS_OF)))
    sheet = book["RAG report"]
    assert_text_not_formula(sheet["A2"], HYPERLINK)
    assert_text_not_formula(sheet["E2"], SUM)
    assert sheet["G2"].is_date and sheet["H2"].value == -12 and sheet["H2"].data_type == "n"
    assert no_formula_in(book) == []


def test_finding_formula_injection_rag_command_csv_writes_formulas_as_text(world, tmp_path, capsys):
    formula_world(world)
    assert cli.main(["rag", "--as-of", AS_OF.isoformat(), "--format", "csv", "--db", str(tmp_path / "tracker.db")]) == 0
    [header, row] = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert header == open_stages.COLUMNS
    assert row[0] == "'" + HYPERLINK and row[4] == "'" + SUM and row[7] == "-12"


def test_finding_formula_injection_annual_report_excel_writes_descriptions_as_text(demo_db_path):
    db = database.connect(demo_db_path)
    try:
        with database.transaction(db):
            db.execute("UPDATE learning_points SET description = ?", [SUM])
            db.execute("UPDATE actions SET description = ?", [HYPERLINK])
        report = annual.annual_report(db, "2021-22", date(2022, 6, 30))
    finally:
        db.close()
    book = load_workbook(io.BytesIO(render.to_xlsx(annual.annual_document(report), annual.about(report))))
    assert no_formula_in(book) == []
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value in (SUM, HYPERLINK)]
    assert {c.value for c in cells} == {SUM, HYPERLINK}, "the report's workbook lists the learning and its actions"
    for cell in cells:
        assert_text_not_formula(cell, cell.value)


def test_finding_formula_injection_record_exports_and_templates_write_formulas_as_text(world):
    with database.transaction(world.db):
        world.db["service_areas"].update(world.west, {"name": SUM})
        world.db["learning_points"].update(world.learning_point, {"description": HYPERLINK})
    content, count = exporting.to_csv("learning", exporting.rows(world.db, "learning"))
    [parsed] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert count == 1 and parsed["service_area"] == "'" + SUM and parsed["description"] == "'" + HYPERLINK

    content, _ = exporting.to_xlsx({"learning": exporting.rows(world.db, "learning")})
    sheet = load_workbook(io.BytesIO(content))["learning"]
    header = [c.value for c in sheet[1]]
    assert_text_not_formula(sheet.cell(row=2, column=header.index("service_area") + 1), SUM)
    assert_text_not_formula(sheet.cell(row=2, column=header.index("description") + 1), HYPERLINK)

    # The template's "About the columns" lists the allowed values: the council's service area names among them.
    _, content = exporting.template_file(world.db, "learning", "xlsx")
    book = load_workbook(io.BytesIO(content))
    assert no_formula_in(book) == []
    about = book["About the columns"]
    [allowed] = [row[3] for row in about.iter_rows() if row[0].value == "service_area"]
    assert allowed.value.startswith(SUM) and allowed.data_type == "s" and allowed.quotePrefix


def test_finding_formula_injection_audit_csv_is_written_by_the_one_writer(world):
    with database.transaction(world.db):
        record_audit(world.db, world.officer, "rename service area", "service_area", world.west, message=SUM)
    content = audit_log.audit_csv(world.db, world.officer, audit_log.AuditFilter(entity="service_area"))
    assert content.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, like every CSV file of the app"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == audit_log.AUDIT_COLUMNS
    assert rows[-1][audit_log.AUDIT_COLUMNS.index("message")] == "'" + SUM
    assert rows[-1][audit_log.AUDIT_COLUMNS.index("entity_id")] == str(world.west), "numbers stay numbers"


@pytest.fixture
def downloads(monkeypatch):
    """The files a page offers for download during a run, by file name: a function that gives a file's bytes.

    Streamlit keeps them in its media file manager, which AppTest throws away after the run; a file built
    only when clicked is built here by calling what the page gave the button, as the click would."""
    files = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def keep(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        files[file_name] = lambda: path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def keep_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        files[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", keep)
    monkeypatch.setattr(MediaFileManager, "add_deferred", keep_deferred)
    return files


def downloaded_csv(downloads, file_name: str) -> list[dict[str, str]]:
    content = downloads[file_name]()
    content = content.encode() if isinstance(content, str) else content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_finding_formula_injection_themes_data_as_csv_writes_formulas_as_text(demo_db_path, monkeypatch, downloads):
    db = database.connect(demo_db_path)
    try:
        with database.transaction(db):
            db.execute("UPDATE concern_codes SET category = ? WHERE category = 'Communication'", [HYPERLINK])
            db.execute("UPDATE service_areas SET name = ? WHERE name = 'Through Care'", [SUM])
    finally:
        db.close()
    at = open_page(demo_db_path, monkeypatch, "viewer", "themes.py")
    by_outcome = downloaded_csv(downloads, "concerns-by-outcome.csv")
    categories = [row[themes.CATEGORY] for row in by_outcome]
    assert "'" + HYPERLINK in categories and HYPERLINK not in categories
    assert all(row[themes.RAISED].isdigit() for row in by_outcome), "counts stay numbers"
    by_area = downloaded_csv(downloads, "outcomes-by-service-area.csv")
    assert "'" + SUM in [row[themes.SERVICE_AREA] for row in by_area]
    assert not at.exception


# --- Markdown injection: every user value shown through Markdown ---------------------------------------------


def open_page(db_path, monkeypatch, role: str, page_file: str, query_params: dict | None = None,
              state: dict | None = None) -> AppTest:
    """The app on ``db_path`` as the demo user of ``role``, on ``pages/<page_file>``."""
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    db = database.connect(db_path)
    try:
        user_id = actor_by_email(db, DEMO_USERS_BY_ROLE[role]).id
    finally:
        db.close()
    at = AppTest.from_file(str(navigation.ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.switch_page(str(navigation.ROOT / "pages" / page_file))
    at.run()
    assert not at.exception, at.exception
    return at


def _markdown_strings(message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in (value if field.is_repeated else [value]):
                _markdown_strings(item, out)
        elif field.type == field.TYPE_STRING and field.name in ("body", "label", "help"):
            out.append(value)


def markdown_shown(at: AppTest) -> list[str]:
    """Everything the page hands to Streamlit's Markdown: text, captions, headings, alerts, metric labels and
    values, widget labels and help, tab and expander labels, button and link labels, and every heading and
    cell of a table (st.table reads its cells as Markdown); not st.text, not the options of a select box."""
    out: list[str] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "table":
            frame = node.value
            out.extend(str(c) for c in frame.columns)
            out.extend(str(v) for v in frame.to_numpy().ravel())
        elif proto is not None and getattr(node, "type", None) not in ("text", "code"):
            _markdown_strings(proto, out)
    return out


def assert_shown_as_written(at: AppTest, *, times: int = 1) -> list[str]:
    """The probe's words are on the page, escaped, at least ``times`` times; nowhere as live Markdown."""
    shown = markdown_shown(at)
    live = [s for s in shown if PAYLOAD in s or LIVE_MARKDOWN.search(s)]
    assert live == [], f"shown as live Markdown: {live}"
    escaped = [s for s in shown if ESCAPED in s]
    assert len(escaped) >= times, f"the escaped words are missing: {[s for s in shown if 'evil' in s]}"
    return escaped


def update(db_path, sql: str, params: list) -> None:
    db = database.connect(db_path)
    try:
        with database.transaction(db):
            db.execute(sql, params)
    finally:
        db.close()


def open_complaint(db_path, area: str = "Through Care") -> str:
    """The reference of a complaint of ``area`` that has a stage open today."""
    db = database.connect(db_path)
    try:
        [row] = [r for r in open_stages.rag_rows(db, date.today()) if r["service_area"] == area][:1]
    finally:
        db.close()
    return row["reference"]


def test_finding_markdown_injection_complaint_reference_and_concern_code_show_as_written(demo_db_path, monkeypatch):
    reference = open_complaint(demo_db_path)
    update(demo_db_path, "UPDATE complaints SET reference = ? WHERE reference = ?", [PAYLOAD, reference])
    update(demo_db_path, "UPDATE concern_codes SET category = ? WHERE category = 'Communication'", [PAYLOAD])
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py",
                   state={"complaint_reference": PAYLOAD})
    assert_shown_as_written(at, times=2)
    assert ESCAPED in [h.value for h in at.subheader], "the complaint's heading"
    assert ESCAPED in [n.label for n in at.number_input], "the concern code labels its count on the Concerns tab"


def test_finding_markdown_injection_service_area_name_shows_as_written(demo_db_path, monkeypatch):
    reference = open_complaint(demo_db_path)
    update(demo_db_path, "UPDATE service_areas SET name = ? WHERE name = 'Through Care'", [PAYLOAD])
    # The service manager of the area: the RAG report's caption, help and heading name their areas.
    at = open_page(demo_db_path, monkeypatch, "service_manager", "rag_report.py")
    assert f"Your service areas: {ESCAPED}." in assert_shown_as_written(at, times=3)
    at = open_page(demo_db_path, monkeypatch, "service_manager", "my_actions.py")
    assert f"The actions you own and those of {ESCAPED}." in assert_shown_as_written(at)
    # A table's cells are Markdown too (st.table): the Service areas page lists the name as written.
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "admin_service_areas.py")
    assert ESCAPED in at.table[0].value["Service area"].tolist()
    assert PAYLOAD in tables.column(at.table[0], "Service area"), "what a reader sees is the name as typed"
    assert_shown_as_written(at)
    # Record learning names the complaint's area in a metric.
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "record_learning.py",
                   query_params={"complaint": reference})
    assert ESCAPED in [m.value for m in at.metric]
    assert_shown_as_written(at)


def test_finding_markdown_injection_user_name_and_evidence_description_show_as_written(demo_db_path, monkeypatch):
    db = database.connect(demo_db_path)
    try:
        manager = actor_by_email(db, DEMO_USERS_BY_ROLE["service_manager"])
        [(action_id, point_id)] = db.execute(
            "SELECT id, learning_point_id FROM actions WHERE owner_id = ? AND status = 'in progress' ORDER BY id LIMIT 1",
            [manager.id]).fetchall()
        complaint = db.execute(
            "SELECT c.reference FROM complaints c JOIN learning_point_complaints l ON l.complaint_id = c.id "
            "WHERE l.learning_point_id = ?", [point_id]).fetchone()[0]
        action_services.add_evidence(db, manager, action_id, Evidence(
            description=PAYLOAD, link="https://intranet.demo.invalid/minutes"))
        action_services.add_evidence(db, manager, action_id, Evidence(
            description=PAYLOAD, filename="minutes.pdf", content=b"%PDF-1.7"))
        with database.transaction(db):
            db["users"].update(manager.id, {"name": PAYLOAD})
    finally:
        db.close()
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "learning.py",
                   state={"learning_complaint": complaint})
    escaped = assert_shown_as_written(at, times=3)
    assert any(s.startswith(f"- [{ESCAPED}](https://intranet.demo.invalid/minutes) (added by {ESCAPED} on ")
               for s in escaped), "the evidence link keeps its own address and nothing else"
    assert any(s.startswith(f"{ESCAPED}: minutes.pdf") for s in escaped), "the evidence file's download button"


def test_finding_markdown_injection_forum_attendees_show_as_written(demo_db_path, monkeypatch):
    update(demo_db_path, "UPDATE forum_meetings SET attendees = ?", [f"Complaints Officer; {PAYLOAD}"])
    at = open_page(demo_db_path, monkeypatch, "forum_member", "forum.py")
    [caption] = assert_shown_as_written(at)
    assert caption.startswith(f"Attendees: Complaints Officer, {ESCAPED}. ")


def test_finding_markdown_injection_complaint_parameter_shows_as_written(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "record_learning.py",
                   query_params={"complaint": PAYLOAD})
    assert [e.value for e in at.error] == [
        f"No complaint has the reference '{ESCAPED}'. Check it in the council's case system."]
    assert_shown_as_written(at)


def test_finding_markdown_injection_error_messages_show_what_was_typed_as_written(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py",
                   state={"complaint_reference": PAYLOAD})
    assert [e.value for e in at.error] == [f"No complaint has the reference '{ESCAPED}'."]
    assert_shown_as_written(at)


# --- the two rules themselves ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text,shown", [
    (PAYLOAD, ESCAPED),
    ("Sign in again at https://evil.invalid or www.evil.invalid", "Sign in again at https:\u2060//evil.invalid or www\u2060.evil.invalid"),
    ("Write to jo@evil.invalid", "Write to jo\u2060@evil.invalid"),  # no mailto link
    (":material/home: :blue[Overdue]", ":\u2060material/home: :\u2060blue\\[Overdue\\]"),  # no icon, no colour
    ("Re: 10:30", "Re: 10:30"),  # an ordinary colon stays as it is
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)>"),  # "<" escaped: no tag
    ("Standards of service > delay", "Standards of service > delay"),  # a ">" inside text stays
    ("> quoted", r"\> quoted"),
    (":red[Overdue] **bold** _it_ ~gone~ `code` $x$ | # \\", ":\u2060red\\[Overdue\\] \\*\\*bold\\*\\* \\_it\\_ \\~gone\\~ \\`code\\` \\$x\\$ \\| \\# \\\\"),
    ("- a list", r"\- a list"), ("+ a list", r"\+ a list"), ("1. a list", r"1\. a list"), ("---", r"\---"),
    ("line one\nline two", "line one line two"),
    ("-12 and 7.0 stay as they are", "-12 and 7.0 stay as they are"),
])
def test_finding_markdown_injection_the_one_rule_shows_words_as_written(text, shown):
    from learning_tracker.escaping import md_escape
    from learning_tracker.reports.render import md_escape as report_md_escape

    assert md_escape(text) == shown
    assert report_md_escape is md_escape, "the reports' Markdown uses the same rule as the pages"


def test_finding_formula_injection_the_one_csv_writer_keeps_numbers_and_blanks():
    from learning_tracker.escaping import csv_bytes

    content = csv_bytes(["text", "number", "blank", "nan"], [[SUM, -3, None, float("nan")], ["@SUM(A1)", 2.5, "", "x"]])
    assert content.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [
        ["text", "number", "blank", "nan"], ["'" + SUM, "-3", "", ""], ["'@SUM(A1)", "2.5", "", "x"]]


def test_finding_formula_injection_tables_offer_no_unaudited_csv_of_their_own():
    import tomllib

    # Streamlit's table toolbar writes its CSV with formulas as they are and unaudited; the app turns it off.
    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
