"""The Complaints, RAG report, Monitoring dashboard and Compliments pages, driven server side (AppTest)
on the demo database as each demo role."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, navigation
from learning_tracker import db as database
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.read import open_stages
from learning_tracker.rules.periods import long_date

from . import tables

ROOT = navigation.ROOT
ROLES = list(DEMO_USERS_BY_ROLE)
CREATE_BUTTON = "FormSubmitter:new_complaint#0-Record the complaint"


def connect(path):
    return database.connect(path)


def user_id(path, role: str) -> int:
    db = connect(path)
    try:
        return db.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    finally:
        db.close()


def open_page(path, monkeypatch, role: str, page_file: str, **state) -> AppTest:
    """Run the app as the demo user of ``role``, then switch to ``pages/<page_file>`` with ``state`` set."""
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = user_id(path, role)
    at.run()
    at.switch_page(str(ROOT / "pages" / page_file))
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def open_stage_one(path, *, in_manager_area: bool) -> str:
    """The reference of a complaint whose stage 1 is open today, inside (or outside) the demo manager's areas."""
    db = connect(path)
    try:
        areas = [r[0] for r in db.execute(
            "SELECT sa.name FROM user_service_areas u JOIN users us ON us.id = u.user_id"
            " JOIN service_areas sa ON sa.id = u.service_area_id WHERE us.email = ?",
            [DEMO_USERS_BY_ROLE["service_manager"]])]
        rows = [r for r in open_stages.rag_rows(db, date.today())
                if r["stage"] == 1 and (r["service_area"] in areas) == in_manager_area]
    finally:
        db.close()
    assert rows, "the demo data has an open stage 1 on either side"
    return rows[0]["reference"]


def form_keys(at: AppTest) -> set[str]:
    return {button.key for button in at.button if button.key and button.key.startswith("FormSubmitter:")}


# --- the complaints register -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_register_and_only_the_officer_is_offered_the_new_complaint_form(demo_db_path, monkeypatch, role):
    at = open_page(demo_db_path, monkeypatch, role, "complaints.py")
    register = tables.frame(at.table[0])
    assert list(register.columns) == ["Reference", "Received", "Procedure", "Current stage", "Service area", "Outcome",
                                      "Due", "Answered", "Waiting for", "RAG", "Concerns"]
    assert len(register) == 50
    # Dates as the users write them; a stage not answered yet is blank, never "None".
    assert all(datetime.strptime(d, "%d/%m/%Y") for d in register["Received"])
    assert "None" not in register.to_numpy() and "nan" not in register.to_numpy()
    assert set(register.loc[register["Outcome"] == "open", "Answered"]) == {""}
    assert (CREATE_BUTTON in form_keys(at)) == (role == "complaints_officer")


def test_the_officer_records_a_complaint_through_the_form_and_finds_it_in_the_register(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py")
    at.text_input(key="new_reference#0").set_value("CS-TEST-0001")
    at.date_input(key="new_received_on#0").set_value(date.today())
    at.selectbox(key="new_procedure#0").set_value("corporate")
    at.selectbox(key="new_area#0").set_value("Team West")
    at.selectbox(key="new_via#0").set_value("email")
    at.multiselect(key="new_concerns#0").set_value(["Communication"])
    at.button(key=CREATE_BUTTON).click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Complaint CS-TEST-0001 recorded")
    # Newest first: received today, it heads the register; its detail is open.
    first = tables.rows(at.table[0])[0]
    assert (first["Reference"], first["Received"], first["Procedure"], first["Current stage"], first["Service area"],
            first["Outcome"], first["Answered"], first["Concerns"]) == (
        "CS-TEST-0001", f"{date.today():%d/%m/%Y}", "corporate", "corporate stage 1", "Team West", "open", "",
        "Communication")
    assert at.text_input(key="complaint_reference").value == "CS-TEST-0001"
    at.text_input(key="register_search").set_value("test-0001").run()
    assert tables.column(at.table[0], "Reference") == ["CS-TEST-0001"]


def test_a_duplicate_reference_is_shown_as_an_error_and_nothing_is_written(demo_db_path, monkeypatch):
    db = connect(demo_db_path)
    existing = db.execute("SELECT reference FROM complaints ORDER BY id LIMIT 1").fetchone()[0]
    before = db["complaints"].count
    db.close()
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py")
    at.text_input(key="new_reference#0").set_value(existing)
    at.selectbox(key="new_area#0").set_value("Team West")
    at.button(key=CREATE_BUTTON).click().run()
    assert f"reference ('{existing}') is already used by another complaint" in at.error[0].value
    db = connect(demo_db_path)
    assert db["complaints"].count == before
    db.close()


def test_the_register_filters_narrow_the_list(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "viewer", "complaints.py")
    at.selectbox(key="register_year").set_value("2021-22")
    at.selectbox(key="register_procedure").set_value("statutory")
    at.selectbox(key="register_outcome").set_value("upheld").run()
    assert "11 complaints" in [c.value for c in at.caption]
    shown = tables.frame(at.table[0])
    assert set(shown["Outcome"]) == {"upheld"} and len(shown) == 11


def test_a_complaint_of_the_register_opens_from_its_select_box(demo_db_path, monkeypatch):
    # The register is a table a screen reader can read; the complaint is opened from a select box (keyboard too).
    at = open_page(demo_db_path, monkeypatch, "viewer", "complaints.py")
    references = tables.column(at.table[0], "Reference")
    assert at.selectbox(key="register_pick").options == references
    at.selectbox(key="register_pick").set_value(references[2]).run()
    assert at.text_input(key="complaint_reference").value == references[2]
    assert [h.value for h in at.subheader] == [references[2]]
    facts = dict(tables.frame(at.table[1]).itertuples(index=False))
    assert facts["Service area"] == tables.rows(at.table[0])[2]["Service area"]


def test_the_officer_sees_every_form_for_an_open_complaint(demo_db_path, monkeypatch):
    reference = open_stage_one(demo_db_path, in_manager_area=False)
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py", complaint_reference=reference)
    assert [t.label for t in at.tabs] == ["Response", "Outcome", "Steps", "Extension", "Withdrawal",
                                          "Decline or refuse", "Concerns", "Advocacy and time limit",
                                          "Ombudsman and remedy"]
    [link] = at.get("page_link")
    assert (link.proto.label, link.proto.page, link.proto.query_string) == (
        "Record learning from this complaint", "record_learning", f"complaint={reference}")


def test_a_service_manager_records_their_own_areas_stage_one_response_and_sees_only_those_forms(demo_db_path, monkeypatch):
    reference = open_stage_one(demo_db_path, in_manager_area=True)
    at = open_page(demo_db_path, monkeypatch, "service_manager", "complaints.py", complaint_reference=reference)
    assert [t.label for t in at.tabs] == ["Response", "Outcome", "Steps"]
    assert CREATE_BUTTON not in form_keys(at)
    db = connect(demo_db_path)
    complaint_id = db.execute("SELECT id FROM complaints WHERE reference = ?", [reference]).fetchone()[0]
    db.close()
    at.selectbox(key=f"response-outcome-c{complaint_id}#0").set_value("partly upheld")
    at.button(key=f"FormSubmitter:response-c{complaint_id}#0-Record the response").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "response is recorded" in at.success[0].value
    db = connect(demo_db_path)
    assert db.execute("SELECT outcome FROM complaints WHERE id = ?", [complaint_id]).fetchone()[0] == "partly upheld"
    assert db.execute("SELECT responded_on FROM complaint_stages WHERE complaint_id = ? AND stage = 1",
                      [complaint_id]).fetchone()[0] == date.today().isoformat()
    db.close()


def test_a_service_manager_acknowledges_their_areas_stage_one_on_the_steps_tab(demo_db_path, monkeypatch):
    reference = open_stage_one(demo_db_path, in_manager_area=True)
    at = open_page(demo_db_path, monkeypatch, "service_manager", "complaints.py", complaint_reference=reference)
    db = connect(demo_db_path)
    complaint_id = db.execute("SELECT id FROM complaints WHERE reference = ?", [reference]).fetchone()[0]
    db.close()
    what = at.selectbox(key=f"step-what-c{complaint_id}#0")
    assert what.options == ["acknowledged"]  # the panel's and the statement's dates are the officer's
    what.set_value("acknowledged")
    at.button(key=f"FormSubmitter:steps-c{complaint_id}#0-Record the date").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == f"{reference}: acknowledged on {long_date(date.today())} recorded."
    db = connect(demo_db_path)
    assert db.execute("SELECT acknowledged_on FROM complaint_stages WHERE complaint_id = ? AND stage = 1",
                      [complaint_id]).fetchone()[0] == date.today().isoformat()
    db.close()


def test_the_officer_extends_a_stage_and_the_confirmation_gives_the_new_date_in_words(demo_db_path, monkeypatch):
    reference = open_stage_one(demo_db_path, in_manager_area=False)
    db = connect(demo_db_path)
    complaint_id, due_on = db.execute(
        "SELECT c.id, s.due_on FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id AND s.stage = 1 "
        "WHERE c.reference = ?", [reference]).fetchone()
    db.close()
    extended = date.fromisoformat(due_on) + timedelta(days=7)
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py", complaint_reference=reference)
    at.date_input(key=f"extended-c{complaint_id}#0").set_value(extended)
    at.text_input(key=f"extension-reason-c{complaint_id}#0").input("Waiting for the social worker's account")
    at.button(key=f"FormSubmitter:extension-c{complaint_id}#0-Extend").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == (f"{reference}: the statutory stage 1 is now due on "
                                   f"{extended.day} {extended:%B %Y}.")


def test_each_stage_shows_its_outcome_and_the_register_what_the_stage_before_an_escalation_decided(
        demo_db_path, monkeypatch):
    from learning_tracker.models import Escalation, NewComplaint, StageResponse
    from learning_tracker.services import complaints
    from learning_tracker.services.core import actor_by_email

    db = connect(demo_db_path)
    try:
        officer = actor_by_email(db, DEMO_USERS_BY_ROLE["complaints_officer"])
        complaint_id = complaints.create_complaint(db, officer, NewComplaint(
            reference="CS-TEST-0002", received_on=date(2024, 4, 2), procedure="statutory", service_area="Team West"))
        complaints.record_response(db, officer, complaint_id, 1,
                                   StageResponse(responded_on=date(2024, 4, 10), outcome="not upheld"))
        complaints.escalate(db, officer, complaint_id, 2,
                            Escalation(procedure="statutory", stage=2, requested_on=date(2024, 4, 22)))
    finally:
        db.close()
    at = open_page(demo_db_path, monkeypatch, "viewer", "complaints.py", complaint_reference="CS-TEST-0002")
    shown = [m.value for m in at.markdown]
    assert "Statutory stage 1: not upheld on 10 April 2024" in shown
    assert "Statutory stage 2: not answered yet" in shown
    assert not [m for m in shown if "None" in m]
    at.text_input(key="register_search").set_value("test-0002").run()
    [row] = tables.rows(at.table[0])
    assert (row["Current stage"], row["Outcome"]) == ("statutory stage 2", "open (statutory stage 1: not upheld)")


@pytest.mark.parametrize("role", ["service_manager", "forum_member", "viewer"])
def test_others_read_a_complaint_without_forms(demo_db_path, monkeypatch, role):
    reference = open_stage_one(demo_db_path, in_manager_area=False)
    at = open_page(demo_db_path, monkeypatch, role, "complaints.py", complaint_reference=reference)
    assert at.tabs == [] or [t.label for t in at.tabs] == []
    assert form_keys(at) == set()
    assert any("Stage 1" in m.value or "stage 1" in m.value for m in at.markdown)
    # Recording learning is for the officer and service managers (of any area: learning may span areas).
    assert len(at.get("page_link")) == (1 if role == "service_manager" else 0)


# --- the RAG report ----------------------------------------------------------------------------------------


def rag_table(at: AppTest) -> list[dict]:
    """The page's per-area tables as rows with the report's keys (service area from each table's heading;
    dates as shown, 07/04/2021, back to ISO)."""
    def iso(shown: str) -> str:
        return datetime.strptime(shown, "%d/%m/%Y").date().isoformat()

    headings = [tables.unescape(h.value) for h in at.header]
    assert len(headings) == len(at.table)
    rows = []
    for area, table in zip(headings, at.table):
        for record in tables.rows(table):
            rows.append({
                "reference": record["Reference"], "procedure": record["Procedure"], "stage": int(record["Stage"]),
                "step": record["Step"], "service_area": area, "clock_started_on": iso(record["Clock started"]), "due_on": iso(record["Due"]),
                "working_days_remaining": tables.count(record["Working days left"]), "rag": record["RAG"],
            })
    return rows


def test_the_commands_json_matches_the_pages_table(demo_db_path, monkeypatch, capsys):
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "rag_report.py")
    page_rows = rag_table(at)
    assert cli.main(["rag", "--format", "json", "--as-of", date.today().isoformat(), "--db", str(demo_db_path)]) == 0
    command_rows = json.loads(capsys.readouterr().out)
    assert page_rows == command_rows
    assert len(command_rows) > 0
    counts = open_stages.rag_counts(command_rows)
    assert {m.label: m.value for m in at.metric} == {
        "Open steps": str(len(command_rows)), ":red[Red]": str(counts["Red"]), ":orange[Amber]": str(counts["Amber"]),
        ":green[Green]": str(counts["Green"])}


def test_the_rag_report_is_as_of_the_chosen_date(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "viewer", "rag_report.py")
    at.date_input(key="rag_as_of").set_value(date(2021, 4, 6)).run()
    db = connect(demo_db_path)
    expected = open_stages.rag_rows(db, date(2021, 4, 6))
    db.close()
    assert [r["reference"] for r in rag_table(at)] == [r["reference"] for r in expected]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_rag_report_with_its_downloads(demo_db_path, monkeypatch, role):
    at = open_page(demo_db_path, monkeypatch, role, "rag_report.py")
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]
    assert (len(at.toggle) == 1) == (role == "service_manager")


def test_a_service_manager_sees_their_own_areas_by_default_and_every_area_on_request(demo_db_path, monkeypatch):
    db = connect(demo_db_path)
    own = {r[0] for r in db.execute(
        "SELECT sa.name FROM user_service_areas u JOIN users us ON us.id = u.user_id"
        " JOIN service_areas sa ON sa.id = u.service_area_id WHERE us.email = ?", [DEMO_USERS_BY_ROLE["service_manager"]])}
    everything = open_stages.rag_rows(db, date.today())
    db.close()
    at = open_page(demo_db_path, monkeypatch, "service_manager", "rag_report.py")
    mine = rag_table(at)
    assert {r["service_area"] for r in mine} <= own
    assert mine == [r for r in everything if r["service_area"] in own]
    at.toggle(key="rag_all_areas").set_value(True).run()
    assert rag_table(at) == everything


# --- the monitoring dashboard ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_dashboard_metrics_and_charts(demo_db_path, monkeypatch, role):
    at = open_page(demo_db_path, monkeypatch, role, "dashboard.py")
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["Open steps", "Overdue (Red)", "Due this week"]
    assert labels[3].startswith("Escalated to stage 2")
    db = connect(demo_db_path)
    assert at.metric[0].value == str(len(open_stages.rag_rows(db, date.today())))
    db.close()
    assert len(at.get("vega_lite_chart")) == 4
    assert form_keys(at) == set()


# --- compliments -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role,may_record", [("complaints_officer", True), ("service_manager", True),
                                             ("forum_member", False), ("viewer", False)])
def test_only_the_officer_and_service_managers_are_offered_the_compliment_form(demo_db_path, monkeypatch, role, may_record):
    at = open_page(demo_db_path, monkeypatch, role, "compliments.py")
    assert ("FormSubmitter:new_compliment#0-Record the compliment" in form_keys(at)) == may_record
    assert [t.label for t in at.tabs] == ["By category", "By source", "By service area", "List"]


def test_a_service_manager_records_a_compliment_for_their_own_area(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "service_manager", "compliments.py")
    areas = at.selectbox(key="compliment_area#0").options
    db = connect(demo_db_path)
    own = sorted(r[0] for r in db.execute(
        "SELECT sa.name FROM user_service_areas u JOIN users us ON us.id = u.user_id"
        " JOIN service_areas sa ON sa.id = u.service_area_id WHERE us.email = ?", [DEMO_USERS_BY_ROLE["service_manager"]]))
    before = db["compliments"].count
    db.close()
    assert sorted(areas) == own
    at.selectbox(key="compliment_area#0").set_value(own[0])
    at.selectbox(key="compliment_source#0").set_value("foster carer")
    at.multiselect(key="compliment_categories#0").set_value(["good child focus"])
    at.text_area(key="compliment_summary#0").set_value("Thanked the team for the support during the placement move")
    at.button(key="FormSubmitter:new_compliment#0-Record the compliment").click().run()
    assert not at.error, [e.value for e in at.error]
    db = connect(demo_db_path)
    assert db["compliments"].count == before + 1
    db.close()
    listed = tables.rows(at.table[-1])
    assert listed[0]["Summary"] == "Thanked the team for the support during the placement move"
    assert listed[0]["Received"] == f"{date.today():%d/%m/%Y}"


def test_changing_a_filter_goes_back_to_the_first_page(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "viewer", "complaints.py")
    at.number_input(key="register_page").set_value(3).run()
    third = tables.column(at.table[0], "Reference")
    assert at.number_input(key="register_page").value == 3
    at.selectbox(key="register_procedure").set_value("statutory").run()
    assert at.number_input(key="register_page").value == 1
    assert tables.column(at.table[0], "Reference") != third


def test_the_officer_codes_a_concern_raised_twice(demo_db_path, monkeypatch):
    reference = open_stage_one(demo_db_path, in_manager_area=False)
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py", complaint_reference=reference)
    db = connect(demo_db_path)
    complaint_id = db.execute("SELECT id FROM complaints WHERE reference = ?", [reference]).fetchone()[0]
    db.close()
    for number in at.number_input:
        if number.key and number.key.startswith(f"concern-c{complaint_id}-"):
            number.set_value({"Communication": 2, "Finance": 1}.get(number.label, 0))
    at.button(key=f"FormSubmitter:concerns-c{complaint_id}#0-Save the concerns").click().run()
    assert not at.error, [e.value for e in at.error]
    db = connect(demo_db_path)
    from learning_tracker.services.complaints import concern_texts

    assert concern_texts(db, complaint_id) == ["Communication", "Communication", "Finance"]
    db.close()
    facts = dict(tables.frame(at.table[1]).itertuples(index=False))
    assert facts["Concerns"] == "Communication ×2; Finance"


def test_the_register_opens_again_after_a_visit_to_another_page(demo_db_path, monkeypatch):
    # Leaving the page drops the pager's state, while the filters the page remembers stay the same.
    at = open_page(demo_db_path, monkeypatch, "complaints_officer", "complaints.py")
    at.switch_page(str(ROOT / "pages" / "overview.py")).run()
    assert not at.exception, at.exception
    at.switch_page(str(ROOT / "pages" / "complaints.py")).run()
    assert not at.exception, at.exception
    assert at.number_input(key="register_page").value == 1
    assert len(tables.rows(at.table[0])) > 0
