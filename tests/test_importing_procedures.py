"""Importing and exporting the procedures in full: advocacy, the time limit, declined complaints, every
stage's acknowledgement, the stage 2 investigation and the review panel. The new columns are optional, so a
file in the older template imports exactly as before; due dates are worked out as the app works them out
(across bank holidays); every rule is refused in the users' words with nothing written; and an export
imports into an empty database as the same records."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from learning_tracker import db as database
from learning_tracker.models import Advocacy, Declining, Escalation, NewComplaint, StageDate, StageResponse
from learning_tracker.read.templates import TEMPLATES
from learning_tracker.services import circumstances, complaints, exporting
from learning_tracker.services.importing import import_file

from .factories import build_world

TODAY = date(2026, 12, 1)
CODE = "Independent investigator, Coram Voice"
RECORD_TABLES = ("complaints", "complaint_stages", "concerns", "audit_events")
NEW_COMPLAINT_COLUMNS = ("advocacy_offered_on", "advocacy_accepted", "grounds_arose_on", "late_decision",
                         "late_decision_reason", "declined_reason")
STAGE_COLUMNS = ("procedure", "stage", "clock_started_on", "due_on", "extended_due_on", "responded_on", "outcome",
                 "outcome_on", "acknowledgement_due_on", "acknowledged_on", "response_clock_started_on",
                 "statement_agreed_on", "investigating_officer", "independent_person", "investigation_report_on",
                 "independent_person_report_on", "adjudicated_on", "adjudicator", "panel_meeting_due_on",
                 "panel_met_on", "panel_report_due_on", "panel_report_on")


@pytest.fixture
def world(tmp_path):
    world = build_world(tmp_path / "world.db")
    yield world
    world.db.close()


def table(header: str, *rows: dict[str, str]) -> bytes:
    """A CSV of ``header``'s columns, each row given by column (a column a row does not name is blank)."""
    names = header.split(",")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows([row.get(n, "") for n in names] for row in rows)
    return buffer.getvalue().encode("utf-8")


def snapshot(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in RECORD_TABLES}


def complaint(db, reference: str) -> dict:
    cursor = db.execute("SELECT * FROM complaints WHERE reference = ?", [reference])
    return dict(zip([c[0] for c in cursor.description], cursor.fetchone()))


def stages(db, reference: str) -> list[dict]:
    cursor = db.execute(
        f"SELECT {', '.join('s.' + c for c in STAGE_COLUMNS)} FROM complaint_stages s"
        " JOIN complaints c ON c.id = s.complaint_id WHERE c.reference = ?"
        " ORDER BY s.procedure = 'informal' DESC, s.stage", [reference])
    return [dict(zip(STAGE_COLUMNS, r)) for r in cursor.fetchall()]


def stage(procedure, number, clock, due, responded=None, outcome=None, outcome_on=None, **steps) -> dict:
    """A stage row as expected: nothing recorded unless given."""
    row = dict.fromkeys(STAGE_COLUMNS)
    row.update(procedure=procedure, stage=number, clock_started_on=clock, due_on=due, responded_on=responded,
               outcome=outcome, outcome_on=outcome_on, **steps)
    return row


def imported(world, content: bytes, **kwargs):
    plan = import_file(world.db, world.officer, "complaints", "c.csv", content, today=TODAY, **kwargs)
    assert plan.problems == [], [str(p) for p in plan.problems]
    return plan


# --- a file in the older template ------------------------------------------------------------------------

# The complaints template's columns before the procedures' steps were added, in their order.
OLD_HEADER = (
    "reference,received_on,procedure,service_area,received_via,complainant_type,advocate,concerns,outcome,"
    "stage1_completed_on,stage1_extended,stage1_extension_reason,stage2_requested_on,stage2_completed_on,"
    "stage2_extended,stage2_extension_reason,stage3_requested_on,stage3_completed_on,lgsco_referred_on,"
    "lgsco_decision,remedy_gbp,gender,age_band,ethnicity,disability,outcome_on,informal_completed_on,"
    "stage1_requested_on,stage1_extended_to,stage2_extended_to,informal_outcome,informal_outcome_on,stage1_outcome,"
    "stage1_outcome_on,stage2_outcome,stage2_outcome_on,no_learning_reason,no_learning_recorded_by,"
    "no_learning_recorded_on"
)
OLD_ROWS = (
    # Statutory stages 1 to 3 across Christmas and Easter 2023; stage 3 without the panel's dates.
    {"reference": "OLD-1", "received_on": "2022-12-12", "procedure": "statutory", "service_area": "Team West",
     "advocate": "yes", "concerns": "Communication", "outcome": "partly upheld", "stage1_completed_on": "2022-12-22",
     "stage2_requested_on": "2023-01-04", "stage2_completed_on": "2023-02-08", "stage3_requested_on": "2023-03-20",
     "stage3_completed_on": "2023-05-30", "stage1_outcome": "not upheld", "stage2_outcome": "partly upheld"},
    # A corporate complaint received after the Complaint Handling Code applies (1 April 2026), still open.
    {"reference": "OLD-2", "received_on": "2026-04-07", "procedure": "corporate", "service_area": "Team East"},
    # Withdrawn at stage 1.
    {"reference": "OLD-3", "received_on": "2025-05-01", "procedure": "corporate", "service_area": "Team West",
     "outcome": "withdrawn", "stage1_completed_on": "2025-05-06"},
)


def test_a_file_in_the_older_template_imports_exactly_as_before_with_nothing_assumed(world):
    imported(world, table(OLD_HEADER, *OLD_ROWS))
    for reference in ("OLD-1", "OLD-2", "OLD-3"):
        assert {k: complaint(world.db, reference)[k] for k in NEW_COMPLAINT_COLUMNS} == dict.fromkeys(
            NEW_COMPLAINT_COLUMNS), "no advocacy, time limit or declining is assumed"
    assert complaint(world.db, "OLD-1")["advocate"] == 1
    # The due dates the importer always gave (statutory stage 3: 50 working days after the request, the
    # panel's meeting, report and the council's response together), and the acknowledgement and panel
    # meeting due dates a stage opening that day is given; nothing acknowledged, no panel dates.
    assert stages(world.db, "OLD-1") == [
        stage("statutory", 1, "2022-12-12", "2022-12-28", "2022-12-22", "not upheld", "2022-12-22",
              acknowledgement_due_on="2022-12-19"),
        stage("statutory", 2, "2023-01-04", "2023-02-08", "2023-02-08", "partly upheld", "2023-02-08",
              acknowledgement_due_on="2023-01-11"),
        stage("statutory", 3, "2023-03-20", "2023-06-05", "2023-05-30", "partly upheld", "2023-05-30",
              acknowledgement_due_on="2023-03-27", panel_meeting_due_on="2023-05-04"),
    ]
    # Under the Code the response clock starts at the acknowledgement; none recorded, the response is due as
    # if it started with the stage, as before.
    assert stages(world.db, "OLD-2") == [
        stage("corporate", 1, "2026-04-07", "2026-04-21", acknowledgement_due_on="2026-04-14")]
    assert stages(world.db, "OLD-3") == [
        stage("corporate", 1, "2025-05-01", "2025-05-16", "2025-05-06", "withdrawn", "2025-05-06",
              acknowledgement_due_on="2025-05-09")]
    # Its export writes the new columns blank, and imports back unchanged.
    exported = {r["reference"]: r for r in exporting.rows(world.db, "complaints")}
    new_columns = [c for c in TEMPLATES["complaints"].fields if c not in OLD_HEADER.split(",")]
    assert {exported["OLD-1"][c] for c in new_columns} == {""}
    again = import_file(world.db, world.officer, "complaints", "c.csv",
                        exporting.to_csv("complaints", exported.values())[0], today=TODAY)
    assert (len(again.added), len(again.updated), again.unchanged) == (0, 0, 3)


def test_an_older_file_over_a_complaint_with_steps_recorded_keeps_them_and_their_due_dates(world):
    imported(world, table("reference,received_on,procedure,service_area,stage1_acknowledged_on",
                          {"reference": "K-1", "received_on": "2026-04-07", "procedure": "corporate",
                           "service_area": "Team West", "stage1_acknowledged_on": "2026-04-10"}))
    held = stages(world.db, "K-1")
    assert held == [stage("corporate", 1, "2026-04-07", "2026-04-24", acknowledgement_due_on="2026-04-14",
                          acknowledged_on="2026-04-10", response_clock_started_on="2026-04-10")]
    plan = imported(world, table(OLD_HEADER, {"reference": "K-1", "received_on": "2026-04-07", "procedure": "corporate",
                                              "service_area": "Team West", "stage1_completed_on": "2026-04-23",
                                              "outcome": "upheld"}))
    assert [(c.field, c.before, c.after) for c in plan.updated[0].changes] == [
        ("outcome", "", "upheld"), ("stage1_completed_on", "", "2026-04-23"), ("outcome_on", "", "2026-04-23")]
    assert stages(world.db, "K-1") == [{**held[0], "responded_on": "2026-04-23", "outcome": "upheld",
                                        "outcome_on": "2026-04-23"}]


def test_a_stage_opened_before_acknowledgements_were_tracked_keeps_no_acknowledgement_due_date(world):
    imported(world, table(OLD_HEADER, OLD_ROWS[0]))
    world.db.execute("UPDATE complaint_stages SET acknowledgement_due_on = NULL, panel_meeting_due_on = NULL")
    world.db.conn.commit()
    imported(world, table(OLD_HEADER, {**OLD_ROWS[0], "received_via": "letter"}))
    assert [(s["acknowledgement_due_on"], s["panel_meeting_due_on"]) for s in stages(world.db, "OLD-1")] == [
        (None, None)] * 3


# --- the new columns ----------------------------------------------------------------------------------

FULL_HEADER = ",".join(TEMPLATES["complaints"].fields)
INVESTIGATED = {
    "reference": "P-1", "received_on": "2022-12-12", "procedure": "statutory", "service_area": "Team West",
    "complainant_type": "child or young person", "advocate": "yes", "outcome": "partly upheld",
    "advocacy_offered_on": "2022-12-13", "advocacy_accepted": "yes",
    "stage1_acknowledged_on": "2022-12-14", "stage1_completed_on": "2022-12-22", "stage1_outcome": "not upheld",
    "stage2_requested_on": "2023-01-04", "stage2_acknowledged_on": "2023-01-06",
    "stage2_statement_agreed_on": "2023-01-16", "stage2_investigating_officer": CODE,
    "stage2_independent_person": "Independent Person, Oakfield Advocacy", "stage2_investigation_report_on": "2023-02-24",
    "stage2_independent_person_report_on": "2023-02-27", "stage2_adjudicated_on": "2023-03-03",
    "stage2_adjudicator": "Head of Service", "stage2_outcome": "partly upheld",
    "stage3_requested_on": "2023-03-20", "stage3_acknowledged_on": "2023-03-22", "stage3_panel_met_on": "2023-04-28",
    "stage3_panel_report_on": "2023-05-05", "stage3_completed_on": "2023-05-19",
}
UNDER_THE_CODE = {
    "reference": "P-2", "received_on": "2026-04-07", "procedure": "corporate", "service_area": "Team East",
    "outcome": "upheld", "advocacy_offered_on": "2026-04-08", "advocacy_accepted": "no",
    "stage1_acknowledged_on": "2026-04-10", "stage1_completed_on": "2026-04-23",
}
LATE_DECLINED = {
    "reference": "P-3", "received_on": "2025-09-01", "procedure": "statutory", "service_area": "Team West",
    "grounds_arose_on": "2024-06-30", "late_decision": "Declined",
    "late_decision_reason": "No reason for the delay, and the records are no longer held",
    "declined_on": "2025-09-05", "stage1_acknowledged_on": "2025-09-02",
}
DECLINED = {
    "reference": "P-4", "received_on": "2025-05-01", "procedure": "corporate", "service_area": "Team West",
    "declined_on": "2025-05-06", "declined_reason": "Outside the complaints procedure",
}
LATE_CONSIDERED = {
    "reference": "P-5", "received_on": "2025-03-03", "procedure": "statutory", "service_area": "Team East",
    "grounds_arose_on": "2024-03-03", "late_decision": "considered",
    "late_decision_reason": "The young person was in hospital for most of the year", "outcome": "not upheld",
    "stage1_completed_on": "2025-03-14",
}


def test_the_new_columns_import_with_due_dates_worked_out_as_the_app_does_across_bank_holidays(world):
    # This council starts the stage 2 clock when the statement of complaint is agreed (a setting).
    world.db.execute("UPDATE timescales SET clock_starts = 'statement agreed' WHERE procedure = 'statutory' AND stage = 2")
    world.db.conn.commit()
    imported(world, table(FULL_HEADER, INVESTIGATED, UNDER_THE_CODE, LATE_DECLINED, DECLINED, LATE_CONSIDERED))

    assert stages(world.db, "P-1") == [
        stage("statutory", 1, "2022-12-12", "2022-12-28", "2022-12-22", "not upheld", "2022-12-22",
              acknowledgement_due_on="2022-12-19", acknowledged_on="2022-12-14"),
        # The clock started when the statement was agreed: 25 working days from 16 January. The adjudication
        # is the council's stage 2 response: the stage was answered that day.
        stage("statutory", 2, "2023-01-04", "2023-02-20", "2023-03-03", "partly upheld", "2023-03-03",
              acknowledgement_due_on="2023-01-11", acknowledged_on="2023-01-06",
              response_clock_started_on="2023-01-16", statement_agreed_on="2023-01-16", investigating_officer=CODE,
              independent_person="Independent Person, Oakfield Advocacy", investigation_report_on="2023-02-24",
              independent_person_report_on="2023-02-27", adjudicated_on="2023-03-03", adjudicator="Head of Service"),
        # The panel meets within 30 working days of the request (Easter and the early May bank holiday between),
        # reports within 5 of meeting (the coronation bank holiday, 8 May 2023), and the council responds
        # within 15 of the report (the spring bank holiday, 29 May).
        stage("statutory", 3, "2023-03-20", "2023-05-30", "2023-05-19", "partly upheld", "2023-05-19",
              acknowledgement_due_on="2023-03-27", acknowledged_on="2023-03-22", response_clock_started_on="2023-05-05",
              panel_meeting_due_on="2023-05-04", panel_met_on="2023-04-28", panel_report_due_on="2023-05-09",
              panel_report_on="2023-05-05"),
    ]
    # Under the Code the response clock starts at the acknowledgement: 10 working days from 10 April 2026.
    assert stages(world.db, "P-2") == [
        stage("corporate", 1, "2026-04-07", "2026-04-24", "2026-04-23", "upheld", "2026-04-23",
              acknowledgement_due_on="2026-04-14", acknowledged_on="2026-04-10", response_clock_started_on="2026-04-10")]
    # Declined complaints close like withdrawn ones: outcome 'declined', the open stage closed that day.
    assert stages(world.db, "P-3") == [
        stage("statutory", 1, "2025-09-01", "2025-09-15", "2025-09-05", "declined", "2025-09-05",
              acknowledgement_due_on="2025-09-08", acknowledged_on="2025-09-02")]
    assert stages(world.db, "P-4") == [
        stage("corporate", 1, "2025-05-01", "2025-05-16", "2025-05-06", "declined", "2025-05-06",
              acknowledgement_due_on="2025-05-09")]

    def facts(reference):
        row = complaint(world.db, reference)
        return tuple(row[k] for k in ("outcome", "outcome_on", "advocate", *NEW_COMPLAINT_COLUMNS))

    assert facts("P-1") == ("partly upheld", "2023-05-19", 1, "2022-12-13", 1, None, None, None, None)
    assert facts("P-2") == ("upheld", "2026-04-23", 0, "2026-04-08", 0, None, None, None, None)
    # A late complaint declined without a reason given is declined as a matter more than a year old.
    assert facts("P-3") == ("declined", "2025-09-05", 0, None, None, "2024-06-30", "declined",
                            "No reason for the delay, and the records are no longer held", "matter more than a year old")
    assert facts("P-4") == ("declined", "2025-05-06", 0, None, None, None, None, None, "outside the complaints procedure")
    assert facts("P-5") == ("not upheld", "2025-03-14", 0, None, None, "2024-03-03", "considered",
                            "The young person was in hospital for most of the year", None)

    # The export writes a declined complaint with outcome blank and its date as declined_on.
    exported = {r["reference"]: r for r in exporting.rows(world.db, "complaints")}
    assert {k: exported["P-3"][k] for k in ("outcome", "outcome_on", "declined_on", "declined_reason",
                                             "stage1_completed_on", "late_decision")} == {
        "outcome": "", "outcome_on": "", "declined_on": "2025-09-05", "declined_reason": "matter more than a year old",
        "stage1_completed_on": "2025-09-05", "late_decision": "declined"}
    assert {k: exported["P-1"][k] for k in ("advocacy_accepted", "stage2_adjudicator", "stage3_panel_report_on")} == {
        "advocacy_accepted": "yes", "stage2_adjudicator": "Head of Service", "stage3_panel_report_on": "2023-05-05"}
    assert exported["P-4"]["advocacy_accepted"] == "", "not known is blank, not no"


def test_an_export_imports_into_an_empty_database_as_the_same_records(world, tmp_path):
    """Records imported and records made on the page (the complaints services) alike."""
    imported(world, table(FULL_HEADER, INVESTIGATED, UNDER_THE_CODE, LATE_DECLINED, DECLINED, LATE_CONSIDERED))
    officer = world.officer
    made = complaints.create_complaint(world.db, officer, NewComplaint(
        reference="M-1", received_on=date(2026, 5, 5), procedure="statutory", service_area="Team West",
        acknowledged_on=date(2026, 5, 6)), today=TODAY)

    def version():
        return world.db.execute("SELECT version FROM complaints WHERE id = ?", [made]).fetchone()[0]

    complaints.record_response(world.db, officer, made, version(), StageResponse(
        responded_on=date(2026, 5, 15), outcome="not upheld"), today=TODAY)
    complaints.escalate(world.db, officer, made, version(), Escalation(
        procedure="statutory", stage=2, requested_on=date(2026, 5, 20)), today=TODAY)
    complaints.record_stage_date(world.db, officer, made, version(), StageDate(
        what="acknowledged", on=date(2026, 5, 22)), today=TODAY)
    circumstances.record_advocacy(world.db, officer, made, version(), Advocacy(offered_on=date(2026, 5, 6)), today=TODAY)
    circumstances.decline(world.db, officer, made, version(), Declining(
        declined_on=date(2026, 6, 1), reason="already considered under the procedure"), today=TODAY)

    content, count = exporting.to_csv("complaints", exporting.rows(world.db, "complaints"))
    assert count == 6
    other = build_world(tmp_path / "other.db")
    try:
        plan = import_file(other.db, other.officer, "complaints", "complaints.csv", content, today=TODAY)
        assert plan.problems == [] and len(plan.added) == 6
        columns = ", ".join(c[1] for c in world.db.execute("PRAGMA table_info(complaints)") if c[1] != "version")

        def everything(db):
            return (db.execute(f"SELECT {columns} FROM complaints ORDER BY reference").fetchall(),
                    db.execute(f"SELECT c.reference, {', '.join('s.' + c for c in STAGE_COLUMNS)} FROM complaint_stages s"
                               " JOIN complaints c ON c.id = s.complaint_id ORDER BY c.reference, s.stage").fetchall())

        assert everything(other.db) == everything(world.db)
        # And again: nothing changes.
        again = import_file(other.db, other.officer, "complaints", "complaints.csv", content, today=TODAY)
        assert (len(again.added), len(again.updated), again.unchanged) == (0, 0, 6)
    finally:
        other.db.close()


# --- the rules, in the users' words, with nothing written ------------------------------------------------

BASE = {"reference": "R-1", "received_on": "2025-03-03", "procedure": "statutory", "service_area": "Team West"}


@pytest.mark.parametrize(
    "row,message",
    [
        ({"stage1_acknowledged_on": "2025-02-28"},
         "row 2: stage1_acknowledged_on ('2025-02-28') is before the complaint was received (2025-03-03)"),
        ({"stage1_acknowledged_on": "2025-03-12", "stage1_completed_on": "2025-03-11"},
         "row 2: stage1_acknowledged_on ('2025-03-12') is after stage 1 was answered (2025-03-11)"),
        ({"stage2_acknowledged_on": "2025-03-12"},
         "row 2: stage2_requested_on is required when stage 2 details are given"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14",
          "stage2_investigating_officer": "Investigator, jo.bloggs@example.org"},
         "row 2: stage2_investigating_officer ('Investigator, jo.bloggs@example.org') seems to hold an email address: "
         "record the role and organisation (for example 'Independent investigator, Coram Voice'), never a person's "
         "details, which stay in the case system"),
        ({"procedure": "corporate", "stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14",
          "stage2_independent_person": "Independent Person, Oakfield Advocacy"},
         "row 2: stage2_independent_person ('Independent Person, Oakfield Advocacy') is only for the statutory "
         "procedure's stage 2 investigation; this complaint is corporate"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14",
          "stage2_investigation_report_on": "2025-04-10", "stage2_adjudicated_on": "2025-04-09"},
         "row 2: stage2_adjudicated_on ('2025-04-09') is before the Investigating Officer's report (2025-04-10)"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14", "stage2_adjudicator": "Director"},
         "row 2: stage2_adjudicator ('Director') is given but stage2_adjudicated_on is blank: give the date of the "
         "adjudication too"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14", "stage2_completed_on": "2025-04-11",
          "stage3_requested_on": "2025-04-14", "stage3_panel_report_on": "2025-05-20"},
         "row 2: stage3_panel_report_on ('2025-05-20') is given but stage3_panel_met_on is blank: the panel reports "
         "after it meets"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14", "stage2_completed_on": "2025-04-11",
          "stage3_requested_on": "2025-04-14", "stage3_panel_met_on": "2025-05-20", "stage3_panel_report_on": "2025-05-19"},
         "row 2: stage3_panel_report_on ('2025-05-19') is before the panel met (2025-05-20)"),
        ({"stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14", "stage2_completed_on": "2025-04-11",
          "stage3_requested_on": "2025-04-14", "stage3_panel_met_on": "2025-05-20", "stage3_panel_report_on": "2025-05-23",
          "stage3_completed_on": "2025-05-22"},
         "row 2: stage3_completed_on ('2025-05-22') is before the panel's report (2025-05-23); the council responds "
         "to the panel's report"),
        ({"declined_on": "2025-03-05", "declined_reason": "too busy"},
         "row 2: declined_reason ('too busy') is not known; allowed: 'matter more than a year old', 'outside the "
         "complaints procedure'"),
        ({"declined_on": "2025-03-05"},
         "row 2: declined_reason is required when the complaint was declined (declined_on)"),
        ({"declined_reason": "other"},
         "row 2: declined_reason ('other') is given but declined_on is blank: give the day the complaint was declined"),
        ({"declined_on": "2025-03-05", "declined_reason": "other", "stage1_completed_on": "2025-03-04"},
         "row 2: stage1_completed_on ('2025-03-04') is not the day the complaint was declined (2025-03-05): a declined "
         "complaint's last stage closes the day it is declined; leave it blank or give that day"),
        ({"declined_on": "2025-03-05", "declined_reason": "other", "outcome": "not upheld", "stage1_completed_on": "2025-03-05"},
         "row 2: outcome ('not upheld') is given but the complaint was declined on 2025-03-05; a declined complaint "
         "has no other outcome: leave outcome blank"),
        ({"outcome": "declined", "stage1_completed_on": "2025-03-05"},
         "row 2: outcome ('declined') is given but declined_on is blank: a declined complaint needs the day it was "
         "declined and why (declined_on and declined_reason)"),
        ({"declined_on": "2025-03-02", "declined_reason": "other"},
         "row 2: declined_on ('2025-03-02') is before stage 1 started (2025-03-03)"),
        ({"grounds_arose_on": "2025-03-04"},
         "row 2: grounds_arose_on ('2025-03-04') is after the complaint was received (2025-03-03); the grounds of a "
         "complaint arise before it is made"),
        ({"grounds_arose_on": "2024-03-04", "late_decision": "considered", "late_decision_reason": "A good reason"},
         "row 2: late_decision ('considered') is given but the complaint is not late: it was received on 2025-03-03, "
         "less than a year after the grounds arose (2024-03-04)"),
        ({"late_decision": "considered", "late_decision_reason": "A good reason"},
         "row 2: late_decision ('considered') is given but grounds_arose_on is blank: a decision is made on a "
         "complaint received a year or more after the grounds arose"),
        ({"grounds_arose_on": "2024-03-03", "late_decision": "considered"},
         "row 2: late_decision_reason is required when late_decision is given"),
        ({"grounds_arose_on": "2024-03-03", "late_decision": "declined", "late_decision_reason": "No reason"},
         "row 2: late_decision ('declined') is declined but declined_on is blank: give the day the late complaint "
         "was declined"),
        ({"grounds_arose_on": "2024-03-03", "late_decision": "maybe", "late_decision_reason": "No reason"},
         "row 2: late_decision ('maybe') is not known; allowed: 'considered', 'declined'"),
        ({"late_decision_reason": "No reason"},
         "row 2: late_decision_reason ('No reason') is given but late_decision is blank: say whether the late "
         "complaint was considered or declined"),
        ({"advocacy_accepted": "yes"},
         "row 2: advocacy_accepted ('yes') is given but advocacy_offered_on is blank: give the day advocacy was offered"),
        ({"advocacy_offered_on": "2025-03-01"},
         "row 2: advocacy_offered_on ('2025-03-01') is before the complaint was received (2025-03-03)"),
        ({"advocacy_offered_on": "2027-01-04"}, "row 2: advocacy_offered_on ('2027-01-04') is in the future"),
        ({"informal_acknowledged_on": "2025-03-04"},
         "row 2: informal_acknowledged_on ('2025-03-04') is given but informal_completed_on is blank: it is for a "
         "complaint first handled informally, then under a formal procedure"),
    ],
    ids=["ack before receipt", "ack after answer", "stage 2 not requested", "contact details", "corporate investigation",
         "adjudication before report", "adjudicator without date", "report without meeting", "report before meeting",
         "response before report", "unknown reason", "reason required", "reason without date", "closed another day",
         "declined with outcome", "outcome declined", "declined before start", "grounds after receipt", "not late",
         "decision without grounds", "decision reason required", "declined decision not declined", "unknown decision",
         "reason without decision", "accepted without offer", "offered before receipt", "offered in future",
         "informal ack without informal stage"],
)
def test_a_row_that_breaks_a_procedures_rule_is_refused_in_the_users_words_and_nothing_is_written(world, row, message):
    before = snapshot(world.db)
    plan = import_file(world.db, world.officer, "complaints", "c.csv", table(FULL_HEADER, {**BASE, **row}), today=TODAY)
    assert [str(p) for p in plan.problems][0].startswith(message), [str(p) for p in plan.problems]
    assert len(plan.problems) == 1, [str(p) for p in plan.problems]
    assert snapshot(world.db) == before


def test_an_import_may_not_remove_a_stage_holding_points_of_complaint(world):
    row = {**BASE, "stage1_completed_on": "2025-03-11", "stage2_requested_on": "2025-03-14"}
    imported(world, table(FULL_HEADER, row))
    stage_id = world.db.execute("SELECT id FROM complaint_stages WHERE stage = 2").fetchone()[0]
    with database.transaction(world.db):
        world.db["complaint_points"].insert({"stage_id": stage_id, "position": 1, "summary": "Visits were missed",
                                             "finding": "upheld"})
    before = snapshot(world.db)
    plan = import_file(world.db, world.officer, "complaints", "c.csv",
                       table(FULL_HEADER, {**row, "stage2_requested_on": ""}), today=TODAY)
    assert [str(p) for p in plan.problems] == [
        "row 2: stage2_requested_on leaves out stage 2 of the statutory procedure, which has points of complaint or "
        "recommendations recorded; give that stage's dates to keep it"]
    assert snapshot(world.db) == before
    # Changing the stage's dates keeps its row, and so its points.
    imported(world, table(FULL_HEADER, {**row, "stage2_acknowledged_on": "2025-03-17"}))
    assert world.db.execute("SELECT id, acknowledged_on FROM complaint_stages WHERE stage = 2").fetchone() == (
        stage_id, "2025-03-17")
    assert world.db.execute("SELECT COUNT(*) FROM complaint_points WHERE stage_id = ?", [stage_id]).fetchone()[0] == 1


def test_recording_a_step_moves_the_due_dates_and_an_unchanged_file_changes_nothing(world):
    row = {"reference": "D-1", "received_on": "2026-04-07", "procedure": "corporate", "service_area": "Team West"}
    imported(world, table(FULL_HEADER, row))
    assert stages(world.db, "D-1")[0]["due_on"] == "2026-04-21"
    plan = imported(world, table(FULL_HEADER, {**row, "stage1_acknowledged_on": "2026-04-10"}))
    assert [(c.field, c.before, c.after) for c in plan.updated[0].changes] == [
        ("stage1_acknowledged_on", "", "2026-04-10")]
    moved = stages(world.db, "D-1")[0]
    assert (moved["due_on"], moved["response_clock_started_on"], moved["acknowledgement_due_on"]) == (
        "2026-04-24", "2026-04-10", "2026-04-14")
    again = imported(world, table(FULL_HEADER, {**row, "stage1_acknowledged_on": "2026-04-10"}))
    assert again.unchanged == 1


# --- the template says what it holds ----------------------------------------------------------------------


def test_the_template_documents_every_new_column_and_what_the_file_does_not_hold(world):
    columns = {c.name: c for c in TEMPLATES["complaints"].columns}
    for name in ("advocacy_offered_on", "advocacy_accepted", "grounds_arose_on", "late_decision",
                 "late_decision_reason", "declined_on", "declined_reason", "stage1_acknowledged_on",
                 "stage2_acknowledged_on", "stage3_acknowledged_on", "stage2_statement_agreed_on",
                 "stage2_investigating_officer", "stage2_independent_person", "stage2_investigation_report_on",
                 "stage2_independent_person_report_on", "stage2_adjudicated_on", "stage2_adjudicator",
                 "stage3_panel_met_on", "stage3_panel_report_on"):
        assert columns[name].help and not columns[name].required, name
    _, content = exporting.template_file(world.db, "complaints", "xlsx")
    about = load_workbook(io.BytesIO(content))["About the columns"]
    rows = {r[0]: r for r in about.iter_rows(values_only=True)}
    assert rows["late_decision"][3] == "considered; declined"
    assert rows["declined_reason"][3].startswith("matter more than a year old; outside the complaints procedure")
    assert rows["advocacy_accepted"][3] == "yes; no"
    notes = [r[0] for r in about.iter_rows(values_only=True) if r[0] and r[0].startswith("Points of complaint")]
    assert notes == [TEMPLATES["complaints"].notes[0]]
    assert "this file does not hold them" in notes[0]
