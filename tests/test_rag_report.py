import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from learning_tracker import cli
from learning_tracker.models import (
    Escalation,
    StageExtension,
    Withdrawal,
)
from learning_tracker.reports import rag
from learning_tracker.services import complaints
from tests.factories import build_world, record_complaint
from learning_tracker.read import open_stages

TODAY = date(2030, 1, 1)


@pytest.fixture
def world(tmp_path):
    return build_world(tmp_path / "tracker.db")


def only_row(world, as_of):
    [row] = open_stages.rag_rows(world.db, as_of)
    return row["due_on"], row["working_days_remaining"], row["rag"]


@pytest.mark.parametrize(
    "received_on,as_of,expected",
    [
        # Christmas 2022: 26 and 27 December and 2 January are bank holidays; due 6 January.
        ("2022-12-20", date(2022, 12, 23), ("2023-01-06", 7, "Green")),
        ("2022-12-20", date(2022, 12, 24), ("2023-01-06", 7, "Green")),
        ("2022-12-20", date(2023, 1, 3), ("2023-01-06", 3, "Green")),
        ("2022-12-20", date(2023, 1, 4), ("2023-01-06", 2, "Amber")),
        ("2022-12-20", date(2023, 1, 6), ("2023-01-06", 0, "Amber")),
        ("2022-12-20", date(2023, 1, 9), ("2023-01-06", -1, "Red")),
        # The state funeral, Monday 19 September 2022: due 27 September, not 26.
        ("2022-09-12", date(2022, 9, 16), ("2022-09-27", 6, "Green")),
        ("2022-09-12", date(2022, 9, 19), ("2022-09-27", 6, "Green")),
        ("2022-09-12", date(2022, 9, 22), ("2022-09-27", 3, "Green")),
        ("2022-09-12", date(2022, 9, 23), ("2022-09-27", 2, "Amber")),
        ("2022-09-12", date(2022, 9, 28), ("2022-09-27", -1, "Red")),
        # The coronation, Monday 8 May 2023, after the early May bank holiday on 1 May: due 16 May.
        ("2023-04-28", date(2023, 5, 5), ("2023-05-16", 6, "Green")),
        ("2023-04-28", date(2023, 5, 11), ("2023-05-16", 3, "Green")),
        ("2023-04-28", date(2023, 5, 12), ("2023-05-16", 2, "Amber")),
        ("2023-04-28", date(2023, 5, 16), ("2023-05-16", 0, "Amber")),
        ("2023-04-28", date(2023, 5, 17), ("2023-05-16", -1, "Red")),
    ],
)
def test_the_rag_of_an_open_stage_counts_working_days_around_bank_holidays(world, received_on, as_of, expected):
    record_complaint(world, "CS-1", received_on)
    assert only_row(world, as_of) == expected


def test_the_amber_threshold_is_configuration(world):
    record_complaint(world, "CS-1", "2022-12-20")
    world.db.execute("UPDATE settings SET value = '5' WHERE key = 'rag_amber_working_days'")
    assert only_row(world, date(2023, 1, 3)) == ("2023-01-06", 3, "Amber")


def test_an_extended_stage_is_due_on_its_extended_date(world):
    complaint_id = record_complaint(world, "CS-1", "2022-12-20")
    complaints.extend_stage(world.db, world.officer, complaint_id, 1,
                            StageExtension(extended_due_on=date(2023, 1, 20), reason="Awaiting records"))
    assert only_row(world, date(2023, 1, 9)) == ("2023-01-20", 9, "Green")


def references(world, as_of):
    return [row["reference"] for row in open_stages.rag_rows(world.db, as_of)]


def test_the_report_is_as_of_its_date(world):
    record_complaint(world, "RECEIVED-LATER", "2023-01-10")
    record_complaint(world, "ANSWERED-LATER", "2022-12-20", responded_on="2023-01-12")
    record_complaint(world, "ANSWERED-BEFORE", "2022-12-20", responded_on="2023-01-05")
    record_complaint(world, "ANSWERED-ON-THE-DAY", "2022-12-20", responded_on="2023-01-09")
    later = record_complaint(world, "WITHDRAWN-LATER", "2022-12-20")
    complaints.withdraw(world.db, world.officer, later, 1, Withdrawal(withdrawn_on=date(2023, 1, 11)), today=TODAY)
    before = record_complaint(world, "WITHDRAWN-BEFORE", "2022-12-20")
    complaints.withdraw(world.db, world.officer, before, 1, Withdrawal(withdrawn_on=date(2023, 1, 3)), today=TODAY)

    assert references(world, date(2023, 1, 9)) == ["ANSWERED-LATER", "WITHDRAWN-LATER"]
    assert references(world, date(2023, 1, 10)) == ["ANSWERED-LATER", "WITHDRAWN-LATER", "RECEIVED-LATER"]
    assert references(world, date(2023, 1, 12)) == ["RECEIVED-LATER"]
    assert references(world, date(2022, 12, 19)) == []


def test_an_escalated_stage_is_open_from_the_complainants_request(world):
    complaint_id = record_complaint(world, "CS-1", "2022-12-20", responded_on="2023-01-05")
    complaints.escalate(world.db, world.officer, complaint_id, 2,
                        Escalation(procedure="statutory", stage=2, requested_on=date(2023, 1, 16)), today=TODAY)
    assert open_stages.rag_rows(world.db, date(2023, 1, 13)) == []
    # The new stage is acknowledged within 5 working days of the request and answered within 25.
    assert open_stages.rag_rows(world.db, date(2023, 1, 16)) == [
        {"reference": "CS-1", "procedure": "statutory", "stage": 2, "step": "acknowledgement",
         "service_area": "Team West", "clock_started_on": "2023-01-16", "due_on": "2023-01-23",
         "working_days_remaining": 5, "rag": "Green"},
        {"reference": "CS-1", "procedure": "statutory", "stage": 2, "step": "response", "service_area": "Team West",
         "clock_started_on": "2023-01-16", "due_on": "2023-02-20", "working_days_remaining": 25, "rag": "Green"},
    ]


def test_rows_are_grouped_by_service_area_red_first(world):
    record_complaint(world, "W-GREEN", "2023-01-03")
    record_complaint(world, "W-RED", "2022-12-01")
    record_complaint(world, "E-AMBER", "2022-12-20", area="Team East")
    record_complaint(world, "W-AMBER", "2022-12-20")
    rows = open_stages.rag_rows(world.db, date(2023, 1, 5))
    assert [(r["service_area"], r["reference"], r["rag"]) for r in rows] == [
        ("Team East", "E-AMBER", "Amber"),
        ("Team West", "W-RED", "Red"),
        ("Team West", "W-AMBER", "Amber"),
        ("Team West", "W-GREEN", "Green"),
    ]
    assert [r["reference"] for r in open_stages.rag_rows(world.db, date(2023, 1, 5), [world.east])] == ["E-AMBER"]
    assert open_stages.rag_rows(world.db, date(2023, 1, 5), []) == []
    assert open_stages.rag_counts(rows) == {"Red": 1, "Amber": 2, "Green": 1}


def test_csv_and_excel_hold_the_same_rows(world):
    record_complaint(world, "W-RED", "2022-12-01")
    record_complaint(world, "W-AMBER", "2022-12-20")
    rows = open_stages.rag_rows(world.db, date(2023, 1, 5))

    parsed = list(csv.DictReader(io.StringIO(rag.to_csv(rows).decode("utf-8-sig"))))
    assert parsed == [{k: str(v) for k, v in row.items()} for row in rows]

    book = load_workbook(io.BytesIO(rag.to_excel(rows, date(2023, 1, 5))))
    sheet = book["RAG report"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(rag.HEADINGS[c] for c in open_stages.COLUMNS)
    assert [(v[0], v[3], v[6].date().isoformat(), v[7], v[8]) for v in values[1:]] == [
        (r["reference"], r["step"], r["due_on"], r["working_days_remaining"], r["rag"]) for r in rows]
    assert sheet.cell(row=2, column=9).fill.fgColor.rgb.endswith(rag.RAG_COLOURS["Red"])
    assert book["About"]["B2"].value.date() == date(2023, 1, 5)


def test_the_command_prints_the_report_as_json_with_exactly_the_reports_keys(world, tmp_path, capsys):
    record_complaint(world, "W-RED", "2022-12-01")
    record_complaint(world, "E-AMBER", "2022-12-20", area="Team East")
    path = str(tmp_path / "tracker.db")
    assert cli.main(["rag", "--as-of", "2023-01-05", "--format", "json", "--db", path]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == [
        {"reference": "E-AMBER", "procedure": "statutory", "stage": 1, "step": "response", "service_area": "Team East",
         "clock_started_on": "2022-12-20", "due_on": "2023-01-06", "working_days_remaining": 1, "rag": "Amber"},
        {"reference": "W-RED", "procedure": "statutory", "stage": 1, "step": "response", "service_area": "Team West",
         "clock_started_on": "2022-12-01", "due_on": "2022-12-15", "working_days_remaining": -12, "rag": "Red"},
    ]
    assert all(list(row) == open_stages.COLUMNS for row in printed)


def test_the_command_prints_csv_and_a_table(world, tmp_path, capsys):
    record_complaint(world, "W-RED", "2022-12-01")
    path = str(tmp_path / "tracker.db")
    assert cli.main(["rag", "--as-of", "2023-01-05", "--format", "csv", "--db", path]) == 0
    assert capsys.readouterr().out.splitlines() == [
        ",".join(open_stages.COLUMNS), "W-RED,statutory,1,response,Team West,2022-12-01,2022-12-15,-12,Red"]
    assert cli.main(["rag", "--as-of", "2023-01-05", "--db", path]) == 0
    out = capsys.readouterr().out
    # A person reads the table: dates as they write them, in a sentence and in the table.
    assert out.splitlines()[0] == "RAG report as of 5 January 2023: 1 open steps (1 Red, 0 Amber, 0 Green)"
    assert "Team West" in out
    assert out.splitlines()[-1].split() == ["W-RED", "statutory", "1", "response", "01/12/2022", "15/12/2022", "-12", "Red"]
    assert cli.main(["rag", "--as-of", "2022-11-01", "--db", path]) == 0
    assert capsys.readouterr().out == "No complaint step is open on 1 November 2022.\n"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["rag", "--db", "{missing}"], "does not exist; create it with `learning-tracker init` or `learning-tracker demo`."),
        (["rag", "--as-of", "1999-12-31", "--db", "{db}"], "outside the calendar"),
    ],
)
def test_command_errors_are_one_sentence_on_stderr(world, tmp_path, capsys, argv, message):
    argv = [a.format(missing=tmp_path / "nope.db", db=tmp_path / "tracker.db") for a in argv]
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "nope.db").exists()
