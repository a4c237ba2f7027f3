"""The Import and export page (AppTest): upload, map the columns and values, check the preview, confirm;
a bad file's errors; the complaints officer only."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from . import tables

ROOT = navigation.ROOT
PAGE = "import_export.py"

# A case-system extract: its own column names, UK dates and its own word for an outcome.
CASE_SYSTEM_EXTRACT = (
    "Case Ref;Date Received;Type;Team;Outcome;Replied;How received\r\n"
    "NEW-0001;06/04/2021;Statutory;team west;Partially Upheld;20/04/2021;E-mail\r\n"
    "NEW-0002;07/04/2021;corporate;Team East;;;letter\r\n"
).encode("cp1252")


def open_page(path, monkeypatch, role="complaints_officer") -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    db = database.connect(path)
    try:
        at.session_state["user_id"] = db.execute(
            "SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    finally:
        db.close()
    at.run()
    at.switch_page(str(ROOT / "pages" / PAGE))
    at.run()
    return at


def counts(path) -> dict[str, int]:
    db = database.connect(path)
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("complaints", "complaint_stages", "audit_events")}
    finally:
        db.close()


def test_an_extract_in_another_layout_is_mapped_checked_and_imported_on_confirm(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch)
    assert not at.exception, at.exception
    at.selectbox(key="import_kind").set_value("complaints").run()
    at.file_uploader(key="import_upload").set_value(("extract.csv", CASE_SYSTEM_EXTRACT, "text/csv")).run()
    assert not at.exception, at.exception
    # The mapping step: the obvious columns are guessed from their names.
    assert at.warning[-1].value.startswith("The columns of extract.csv are not exactly the complaints template's")
    mapped = {s.label.rstrip(" *"): s.value for s in at.selectbox if s.key and s.key.startswith("map_")}
    assert mapped["reference"] == "Case Ref"
    assert mapped["received_on"] == "Date Received"
    assert mapped["procedure"] == "Type"
    assert mapped["service_area"] == "Team"
    assert mapped["outcome"] == "Outcome"
    assert mapped["received_via"] == "How received"
    assert mapped["stage1_completed_on"] == "(not in this file)"
    # Pair the one column it could not guess, and confirm the guessed value mappings.
    next(s for s in at.selectbox if s.key and s.key.endswith("_stage1_completed_on")).set_value("Replied")
    at.button[[b.label for b in at.button].index("Use these columns")].click().run()
    values = {s.label: s.value for s in at.selectbox if s.key and s.key.startswith("value_")}
    assert values == {"outcome: 'Partially Upheld'": "partly upheld", "received_via: 'E-mail'": "email"}
    before = counts(demo_db_path)

    # The preview: two to add, nothing written yet.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows": "2", "To add": "2", "To update": "0", "Unchanged": "0", "Errors": "0"}
    assert counts(demo_db_path) == before
    at.button(key="import_confirm").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "extract.csv: 2 rows; imported 2 new complaints, 0 updated, 0 unchanged."

    db = database.connect(demo_db_path)
    try:
        row = db.execute("SELECT received_on, procedure, outcome, outcome_on, received_via FROM complaints "
                         "WHERE reference = 'NEW-0001'").fetchone()
        assert row == ("2021-04-06", "statutory", "partly upheld", "2021-04-20", "email")
        event = db.execute("SELECT event, user_email, message FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        assert event == ("import complaints", DEMO_USERS_BY_ROLE["complaints_officer"],
                         "Imported extract.csv: 2 added, 0 updated, 0 unchanged")
    finally:
        db.close()
    assert counts(demo_db_path) == {**before, "complaints": before["complaints"] + 2,
                                    "complaint_stages": before["complaint_stages"] + 2,
                                    "audit_events": before["audit_events"] + 1}


def test_a_saved_mapping_is_offered_for_the_next_file(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch)
    at.selectbox(key="import_kind").set_value("complaints").run()
    at.file_uploader(key="import_upload").set_value(("extract.csv", CASE_SYSTEM_EXTRACT, "text/csv")).run()
    name_input = next(t for t in at.text_input if t.key.startswith("save_name_"))
    name_input.set_value("Case system extract")
    at.button[[b.label for b in at.button].index("Save mapping")].click().run()
    assert at.success[0].value == "Saved the mapping as 'Case system extract'."
    assert at.selectbox(key="import_mapping_choice").value == "Case system extract"
    assert at.selectbox(key="import_mapping_choice").options == ["Guess from the column names", "Case system extract"]


def test_a_file_with_errors_lists_them_offers_the_report_and_imports_nothing(demo_db_path, monkeypatch):
    bad = (b"reference,received_on,procedure,service_area\r\n"
           b"BAD-1,2021-04-06,statutory,Team Wets\r\n"
           b"BAD-2,31/02/2021,statutory,Team West\r\n")
    at = open_page(demo_db_path, monkeypatch)
    before = counts(demo_db_path)
    at.selectbox(key="import_kind").set_value("complaints").run()
    at.file_uploader(key="import_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception, at.exception
    assert at.success[0].value == "The columns of bad.csv are the complaints template's."
    assert at.error[0].value.startswith("2 problems found: nothing will be imported")
    assert tables.rows(at.table[-1]) == [
        {"Row": "2", "Column": "service_area", "Value": "Team Wets",
         "Problem": "is not known; did you mean 'Team West'?"},
        {"Row": "3", "Column": "received_on", "Value": "31/02/2021",
         "Problem": "is not a date in the calendar; must be a date such as 2021-04-06 or 06/04/2021"},
    ]
    assert "Download the error report (CSV)" in [d.proto.label for d in at.get("download_button")]
    assert not [b for b in at.button if b.key == "import_confirm"]
    assert counts(demo_db_path) == before


def test_a_pdf_named_csv_is_one_sentence(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch)
    at.file_uploader(key="import_upload").set_value(("complaints.csv", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "text/csv")).run()
    assert [e.value for e in at.error] == [
        "complaints.csv is a PDF document, not a CSV file: export the spreadsheet as CSV (or .xlsx) and import that."]


def test_an_export_and_a_backup_are_prepared_for_download_and_audited(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch)
    at.selectbox(key="export_kind").set_value("complaints")
    at.selectbox(key="export_year").set_value("2021-22").run()
    at.button(key="export_prepare").click().run()
    assert not at.exception, at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert any(label.startswith("Download complaints-2021-22-") and label.endswith("(235 rows)") for label in labels)
    # The backup is taken, and audited, only when its button is clicked (tests/test_security_files.py).
    assert "Download a backup of the database" in labels
    db = database.connect(demo_db_path)
    try:
        events = [r[0] for r in db.execute("SELECT event FROM audit_events ORDER BY id DESC LIMIT 1")]
    finally:
        db.close()
    assert events == ["export complaints"]


def test_other_roles_are_told_the_page_is_the_complaints_officers(demo_db_path, monkeypatch):
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(demo_db_path))
    at = AppTest.from_file(str(ROOT / "pages" / PAGE), default_timeout=30)
    db = database.connect(demo_db_path)
    try:
        at.session_state["user_id"] = db.execute(
            "SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE["viewer"]]).fetchone()[0]
    finally:
        db.close()
    at.run()
    assert [e.value for e in at.error] == [
        "Your role (Viewer) cannot open this page (Import and export). Choose a page from the menu."]
    assert not at.tabs
