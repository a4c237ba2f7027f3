"""Retention (UK GDPR storage limitation) and subject access: closed complaints anonymised after the
configured period, in the records, the audit log (its chain still verifying) and the file's bytes, every
annual report unchanged; and everything held about one complaint gathered as a file. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, navigation
from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.errors import NotFound, Refused
from learning_tracker.models import (
    ForumDecision,
    NewAction,
    NewForumMeeting,
    NewLearningPoint,
    NoLearningDecision,
    OmbudsmanRecord,
    StageExtension,
    StageResponse,
    Withdrawal,
)
from learning_tracker.read import report_figures
from learning_tracker.reports import annual, render
from learning_tracker.rules.personal_data import REMOVED_TEXT, is_anonymised
from learning_tracker.services import (
    actions,
    audit_chain,
    complaints,
    forum,
    learning_points,
    report_sections,
    retention,
    subject_access,
)
from learning_tracker.services.importing import import_file

from . import tables
from .factories import build_world, record_complaint

ROOT = navigation.ROOT
AS_OF = date(2025, 6, 1)  # six years after 1 June 2019: complaints closed before then are due
TODAY = date(2030, 1, 1)

# What the due complaints hold that must be gone afterwards (distinctive, so a byte search means something).
DUE_REFERENCES = ["ZQX-1801-0007", "ZQX-1801-0011", "ZQX-1801-0013", "ZQX-1801-0019", "ZQX-1802-0002"]
REMOVED_TEXTS = [
    "Awaiting Quentin Zebedee's social worker",        # a stage extension reason
    "Mrs Quintrell said nothing to learn",             # a no-learning reason later replaced by learning
    "Yolanda Vexley DOB 04/11/2009 was well served",   # a no-learning reason kept
    "Forum asked about Ulrich Wexford's placement",    # the forum's note on a learning gap
    "Withdrawn after a call with Xanthe Pemberly",     # a withdrawal's note (kept only in the audit log)
    "Imported: Peregrine Falkner asked for more time",  # an imported extension reason
]
KEPT_REFERENCE, KEPT_TEXT = "KEEP-2024-0001", "Kept: awaiting Olwen Tarrant's review"


def _version(db, complaint_id: int) -> int:
    return db.execute("SELECT version FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0]


@pytest.fixture
def world(tmp_path):
    """Complaints closed in 2018 (due on AS_OF) with free text of every kind, one open complaint of 2024 and
    one closed in 2020 (not due), learning drawn from them, a forum decision and an imported complaint."""
    w = build_world(tmp_path / "tracker.db")
    db, officer = w.db, w.officer
    # Extended with a reason, answered and upheld; "no learning" recorded, then learning drawn from it anyway.
    a = record_complaint(w, "ZQX-1801-0007", "2018-05-01", concerns=["Communication"])
    complaints.extend_stage(db, officer, a, 1, StageExtension(extended_due_on=date(2018, 5, 25), reason=REMOVED_TEXTS[0]))
    complaints.record_response(db, officer, a, 2, StageResponse(responded_on=date(2018, 5, 25), outcome="upheld"),
                               today=TODAY)
    learning_points.record_no_learning(db, officer, "ZQX-1801-0007", 3, NoLearningDecision(reason=REMOVED_TEXTS[1]))
    point = learning_points.add_learning_point(db, officer, NewLearningPoint(
        service_area="Team West", theme="Communication", description="Confirm call-backs in writing",
        complaint_references=["ZQX-1801-0007"]))
    action = actions.create_action(db, officer, NewAction(
        learning_point_id=point, description="Brief the team on call-backs", owner_email="west@test.invalid",
        service_area="Team West", due_on=date(2018, 9, 1)))
    actions.add_note(db, officer, action, "Discussed ZQX-1801-0007 at the team meeting")
    # The annual report's prose names a reference too, in its text, what it was based on and its versions.
    report_sections.save_text(db, officer, "2018-19", "summary", None, "After ZQX-1801-0013 we changed call-backs.", 0,
                              based_on="Complaint ZQX-1801-0007 was upheld.")
    report_sections.save_text(db, officer, "2018-19", "summary", None, "After ZQX-1801-0013, call-backs are in writing.", 1,
                              based_on="Complaint ZQX-1801-0007 was upheld.")
    # Upheld with "no learning identified" kept: it still counts in the reports afterwards.
    b = record_complaint(w, "ZQX-1801-0011", "2018-06-01", responded_on="2018-06-11", outcome="upheld")
    learning_points.record_no_learning(db, officer, "ZQX-1801-0011", _version(db, b), NoLearningDecision(reason=REMOVED_TEXTS[2]))
    # Upheld with nothing recorded: a learning gap the forum noted; also referred to the Ombudsman (decided).
    c = record_complaint(w, "ZQX-1801-0013", "2018-07-02", area="Team East", responded_on="2018-07-12",
                         outcome="partly upheld")
    complaints.record_ombudsman(db, officer, c, _version(db, c), OmbudsmanRecord(
        referred_on=date(2018, 9, 3), decision="not upheld", remedy_pounds=250), today=TODAY)
    meeting = forum.create_meeting(db, officer, NewForumMeeting(held_on=date(2018, 10, 1), attendees=["Chair"]))
    forum.record_decision(db, w.forum, meeting, ForumDecision(item="learning gap", item_id=c, decision="noted",
                                                             note=REMOVED_TEXTS[3]))
    # Withdrawn, with a note.
    d = record_complaint(w, "ZQX-1801-0019", "2018-08-01", procedure="corporate")
    complaints.withdraw(db, officer, d, 1, Withdrawal(withdrawn_on=date(2018, 8, 6), note=REMOVED_TEXTS[4]), today=TODAY)
    # Imported with an extension reason.
    plan = import_file(db, officer, "complaints", "complaints.csv", (
        "reference,received_on,procedure,service_area,outcome,stage1_completed_on,stage1_extended,stage1_extension_reason\r\n"
        f'ZQX-1802-0002,2018-04-10,statutory,Team West,not upheld,2018-05-04,yes,"{REMOVED_TEXTS[5]}"\r\n').encode(),
        today=TODAY)
    assert plan.problems == []
    # Not due: open, with an extension reason; and closed in 2020.
    kept = record_complaint(w, KEPT_REFERENCE, "2024-05-01")
    complaints.extend_stage(db, officer, kept, 1, StageExtension(extended_due_on=date(2024, 5, 20), reason=KEPT_TEXT))
    record_complaint(w, "LATE-2020-0001", "2019-12-02", responded_on="2020-01-10", outcome="not upheld")
    yield w
    w.db.close()


def _annual_reports(db) -> dict[str, str]:
    return {year: render.to_json(annual.annual_report(db, year, AS_OF)) for year in report_figures.financial_years(db)}


def _file_bytes(path: Path) -> bytes:
    return b"".join(Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal")
                    if Path(f"{path}{suffix}").exists())


# --- what is due ----------------------------------------------------------------------------------------


def test_finding_retention_due_lists_complaints_closed_more_than_the_period_before(world):
    due = retention.due_for_retention(world.db, AS_OF)
    assert sorted(due["reference"]) == sorted(DUE_REFERENCES)
    row = due.set_index("reference").loc["ZQX-1801-0013"]
    assert (row["closed_on"], row["due_on"]) == ("2018-09-03", "2024-09-03"), "the Ombudsman referral came last"
    # The day it becomes due it is not yet past the period; the next day it is.
    # LATE-2020-0001 closed on 10 January 2020.
    assert "LATE-2020-0001" not in set(retention.due_for_retention(world.db, date(2026, 1, 10))["reference"])
    assert "LATE-2020-0001" in set(retention.due_for_retention(world.db, date(2026, 1, 10) + timedelta(days=1))["reference"])
    assert KEPT_REFERENCE not in set(retention.due_for_retention(world.db, date(2090, 1, 1))["reference"]), "open: never"


def test_finding_retention_due_waits_for_the_ombudsmans_decision_and_the_configured_period(world):
    pending = record_complaint(world, "PEND-2018-0001", "2018-03-01", responded_on="2018-03-09", outcome="upheld")
    complaints.record_ombudsman(world.db, world.officer, pending, _version(world.db, pending),
                                OmbudsmanRecord(referred_on=date(2018, 4, 2)), today=TODAY)
    assert "PEND-2018-0001" not in set(retention.due_for_retention(world.db, AS_OF)["reference"])
    world.db.execute("UPDATE settings SET value = '10' WHERE key = 'retention_years_after_closure'")
    assert retention.due_for_retention(world.db, AS_OF).empty


# --- applying it ----------------------------------------------------------------------------------------


def test_finding_retention_apply_removes_references_and_free_text_from_records_audit_log_and_file(world):
    path = Path(world.db.execute("PRAGMA database_list").fetchone()[2])
    before_bytes = _file_bytes(path)
    for text in [*DUE_REFERENCES, *REMOVED_TEXTS, KEPT_REFERENCE, KEPT_TEXT]:
        assert text.encode() in before_bytes, f"the test's data is in the file to begin with: {text}"

    run = retention.apply_retention(world.db, world.officer, AS_OF)

    assert (run.complaints, run.file_cleared, run.already_redacted) == (5, True, [])
    # Nowhere in the file: the database, its write-ahead log, free pages.
    after_bytes = _file_bytes(path)
    for text in [*DUE_REFERENCES, *REMOVED_TEXTS]:
        assert text.encode() not in after_bytes, text
        assert text.encode("utf-16-le") not in after_bytes, text
    assert KEPT_REFERENCE.encode() in after_bytes and KEPT_TEXT.encode() in after_bytes, "what is not due is kept"
    # The records keep their figures; the references are tokens, the free text a marker.
    rows = world.db.execute("SELECT reference, outcome, no_learning_reason, received_on FROM complaints ORDER BY id").fetchall()
    assert [is_anonymised(r[0]) for r in rows] == [True, True, True, True, True, False, False]
    assert len({r[0] for r in rows}) == 7
    assert [r[2] for r in rows[:2]] == [None, REMOVED_TEXT], "a kept 'no learning identified' still counts"
    assert world.db.execute("SELECT extension_reason FROM complaint_stages WHERE extension_reason IS NOT NULL"
                            " ORDER BY id").fetchall() == [(REMOVED_TEXT,), (REMOVED_TEXT,), (KEPT_TEXT,)]
    token = rows[0][0]
    assert world.db.execute("SELECT note FROM action_updates WHERE kind = 'note'").fetchall() == [
        (f"Discussed {token} at the team meeting",)], "the learning is kept; only the reference in it is replaced"
    assert world.db.execute("SELECT description FROM learning_points ORDER BY id DESC LIMIT 1").fetchone() == (
        "Confirm call-backs in writing",)
    # The audit log: one retention event, listing what it redacted, naming no reference; the chain verifies.
    [(retention_id, after)] = world.db.execute("SELECT id, after FROM audit_events WHERE event = 'retention'").fetchall()
    listed = json.loads(after)["redacted_events"]
    redacted = [r[0] for r in world.db.execute("SELECT id FROM audit_events WHERE redacted_by = ? ORDER BY id", [retention_id])]
    assert listed == redacted and len(redacted) == run.audit_events_redacted > 5
    assert json.loads(after)["complaints"] == 5
    assert audit_chain.verify(world.db).intact, audit_chain.verify(world.db).sentence()
    # Running it again finds nothing more to do.
    assert retention.apply_retention(world.db, world.officer, AS_OF).complaints == 0


def test_finding_retention_every_annual_report_is_the_same_before_and_after(world):
    before = _annual_reports(world.db)
    assert {"2018-19", "2019-20", "2024-25"} <= set(before)
    assert json.loads(before["2018-19"])["service_improvements"], "the year's learning is in the report"
    retention.apply_retention(world.db, world.officer, AS_OF)
    after = _annual_reports(world.db)
    # Every figure is the same; only the reference written into the saved summary is now its token.
    token = world.db.execute("SELECT reference FROM complaints ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]
    assert json.loads(after["2018-19"])["summary"]["draft"] == f"After {token}, call-backs are in writing."
    assert {year: json.loads(report) for year, report in after.items()} == {
        year: {**json.loads(report), "summary": json.loads(after[year])["summary"]} if year == "2018-19"
        else json.loads(report) for year, report in before.items()}


def test_finding_retention_leaves_a_longer_reference_that_starts_with_an_anonymised_one(tmp_path):
    w = build_world(tmp_path / "prefix.db")
    short = record_complaint(w, "CS-1", "2018-05-01", responded_on="2018-05-10", outcome="upheld")
    longer = record_complaint(w, "CS-10", "2024-05-01")
    learning_points.add_learning_point(w.db, w.officer, NewLearningPoint(
        service_area="Team West", theme="Communication", description="Answer calls; see CS-10",
        complaint_references=["CS-1", "CS-10"]), {"CS-10": _version(w.db, longer)})
    retention.apply_retention(w.db, w.officer, AS_OF)
    assert is_anonymised(w.db.execute("SELECT reference FROM complaints WHERE id = ?", [short]).fetchone()[0])
    assert w.db.execute("SELECT reference FROM complaints WHERE id = ?", [longer]).fetchone() == ("CS-10",)
    assert w.db.execute("SELECT description FROM learning_points ORDER BY id DESC LIMIT 1").fetchone() == (
        "Answer calls; see CS-10",)
    [after] = w.db.execute("SELECT after FROM audit_events WHERE event = 'add learning point'").fetchone()
    complaints_named = json.loads(after)["complaints"]
    assert complaints_named[1] == "CS-10" and is_anonymised(complaints_named[0])
    assert audit_chain.verify(w.db).intact


def test_finding_retention_is_the_complaints_officers_alone_and_a_refusal_is_audited(world):
    with pytest.raises(Refused):
        retention.apply_retention(world.db, world.manager_west, AS_OF)
    assert world.db.execute("SELECT user_id, event, outcome FROM audit_events ORDER BY id DESC LIMIT 1").fetchone() == (
        world.manager_west.id, "retention", "refused")
    assert not retention.due_for_retention(world.db, AS_OF).empty, "nothing was anonymised"


def test_finding_retention_the_command_lists_then_applies(world, capsys):
    path = world.db.execute("PRAGMA database_list").fetchone()[2]
    assert cli.main(["retention", "--db", path, "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert all(reference in out for reference in DUE_REFERENCES)
    assert out.splitlines()[-1] == ("5 closed complaints are past the retention period on 2025-06-01 (closed more than "
                                    "6 years before); add --apply to anonymise them.")
    assert retention.due_for_retention(world.db, AS_OF)["reference"].tolist(), "listing changes nothing"
    assert cli.main(["retention", "--db", path, "--as-of", AS_OF.isoformat(), "--apply"]) == 0
    assert capsys.readouterr().out.startswith("Anonymised 5 complaints closed more than 6 years before 1 June 2025")
    assert retention.due_for_retention(world.db, AS_OF).empty
    assert world.db.execute("SELECT user_email FROM audit_events WHERE event = 'retention'").fetchone() == (
        "learning-tracker command",)


# --- subject access -------------------------------------------------------------------------------------


def test_finding_subject_access_gathers_everything_held_about_one_complaint(world):
    filename, content = subject_access.subject_access_file(world.db, world.officer, " zqx-1801-0007 ")
    held = json.loads(content)
    assert filename.startswith("subject-access-ZQX-1801-0007-") and filename.endswith(".json")
    assert held["complaint"]["reference"] == "ZQX-1801-0007"
    assert held["complaint"]["outcome"] == "upheld" and held["concerns"] == ["Communication"]
    assert [s["extension_reason"] for s in held["stages"]] == [REMOVED_TEXTS[0]]
    [point] = held["learning_points"]
    [action] = point["actions"]
    assert [h["note"] for h in action["history"]][-1] == "Discussed ZQX-1801-0007 at the team meeting"
    events = [(e["event"], e["entity"]) for e in held["audit_events"]]
    assert events == [("create complaint", "complaint"), ("extend complaint stage", "complaint"),
                      ("record stage response", "complaint"), ("record no learning identified", "complaint"),
                      ("add learning point", "learning_point"), ("add action note", "action")]
    assert held["audit_events"][3]["after"]["no_learning_reason"] == REMOVED_TEXTS[1]
    # The request is audited, on the complaint, without the reference in what it records.
    last = world.db.execute("SELECT user_id, event, entity, entity_id, after FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    assert last[:4] == (world.officer.id, "subject access", "complaint", held["complaint"]["id"])
    assert "ZQX" not in last[4]


def test_finding_subject_access_names_only_its_own_complaint_and_is_the_officers_alone(world):
    record_complaint(world, "ZQX-1801-00071", "2018-05-02")
    _, content = subject_access.subject_access_file(world.db, world.officer, "ZQX-1801-0007")
    assert all("ZQX-1801-00071" not in json.dumps(e) for e in json.loads(content)["audit_events"])
    with pytest.raises(Refused):
        subject_access.subject_access_file(world.db, world.manager_west, "ZQX-1801-0007")
    assert world.db.execute("SELECT event, outcome FROM audit_events ORDER BY id DESC LIMIT 1").fetchone() == (
        "subject access", "refused")
    with pytest.raises(NotFound, match="No complaint has the reference 'NOPE-1'"):
        subject_access.subject_access_file(world.db, world.officer, "NOPE-1")


def test_finding_subject_access_the_command_writes_the_file_after_retention_nothing_is_found(world, tmp_path, capsys):
    path = world.db.execute("PRAGMA database_list").fetchone()[2]
    output = tmp_path / "sar.json"
    assert cli.main(["subject-access", "ZQX-1801-0019", "--db", path, "--output", str(output)]) == 0
    assert capsys.readouterr().out == f"Wrote everything held about complaint ZQX-1801-0019 to {output}.\n"
    held = json.loads(output.read_text(encoding="utf-8"))
    assert held["complaint"]["outcome"] == "withdrawn"
    assert held["audit_events"][-1]["after"]["note"] == REMOVED_TEXTS[4]
    retention.apply_retention(world.db, world.officer, AS_OF)
    assert cli.main(["subject-access", "ZQX-1801-0019", "--db", path, "--output", str(output)]) == 1
    assert "No complaint has the reference 'ZQX-1801-0019'" in capsys.readouterr().err


# --- the page ---------------------------------------------------------------------------------------------


def _officer_app(db_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    with sqlite3.connect(db_path) as connection:
        officer = connection.execute("SELECT id FROM users WHERE email = ?",
                                     [DEMO_USERS_BY_ROLE["complaints_officer"]]).fetchone()[0]
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = officer
    at.run()
    at.switch_page(str(ROOT / "pages" / "admin_retention.py"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_finding_retention_page_lists_what_is_due_and_anonymises_on_confirmation(demo_db_path, monkeypatch):
    db = database.connect(demo_db_path)
    due = retention.due_for_retention(db, date.today())
    reports = _annual_reports(db)
    db.close()
    assert len(due) > 0, "the demo holds complaints closed more than six years ago"
    at = _officer_app(demo_db_path, monkeypatch)
    assert [t.value for t in at.title] == ["Retention"]
    shown = tables.frame(at.table[0])  # the first page: the 50 longest closed
    assert len(due) > 50 and shown["Reference"].tolist() == due["reference"].tolist()[:50]
    assert shown["Due for retention"].tolist() == [f"{date.fromisoformat(d):%d/%m/%Y}" for d in due["due_on"][:50]]
    assert f"Anonymise these {len(due):,} complaints now" in at.checkbox(key="retention_confirmed#0").label
    at.button(key="FormSubmitter:apply_retention#0-Anonymise").click().run()
    assert at.error[0].value.endswith("tick the box to confirm the anonymisation")
    at.checkbox(key="retention_confirmed#0").check()
    at.button(key="FormSubmitter:apply_retention#0-Anonymise").click().run()
    assert at.success[0].value.startswith(f"Anonymised {len(due)} complaints closed more than 6 years before")
    db = database.connect(demo_db_path)
    try:
        assert retention.due_for_retention(db, date.today()).empty
        assert _annual_reports(db) == reports
        assert audit_chain.verify(db).intact
    finally:
        db.close()


def test_finding_subject_access_page_gives_the_file_of_a_complaint(demo_db_path, monkeypatch):
    at = _officer_app(demo_db_path, monkeypatch)
    at.text_input(key="subject_access_reference").input("CS-2122-0001")
    at.button(key="FormSubmitter:subject_access-Gather what is held").click().run()
    assert not at.exception, at.exception
    with sqlite3.connect(demo_db_path) as connection:
        assert connection.execute("SELECT event, entity FROM audit_events ORDER BY id DESC LIMIT 1").fetchone() == (
            "subject access", "complaint")
    [download] = [b for b in at.get("download_button")]
    assert download.proto.label.startswith("Download subject-access-CS-2122-0001-")


def test_finding_retention_due_is_counted_and_paged_in_sql(world):
    everything = retention.due_for_retention(world.db, AS_OF)
    assert retention.due_count(world.db, AS_OF) == len(everything) == 5
    pages = [retention.due_for_retention(world.db, AS_OF, limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum((p["reference"].tolist() for p in pages), []) == everything["reference"].tolist()
