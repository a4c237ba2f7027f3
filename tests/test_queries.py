"""The read-side figures on a handful of complaints inserted directly."""

from __future__ import annotations

from datetime import date

import pytest

from learning_tracker.read import report_figures, key_facts
from learning_tracker.db import transaction
from learning_tracker.rules import periods


def add_area(db, name="Team West"):
    return db["service_areas"].insert({"name": name}).last_pk


def add_user(db):
    return db["users"].insert({"email": "officer@demo.invalid", "name": "Complaints Officer", "role": "complaints_officer"}).last_pk


def add_complaint(db, area_id, received_on, procedure="statutory", stages=(), concerns=(), **fields):
    """A complaint and its stages: each stage is (procedure, stage, clock start, due, extended due, responded)."""
    number = db.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] + 1
    complaint_id = db["complaints"].insert(
        {"reference": f"T-{number:03d}", "received_on": received_on, "procedure": procedure,
         "service_area_id": area_id, **fields}
    ).last_pk  # fmt: skip
    for stage_procedure, stage, started, due, extended, responded in stages:
        db["complaint_stages"].insert(
            {"complaint_id": complaint_id, "procedure": stage_procedure, "stage": stage, "clock_started_on": started,
             "due_on": due, "extended_due_on": extended, "extension_reason": "agreed" if extended else None,
             "responded_on": responded}
        )  # fmt: skip
    for category, subcategory in concerns:
        code = db.execute(
            "SELECT id FROM concern_codes WHERE category = ? AND subcategory = ?", [category, subcategory]
        ).fetchone()[0]
        db["concerns"].insert({"complaint_id": complaint_id, "concern_code_id": code})
    return complaint_id


@pytest.fixture
def stages_db(db):
    """Statutory complaints of 2021-22 at each kind of final stage (dates checked against the working-day clock:
    10 working days from 2021-06-01 is 2021-06-15, 20 is 2021-06-29; 25 from 2021-06-10 is 2021-07-15, 65 is
    2021-09-10)."""
    area = add_area(db)
    with transaction(db):
        # Stage 1 answered in 5 working days: within.
        add_complaint(db, area, "2021-06-01", stages=[("statutory", 1, "2021-06-01", "2021-06-15", None, "2021-06-08")])
        # Stage 1 answered in 13: over.
        add_complaint(db, area, "2021-06-01", stages=[("statutory", 1, "2021-06-01", "2021-06-15", None, "2021-06-18")])
        # Stage 1 extended to 20 and answered in 15: within.
        add_complaint(
            db, area, "2021-06-01", stages=[("statutory", 1, "2021-06-01", "2021-06-15", "2021-06-29", "2021-06-22")]
        )
        # Stage 1 still open, due 2021-06-15: pending before then, over after.
        add_complaint(db, area, "2021-06-01", stages=[("statutory", 1, "2021-06-01", "2021-06-15", None, None)])
        # First handled informally, then statutory stage 1 answered in 5: its final stage is statutory 1.
        add_complaint(db, area, "2021-06-01", stages=[
            ("informal", 1, "2021-06-01", "2021-06-15", None, "2021-06-04"),
            ("statutory", 1, "2021-06-07", "2021-06-21", None, "2021-06-14"),
        ])  # fmt: skip
        # Stage 2 answered in 30 working days, past its due date: over.
        add_complaint(db, area, "2021-06-01", stages=[
            ("statutory", 1, "2021-06-01", "2021-06-15", None, "2021-06-04"),
            ("statutory", 2, "2021-06-10", "2021-07-15", None, "2021-07-22"),
        ])  # fmt: skip
        # Stage 2 extended to 65 working days and answered in 51: within.
        add_complaint(db, area, "2021-06-01", stages=[
            ("statutory", 1, "2021-06-01", "2021-06-15", None, "2021-06-04"),
            ("statutory", 2, "2021-06-10", "2021-07-15", "2021-09-10", "2021-08-20"),
        ])  # fmt: skip
        # Not counted: a corporate complaint, and a statutory one of the next year.
        add_complaint(db, area, "2021-06-01", "corporate", stages=[("corporate", 1, "2021-06-01", "2021-06-15", None, "2021-06-30")])
        add_complaint(db, area, "2022-04-01", stages=[("statutory", 1, "2022-04-01", "2022-04-19", None, "2022-04-05")])
    return db


def test_final_stage_counts_within_over_and_pending_before_the_due_date(stages_db):
    stages = report_figures.final_stages(stages_db, "2021-22", date(2021, 6, 10), "statutory")
    assert stages == {
        "1": {"complaints": 5, "within_timescale": 3, "over_timescale": 1, "pending": 1, "average_working_days": 9.5},
        "2": {"complaints": 2, "within_timescale": 1, "over_timescale": 1, "pending": 0, "average_working_days": 40.5},
        "3": {"complaints": 0, "within_timescale": 0, "over_timescale": 0, "pending": 0, "average_working_days": None},
    }


def test_an_unanswered_stage_past_its_due_date_is_over(stages_db):
    stage1 = report_figures.final_stages(stages_db, "2021-22", date(2021, 6, 16), "statutory")["1"]
    assert (stage1["within_timescale"], stage1["over_timescale"], stage1["pending"]) == (3, 2, 0)


def test_an_unanswered_stage_due_on_the_as_of_date_is_pending(stages_db):
    stage1 = report_figures.final_stages(stages_db, "2021-22", date(2021, 6, 15), "statutory")["1"]
    assert (stage1["over_timescale"], stage1["pending"]) == (1, 1)


def test_corporate_final_stages_list_the_corporate_stages(stages_db):
    stages = report_figures.final_stages(stages_db, "2021-22", date(2022, 3, 31), "corporate")
    assert stages == {
        "1": {"complaints": 1, "within_timescale": 0, "over_timescale": 1, "pending": 0, "average_working_days": 21.0},
        "2": {"complaints": 0, "within_timescale": 0, "over_timescale": 0, "pending": 0, "average_working_days": None},
    }


def test_annual_figures_reconcile_for_the_hand_built_year(stages_db):
    figures = report_figures.annual_figures(stages_db, "2021-22", date(2022, 3, 31))
    assert figures["complaints_received"] == {"total": 8, "statutory": 7, "corporate": 1, "informal": 0}
    assert figures["statutory_outcomes"] == {
        "upheld": 0, "partly upheld": 0, "not upheld": 0, "withdrawn": 0, "open": 7
    }  # fmt: skip
    assert figures["statutory_by_service_area"] == {"Team West": 7}
    assert all(check["ok"] for check in figures["reconciliation"])


def test_stage1_average_by_quarter_uses_the_quarter_of_receipt(db):
    area = add_area(db)
    with transaction(db):
        # Received in Q3 (October), answered in 4 working days.
        add_complaint(db, area, "2021-10-04", stages=[("statutory", 1, "2021-10-04", "2021-10-18", None, "2021-10-08")])
        # Received in Q4 (January), answered in 4 and 8 working days.
        add_complaint(db, area, "2022-01-10", stages=[("statutory", 1, "2022-01-10", "2022-01-24", None, "2022-01-14")])
        add_complaint(db, area, "2022-01-10", stages=[("statutory", 1, "2022-01-10", "2022-01-24", None, "2022-01-20")])
        # Received in Q1 of the next year but answered...: not this year.
        add_complaint(db, area, "2022-04-04", stages=[("statutory", 1, "2022-04-04", "2022-04-19", None, "2022-04-08")])
    assert report_figures.stage1_average_working_days_by_quarter(db, "2021-22") == {
        "Q1": None, "Q2": None, "Q3": 4.0, "Q4": 6.0
    }  # fmt: skip


def test_concerns_are_counted_per_concern_raised_on_statutory_complaints(db):
    area = add_area(db)
    with transaction(db):
        add_complaint(db, area, "2021-05-04", concerns=[
            ("Communication", ""), ("Communication", ""), ("Standards of service", "delay in receiving service"),
        ])  # fmt: skip
        add_complaint(db, area, "2021-05-05", concerns=[("Standards of service", ""), ("Finance", "")])
        # A corporate complaint's concerns are not in the statutory table.
        add_complaint(db, area, "2021-05-05", "corporate", concerns=[("Communication", "")])
    assert report_figures.concerns_by_category(db, "2021-22") == {
        "Communication": 2,
        "Standards of service": 2,
        "Alleged staff conduct": 0,
        "Child protection issues": 0,
        "Breach of confidentiality": 0,
        "Standard of environment": 0,
        "Finance": 1,
    }


def test_equality_counts_blank_values_as_not_recorded(db):
    area = add_area(db)
    with transaction(db):
        add_complaint(db, area, "2021-05-04", gender="male")
        add_complaint(db, area, "2021-05-04", "informal", gender=None)
        add_complaint(db, area, "2021-05-04", "corporate", gender="not recorded")
    assert report_figures.equality(db, "2021-22")["gender"] == {"male": 1, "not recorded": 2}


def test_received_via_leaves_out_unknown_ways_and_keeps_vocabulary_order(db):
    area = add_area(db)
    with transaction(db):
        add_complaint(db, area, "2021-05-04", received_via="letter")
        add_complaint(db, area, "2021-05-04", received_via="email")
        add_complaint(db, area, "2021-05-04", received_via=None)
    assert list(report_figures.received_via(db, "2021-22").items()) == [("email", 1), ("letter", 1)]


def test_key_facts_count_overdue_actions_and_learning_gaps(db):
    area = add_area(db)
    user = add_user(db)
    with transaction(db):
        learned = add_complaint(db, area, "2022-05-03", outcome="upheld", outcome_on="2022-05-17")
        add_complaint(db, area, "2022-05-03", outcome="partly upheld", outcome_on="2022-05-17")  # a gap
        add_complaint(
            db, area, "2022-05-03", outcome="partly upheld", no_learning_reason="None identified",
            no_learning_recorded_by=user, no_learning_recorded_on="2022-05-20",
        )
        add_complaint(db, area, "2022-05-03", outcome="not upheld")
        point = db["learning_points"].insert(
            {"service_area_id": area, "theme": "Communication", "description": "Return calls.", "status": "in progress",
             "created_on": "2022-05-20"}
        ).last_pk  # fmt: skip
        db["learning_point_complaints"].insert({"learning_point_id": point, "complaint_id": learned})
        for status, due in [("in progress", "2022-06-01"), ("not started", "2022-09-01"), ("completed", "2022-06-01")]:
            db["actions"].insert(
                {"learning_point_id": point, "description": "Do it.", "owner_id": user, "service_area_id": area,
                 "due_on": due, "status": status, "created_on": "2022-05-20"}
            )  # fmt: skip
    facts = {fact["key"]: fact for fact in key_facts.key_facts(db, "2022-23", date(2022, 7, 1))}
    assert (facts["open_actions"]["value"], facts["overdue_actions"]["value"]) == (2, 1)
    assert facts["learning_gaps"]["value"] == 1
    assert facts["complaints_received"]["value"] == 4
    assert facts["complaints_received"]["previous"] is None
    assert facts["complaints_received"]["previous_text"] is None
    assert facts["stage1_average_working_days"]["text"] == "–"


@pytest.mark.parametrize(
    "value, fmt, text",
    [(235, "count", "235"), (1234, "count", "1,234"), (0.921, "percent", "92%"), (7.0, "days", "7.0 days"), (None, "days", "–")],
)
def test_format_fact(value, fmt, text):
    assert key_facts.format_fact(value, fmt) == text


def test_financial_year_bounds():
    assert periods.financial_year_bounds("2021-22") == (date(2021, 4, 1), date(2022, 3, 31))
    assert periods.financial_year_bounds("1999-00") == (date(1999, 4, 1), date(2000, 3, 31))


@pytest.mark.parametrize(
    "label, message",
    [("2021-23", "it would be 2021-22"), ("abc", "write it as two years, like 2021-22"), ("", "not a financial year")],
)
def test_financial_year_bounds_rejects_a_bad_label(label, message):
    with pytest.raises(ValueError, match=message):
        periods.financial_year_bounds(label)


@pytest.mark.parametrize(
    "day, year",
    [(date(2021, 4, 1), "2021-22"), (date(2022, 3, 31), "2021-22"), (date(2022, 4, 1), "2022-23"), (date(2000, 1, 1), "1999-00")],
)
def test_financial_year_of(day, year):
    assert periods.financial_year_of(day) == year


def test_previous_financial_year():
    assert periods.previous_financial_year("2021-22") == "2020-21"


def test_financial_years_lists_years_with_complaints_newest_first(db):
    assert report_figures.financial_years(db) == []
    area = add_area(db)
    with transaction(db):
        for received in ["2019-05-01", "2022-03-31", "2021-04-01", "2023-04-01"]:
            add_complaint(db, area, received)
    assert report_figures.financial_years(db) == ["2023-24", "2021-22", "2019-20"]
