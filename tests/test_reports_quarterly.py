"""The quarterly report: a quarter counts as a year does, so the four quarters add up to the year."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document as WordDocument

from learning_tracker import cli
from learning_tracker import db as database
from learning_tracker.reports import annual, quarterly, render
from learning_tracker.rules import periods

AS_OF = date(2023, 3, 31)


@pytest.fixture(scope="module")
def db(demo_template_path):
    connection = database.connect(demo_template_path)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "quarter,start,end",
    [(1, "2021-04-01", "2021-06-30"), (2, "2021-07-01", "2021-09-30"), (3, "2021-10-01", "2021-12-31"),
     ("Q4", "2022-01-01", "2022-03-31")],
)  # fmt: skip
def test_quarters_run_from_april(quarter, start, end):
    assert tuple(d.isoformat() for d in periods.quarter_bounds("2021-22", quarter)) == (start, end)


@pytest.mark.parametrize("quarter", [0, 5, "Q5", "spring"])
def test_a_quarter_outside_1_to_4_is_refused_in_words(quarter):
    with pytest.raises(ValueError, match="is not a quarter: a financial year has quarters 1 \\(April to June\\)"):
        periods.quarter_bounds("2021-22", quarter)


def test_stage_1_average_working_days_by_quarter_reproduce_the_reference(db):
    report = quarterly.quarterly_report(db, "2021-22", 4, AS_OF)
    averages = {q: f["statutory_by_final_stage"]["1"]["average_working_days"] for q, f in report["quarters"].items()}
    assert averages == {"Q1": 8.0, "Q2": 7.0, "Q3": 6.0, "Q4": 6.0}


def test_the_four_quarters_add_up_to_the_year(db):
    report = quarterly.quarterly_report(db, "2021-22", 4, AS_OF)
    year = annual.annual_report(db, "2021-22", AS_OF)
    quarters = report["quarters"].values()
    for key in ("complaints_received", "concerns_by_category", "statutory_outcomes"):
        assert {k: sum(q[key][k] for q in quarters) for k in year[key]} == year[key]
    for stage in ("1", "2", "3"):
        assert sum(q["statutory_by_final_stage"][stage]["complaints"] for q in quarters) == \
            year["statutory_by_final_stage"][stage]["complaints"]  # fmt: skip
    assert report["reconciliation"] == []


def test_a_quarter_reports_only_itself_and_the_quarters_before_it(db):
    report = quarterly.quarterly_report(db, "2021-22", 2, AS_OF)
    assert list(report["quarters"]) == ["Q1", "Q2"]
    assert report["period"] == {"start": "2021-07-01", "end": "2021-09-30"}
    assert report["complaints_received"] == report["quarters"]["Q2"]["complaints_received"]
    assert sum(report["concerns_by_category"].values()) == sum(report["quarters"]["Q2"]["concerns_by_category"].values())


def test_the_quarterly_word_file_has_themes_outcomes_and_timescales(db):
    report = quarterly.quarterly_report(db, "2021-22", 3, AS_OF)
    word = WordDocument(io.BytesIO(render.to_docx(quarterly.quarterly_document(report))))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == [
        "Checks on the figures", "Complaints received", "Themes", "Outcomes", "Timescales"]
    timescales = word.tables[-1]
    assert [c.text for c in timescales.rows[0].cells][:5] == [
        "Quarter", "Stage 1 complaints", "Stage 1 within", "Stage 1 over", "Stage 1 average working days"]
    assert [[c.text for c in row.cells][4] for row in timescales.rows[1:]] == ["8.0", "7.0", "6.0"]
    assert len(word.inline_shapes) == 2


def test_the_command_prints_the_quarter_as_json(demo_template_path, capsys):
    assert cli.main(["report", "quarterly", "--year", "2021-22", "--quarter", "3", "--as-of", "2023-03-31",
                     "--format", "json", "--db", str(demo_template_path)]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["quarter"] == "Q3"
    assert report["quarters"]["Q3"]["statutory_by_final_stage"]["1"]["average_working_days"] == 6.0


def test_a_quarter_that_is_not_1_to_4_is_a_usage_error(demo_template_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "quarterly", "--year", "2021-22", "--quarter", "5", "--db", str(demo_template_path)])
    assert exit_.value.code == 2
    assert "invalid choice: 5" in capsys.readouterr().err
