"""The "Did it work?" page (issue 15) for each role (AppTest), its chart, and themes as concern codes.

Each test builds its own embedded learning point on a copy of the demo, in a service area of its own, so the
figures are exact whatever learning the demo holds: three complaints raising its theme before it was
recorded, one after it was embedded, and others that must not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from learning_tracker import charts
from learning_tracker import db as database
from learning_tracker.errors import InvalidInput
from learning_tracker.models import NewComplaint
from learning_tracker.read import effectiveness as recurrence
from learning_tracker.rules import vocabulary
from learning_tracker.rules.periods import add_months, long_date, short_date
from learning_tracker.services import complaints, learning_points, permissions
from learning_tracker.services.core import actor_by_email
from learning_tracker.services.importing import import_file
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from . import tables
from .factories import build_world, open_page
from .test_importing import csv_bytes

TODAY = date.today()  # the page reviews as of today
PAGE = "effectiveness.py"
AREA = "Kestrel Lodge"
THEME = "Standards of service > delay in receiving service"
CREATED_ON = add_months(TODAY, -10)
EMBEDDED_ON = add_months(TODAY, -8)  # its six months after ended two months ago: a review is due


@dataclass
class Embedded:
    db: object
    path: object
    area_id: int
    point_id: int
    references: list[str]


def _complaint(db, officer, reference, received_on, concern):
    return complaints.create_complaint(db, officer, NewComplaint(
        reference=reference, received_on=received_on, procedure="statutory", service_area=AREA,
        acknowledged_on=received_on, concerns=[concern]), today=TODAY)


def build_embedded(demo_db_path) -> Embedded:
    """Add to the demo at ``demo_db_path`` a learning point of Kestrel Lodge recorded ten months ago and embedded
    eight months ago (its one action verified then), with its complaints; its review is due."""
    db = database.connect(demo_db_path)
    officer = actor_by_email(db, DEMO_USERS_BY_ROLE["complaints_officer"])
    with database.transaction(db):
        area_id = db["service_areas"].insert({"name": AREA}).last_pk
    counted_before = [CREATED_ON - timedelta(days=150), CREATED_ON - timedelta(days=40), CREATED_ON - timedelta(days=1)]
    references = []
    for n, day in enumerate(counted_before, start=1):
        references.append(f"KL-{n}")
        _complaint(db, officer, f"KL-{n}", day, THEME)
    _complaint(db, officer, "KL-4", EMBEDDED_ON + timedelta(days=20), THEME)  # after
    _complaint(db, officer, "KL-5", CREATED_ON - timedelta(days=30), "Standards of service > service level / care plan dispute")
    _complaint(db, officer, "KL-6", CREATED_ON - timedelta(days=30), "Finance")  # another theme
    _complaint(db, officer, "KL-7", EMBEDDED_ON - timedelta(days=5), THEME)  # between the windows
    with database.transaction(db):
        point_id = db["learning_points"].insert({
            "service_area_id": area_id, "theme": THEME, "description": "Tell families when a service will start",
            "source": "complaint", "status": vocabulary.EMBEDDED, "created_by": officer.id,
            "created_on": CREATED_ON.isoformat()}).last_pk
        complaint_id = db.execute("SELECT id FROM complaints WHERE reference = 'KL-3'").fetchone()[0]
        db["learning_point_complaints"].insert({"learning_point_id": point_id, "complaint_id": complaint_id})
        db["actions"].insert({
            "learning_point_id": point_id, "description": "Write to each family with a start date",
            "owner_id": officer.id, "service_area_id": area_id, "due_on": EMBEDDED_ON.isoformat(),
            "priority": "high", "status": vocabulary.VERIFIED, "created_on": CREATED_ON.isoformat(),
            "completed_on": EMBEDDED_ON.isoformat(), "verified_on": EMBEDDED_ON.isoformat()})
    return Embedded(db, demo_db_path, area_id, point_id, references)


@pytest.fixture
def embedded(demo_db_path):
    built = build_embedded(demo_db_path)
    yield built
    built.db.close()


def open_as(embedded, monkeypatch, role, **state):
    at = open_page(embedded.path, monkeypatch, role, PAGE, **state)
    assert not at.exception, at.exception
    return at


def open_on_kestrel(embedded, monkeypatch, role):
    """The page narrowed to Kestrel Lodge, its one learning point chosen."""
    return open_as(embedded, monkeypatch, role, effectiveness_areas=[embedded.area_id])


def success(at):
    return [s.value for s in at.success]


# --- the view ---------------------------------------------------------------------------------------


def test_the_officer_sees_before_and_after_a_p_value_and_a_review_due(embedded, monkeypatch):
    at = open_on_kestrel(embedded, monkeypatch, "complaints_officer")
    assert [t.value for t in at.title] == ["Did it work?"]
    assert {m.label: m.value for m in at.metric} == {"Embedded learning points": "1", "Reviews due": "1",
                                                     "Reviewed": "0"}
    assert tables.rows(at.table[0]) == [{
        "Learning point": str(embedded.point_id), "Service area": AREA, "Theme": THEME,
        "Embedded on": short_date(EMBEDDED_ON), "Complaints before": "3", "Complaints after": "1",
        "p-value": "0.625", "After window complete": "yes", "Review": "due"}]
    before_from, after_to = add_months(CREATED_ON, -6), add_months(EMBEDDED_ON, 6)
    assert (f"**Before:** 3 complaints raising {THEME} from {long_date(before_from)} to "
            f"{long_date(CREATED_ON - timedelta(days=1))}. **After:** 1 from {long_date(EMBEDDED_ON + timedelta(days=1))} "
            f"to {long_date(after_to)}. **p-value:** 0.625.") in [tables.unescape(m.value) for m in at.markdown]

    # The chart's figures, month by month, as a table beside it: the complaint between the windows is shown.
    months = tables.rows(at.table[1])
    assert months[0]["Month"] == f"{before_from:%B %Y}" and months[-1]["Month"] == f"{after_to:%B %Y}"
    assert len(months) == 15  # from ten plus six months ago to eight less six: every month, zeros included
    assert sum(int(m["Complaints"]) for m in months) == 5
    by_month = {m["Month"]: m for m in months}
    assert by_month[f"{EMBEDDED_ON - timedelta(days=5):%B %Y}"]["Complaints"] == "1"
    assert by_month[f"{CREATED_ON - timedelta(days=150):%B %Y}"]["Window"] == "before"
    assert by_month[f"{EMBEDDED_ON + timedelta(days=20):%B %Y}"]["Window"] in ("after", "before and after")
    [chart] = at.get("vega_lite_chart")
    assert f"Complaints raising {THEME} in {AREA}, per month" in chart.proto.spec

    # The form: nothing chosen for the verdict.
    verdict = at.selectbox(key=f"effectiveness-verdict-{embedded.point_id}#0")
    assert verdict.options == ["effective", "partly effective", "not effective"]
    assert verdict.value is None


def test_not_effective_reopens_the_learning_point_and_asks_for_a_new_action(embedded, monkeypatch):
    at = open_on_kestrel(embedded, monkeypatch, "complaints_officer")
    point_id = embedded.point_id
    at.selectbox(key=f"effectiveness-verdict-{point_id}#0").set_value("not effective")
    at.text_area(key=f"effectiveness-note-{point_id}#0").input("Families still wait without a start date")
    at.button(key=next(b.key for b in at.button if b.label == "Record the review")).click()
    at.run()
    assert not at.exception, at.exception
    assert success(at) == [f"Learning point {point_id} was not effective: it is open again. Add a new improvement "
                           "action to it on Record learning (complaint KL-3)."]

    point = embedded.db["learning_points"].get(point_id)
    assert (point["status"], point["version"]) == (vocabulary.OPEN, 2)
    assert embedded.db.execute(
        "SELECT embedded_on, verdict, note, reviewed_on FROM effectiveness_reviews WHERE learning_point_id = ?",
        [point_id]).fetchall() == [(EMBEDDED_ON.isoformat(), "not effective", "Families still wait without a start date",
                                    TODAY.isoformat())]
    assert embedded.db.execute("SELECT COUNT(*) FROM audit_events WHERE event = 'record effectiveness review' "
                               "AND entity_id = ? AND outcome = 'done'", [point_id]).fetchone()[0] == 1

    # The page says it is open again, offers the way to a new action, and offers no second review.
    assert tables.rows(at.table[0])[0]["Review"] == "not effective"
    assert f"Learning point {point_id} is open again: it needs a new improvement action." in [w.value for w in at.warning]
    assert any(f"status: {vocabulary.OPEN}" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Record the review"]
    links = [e for e in at.get("page_link")]
    assert any("Add a new improvement action" in link.proto.label and "complaint=KL-3" in link.proto.query_string
               for link in links)


def test_a_review_without_a_verdict_is_refused_and_nothing_is_saved(embedded, monkeypatch):
    at = open_on_kestrel(embedded, monkeypatch, "complaints_officer")
    at.text_area(key=f"effectiveness-note-{embedded.point_id}#0").input("Not sure yet")
    at.button(key=next(b.key for b in at.button if b.label == "Record the review")).click()
    at.run()
    assert not at.exception, at.exception
    assert any("verdict" in e.value and "required" in e.value for e in at.error), [e.value for e in at.error]
    assert embedded.db.execute("SELECT COUNT(*) FROM effectiveness_reviews WHERE learning_point_id = ?",
                               [embedded.point_id]).fetchone()[0] == 0
    assert embedded.db["learning_points"].get(embedded.point_id)["status"] == vocabulary.EMBEDDED


def test_a_forum_member_records_that_it_worked_and_the_learning_point_stays_embedded(embedded, monkeypatch):
    at = open_on_kestrel(embedded, monkeypatch, "forum_member")
    at.selectbox(key=f"effectiveness-verdict-{embedded.point_id}#0").set_value("effective")
    at.button(key=next(b.key for b in at.button if b.label == "Record the review")).click()
    at.run()
    assert success(at) == [f"Learning point {embedded.point_id}: the review is recorded (effective)."]
    assert embedded.db["learning_points"].get(embedded.point_id)["status"] == vocabulary.EMBEDDED
    assert tables.rows(at.table[0])[0]["Review"] == "effective"
    assert not [w for w in at.warning if "open again" in w.value]


@pytest.mark.parametrize("role", ["viewer", "service_manager"])
def test_readers_see_the_review_due_but_no_form(embedded, monkeypatch, role):
    at = open_on_kestrel(embedded, monkeypatch, role)
    assert tables.rows(at.table[0])[0]["Review"] == "due"
    assert not [b for b in at.button if b.label == "Record the review"]
    assert "A review is due: the complaints officer or a forum member records whether it worked." in [
        c.value for c in at.caption]


def test_a_service_manager_sees_their_own_areas_by_default(embedded, monkeypatch):
    manager = actor_by_email(embedded.db, DEMO_USERS_BY_ROLE["service_manager"])
    own = permissions.own_service_areas(manager)
    at = open_as(embedded, monkeypatch, "service_manager")
    assert at.multiselect(key="effectiveness_areas").value == list(own)
    expected = recurrence.embedded_learning(embedded.db, TODAY, service_area_ids=own)
    assert {m.label: m.value for m in at.metric}["Embedded learning points"] == f"{len(expected):,}"
    assert set(tables.column(at.table[0], "Service area")) <= {"Through Care"}


def test_share_this_learning_lists_the_areas_where_the_theme_is_rising(embedded, monkeypatch):
    officer = actor_by_email(embedded.db, DEMO_USERS_BY_ROLE["complaints_officer"])
    with database.transaction(embedded.db):
        embedded.db["service_areas"].insert({"name": "Heron Court"})
    for n in range(2):
        complaints.create_complaint(embedded.db, officer, NewComplaint(
            reference=f"HC-{n}", received_on=TODAY - timedelta(days=10 + n), procedure="statutory",
            service_area="Heron Court", acknowledged_on=TODAY - timedelta(days=10 + n), concerns=[THEME]), today=TODAY)
    at = open_on_kestrel(embedded, monkeypatch, "complaints_officer")
    shared = tables.find(at.table, "The last 6 months")
    rising = recurrence.rising_elsewhere(embedded.db, THEME, embedded.area_id, TODAY)
    assert {"service_area": "Heron Court", "before": 0, "recent": 2} in rising
    assert shared.to_dict("records") == [
        {"Service area": r["service_area"], "The 6 months before": str(r["before"]), "The last 6 months": str(r["recent"])}
        for r in rising]


def test_the_officer_is_shown_themes_that_are_not_concern_codes_and_others_are_not(embedded, monkeypatch):
    with database.transaction(embedded.db):
        embedded.db.execute("UPDATE learning_points SET theme = 'Late letters' WHERE id = ?", [embedded.point_id])
    at = open_as(embedded, monkeypatch, "complaints_officer")
    [expander] = [e for e in at.expander if "not a concern code" in e.label]
    assert expander.label.startswith(f"{len(recurrence.unmatched_themes(embedded.db)):,} learning point")
    unmatched = tables.find(at.table, "Theme")
    assert {"Learning point": str(embedded.point_id), "Service area": AREA, "Theme": "Late letters"} in \
        unmatched.to_dict("records")
    viewer = open_as(embedded, monkeypatch, "viewer")
    assert not [e for e in viewer.expander if "not a concern code" in e.label]


# --- the chart --------------------------------------------------------------------------------------


def test_the_recurrence_chart_draws_months_as_bars_and_marks_the_two_days():
    import pandas as pd

    frame = pd.DataFrame({"Month": [date(2026, 1, 1), date(2026, 2, 1)], "Complaints": [3, 0]})
    chart = charts.recurrence_chart(frame, {"Learning recorded": date(2026, 1, 15),
                                            "Embedded (last action verified)": date(2026, 2, 3)}, "A title")
    spec = chart.to_dict()
    bars, rules = spec["layer"]
    assert spec["title"] == "A title"
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["timeUnit"] == "yearmonth" and bars["encoding"]["x"]["title"] == "Month"
    assert bars["encoding"]["y"]["field"] == "Complaints"
    assert rules["mark"]["type"] == "rule"
    assert rules["encoding"]["color"]["scale"]["domain"] == ["Learning recorded", "Embedded (last action verified)"]
    days = spec["datasets"][rules["data"]["name"]]
    assert [(d["What happened"], d["Date"][:10]) for d in days] == [
        ("Learning recorded", "2026-01-15"), ("Embedded (last action verified)", "2026-02-03")]
    assert charts.to_svg(chart).startswith("<svg")


# --- themes are concern codes -----------------------------------------------------------------------


def test_a_theme_is_any_active_concern_code_in_its_configured_spelling(tmp_path):
    world = build_world(tmp_path / "w.db")
    assert learning_points.check_theme(world.db, " communication ") == "Communication"
    assert learning_points.check_theme(world.db, "standards of service>DELAY IN  receiving service") == THEME
    with pytest.raises(InvalidInput) as refused:
        learning_points.check_theme(world.db, "Standards of service > late letters")
    assert "Standards of service > late letters" in str(refused.value)
    assert THEME in str(refused.value)  # the codes it may be are listed
    with database.transaction(world.db):
        world.db.execute("UPDATE concern_codes SET active = 0 WHERE category = 'Finance'")
    with pytest.raises(InvalidInput):
        learning_points.check_theme(world.db, "Finance")


def test_the_learning_import_takes_a_concern_code_as_its_theme(tmp_path):
    world = build_world(tmp_path / "w.db")
    complaints.create_complaint(world.db, world.officer, NewComplaint(
        reference="L-1", received_on=date(2026, 1, 6), procedure="statutory", service_area="Team West",
        acknowledged_on=date(2026, 1, 6)), today=date(2026, 2, 1))
    learning = csv_bytes("service_area,theme,description,complaints",
                         "Team West,standards of service > delay in receiving service,Start dates in writing,L-1",
                         "Team West,Standards of service > late letters,Answer letters,L-1")
    plan = import_file(world.db, world.officer, "learning", "l.csv", learning, today=date(2026, 2, 1))
    [problem] = plan.problems  # the first row is fine; nothing is written while a row is wrong
    assert str(problem).startswith("row 3: theme ('Standards of service > late letters')")
    assert THEME in str(problem)  # the codes it may be are listed
    fixed = csv_bytes("service_area,theme,description,complaints",
                      "Team West,standards of service > delay in receiving service,Start dates in writing,L-1")
    assert import_file(world.db, world.officer, "learning", "l.csv", fixed, today=date(2026, 2, 1)).problems == []
    assert world.db.execute("SELECT theme FROM learning_points ORDER BY id DESC LIMIT 1").fetchone() == (THEME,)
