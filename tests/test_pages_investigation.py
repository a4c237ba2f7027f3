"""The Complaints page's Investigation, Adjudication and Review panel tabs, driven server side (AppTest) on a
copy of the demo database: the complaints officer records a stage 2 investigation and its adjudication, and
a stage 3 panel's recommendations and the council's response."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.models import Escalation, NewComplaint, StageResponse
from learning_tracker.services import complaints
from learning_tracker.services.core import actor_by_email
from tests.factories import open_page

REFERENCE = "INV-TEST-0001"
MANAGER = DEMO_USERS_BY_ROLE["service_manager"]


def at_stage_two(path) -> int:
    """A statutory complaint of Through Care (the demo manager's area), answered at stage 1 and escalated."""
    db = database.connect(path)
    try:
        officer = actor_by_email(db, DEMO_USERS_BY_ROLE["complaints_officer"])
        complaint_id = complaints.create_complaint(db, officer, NewComplaint(
            reference=REFERENCE, received_on=date(2025, 1, 6), procedure="statutory", service_area="Through Care"))
        complaints.record_response(db, officer, complaint_id, 1, StageResponse(responded_on=date(2025, 1, 17),
                                                                               outcome="not upheld"))
        complaints.escalate(db, officer, complaint_id, 2, Escalation(procedure="statutory", stage=2,
                                                                     requested_on=date(2025, 1, 27)))
        return complaint_id
    finally:
        db.close()


def open_complaint(path, monkeypatch, role="complaints_officer") -> AppTest:
    at = open_page(path, monkeypatch, role, "complaints.py", complaint_reference=REFERENCE)
    assert not at.exception, at.exception
    return at


def rows(path, sql, params=()):
    db = database.connect(path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_officer_records_the_investigation_and_the_adjudication_on_the_complaints_page(demo_db_path, monkeypatch):
    complaint_id = at_stage_two(demo_db_path)
    c = f"c{complaint_id}"
    at = open_complaint(demo_db_path, monkeypatch)
    labels = [t.label for t in at.tabs]
    assert "Investigation" in labels and "Adjudication" in labels and "Review panel" not in labels
    assert any("Record the investigation's points of complaint" in i.value for i in at.info)

    at.text_input(key=f"io-{c}#0").input("Independent investigator, Coram Voice")
    at.text_input(key=f"ip-{c}#0").input("Independent person, NYAS")
    at.date_input(key=f"io-report-{c}#0").set_value(date(2025, 2, 24))
    for n, (summary, finding) in enumerate([("Visits were missed", "upheld"), ("Letters were not answered", "not upheld"),
                                            ("The plan was not shared", "unable to determine")], start=1):
        at.text_input(key=f"point-{c}-{n}#0").input(summary)
        at.selectbox(key=f"finding-{c}-{n}#0").set_value(finding)
    # Row 4 is left blank: a recommendation about point 5 is saved as about point 4.
    at.text_input(key=f"point-{c}-5#0").input("Nobody explained the delay")
    at.selectbox(key=f"finding-{c}-5#0").set_value("partly upheld")
    at.text_input(key=f"recommendation-{c}-1#0").input("Record every visit on the day")
    at.selectbox(key=f"recommendation-point-{c}-1#0").set_value(1)
    at.text_input(key=f"recommendation-{c}-2#0").input("Explain delays to families in writing")
    at.selectbox(key=f"recommendation-point-{c}-2#0").set_value(5)
    at.text_input(key=f"recommendation-{c}-3#0").input("Audit the service's letters")
    at.button(key=f"FormSubmitter:investigation-{c}#0-Save the investigation").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == (f"{REFERENCE}: the stage 2 investigation is saved (4 points of complaint, "
                                   "3 recommendations).")
    assert rows(demo_db_path, "SELECT r.position, r.text, p.position FROM recommendations r LEFT JOIN complaint_points p"
                " ON p.id = r.point_id JOIN complaint_stages s ON s.id = r.stage_id WHERE s.complaint_id = ?"
                " ORDER BY r.position", [complaint_id]) == [
        (1, "Record every visit on the day", 1), (2, "Explain delays to families in writing", 4),
        (3, "Audit the service's letters", None)]
    shown = markdown(at)
    assert "Investigating Officer: Independent investigator, Coram Voice, reported 24 February 2025" in shown
    assert "Points of complaint (the points give: partly upheld):" in shown
    assert "4. Nobody explained the delay — *partly upheld*" in shown
    assert "2. Explain delays to families in writing (point 4) — *not decided yet*" in shown
    # The form starts again from what is stored.
    assert at.text_input(key=f"point-{c}-4#1").value == "Nobody explained the delay"

    # The adjudication: the outcome the points give is offered; another needs a reason.
    assert "The points give: **partly upheld**" in shown
    assert at.selectbox(key=f"adjudication-outcome-{c}#0").value == "partly upheld"
    at.date_input(key=f"adjudicated-{c}#0").set_value(date(2025, 3, 3))
    at.text_input(key=f"adjudicator-{c}#0").input("Head of Service")
    at.selectbox(key=f"adjudication-outcome-{c}#0").set_value("upheld")
    for n, owner in ((1, MANAGER), (2, MANAGER)):
        at.selectbox(key=f"adjudication-decision-{c}-{n}#0").set_value("accepted")
        at.selectbox(key=f"adjudication-owner-{c}-{n}#0").set_value(owner)
        at.date_input(key=f"adjudication-due-{c}-{n}#0").set_value(date(2025, 6, 30))
    at.selectbox(key=f"adjudication-decision-{c}-3#0").set_value("not accepted")
    at.text_input(key=f"adjudication-reason-{c}-3#0").input("The letters were audited in January")
    at.selectbox(key=f"adjudication-theme-{c}#0").set_value("Communication")
    at.text_input(key=f"adjudication-learnt-{c}#0").input("Families are told of delays in writing")
    at.button(key=f"FormSubmitter:adjudication-{c}#0-Record the adjudication").click().run()
    assert [e.value for e in at.error] == ["Nothing was saved. Please correct:\n\n- outcome reason is required: the "
                                           "points give 'partly upheld', and the outcome recorded is 'upheld'"]
    assert rows(demo_db_path, "SELECT COUNT(*) FROM recommendations r JOIN complaint_stages s ON s.id = r.stage_id"
                " WHERE s.complaint_id = ? AND r.decision IS NOT NULL", [complaint_id]) == [(0,)]

    at.selectbox(key=f"adjudication-outcome-{c}#0").set_value("partly upheld")
    at.button(key=f"FormSubmitter:adjudication-{c}#0-Record the adjudication").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == (f"{REFERENCE}: the stage 2 adjudication is recorded; 2 accepted recommendations "
                                   "became improvement actions.")
    actions = rows(demo_db_path, "SELECT a.id, a.description, u.email, a.due_on, a.status FROM recommendations r"
                   " JOIN actions a ON a.id = r.action_id JOIN users u ON u.id = a.owner_id"
                   " JOIN complaint_stages s ON s.id = r.stage_id WHERE s.complaint_id = ? ORDER BY r.position",
                   [complaint_id])
    assert [a[1:] for a in actions] == [
        ("Record every visit on the day", MANAGER, "2025-06-30", "not started"),
        ("Explain delays to families in writing", MANAGER, "2025-06-30", "not started")]
    assert rows(demo_db_path, "SELECT responded_on, outcome, adjudicator FROM complaint_stages WHERE complaint_id = ?"
                " AND stage = 2", [complaint_id]) == [("2025-03-03", "partly upheld", "Head of Service")]
    shown = markdown(at)
    assert (f"1. Record every visit on the day (point 1) — *accepted: action {actions[0][0]}, not started, owner "
            "Service Manager, Through Care, due 30 June 2025*") in shown
    assert "3. Audit the service's letters — *not accepted: The letters were audited in January*" in shown
    assert any("Adjudicated on 3 March 2025 by the Head of Service" in i.value for i in at.info)


def test_the_service_manager_reads_the_investigation_and_is_offered_none_of_its_forms(demo_db_path, monkeypatch):
    at_stage_two(demo_db_path)
    at = open_complaint(demo_db_path, monkeypatch, "service_manager")
    labels = [t.label for t in at.tabs]
    assert not {"Investigation", "Adjudication", "Review panel"} & set(labels)


def test_the_officer_records_the_panels_recommendations_and_the_councils_response(demo_db_path, monkeypatch):
    complaint_id = at_stage_two(demo_db_path)
    db = database.connect(demo_db_path)
    try:
        officer = actor_by_email(db, DEMO_USERS_BY_ROLE["complaints_officer"])
        version = db.execute("SELECT version FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0]
        complaints.record_response(db, officer, complaint_id, version, StageResponse(responded_on=date(2025, 3, 3),
                                                                                     outcome="not upheld"))
        complaints.escalate(db, officer, complaint_id, version + 1, Escalation(procedure="statutory", stage=3,
                                                                               requested_on=date(2025, 3, 10)))
    finally:
        db.close()
    c = f"c{complaint_id}"
    at = open_complaint(demo_db_path, monkeypatch)
    assert "Review panel" in [t.label for t in at.tabs] and "Investigation" not in [t.label for t in at.tabs]
    at.text_input(key=f"panel-{c}-1#0").input("Apologise in writing")
    at.text_input(key=f"panel-{c}-2#0").input("Review the visiting policy")
    at.button(key=f"FormSubmitter:panel-{c}#0-Save the panel's recommendations").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == f"{REFERENCE}: the panel's 2 recommendations are saved."
    assert any("record the date of the report first" in i.value for i in at.info)

    # The panel's meeting and report, on the Steps tab: each saved form starts afresh (its next generation).
    for generation, (what, on) in enumerate((("panel met", date(2025, 4, 14)),
                                             ("panel report received", date(2025, 4, 17)))):
        at.selectbox(key=f"step-what-{c}#{generation}").set_value(what)
        at.date_input(key=f"step-on-{c}#{generation}").set_value(on)
        at.button(key=f"FormSubmitter:steps-{c}#{generation}-Record the date").click().run()
        assert not at.error, [e.value for e in at.error]
    db = database.connect(demo_db_path)
    assert db.execute("SELECT panel_met_on, panel_report_due_on, panel_report_on FROM complaint_stages"
                      " WHERE complaint_id = ? AND stage = 3", [complaint_id]).fetchone() == (
        "2025-04-14", "2025-04-23", "2025-04-17")
    db.close()
    at.date_input(key=f"panel-decided-{c}#0").set_value(date(2025, 5, 1))
    at.selectbox(key=f"panel-decision-{c}-1#0").set_value("accepted")
    at.selectbox(key=f"panel-owner-{c}-1#0").set_value(MANAGER)
    at.date_input(key=f"panel-due-{c}-1#0").set_value(date(2025, 6, 30))
    at.selectbox(key=f"panel-decision-{c}-2#0").set_value("not accepted")
    at.text_input(key=f"panel-reason-{c}-2#0").input("The policy was reviewed in March")
    at.selectbox(key=f"panel-theme-{c}#0").set_value("Communication")
    at.text_input(key=f"panel-learnt-{c}#0").input("Apologies are made in writing")
    at.button(key=f"FormSubmitter:panel-response-{c}#0-Record the council's response").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == (f"{REFERENCE}: the council's response to the panel is recorded; 1 accepted "
                                   "recommendation became an improvement action.")
    assert rows(demo_db_path, "SELECT responded_on FROM complaint_stages WHERE complaint_id = ? AND stage = 3",
                [complaint_id]) == [("2025-05-01",)]
    assert any("The council has responded to the panel" in i.value for i in at.info)
