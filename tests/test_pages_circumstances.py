"""The complaint page's advocacy, time limit and declining (services/circumstances.py), driven server side
(AppTest) on the demo database as the complaints officer and a viewer."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import workdays
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.models import NewComplaint
from learning_tracker.rules.periods import long_date
from learning_tracker.services import complaints
from learning_tracker.services.core import actor_by_email
from tests.factories import open_page

from . import tables

TODAY = date.today()


def received_on() -> date:
    """A working day three weeks ago: the new complaints' receipt."""
    day = date.fromordinal(TODAY.toordinal() - 21)
    while not workdays.is_working_day(day):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def new_complaint(path, reference: str, **values) -> int:
    db = database.connect(path)
    try:
        officer = actor_by_email(db, DEMO_USERS_BY_ROLE["complaints_officer"])
        return complaints.create_complaint(db, officer, NewComplaint(
            reference=reference, received_on=received_on(), service_area="Team West",
            **{"procedure": "statutory", **values}))
    finally:
        db.close()


def stored(path, complaint_id: int) -> dict:
    db = database.connect(path)
    try:
        return db["complaints"].get(complaint_id)
    finally:
        db.close()


def open_complaint(path, monkeypatch, role: str, reference: str) -> AppTest:
    at = open_page(path, monkeypatch, role, "complaints.py", complaint_reference=reference)
    assert not at.exception, at.exception
    return at


def facts(at: AppTest) -> dict[str, str]:
    """The complaint's facts table (the register's table comes first)."""
    return dict(tables.frame(at.table[1]).itertuples(index=False))


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


ADVOCACY_WARNING = "Advocacy not yet offered"


def test_a_statutory_complaint_prompts_for_advocacy_until_the_officer_records_it(demo_db_path, monkeypatch):
    complaint_id = new_complaint(demo_db_path, "CS-ADV-0001")
    at = open_complaint(demo_db_path, monkeypatch, "complaints_officer", "CS-ADV-0001")
    assert facts(at)["Advocacy"] == "not yet offered"
    assert any(w.startswith(ADVOCACY_WARNING) for w in warnings(at))
    labels = [t.label for t in at.tabs]
    assert "Advocacy and time limit" in labels and "Decline or refuse" in labels

    offered = received_on()
    at.date_input(key=f"advocacy-offered-c{complaint_id}#0").set_value(offered)
    at.selectbox(key=f"advocacy-accepted-c{complaint_id}#0").set_value("yes")
    at.button(key=f"FormSubmitter:advocacy-c{complaint_id}#0-Save the advocacy").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == f"CS-ADV-0001: advocacy offered on {long_date(offered)} is recorded."
    shown = facts(at)
    assert (shown["Advocacy"], shown["Advocate"]) == (f"offered {long_date(offered)}, accepted", "yes")
    assert not any(w.startswith(ADVOCACY_WARNING) for w in warnings(at))
    row = stored(demo_db_path, complaint_id)
    assert (row["advocacy_offered_on"], row["advocacy_accepted"], row["advocate"]) == (offered.isoformat(), 1, 1)


def test_a_corporate_complaint_by_a_parent_is_not_prompted_and_one_by_a_child_is(demo_db_path, monkeypatch):
    new_complaint(demo_db_path, "CS-ADV-0002", procedure="corporate", complainant_type="parent or carer")
    new_complaint(demo_db_path, "CS-ADV-0003", procedure="corporate", complainant_type="child or young person")
    at = open_complaint(demo_db_path, monkeypatch, "viewer", "CS-ADV-0002")
    assert facts(at)["Advocacy"] == "not yet offered"
    assert not any(w.startswith(ADVOCACY_WARNING) for w in warnings(at))
    at = open_complaint(demo_db_path, monkeypatch, "viewer", "CS-ADV-0003")
    assert any(w.startswith(ADVOCACY_WARNING) for w in warnings(at))
    assert at.tabs == [] or [t.label for t in at.tabs] == []


def test_a_late_complaint_declined_through_the_time_limit_form_shows_as_declined(demo_db_path, monkeypatch):
    complaint_id = new_complaint(demo_db_path, "CS-LATE-0001")
    grounds = date(received_on().year - 2, 1, 10)
    at = open_complaint(demo_db_path, monkeypatch, "complaints_officer", "CS-LATE-0001")
    form = f"c{complaint_id}#0"
    at.date_input(key=f"grounds-{form}").set_value(grounds)
    at.button(key=f"FormSubmitter:time-limit-{form}-Save the time limit").click().run()
    assert "decision is required" in at.error[0].value
    assert stored(demo_db_path, complaint_id)["grounds_arose_on"] is None

    at.selectbox(key=f"late-decision-{form}").set_value("declined")
    at.text_input(key=f"late-reason-{form}").input("No reason given for the two-year delay")
    at.date_input(key=f"late-decided-{form}").set_value(TODAY)
    at.button(key=f"FormSubmitter:time-limit-{form}-Save the time limit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == f"CS-LATE-0001 is declined as late; its open stage closed on {long_date(TODAY)}."
    shown = facts(at)
    assert shown["Outcome"] == f"declined ({long_date(TODAY)})"
    assert shown["Why declined"] == "matter more than a year old"
    assert shown["Time limit"] == (f"grounds arose {long_date(grounds)}; late, declined: "
                                   "No reason given for the two-year delay")
    stage_line = next(m.value for m in at.markdown if m.value.startswith("**1. Statutory stage 1**"))
    assert stage_line.endswith(f"declined on {long_date(TODAY)} (matter more than a year old)")
    assert "timescale" not in stage_line
    labels = [t.label for t in at.tabs]
    assert not {"Outcome", "Response", "Decline or refuse", "Escalation", "Withdrawal"} & set(labels)


def test_the_officer_declines_a_complaint_for_a_configured_reason(demo_db_path, monkeypatch):
    complaint_id = new_complaint(demo_db_path, "CS-DEC-0001", procedure="corporate", complainant_type="professional")
    at = open_complaint(demo_db_path, monkeypatch, "complaints_officer", "CS-DEC-0001")
    form = f"c{complaint_id}#0"
    at.button(key=f"FormSubmitter:decline-{form}-Decline the complaint").click().run()
    assert "reason is required" in at.error[0].value
    at.selectbox(key=f"declined-reason-{form}").set_value("would prejudice legal or other proceedings")
    at.date_input(key=f"declined-{form}").set_value(TODAY)
    at.button(key=f"FormSubmitter:decline-{form}-Decline the complaint").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.success[0].value == (f"CS-DEC-0001 is declined (would prejudice legal or other proceedings); its open "
                                   f"stage closed on {long_date(TODAY)}.")
    row = stored(demo_db_path, complaint_id)
    assert (row["outcome"], row["declined_reason"]) == ("declined", "would prejudice legal or other proceedings")
    assert any(m.value.endswith(f"declined on {long_date(TODAY)} (would prejudice legal or other proceedings)")
               for m in at.markdown)


def test_a_decision_on_a_complaint_that_is_not_late_is_shown_as_an_error(demo_db_path, monkeypatch):
    complaint_id = new_complaint(demo_db_path, "CS-LATE-0002")
    at = open_complaint(demo_db_path, monkeypatch, "complaints_officer", "CS-LATE-0002")
    form = f"c{complaint_id}#0"
    at.date_input(key=f"grounds-{form}").set_value(received_on())
    at.selectbox(key=f"late-decision-{form}").set_value("considered")
    at.text_input(key=f"late-reason-{form}").input("Why not")
    at.button(key=f"FormSubmitter:time-limit-{form}-Save the time limit").click().run()
    assert "cannot be recorded: the complaint is not late" in at.error[0].value
    assert stored(demo_db_path, complaint_id)["late_decision"] is None
    at.selectbox(key=f"late-decision-{form}").set_value(None)
    at.text_input(key=f"late-reason-{form}").input("")
    at.button(key=f"FormSubmitter:time-limit-{form}-Save the time limit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert facts(at)["Time limit"] == f"grounds arose {long_date(received_on())}; within the time limit"
