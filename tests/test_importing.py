"""Importing: the round trip through an empty database, every kind of bad input (one message, nothing
written), encodings and separators, updates field by field, mappings, and who may import."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from learning_tracker import db as database
from learning_tracker import workdays
from learning_tracker.read import report_figures
from learning_tracker.errors import Conflict, InvalidInput, NotFound, Refused
from learning_tracker.services import exporting, importing
from learning_tracker.services.importing import Mapping, UnreadableFile, import_file
from learning_tracker.services.users import command_line_actor
from learning_tracker.read.templates import IMPORT_ORDER, TEMPLATES

from .factories import build_world

TODAY = date.today()
RECORD_TABLES = ("service_areas", "users", "user_service_areas", "complaints", "complaint_stages", "concerns",
                 "compliments", "compliment_categories", "learning_points", "learning_point_complaints", "actions",
                 "action_updates", "audit_events")
HEADER = "reference,received_on,procedure,service_area"


def snapshot(db) -> dict[str, int]:
    """Row counts of every record table and the audit log: 'nothing was written' means this is unchanged."""
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in RECORD_TABLES}


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "world.db")
    yield world
    world.db.close()


def complaint_row(db, reference: str) -> dict:
    row = db.execute("SELECT * FROM complaints WHERE reference = ?", [reference]).fetchone()
    names = [c[0] for c in db.execute("SELECT * FROM complaints LIMIT 0").description]
    return dict(zip(names, row))


def stages_of(db, reference: str) -> list[tuple]:
    return db.execute(
        "SELECT s.procedure, s.stage, s.clock_started_on, s.due_on, s.extended_due_on, s.extension_reason, s.responded_on"
        " FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id WHERE c.reference = ?"
        " ORDER BY s.procedure = 'informal' DESC, s.stage", [reference]).fetchall()


# --- the round trip ---------------------------------------------------------------------------------


RECORD_COLUMNS = {
    "service_areas": "id, name, active",
    "users": "id, email, name, role, active",
    "user_service_areas": "user_id, service_area_id",
    "complaints": "id, reference, received_on, procedure, service_area_id, received_via, complainant_type, advocate, "
                  "gender, age_band, ethnicity, disability, outcome, outcome_on, lgsco_referred_on, lgsco_decision, "
                  "remedy_pence, no_learning_reason, no_learning_recorded_by, no_learning_recorded_on, "
                  "advocacy_offered_on, advocacy_accepted, grounds_arose_on, late_decision, late_decision_reason, "
                  "declined_reason",
    "complaint_stages": "complaint_id, procedure, stage, clock_started_on, due_on, extended_due_on, extension_reason, "
                        "responded_on, outcome, outcome_on, acknowledgement_due_on, acknowledged_on, "
                        "response_clock_started_on, statement_agreed_on, investigating_officer, independent_person, "
                        "investigation_report_on, independent_person_report_on, adjudicated_on, adjudicator, "
                        "panel_meeting_due_on, panel_met_on, panel_report_due_on, panel_report_on",
    "concerns": "complaint_id, concern_code_id",
    "compliments": "id, received_on, service_area_id, source, summary",
    "compliment_categories": "compliment_id, category",
    "learning_points": "id, service_area_id, theme, description, source, status, created_by, created_on",
    "learning_point_complaints": "learning_point_id, complaint_id",
    "actions": "id, learning_point_id, description, owner_id, service_area_id, due_on, priority, status, "
               "cancel_reason, completed_on, verified_on, created_on",
}


def records(db, table: str) -> list[tuple]:
    return sorted(db.execute(f"SELECT {RECORD_COLUMNS[table]} FROM {table}").fetchall(), key=repr)


def test_export_then_import_into_an_empty_database_gives_the_same_records_and_figures(demo_db_path, tmp_path):
    demo = database.connect(demo_db_path)
    empty_path = tmp_path / "empty.db"
    from learning_tracker import cli

    assert cli.main(["init", "--db", str(empty_path)]) == 0
    empty = database.connect(empty_path)
    actor = command_line_actor()
    try:
        files = {kind: exporting.to_csv(kind, exporting.rows(demo, kind))[0] for kind in IMPORT_ORDER}
        for kind in IMPORT_ORDER:
            plan = import_file(empty, actor, kind, f"{kind}.csv", files[kind], today=TODAY)
            assert plan.problems == [], plan.problems[:5]
            assert plan.written and len(plan.added) == plan.rows and not plan.updated
        assert report_figures.annual_figures(empty, "2021-22", TODAY) == report_figures.annual_figures(demo, "2021-22", TODAY)
        for table in RECORD_COLUMNS:
            assert records(empty, table) == records(demo, table), table
        # The same files again change nothing (one audit event each, naming the counts).
        before = {t: records(empty, t) for t in RECORD_COLUMNS}
        for kind in IMPORT_ORDER:
            plan = import_file(empty, actor, kind, f"{kind}.csv", files[kind], today=TODAY)
            assert (len(plan.added), len(plan.updated), plan.unchanged) == (0, 0, plan.rows)
        assert {t: records(empty, t) for t in RECORD_COLUMNS} == before
        events = empty.execute("SELECT event, entity, user_email, after FROM audit_events ORDER BY id").fetchall()
        assert len(events) == 2 * len(IMPORT_ORDER)
        assert events[2][:3] == ("import complaints", "import", "learning-tracker command")
        # The demo's current year is dated relative to today, so its complaint count is read, not typed.
        complaints = demo.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
        assert f'"added": {complaints}' in events[2][3] and '"file": "complaints.csv"' in events[2][3]
    finally:
        demo.close()
        empty.close()


def test_an_excel_export_of_everything_imports_sheet_by_sheet(demo_db_path, tmp_path):
    demo = database.connect(demo_db_path)
    empty = database.connect(tmp_path / "empty.db")
    try:
        _, workbook, _ = exporting.export_file(demo, command_line_actor(), "all", "xlsx",
                                               exporting.ExportFilter(financial_year="2021-22"))
        for kind in IMPORT_ORDER:
            plan = import_file(empty, command_line_actor(), kind, "everything.xlsx", workbook, today=TODAY)
            assert plan.problems == [], (kind, plan.problems[:3])
        assert report_figures.annual_figures(empty, "2021-22", TODAY) == report_figures.annual_figures(demo, "2021-22", TODAY)
    finally:
        demo.close()
        empty.close()


# --- files that are not what they claim: one sentence, nothing written -----------------------------


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "filename,content,message",
    [
        ("complaints.csv", b"%PDF-1.7\n1 0 obj <<>>", ("complaints.csv is a PDF document, not a CSV file: export the "
                                                       "spreadsheet as CSV (or .xlsx) and import that.")),
        ("complaints.csv", b"", "complaints.csv is empty: there is nothing to import."),
        ("complaints.csv", b" \r\n\r\n", "complaints.csv is empty: there is nothing to import."),
        ("complaints.csv", csv_bytes(HEADER), "complaints.csv has a header row but no rows below it to import."),
        ("complaints.csv", _xlsx([["reference"]]), ("complaints.csv is an Excel workbook or another zip file, not a "
                                                   "CSV file: save it as CSV, or give it the .xlsx name it should have.")),
        ("complaints.xlsx", csv_bytes(HEADER, "A,2021-04-06,statutory,Team West"),
         "complaints.xlsx is named .xlsx but is a text file, not an Excel workbook."),
        ("complaints.xlsx", b"PK\x03\x04 not really a zip", ("complaints.xlsx could not be read as an Excel workbook "
                                                            "(BadZipFile); open it in Excel and save it again as .xlsx or CSV.")),
        ("complaints.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
         ("complaints.csv is an Excel 97-2003 workbook (.xls) or another old Office file, not a CSV file: export the "
         "spreadsheet as CSV (or .xlsx) and import that.")),
        ("complaints.csv", b"\x89PNG\r\n\x1a\n\x00\x00", ("complaints.csv is a picture, not a CSV file: export the "
                                                         "spreadsheet as CSV (or .xlsx) and import that.")),
        ("complaints.csv", b"ref\x00\x01\x02", ("complaints.csv is not a text file, not a CSV file: export the "
                                               "spreadsheet as CSV (or .xlsx) and import that.")),
        ("complaints.pdf", b"%PDF-1.7", ("complaints.pdf is not a CSV or Excel file: import a .csv file or an Excel "
                                        "workbook (.xlsx).")),
        ("complaints.csv", csv_bytes("reference,reference", "A,B"),
         "complaints.csv has two columns named 'reference': give each column its own name."),
        ("complaints.csv", csv_bytes("reference,service_area,outcome", "A,Team West,upheld"),
         ("complaints.csv has no column for received_on and procedure, which the complaints template needs (its "
         "columns are: reference, service_area, outcome); rename the columns or map them on the Import and export "
         "page.")),
    ],
    ids=["pdf-named-csv", "empty", "blank-lines", "header-only", "xlsx-named-csv", "text-named-xlsx", "broken-zip",
         "old-xls", "picture", "binary", "pdf-extension", "duplicate-column", "missing-required-columns"],
)
def test_a_file_that_is_not_what_it_claims_is_one_sentence_and_writes_nothing(world, filename, content, message):
    before = snapshot(world.db)
    with pytest.raises(UnreadableFile) as caught:
        import_file(world.db, world.officer, "complaints", filename, content, today=TODAY)
    assert str(caught.value) == message
    assert snapshot(world.db) == before


# --- rows that break the rules: every problem with row, column, value and what is allowed ----------


GOOD = "OK-1,2021-04-06,statutory,Team West"


@pytest.mark.parametrize(
    "header,row,expected",
    [
        (HEADER, "C-1,2021-04-06,statutory,Team Wets",
         "row 3: service_area ('Team Wets') is not known; did you mean 'Team West'?"),
        (HEADER, "C-1,2021-04-06,statutry,Team West",
         "row 3: procedure ('statutry') is not known; did you mean 'statutory'?"),
        (HEADER, "C-1,06/04/21,statutory,Team West",
         "row 3: received_on ('06/04/21') must be a date such as 2021-04-06 or 06/04/2021, with the year in full"),
        (HEADER, "C-1,,statutory,Team West", "row 3: received_on is required"),
        (HEADER, f"C-1,{(TODAY + timedelta(days=1)).isoformat()},statutory,Team West",
         f"row 3: received_on ('{(TODAY + timedelta(days=1)).isoformat()}') is in the future; today is {TODAY.isoformat()}"),
        (HEADER + ",advocate", "C-1,2021-04-06,statutory,Team West,maybe",
         "row 3: advocate ('maybe') must be yes or no (y/n and true/false are read too)"),
        (HEADER + ",concerns", "C-1,2021-04-06,statutory,Team West,Communication; Finanse",
         "row 3: concerns ('Finanse') is not known; did you mean 'Finance'?"),
        (HEADER + ",outcome", "C-1,2021-04-06,statutory,Team West,upheld",
         ("row 3: outcome ('upheld') is given but stage 1 has no completed date; a complaint is open, with no outcome, "
         "until its last stage is answered")),
        (HEADER + ",stage1_completed_on", "C-1,2021-04-06,statutory,Team West,2021-04-01",
         "row 3: stage1_completed_on ('2021-04-01') is before the complaint was received (2021-04-06)"),
        (HEADER + ",stage2_requested_on", "C-1,2021-04-06,statutory,Team West,2021-05-01",
         ("row 3: stage2_requested_on ('2021-05-01') is given but stage 1 has no completed date; stage 2 starts after "
         "stage 1 is answered")),
        (HEADER + ",stage1_completed_on,stage2_requested_on", "C-1,2021-04-06,informal,Team West,2021-04-10,2021-04-20",
         "row 3: stage2_requested_on ('2021-04-20') is given but a informal complaint has no stage 2"),
        (HEADER + ",stage1_completed_on,stage2_requested_on,stage2_completed_on,stage3_requested_on",
         "C-1,2021-04-06,corporate,Team West,2021-04-10,2021-04-20,2021-05-10,2021-05-20",
         "row 3: stage3_requested_on ('2021-05-20') is given but a corporate complaint has no stage 3"),
        (HEADER + ",stage1_extended", "C-1,2021-04-06,statutory,Team West,yes",
         "row 3: stage1_extension_reason is required when stage 1 was extended"),
        (HEADER + ",stage1_extended,stage1_extension_reason", "C-1,2021-04-06,informal,Team West,yes,Busy",
         "row 3: stage1_extended ('yes') is not possible: the informal stage 1 timescale allows no extension"),
        (HEADER + ",stage1_extension_reason", "C-1,2021-04-06,statutory,Team West,Busy",
         "row 3: stage1_extended must be yes when an extension reason or date is given"),
        (HEADER + ",stage1_extended,stage1_extension_reason,stage1_extended_to",
         "C-1,2021-04-06,statutory,Team West,yes,Busy,2021-06-30",
         ("row 3: stage1_extended_to ('2021-06-30') is beyond the longest extension allowed: 20 working days after the "
         "clock started, 2021-05-05")),
        (HEADER + ",lgsco_decision", "C-1,2021-04-06,statutory,Team West,upheld",
         "row 3: lgsco_referred_on is required when the Ombudsman's decision is given"),
        (HEADER + ",remedy_gbp", "C-1,2021-04-06,statutory,Team West,-50", "row 3: remedy_gbp ('-50') must not be negative"),
        (HEADER + ",gender", "C-1,2021-04-06,statutory,Team West,mail",
         "row 3: gender ('mail') is not known; did you mean 'male'?"),
        (HEADER + ",ethnicity", "C-1,2021-04-06,statutory,Team West,Martian",
         ("row 3: ethnicity ('Martian') is not known; allowed: 'White British', 'White Irish', 'Gypsy or Irish "
         "Traveller', 'Any other White background', 'White and Black Caribbean', 'White and Black African', 'White "
         "and Asian', 'Any other Mixed background', 'Indian', 'Pakistani', 'Bangladeshi', 'Chinese', ...")),
        (HEADER, "ok-1,2021-04-07,statutory,Team West", "row 3: reference ('ok-1') is also on row 2; each complaint once"),
        (HEADER, "C-1,2021-04-06,statutory,Team West,extra", ("row 3: row has 5 values but the header has 4 columns; "
                                                             "check for a separator inside a value that is not in quotes")),
        (HEADER, "C-1,1999-12-31,statutory,Team West",
         "row 3: received_on ('1999-12-31') is before 2000, where the app's calendar starts"),
    ],
    ids=["unknown-area", "unknown-procedure", "two-digit-year", "missing-date", "future-date", "bad-yes-no",
         "unknown-concern", "outcome-while-open", "answered-before-received", "stage2-before-stage1-answered",
         "informal-stage2", "corporate-stage3", "extension-without-reason", "informal-extension", "reason-without-yes",
         "extension-past-cap", "ombudsman-decision-without-referral", "negative-remedy", "unknown-gender",
         "unknown-ethnicity-lists-allowed", "duplicate-reference", "extra-cells", "before-the-calendar"],
)
def test_a_row_that_breaks_a_rule_is_reported_with_row_column_value_and_what_is_allowed_and_nothing_is_written(
    world, header, row, expected
):
    columns = header.count(",") + 1
    good = GOOD + "," * (columns - 4)
    before = snapshot(world.db)
    plan = import_file(world.db, world.officer, "complaints", "complaints.csv", csv_bytes(header, good, row), today=TODAY)
    assert [str(p) for p in plan.problems] == [expected]
    assert not plan.written
    assert snapshot(world.db) == before, "a file with any error writes nothing, not even its good rows"


def test_every_problem_of_a_file_is_reported_at_once_and_the_report_downloads_as_csv(world):
    content = csv_bytes(HEADER + ",disability", "A,2021-13-01,statutory,Team Wets,perhaps", "B,2021-04-06,formal,Team East,")
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content, today=TODAY)
    assert [(p.row, p.field) for p in plan.problems] == [
        (2, "received_on"), (3, "procedure")]  # a row failing its shape is not checked further
    report = importing.problems_csv(plan.problems).decode("utf-8-sig").splitlines()
    assert report == [
        "row,column,value,problem",
        "2,received_on,2021-13-01,is not a date in the calendar; must be a date such as 2021-04-06 or 06/04/2021",
        "3,procedure,formal,is not known; did you mean 'informal'?",
    ]
    assert plan.summary() == "c.csv: 2 errors in 2 rows, so nothing was imported."


def test_only_the_complaints_officer_imports_and_a_refusal_is_audited(world):
    before = snapshot(world.db)
    with pytest.raises(Refused, match="Only a complaints officer may import records; you are signed in as a service manager"):
        import_file(world.db, world.manager_west, "complaints", "c.csv", csv_bytes(HEADER, GOOD), today=TODAY)
    assert snapshot(world.db) == {**before, "audit_events": before["audit_events"] + 1}
    event = world.db.execute("SELECT event, outcome, user_email FROM audit_events ORDER BY id DESC").fetchone()
    assert event == ("import complaints", "refused", "west@test.invalid")


# --- reading any common CSV ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding,separator",
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";"), ("latin-1", ","), ("utf-16", "\t"), ("utf-8", ";")],
)
def test_csv_in_any_common_encoding_and_separator_is_read(world, encoding, separator):
    lines = [
        separator.join(["reference", "received_on", "procedure", "service_area", "stage1_completed_on",
                        "stage1_extension_reason", "stage1_extended"]),
        separator.join(["CAFE-1", "06/04/2021", "Statutory", " team west ", "2021-04-30", '"Café closed; £0 spent"', "Y"]),
    ]
    content = csv_bytes(*lines, encoding=encoding)
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content, today=TODAY)
    assert plan.problems == []
    row = complaint_row(world.db, "CAFE-1")
    assert (row["received_on"], row["procedure"], row["service_area_id"]) == ("2021-04-06", "statutory", world.west)
    assert stages_of(world.db, "CAFE-1") == [
        ("statutory", 1, "2021-04-06", "2021-04-20", "2021-05-05", "Café closed; £0 spent", "2021-04-30")]


def test_an_excel_workbook_with_date_cells_numbers_and_booleans_is_read(world):
    content = _xlsx([
        ["Reference", "Received On", "Procedure", "Service Area", "Advocate", "Remedy GBP"],
        [1234, date(2021, 4, 6), "corporate", "Team East", True, 250.5],
    ])
    plan = import_file(world.db, world.officer, "complaints", "c.xlsx", content, today=TODAY)
    assert plan.problems == []
    row = complaint_row(world.db, "1234")
    assert (row["received_on"], row["advocate"], row["remedy_pence"], row["service_area_id"]) == (
        "2021-04-06", 1, 25050, world.east)


# --- the stage clock -----------------------------------------------------------------------------------


def test_due_dates_come_from_the_timescales_and_an_extension_runs_to_the_longest_allowed(world):
    header = (HEADER + ",outcome,stage1_completed_on,stage1_extended,stage1_extension_reason,stage2_requested_on,"
              "stage2_completed_on,stage2_extended,stage2_extension_reason,stage3_requested_on,stage3_completed_on")
    row = ("S-1,2022-12-20,statutory,Team West,partly upheld,2023-01-20,yes,Awaiting a report,2023-01-25,2023-04-20,"
           "true,Independent investigator,2023-04-24,2023-06-30")
    plan = import_file(world.db, world.officer, "complaints", "c.csv", csv_bytes(header, row), today=TODAY)
    assert plan.problems == []
    add = workdays.add_working_days
    assert stages_of(world.db, "S-1") == [
        ("statutory", 1, "2022-12-20", "2023-01-06", add(date(2022, 12, 20), 20).isoformat(), "Awaiting a report",
         "2023-01-20"),
        ("statutory", 2, "2023-01-25", add(date(2023, 1, 25), 25).isoformat(), add(date(2023, 1, 25), 65).isoformat(),
         "Independent investigator", "2023-04-20"),
        ("statutory", 3, "2023-04-24", add(date(2023, 4, 24), 50).isoformat(), None, None, "2023-06-30"),
    ]
    assert complaint_row(world.db, "S-1")["outcome_on"] == "2023-06-30"


def test_an_informal_stage_before_the_formal_procedure_is_kept(world):
    header = HEADER + ",informal_completed_on,stage1_requested_on,stage1_completed_on"
    plan = import_file(world.db, world.officer, "complaints", "c.csv",
                       csv_bytes(header, "E-1,2021-04-06,statutory,Team West,2021-04-09,2021-04-13,2021-04-20"), today=TODAY)
    assert plan.problems == []
    assert [s[:3] + (s[6],) for s in stages_of(world.db, "E-1")] == [
        ("informal", 1, "2021-04-06", "2021-04-09"), ("statutory", 1, "2021-04-13", "2021-04-20")]


def stage_outcomes_of(db, reference: str) -> list[tuple]:
    return db.execute(
        "SELECT s.procedure, s.stage, s.outcome, s.outcome_on FROM complaint_stages s"
        " JOIN complaints c ON c.id = s.complaint_id WHERE c.reference = ?"
        " ORDER BY s.procedure = 'informal' DESC, s.stage", [reference]).fetchall()


def test_each_stage_a_complaint_went_on_from_keeps_its_outcome_and_the_last_stage_has_the_complaints(world):
    header = (HEADER + ",outcome,informal_completed_on,informal_outcome,stage1_requested_on,stage1_completed_on,"
              "stage1_outcome,stage2_requested_on,stage2_completed_on,stage2_outcome,stage2_outcome_on")
    lines = [
        # Informal, then statutory stages 1 and 2: stage 1's outcome dated the day it was answered.
        "O-1,2021-04-06,statutory,Team West,Upheld,2021-04-09,not upheld,2021-04-13,2021-04-20,Not Upheld,"
        "2021-05-04,2021-06-01,,",
        # Stage 1's outcome left blank: not known.
        "O-2,2021-04-06,corporate,Team West,partly upheld,,,,2021-04-20,,2021-05-04,2021-06-01,,",
    ]
    plan = import_file(world.db, world.officer, "complaints", "c.csv", csv_bytes(header, *lines), today=TODAY)
    assert plan.problems == []
    assert stage_outcomes_of(world.db, "O-1") == [
        ("informal", 1, "not upheld", "2021-04-09"), ("statutory", 1, "not upheld", "2021-04-20"),
        ("statutory", 2, "upheld", "2021-06-01")]
    assert stage_outcomes_of(world.db, "O-2") == [("corporate", 1, None, None), ("corporate", 2, "partly upheld", "2021-06-01")]
    # The export writes them back, and the same file again changes nothing.
    exported = {r["reference"]: r for r in exporting.rows(world.db, "complaints")}
    assert [exported["O-1"][f] for f in ("informal_outcome", "informal_outcome_on", "stage1_outcome",
                                         "stage1_outcome_on", "stage2_outcome", "stage2_outcome_on")] == [
        "not upheld", "2021-04-09", "not upheld", "2021-04-20", "", ""]
    again = import_file(world.db, world.officer, "complaints", "c.csv", csv_bytes(header, *lines), today=TODAY)
    assert (len(again.updated), again.unchanged) == (0, 2)


def test_a_file_without_the_stage_outcome_columns_keeps_the_outcomes_recorded(world):
    header = HEADER + ",outcome,stage1_completed_on,stage1_outcome,stage1_outcome_on,stage2_requested_on"
    import_file(world.db, world.officer, "complaints", "c.csv",
                csv_bytes(header, "O-3,2021-04-06,statutory,Team West,,2021-04-20,not upheld,2021-04-22,2021-05-04"),
                today=TODAY)
    update = csv_bytes(HEADER + ",outcome,stage1_completed_on,stage2_requested_on,stage2_completed_on",
                       "O-3,2021-04-06,statutory,Team West,upheld,2021-04-20,2021-05-04,2021-06-01")
    plan = import_file(world.db, world.officer, "complaints", "c.csv", update, today=TODAY)
    assert plan.problems == []
    assert stage_outcomes_of(world.db, "O-3") == [
        ("statutory", 1, "not upheld", "2021-04-22"), ("statutory", 2, "upheld", "2021-06-01")]


@pytest.mark.parametrize(
    "columns,values,message",
    [
        (",stage1_outcome", ",not upheld", "row 2: stage1_outcome ('not upheld') is given but the complaint did not go "
         "on from stage 1 to a later stage; the outcome of its last stage is the outcome column"),
        (",stage2_requested_on,stage2_outcome", ",2021-05-04,upheld",
         "row 2: stage2_outcome ('upheld') is given but the complaint did not go on from stage 2 to a later stage; "
         "the outcome of its last stage is the outcome column"),
        (",stage2_requested_on,stage1_outcome", ",2021-05-04,withdrawn",
         "row 2: stage1_outcome ('withdrawn') cannot be withdrawn: the complaint went on from stage 1 to a later "
         "stage, and a withdrawn complaint is not escalated"),
        (",stage2_requested_on,stage1_outcome_on", ",2021-05-04,2021-04-21",
         "row 2: stage1_outcome_on ('2021-04-21') is given but stage 1 has no outcome"),
        (",stage2_requested_on,stage1_outcome,stage1_outcome_on", ",2021-05-04,upheld,2021-04-01",
         "row 2: stage1_outcome_on ('2021-04-01') is before stage 1 started (2021-04-06)"),
        (",stage2_requested_on,stage1_outcome", ",2021-05-04,sort of",
         "row 2: stage1_outcome ('sort of') is not known; allowed:"),
    ],
    ids=["last stage", "no such stage", "withdrawn", "date without outcome", "date before the stage", "unknown"],
)
def test_a_stage_outcome_that_cannot_be_is_refused_and_nothing_is_written(world, columns, values, message):
    before = snapshot(world.db)
    content = csv_bytes(HEADER + ",stage1_completed_on" + columns, "O-4,2021-04-06,statutory,Team West,2021-04-20" + values)
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content, today=TODAY)
    assert [str(p) for p in plan.problems][0].startswith(message)
    assert len(plan.problems) == 1
    assert snapshot(world.db) == before


# --- updates -----------------------------------------------------------------------------------------


def test_a_reference_that_exists_is_an_update_shown_field_by_field_then_written_with_a_new_version(world):
    import_file(world.db, world.officer, "complaints", "c.csv", csv_bytes(HEADER + ",outcome,stage1_completed_on",
                                                                          "U-1,2021-04-06,statutory,Team West,,"), today=TODAY)
    assert complaint_row(world.db, "U-1")["version"] == 1
    update = csv_bytes(HEADER + ",outcome,stage1_completed_on", "u-1,2021-04-06,statutory,Team East,Partly Upheld,20/04/2021")
    preview = import_file(world.db, world.officer, "complaints", "c.csv", update, dry_run=True, today=TODAY)
    assert [(u.row, u.key, [(c.field, c.before, c.after) for c in u.changes]) for u in preview.updated] == [
        (2, "U-1", [("service_area", "Team West", "Team East"), ("outcome", "", "partly upheld"),
                    ("stage1_completed_on", "", "2021-04-20"), ("outcome_on", "", "2021-04-20")]),
    ]
    assert complaint_row(world.db, "U-1")["outcome"] is None, "a dry run writes nothing"
    plan = import_file(world.db, world.officer, "complaints", "c.csv", update, today=TODAY)
    assert plan.summary() == "c.csv: 1 rows; imported 0 new complaints, 1 updated, 0 unchanged."
    row = complaint_row(world.db, "U-1")
    assert (row["service_area_id"], row["outcome"], row["outcome_on"], row["version"]) == (
        world.east, "partly upheld", "2021-04-20", 2)
    assert stages_of(world.db, "U-1")[0][6] == "2021-04-20"


def test_a_column_the_file_does_not_have_keeps_the_records_value(world):
    full = csv_bytes(HEADER + ",gender,advocate", "K-1,2021-04-06,statutory,Team West,female,yes")
    import_file(world.db, world.officer, "complaints", "c.csv", full, today=TODAY)
    fewer = csv_bytes("reference,received_via", "K-1,letter")
    with pytest.raises(UnreadableFile, match="has no column for received_on, procedure and service_area"):
        import_file(world.db, world.officer, "complaints", "c.csv", fewer, today=TODAY)
    plan = import_file(world.db, world.officer, "complaints", "c.csv",
                       csv_bytes(HEADER + ",received_via", "K-1,2021-04-06,statutory,Team West,letter"), today=TODAY)
    assert [(c.field, c.after) for c in plan.updated[0].changes] == [("received_via", "letter")]
    row = complaint_row(world.db, "K-1")
    assert (row["gender"], row["advocate"], row["received_via"]) == ("female", 1, "letter")


def test_compliments_without_an_id_match_identical_records_so_a_second_import_adds_nothing(world):
    content = csv_bytes("received_on,service_area,source,categories,summary",
                        "2021-05-01,Team West,professional,good communication; standard of service,Thanked the team",
                        "2021-05-01,Team West,professional,good communication; standard of service,Thanked the team",
                        "2021-05-02,Team East,parent or carer,good child focus,")
    first = import_file(world.db, world.officer, "compliments", "m.csv", content, today=TODAY)
    assert (len(first.added), first.unchanged) == (3, 0)
    second = import_file(world.db, world.officer, "compliments", "m.csv", content, today=TODAY)
    assert (len(second.added), len(second.updated), second.unchanged) == (0, 0, 3)
    assert world.db.execute("SELECT COUNT(*) FROM compliments").fetchone()[0] == 3
    cats = world.db.execute("SELECT category FROM compliment_categories WHERE compliment_id = 1 ORDER BY category").fetchall()
    assert cats == [("good communication",), ("standard of service",)]


def test_a_compliment_summary_with_contact_details_is_refused(world):
    content = csv_bytes("received_on,service_area,source,categories,summary",
                        "2021-05-01,Team West,professional,good communication,Call 01632 960123 to thank them")
    plan = import_file(world.db, world.officer, "compliments", "m.csv", content, today=TODAY)
    assert [str(p) for p in plan.problems] == [
        "row 2: summary seems to hold a phone number; describe the compliment without names or contact details"]


def test_learning_and_actions_import_with_their_rules_and_the_learning_points_status_follows(world):
    import_file(world.db, world.officer, "complaints", "c.csv",
                csv_bytes(HEADER + ",outcome,stage1_completed_on", "L-1,2021-04-06,statutory,Team West,upheld,2021-04-16"),
                today=TODAY)
    learning = csv_bytes("service_area,theme,description,complaints",
                         "Team West,communication,Call back within a day,l-1; L-1")
    plan = import_file(world.db, world.officer, "learning", "l.csv", learning, today=TODAY)
    assert plan.problems == []
    lp_id = world.db.execute("SELECT MAX(id) FROM learning_points").fetchone()[0]
    assert world.db.execute("SELECT theme, status FROM learning_points WHERE id = ?", [lp_id]).fetchone() == (
        "Communication", "open")
    actions = csv_bytes(
        "learning_point_id,description,owner_email,service_area,due_on,status,completed_on,verified_on,cancel_reason",
        f"{lp_id},Share the standard,WEST@test.invalid,Team West,2021-06-30,completed,,,",
        f"{lp_id},Audit calls,west@test.invalid,Team West,2021-07-30,not started,,2021-07-01,",
        f"{lp_id},Retrain,nobody@test.invalid,Team West,2021-07-30,cancelled,,,",
    )
    plan = import_file(world.db, world.officer, "actions", "a.csv", actions, today=TODAY)
    assert [str(p) for p in plan.problems] == [
        "row 2: completed_on is required for a completed action",
        "row 3: verified_on ('2021-07-01') is given but the action is not started",
        "row 4: owner_email ('nobody@test.invalid') is not a user of this app; import the users first, or add them",
        "row 4: cancel_reason is required for a cancelled action",
    ]
    fixed = csv_bytes("learning_point_id,description,owner_email,service_area,due_on,status,completed_on",
                      f"{lp_id},Share the standard,WEST@test.invalid,Team West,2021-06-30,completed,2021-06-20",
                      f"{lp_id},Audit calls,west@test.invalid,Team West,2021-07-30,in progress,")
    plan = import_file(world.db, world.officer, "actions", "a.csv", fixed, today=TODAY)
    assert plan.problems == [] and len(plan.added) == 2
    assert world.db.execute("SELECT status FROM learning_points WHERE id = ?", [lp_id]).fetchone() == ("in progress",)
    history = world.db.execute("SELECT kind, to_value, note FROM action_updates WHERE action_id = "
                               "(SELECT MAX(id) FROM actions)").fetchall()
    assert history == [("created", "in progress", "Imported from a.csv.")]
    again = import_file(world.db, world.officer, "actions", "a.csv", fixed, today=TODAY)
    assert (len(again.added), len(again.updated), again.unchanged) == (0, 0, 2)


def test_users_import_with_their_role_in_words_and_a_service_manager_needs_an_area(world):
    content = csv_bytes("email,name,role,service_areas",
                        "new.manager@test.invalid,New Manager,Service manager,Team West; team east",
                        "lonely@test.invalid,Lonely Manager,service_manager,",
                        "odd@test.invalid,Odd,administrator,")
    plan = import_file(world.db, world.officer, "users", "u.csv", content, today=TODAY)
    assert [str(p) for p in plan.problems] == [
        "row 3: service_areas are required for a service manager: name at least one",
        ("row 4: role ('administrator') is not known; allowed: 'complaints officer', 'service manager', "
        "'forum member', 'viewer'"),
    ]
    plan = import_file(world.db, world.officer, "users", "u.csv", csv_bytes(
        "email,name,role,service_areas", "new.manager@test.invalid,New Manager,Service manager,Team West; team east"),
        today=TODAY)
    assert plan.written
    user = world.db.execute("SELECT id, role, password_hash FROM users WHERE email = 'new.manager@test.invalid'").fetchone()
    assert user[1:] == ("service_manager", None)
    assert sorted(r[0] for r in world.db.execute(
        "SELECT service_area_id FROM user_service_areas WHERE user_id = ?", [user[0]])) == sorted([world.west, world.east])


# --- mappings ---------------------------------------------------------------------------------------------


EXTRACT = csv_bytes("Case Ref;Date Received;Type;Team;Result", "X-1;06/04/2021;Statutory;Team West;Partially Upheld",
                    encoding="cp1252")


def test_the_obvious_columns_are_guessed_and_values_mapped_so_another_layout_imports(world):
    table = importing.read_table("extract.csv", EXTRACT)
    mapping = importing.guess_mapping("complaints", table.headers)
    assert mapping.columns == {"reference": "Case Ref", "received_on": "Date Received", "procedure": "Type",
                               "service_area": "Team", "outcome": "Result"}
    assert not importing.is_canonical("complaints", table.headers)
    assert importing.unmatched_values(world.db, table, mapping) == {"outcome": [("Partially Upheld", "partly upheld", None)]}
    mapping.values = {"outcome": {"partially upheld": "partly upheld"}}
    plan = import_file(world.db, world.officer, "complaints", "extract.csv", EXTRACT, mapping, dry_run=True, today=TODAY)
    assert [str(p) for p in plan.problems] == [
        ("row 2: Result ('partly upheld') is given but stage 1 has no completed date; a complaint is open, with no "
        "outcome, until its last stage is answered")]


def test_a_mapping_is_saved_by_name_and_loaded_for_the_next_file(world):
    mapping = Mapping("complaints", {"reference": "Case Ref", "received_on": "Date Received", "procedure": "Type",
                                     "service_area": "Team"}, {"procedure": {"formal": "statutory"}})
    importing.save_mapping(world.db, world.officer, mapping, "Case system")
    loaded = importing.load_mapping(world.db, "complaints", "case SYSTEM")
    assert (loaded.columns, loaded.values, loaded.name, loaded.version) == (
        mapping.columns, mapping.values, "Case system", 1)
    with pytest.raises(InvalidInput, match="is taken by another saved mapping"):
        importing.save_mapping(world.db, world.officer, mapping, "case system")
    importing.save_mapping(world.db, world.officer, loaded, "Case system")
    with pytest.raises(Conflict):
        importing.save_mapping(world.db, world.officer, loaded, "Case system")
    with pytest.raises(NotFound, match="No complaints mapping is saved as 'Other'; the saved ones are: Case system."):
        importing.load_mapping(world.db, "complaints", "Other")
    with pytest.raises(Refused):
        importing.save_mapping(world.db, world.viewer, mapping, "Mine")
    plan = import_file(world.db, world.officer, "complaints", "x.csv",
                       csv_bytes("Case Ref,Date Received,Type,Team", "M-1,2021-04-06,Formal,Team West"), loaded,
                       today=TODAY)
    assert plan.written and complaint_row(world.db, "M-1")["procedure"] == "statutory"


# --- exports -------------------------------------------------------------------------------------------


def test_exports_filter_as_the_register_does(demo_db_path):
    db = database.connect(demo_db_path)
    try:
        west = db.execute("SELECT id FROM service_areas WHERE name = 'Team West'").fetchone()[0]
        year = list(exporting.rows(db, "complaints", exporting.ExportFilter(financial_year="2021-22")))
        assert len(year) == 235
        statutory_west = list(exporting.rows(db, "complaints", exporting.ExportFilter("2021-22", "statutory", (west,))))
        assert len(statutory_west) == 30 and {r["service_area"] for r in statutory_west} == {"Team West"}
        compliments = list(exporting.rows(db, "compliments", exporting.ExportFilter(financial_year="2021-22")))
        assert len(compliments) == 502
        learning = list(exporting.rows(db, "learning", exporting.ExportFilter(financial_year="2021-22")))
        assert len(learning) == sum(report_figures.learning(db, "2021-22")["learning_points_by_status"].values())
    finally:
        db.close()


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted_and_imports_back_unchanged(world):
    content = csv_bytes("received_on,service_area,source,categories,summary",
                        '2021-05-01,Team West,professional,good communication,"=HYPERLINK(""x"")"')
    import_file(world.db, world.officer, "compliments", "m.csv", content, today=TODAY)
    exported, _ = exporting.to_csv("compliments", exporting.rows(world.db, "compliments"))
    assert "'=HYPERLINK" in exported.decode("utf-8-sig")
    plan = import_file(world.db, world.officer, "compliments", "m.csv", exported, today=TODAY)
    assert (len(plan.added), len(plan.updated), plan.unchanged) == (0, 0, 1)
    xlsx, _ = exporting.to_xlsx({"compliments": exporting.rows(world.db, "compliments")})
    from openpyxl import load_workbook

    cell = load_workbook(io.BytesIO(xlsx)).active["F2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


def test_the_template_downloads_have_the_template_columns(world):
    name, content = exporting.template_file(world.db, "complaints", "csv")
    assert name == "complaints-template.csv"
    assert content.decode("utf-8-sig").splitlines()[0].split(",")[:25] == [
        "reference", "received_on", "procedure", "service_area", "received_via", "complainant_type", "advocate",
        "concerns", "outcome", "stage1_completed_on", "stage1_extended", "stage1_extension_reason",
        "stage2_requested_on", "stage2_completed_on", "stage2_extended", "stage2_extension_reason",
        "stage3_requested_on", "stage3_completed_on", "lgsco_referred_on", "lgsco_decision", "remedy_gbp", "gender",
        "age_band", "ethnicity", "disability"]
    name, content = exporting.template_file(world.db, "compliments", "xlsx")
    from openpyxl import load_workbook

    about = load_workbook(io.BytesIO(content))["About the columns"]
    rows = {r[0]: r for r in about.iter_rows(values_only=True)}
    assert rows["service_area"][3] == "Team East; Team West"
    assert rows["source"][1] == "yes"
    for kind in TEMPLATES:
        assert exporting.template_file(world.db, kind, "csv")[1].decode("utf-8-sig").strip() == ",".join(
            TEMPLATES[kind].fields)
