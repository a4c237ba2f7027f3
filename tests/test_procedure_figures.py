"""The annual report's figures of the procedures' steps and findings (``read.procedure_figures``), exact, on a
small hand-made register in 2024-25: acknowledgements, stage 2 findings, the review panel's clocks,
recommendations and their actions, advocacy offered to children, late and declined complaints; and the
report's tables of them in every output."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from learning_tracker import db as database
from learning_tracker.read import procedure_figures
from learning_tracker.reports import annual, render
from learning_tracker.rules import procedures
from learning_tracker.models import Withdrawal
from learning_tracker.services import complaints
from tests.factories import add_action, build_world, record_complaint
from tests.test_reports_annual import docx_tables, sheet_rows

YEAR = "2024-25"
AS_OF = date(2025, 6, 30)


def complaint(db, reference, received_on, area, *, procedure="statutory", **extra) -> int:
    return db["complaints"].insert({"reference": reference, "received_on": received_on, "procedure": procedure,
                                    "service_area_id": area, **extra}).last_pk  # fmt: skip


def stage(db, complaint_id, number, started, due, *, procedure="statutory", **extra) -> int:
    return db["complaint_stages"].insert({"complaint_id": complaint_id, "procedure": procedure, "stage": number,
                                          "clock_started_on": started, "due_on": due, **extra}).last_pk  # fmt: skip


def points(db, stage_id, *findings) -> list[int]:
    return [db["complaint_points"].insert({"stage_id": stage_id, "position": i, "summary": f"Point {i}",
                                           "finding": finding}).last_pk
            for i, finding in enumerate(findings, start=1)]  # fmt: skip


def recommendation(db, stage_id, position, *, point=None, decision=None, action=None, reason=None) -> None:
    db["recommendations"].insert({"stage_id": stage_id, "point_id": point, "position": position,
                                  "text": f"Recommendation {position}", "decision": decision, "decision_reason": reason,
                                  "decided_on": "2024-06-05" if decision else None, "action_id": action})  # fmt: skip


@pytest.fixture
def world(tmp_path):
    """Seven complaints: C-6 received in 2023-24 (its stage 2 begun in 2024-25), the rest in 2024-25."""
    world = build_world(tmp_path / "r.db")
    db, west = world.db, world.west
    overdue_action = add_action(db, world.learning_point, world.manager_west, west, "2025-01-31", status="in progress")
    with database.transaction(db):
        # C-1: late but considered; stage 2 answered with three points and five recommendations.
        c1 = complaint(db, "C-1", "2024-04-10", west, complainant_type="parent or carer", advocacy_offered_on="2024-04-11",
                       advocacy_accepted=0, grounds_arose_on="2023-04-10", late_decision="considered",
                       late_decision_reason="Raised informally within the year.", outcome="partly upheld",
                       outcome_on="2024-06-05")  # fmt: skip
        stage(db, c1, 1, "2024-04-10", "2024-04-24", acknowledgement_due_on="2024-04-17", acknowledged_on="2024-04-12",
              responded_on="2024-04-22", outcome="not upheld")  # fmt: skip
        s12 = stage(db, c1, 2, "2024-05-01", "2024-06-06", acknowledgement_due_on="2024-05-08",
                    acknowledged_on="2024-05-10", responded_on="2024-06-05", outcome="partly upheld")  # fmt: skip
        p1, p2, _ = points(db, s12, "upheld", "partly upheld", "not upheld")
        recommendation(db, s12, 1, point=p1, decision="accepted", action=world.action)
        recommendation(db, s12, 2, point=p2, decision="accepted", action=overdue_action)
        recommendation(db, s12, 3, decision="accepted", action=world.action)  # the same action answers two
        recommendation(db, s12, 4, decision="not accepted", reason="Already in place.")
        recommendation(db, s12, 5, decision="accepted")  # no action recorded
        # C-2: a child's complaint with an advocate, at the review panel: met in time, reported late, no response yet.
        c2 = complaint(db, "C-2", "2024-06-03", west, complainant_type="child or young person", advocate=1,
                       advocacy_offered_on="2024-06-04", advocacy_accepted=1)  # fmt: skip
        stage(db, c2, 1, "2024-06-03", "2024-06-17", acknowledgement_due_on="2024-06-10", responded_on="2024-06-07",
              outcome="not upheld")  # answered before any acknowledgement: within target  # fmt: skip
        s22 = stage(db, c2, 2, "2024-06-20", "2024-07-25", acknowledgement_due_on="2024-06-27",
                    acknowledged_on="2024-06-24", responded_on="2024-07-30", outcome="not upheld")  # fmt: skip
        points(db, s22, "not upheld", "unable to determine")
        s23 = stage(db, c2, 3, "2024-08-12", "2024-10-22", acknowledgement_due_on="2024-08-19",
                    panel_meeting_due_on="2024-09-23", panel_met_on="2024-09-20", panel_report_due_on="2024-09-27",
                    panel_report_on="2024-10-01", response_clock_started_on="2024-10-01")  # fmt: skip
        recommendation(db, s23, 1)
        recommendation(db, s23, 2)
        # C-3: declined; its stage counts in no timescale figure.
        c3 = complaint(db, "C-3", "2024-09-02", west, procedure="corporate", complainant_type="member of the public",
                       outcome="declined", outcome_on="2024-09-05", declined_reason="outside the complaints procedure")  # fmt: skip
        stage(db, c3, 1, "2024-09-02", "2024-09-16", procedure="corporate", acknowledgement_due_on="2024-09-09",
              responded_on="2024-09-05", outcome="declined", outcome_on="2024-09-05")  # fmt: skip
        # C-4: a child's informal complaint, late (29 February 2024 plus a year is 1 March 2025), no decision yet.
        c4 = complaint(db, "C-4", "2025-03-03", west, procedure="informal", complainant_type="child or young person",
                       grounds_arose_on="2024-02-29")  # fmt: skip
        stage(db, c4, 1, "2025-03-03", "2025-03-17", procedure="informal", acknowledgement_due_on="2025-03-10")
        # C-5: not late; stage 2 open, its points not yet found.
        c5 = complaint(db, "C-5", "2024-11-01", west, complainant_type="parent or carer", grounds_arose_on="2024-02-29")
        stage(db, c5, 1, "2024-11-01", "2024-11-15", acknowledgement_due_on="2024-11-08", acknowledged_on="2024-11-01",
              responded_on="2024-11-14", outcome="not upheld")  # fmt: skip
        s52 = stage(db, c5, 2, "2024-11-25", "2025-01-06", acknowledgement_due_on="2024-12-02",
                    acknowledged_on="2024-11-26")  # fmt: skip
        points(db, s52, None, None)
        # C-6: received in 2023-24; its stage 2, begun in 2024-25, counts there for its acknowledgement only.
        c6 = complaint(db, "C-6", "2024-03-28", west, outcome="upheld", outcome_on="2024-05-20")
        stage(db, c6, 1, "2024-03-28", "2024-04-12", acknowledgement_due_on="2024-04-05", acknowledged_on="2024-04-02",
              responded_on="2024-04-10", outcome="partly upheld")  # fmt: skip
        s62 = stage(db, c6, 2, "2024-04-15", "2024-05-21", acknowledgement_due_on="2024-04-22",
                    acknowledged_on="2024-04-19", responded_on="2024-05-20", outcome="upheld")  # fmt: skip
        (p6,) = points(db, s62, "upheld")
        recommendation(db, s62, 1, point=p6, decision="accepted", action=world.action)
        # C-7: a review panel not yet met (its council's response not yet counted).
        c7 = complaint(db, "C-7", "2024-07-01", west, complainant_type="foster carer")
        stage(db, c7, 3, "2025-02-03", "2025-04-14", acknowledgement_due_on="2025-02-10", acknowledged_on="2025-02-05",
              panel_meeting_due_on="2025-03-17")  # fmt: skip
    yield world
    world.db.close()


def test_stage_2_points_by_finding(world):
    assert procedure_figures.stage2_findings(world.db, YEAR) == {
        "upheld": 1, "partly upheld": 1, "not upheld": 2, "unable to determine": 1, "no finding yet": 2,
    }  # fmt: skip
    assert procedure_figures.stage2_findings(world.db, "2023-24") == {
        "upheld": 1, "partly upheld": 0, "not upheld": 0, "unable to determine": 0,
    }  # fmt: skip


def test_recommendations_made_and_decided_at_stages_2_and_3(world):
    assert procedure_figures.recommendations(world.db, YEAR) == {
        "2": {"made": 5, "accepted": 4, "not_accepted": 1, "awaiting_decision": 0},
        "3": {"made": 2, "accepted": 0, "not_accepted": 0, "awaiting_decision": 2},
    }


def test_the_accepted_recommendations_actions_each_once_with_their_progress(world):
    # The world's action (not started, due 31 March 2026) answers two recommendations: counted once.
    assert procedure_figures.accepted_actions(world.db, YEAR, AS_OF) == {
        "actions": 2,
        "by_status": {"not started": 1, "in progress": 1, "completed": 0, "verified": 0, "cancelled": 0},
        "open": 2, "overdue": 1, "accepted_without_action": 1,
    }  # fmt: skip
    assert procedure_figures.accepted_actions(world.db, YEAR, date(2025, 1, 31))["overdue"] == 0


@pytest.mark.parametrize("as_of, meeting, report, response", [
    (AS_OF, (2, 1, 1, 0), (1, 0, 1, 0), (1, 0, 1, 0)),
    (date(2024, 10, 15), (2, 1, 0, 1), (1, 0, 1, 0), (1, 0, 0, 1)),
])  # fmt: skip
def test_the_review_panels_clocks(world, as_of, meeting, report, response):
    keys = ("due", "on_time", "late", "pending")
    assert procedure_figures.stage3_clocks(world.db, YEAR, as_of) == {
        "panel meeting": dict(zip(keys, meeting)), "panel report": dict(zip(keys, report)),
        "council response": dict(zip(keys, response)),
    }  # fmt: skip


def test_acknowledgements_of_the_stages_begun_in_the_year_by_procedure(world):
    # Statutory: C-1's two (one late), C-2's three (stage 1 answered first; stage 3 never acknowledged), C-5's two,
    # C-6's stage 2 and C-7's stage 3. The declined corporate complaint is not counted.
    assert procedure_figures.acknowledgements(world.db, YEAR, AS_OF) == {
        "statutory": {"due": 9, "within_target": 7, "late": 2, "pending": 0},
        "informal": {"due": 1, "within_target": 0, "late": 1, "pending": 0},
    }
    assert procedure_figures.acknowledgements(world.db, YEAR, date(2025, 3, 5))["informal"] == {
        "due": 1, "within_target": 0, "late": 0, "pending": 1,
    }
    assert procedure_figures.acknowledgements(world.db, "2023-24", AS_OF) == {
        "statutory": {"due": 1, "within_target": 1, "late": 0, "pending": 0},
    }


def test_advocacy_for_complaints_by_or_for_a_child(world):
    # Every statutory complaint (C-1, C-2, C-5, C-7) and the child's informal one (C-4); not C-3's member of the public.
    assert procedure_figures.advocacy_for_children(world.db, YEAR) == {
        "complaints": 5, "offered": 2, "accepted": 1, "not_offered": 3,
    }


def test_late_complaints_by_decision_and_declined_by_reason(world):
    assert procedure_figures.late_complaints(world.db, YEAR) == {
        "total": 2, "by_decision": {"considered": 1, "declined": 0, "no decision recorded": 1},
    }
    assert procedure_figures.declined_by_reason(world.db, YEAR) == {
        "total": 1, "by_reason": {"outside the complaints procedure": 1},
    }
    assert procedure_figures.declined_by_reason(world.db, "2023-24") == {"total": 0, "by_reason": {}}


@pytest.mark.parametrize("grounds, received", [
    ("2023-04-10", "2024-04-10"), ("2023-04-11", "2024-04-10"), ("2024-02-29", "2025-02-28"),
    ("2024-02-29", "2025-03-01"), ("2023-03-01", "2024-02-29"), ("2023-02-28", "2024-02-28"), ("2023-12-31", "2024-12-30"),
])  # fmt: skip
def test_late_in_sql_is_the_rule_of_is_late(db, grounds, received):
    in_sql = db.execute(f"SELECT {procedures.late_sql('c')} FROM (SELECT ? AS grounds_arose_on, ? AS received_on) c",
                        [grounds, received]).fetchone()[0]  # fmt: skip
    assert bool(in_sql) == procedures.is_late(date.fromisoformat(grounds), date.fromisoformat(received))


# ---------------------------------------------------------------------------------------------
# The report's tables
# ---------------------------------------------------------------------------------------------


def test_the_report_holds_the_figures_and_its_word_and_excel_files_their_tables(world):
    report = annual.annual_report(world.db, YEAR, AS_OF)
    assert report["stage2_findings"]["no finding yet"] == 2
    assert report["declined_by_reason"]["total"] == 1
    tables = docx_tables(render.to_docx(annual.annual_document(report)))
    assert tables["Stages acknowledged within target, by procedure, 2024/25"] == [
        ["Procedure", "Acknowledgements due", "Within target", "Late", "Pending"],
        ["Statutory", "9", "7", "2", "0"], ["Informal", "1", "0", "1", "0"], ["Total", "10", "7", "3", "0"],
    ]  # fmt: skip
    assert tables["Points of complaint investigated at stage 2, by finding, 2024/25"] == [
        ["Finding", "Points"], ["Upheld", "1"], ["Partly upheld", "1"], ["Not upheld", "2"], ["Unable to determine", "1"],
        ["No finding yet", "2"], ["Total", "7"],
    ]  # fmt: skip
    assert tables["Review panels' steps on time, 2024/25"] == [
        ["Step", "Due", "On time", "Late", "Pending"], ["Panel meeting", "2", "1", "1", "0"],
        ["Panel's report", "1", "0", "1", "0"], ["Council's response", "1", "0", "1", "0"],
    ]  # fmt: skip
    assert tables["Recommendations made at stages 2 and 3 and the decisions on them, 2024/25"] == [
        ["Stage", "Made", "Accepted", "Not accepted", "Awaiting a decision"],
        ["Stage 2 (investigation)", "5", "4", "1", "0"], ["Stage 3 (review panel)", "2", "0", "0", "2"],
        ["Total", "7", "4", "1", "2"],
    ]  # fmt: skip
    assert tables["Progress of the actions agreed from accepted recommendations, as at 30 June 2025"] == [
        ["Status", "Actions"], ["Not started", "1"], ["In progress", "1"], ["Completed", "0"], ["Verified", "0"],
        ["Cancelled", "0"], ["Total", "2"],
    ]  # fmt: skip
    assert tables["Advocacy offered for complaints made by or for a child, 2024/25"] == [
        ["Advocacy", "Complaints"], ["Complaints made by or for a child", "5"], ["Advocacy offered", "2"],
        ["Advocacy accepted", "1"], ["Advocacy not offered", "3"],
    ]  # fmt: skip
    assert tables["Complaints about a matter more than a year old, by decision, 2024/25"] == [
        ["Decision", "Complaints"], ["Considered", "1"], ["Declined", "0"], ["No decision recorded", "1"], ["Total", "2"],
    ]  # fmt: skip
    assert tables["Complaints declined or refused, by reason, 2024/25"] == [
        ["Reason", "Complaints"], ["Outside the complaints procedure", "1"], ["Total", "1"],
    ]  # fmt: skip
    workbook = load_workbook(io.BytesIO(render.to_xlsx(annual.annual_document(report), annual.about(report))))
    assert sheet_rows(workbook, "Stage 3 clocks")[1:] == [
        ("Panel meeting", 2, 1, 1, 0), ("Panel's report", 1, 0, 1, 0), ("Council's response", 1, 0, 1, 0),
    ]  # fmt: skip
    markdown = render.to_markdown(annual.annual_document(report))
    assert "### Recommendations and the actions agreed" in markdown
    assert "2 actions are open (not started or in progress), 1 of them overdue on 30 June 2025." in markdown
    assert "1 accepted recommendation has no action recorded." in markdown


def test_a_year_with_nothing_recorded_says_none(world):
    tables = docx_tables(render.to_docx(annual.annual_document(annual.annual_report(world.db, "2023-24", AS_OF))))
    for caption in ("Complaints declined or refused, by reason, 2023/24", "Review panels' steps on time, 2023/24",
                    "Complaints about a matter more than a year old, by decision, 2023/24"):  # fmt: skip
        assert tables[caption][1][0] == "(none)", caption
    assert tables["Points of complaint investigated at stage 2, by finding, 2023/24"][1] == ["Upheld", "1"]


def test_published_figures_suppress_advocacy_late_and_declined_but_keep_totals(world):
    published = annual.publishable(annual.annual_report(world.db, YEAR, AS_OF))
    assert published["advocacy_for_children"] == {
        "complaints": 5, "offered": "fewer than 5", "accepted": "fewer than 5", "not_offered": "fewer than 5",
    }  # fmt: skip
    assert published["late_complaints"] == {
        "total": 2, "by_decision": {"considered": "fewer than 5", "declined": 0, "no decision recorded": "fewer than 5"},
    }  # fmt: skip
    assert published["declined_by_reason"] == {"total": 1, "by_reason": {"outside the complaints procedure": "fewer than 5"}}
    tables = docx_tables(render.to_docx(annual.annual_document(published)))
    assert tables["Complaints declined or refused, by reason, 2024/25"][-1] == ["Total", "1"]


def test_a_stage_withdrawn_before_its_acknowledgement_was_due_needed_none_and_one_withdrawn_later_was_late(tmp_path):
    w = build_world(tmp_path / "withdrawn.db")
    for reference, withdrawn_on in (("W-EARLY", date(2024, 6, 5)), ("W-LATE", date(2024, 6, 14))):
        complaint_id = record_complaint(w, reference, "2024-06-03", acknowledged=False)  # acknowledgement due 10 June
        complaints.withdraw(w.db, w.officer, complaint_id, 1, Withdrawal(withdrawn_on=withdrawn_on), today=AS_OF)
    assert procedure_figures.acknowledgements(w.db, YEAR, AS_OF) == {
        "statutory": {"due": 1, "within_target": 0, "late": 1, "pending": 0}}


def test_a_panel_withdrawn_after_its_report_has_no_council_response_to_count(tmp_path):
    w = build_world(tmp_path / "panel.db")
    c = complaint(w.db, "P-W", "2024-05-01", w.west, outcome="withdrawn", outcome_on="2024-09-20")
    stage(w.db, c, 3, "2024-08-01", "2024-10-10", panel_meeting_due_on="2024-09-12", panel_met_on="2024-09-10",
          panel_report_due_on="2024-09-17", panel_report_on="2024-09-16", responded_on="2024-09-20",
          outcome="withdrawn", outcome_on="2024-09-20")  # fmt: skip
    assert procedure_figures.stage3_clocks(w.db, YEAR, AS_OF) == {
        "panel meeting": {"due": 1, "on_time": 1, "late": 0, "pending": 0},
        "panel report": {"due": 1, "on_time": 1, "late": 0, "pending": 0},
        "council response": {"due": 0, "on_time": 0, "late": 0, "pending": 0},
    }
