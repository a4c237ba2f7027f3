"""The demo database gives back the 2021-22 annual report's tables, record by record, and a current
year worth showing: open stages of every RAG colour, overdue actions and learning gaps."""

from __future__ import annotations

from datetime import date

import pytest

from learning_tracker import config, demo, workdays
from learning_tracker.read import report_figures, key_facts
from learning_tracker import db as database
from learning_tracker.rules import rag as rag_rule
from learning_tracker.rules import periods, procedures

TODAY = date(2026, 11, 26)
AS_OF_DATES = [date(2023, 3, 31), TODAY]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = database.connect(tmp_path_factory.mktemp("demo") / "demo.db")
    demo.build_demo(db, TODAY)
    yield db
    db.close()


@pytest.fixture(scope="module")
def figures(demo_db):
    return report_figures.annual_figures(demo_db, "2021-22", date(2023, 3, 31))


# -- 2021-22, table by table ------------------------------------------------------------------------


def test_complaints_received_by_procedure(figures):
    assert figures["complaints_received"] == {"total": 235, "statutory": 177, "corporate": 18, "informal": 40}


def test_received_via(figures):
    assert figures["received_via"] == {"email": 141, "online form": 89, "letter": 4, "telephone": 1}


def test_statutory_outcomes(figures):
    assert figures["statutory_outcomes"] == {
        "upheld": 11, "partly upheld": 56, "not upheld": 41, "withdrawn": 65, "open": 4
    }  # fmt: skip


def test_statutory_complaints_by_service_area(figures):
    by_area = figures["statutory_by_service_area"]
    assert {area: by_area[area] for area in demo.STATUTORY_BY_AREA_2122} == {
        "Through Care": 29, "Team West": 30, "Children's Disability Team": 5, "Looked After Children": 30,
        "Team South": 14, "Team East": 23, "Team Central": 20, "Fostering & Adoption": 2, "MASH": 10,
        "Quality & Assurance": 5, "Social Work Academy": 5, "Early Help (Team Central)": 1,
        "Early Help (Team East)": 3, "Youth Offending Services": 0,
    }  # fmt: skip
    assert set(by_area) == set(demo.SERVICE_AREAS)
    assert sum(by_area.values()) == 177
    assert list(by_area)[:3] == ["Looked After Children", "Team West", "Through Care"]


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_statutory_complaints_by_final_stage_and_timescale(demo_db, as_of):
    stages = report_figures.annual_figures(demo_db, "2021-22", as_of)["statutory_by_final_stage"]
    assert stages == {
        "1": {"complaints": 163, "within_timescale": 122, "over_timescale": 41, "pending": 0, "average_working_days": 7.0},
        "2": {"complaints": 13, "within_timescale": 12, "over_timescale": 1, "pending": 0, "average_working_days": 34.0},
        "3": {"complaints": 1, "within_timescale": 1, "over_timescale": 0, "pending": 0, "average_working_days": 35.0},
    }


def test_stage1_average_working_days_by_quarter(figures):
    assert figures["stage1_average_working_days_by_quarter"] == {"Q1": 8.0, "Q2": 7.0, "Q3": 6.0, "Q4": 6.0}


def test_the_four_open_complaints_wait_at_stage_1_long_past_due(demo_db):
    rows = demo_db.execute(
        """SELECT s.stage, s.responded_on, s.due_on FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id
           WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31' AND c.procedure = 'statutory'
             AND c.outcome IS NULL"""
    ).fetchall()
    assert len(rows) == 4
    assert all(stage == 1 and responded is None and due < "2022-04-01" for stage, responded, due in rows)


def test_stage2_uses_extensions_within_the_cap(demo_db):
    rows = demo_db.execute(
        """SELECT working_days(s.clock_started_on, s.extended_due_on), s.extension_reason,
                  s.responded_on <= s.extended_due_on
           FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id AND s.procedure = 'statutory' AND s.stage = 2
           WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31'
             AND NOT EXISTS (SELECT 1 FROM complaint_stages t WHERE t.complaint_id = c.id AND t.stage = 3)"""
    ).fetchall()
    extended = [row for row in rows if row[0] is not None]
    assert len(rows) == 13
    assert len(extended) >= 7
    assert all(days <= 65 and reason for days, reason, _ in extended)
    assert sum(1 for _, _, within in extended if not within) == 1


def test_corporate_complaints_reaching_stage_2(figures):
    corporate = figures["corporate_by_final_stage"]
    assert corporate["2"]["complaints"] == 3
    assert corporate["1"]["complaints"] + corporate["2"]["complaints"] == 18


def test_concerns_by_category(figures):
    assert figures["concerns_by_category"] == {
        "Communication": 190, "Standards of service": 139, "Alleged staff conduct": 48, "Child protection issues": 19,
        "Breach of confidentiality": 2, "Standard of environment": 2, "Finance": 0,
    }  # fmt: skip


def test_standards_of_service_concerns_use_every_subcategory(demo_db):
    rows = demo_db.execute(
        """SELECT cc.subcategory, COUNT(*) FROM concerns k JOIN concern_codes cc ON cc.id = k.concern_code_id
           JOIN complaints c ON c.id = k.complaint_id
           WHERE cc.category = 'Standards of service' AND c.procedure = 'statutory'
             AND c.received_on BETWEEN '2021-04-01' AND '2022-03-31' GROUP BY 1"""
    ).fetchall()
    assert len(rows) == 4
    assert sum(n for _, n in rows) == 139


def test_every_complaint_raises_a_concern_and_some_raise_one_twice(demo_db):
    counts = demo_db.execute(
        """SELECT COUNT(k.id), COUNT(DISTINCT k.concern_code_id) FROM complaints c
           LEFT JOIN concerns k ON k.complaint_id = c.id WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31'
           GROUP BY c.id"""
    ).fetchall()
    assert len(counts) == 235
    assert min(n for n, _ in counts) >= 1
    assert any(n > distinct for n, distinct in counts)


def test_complainants(figures, demo_db):
    assert figures["complainants"] == {"children_and_young_people": 23, "with_advocate": 14}
    rows = demo_db.execute(
        """SELECT complainant_type, COUNT(*) FROM complaints
           WHERE received_on BETWEEN '2021-04-01' AND '2022-03-31' AND advocate = 1 GROUP BY 1"""
    ).fetchall()
    assert dict(rows) == {"child or young person": 13, "parent or carer": 1}


def test_equality(figures):
    assert figures["equality"] == {
        "gender": {"male": 111, "female": 103, "not recorded": 21},
        "age_band": {"under 16": 176, "16-24": 34, "25-34": 2, "35-49": 1, "50-64": 2, "not recorded": 20},
        "ethnicity": {
            "White British": 131, "White and Black Caribbean": 20, "Pakistani": 12, "African": 9, "Indian": 6,
            "White and Black African": 6, "Any other Asian background": 4, "White and Asian": 4,
            "Any other Black, African or Caribbean background": 3, "Any other ethnic group": 3,
            "Any other Mixed background": 3, "Caribbean": 2, "White Irish": 1,
            "not recorded": 31,  # the report's 23 plus the 8 its table leaves out
        },
        "disability": {"yes": 14, "no": 198, "not recorded": 23},
    }  # fmt: skip


def test_ombudsman(figures):
    ombudsman = figures["ombudsman"]
    assert ombudsman["referred"] == 15
    assert ombudsman["decisions"]["upheld"] == 2
    assert ombudsman["decisions"]["closed after initial enquiries"] + ombudsman["decisions"]["not for the Ombudsman"] == 13


def test_remedy_payments(figures, demo_db):
    assert figures["remedy_payments_gbp"] == {
        "total": 500.0, "by_procedure": {"statutory": 200.0, "corporate": 300.0, "informal": 0.0}
    }  # fmt: skip
    paid = demo_db.execute(
        """SELECT c.procedure, c.remedy_pence, c.lgsco_decision, MAX(s.stage) FROM complaints c
           JOIN complaint_stages s ON s.complaint_id = c.id AND s.procedure = c.procedure
           WHERE c.remedy_pence > 0 AND c.received_on BETWEEN '2021-04-01' AND '2022-03-31'
           GROUP BY c.id ORDER BY c.procedure"""
    ).fetchall()
    assert paid == [("corporate", 30000, None, 2), ("statutory", 20000, "upheld", 2)]


def test_compliments(figures, demo_db):
    compliments = figures["compliments"]
    assert compliments["total"] == 502
    assert compliments["by_source"] == {
        "professional": 191, "parent or carer": 179, "young person or child": 43, "police judge or legal": 42,
        "school or education": 25, "foster carer": 18, "adopter": 3, "other": 1,
    }  # fmt: skip
    assert compliments["by_category"] == {
        "standard of service": 284, "good communication": 128, "standard of practice": 113,
        "good child focus": 98, "good partnership working": 85,
    }  # fmt: skip
    by_area = compliments["by_service_area"]
    assert {team: by_area[demo.REPORT_TEAM_NAMES[team]] for team in demo.COMPLIMENTS_BY_TEAM_2122} == {
        "Team Central": 92, "Team East": 44, "Team South": 37, "Team West": 40, "Responsive Services": 8,
        "Social Work Academy": 4, "Youth Offending": 64, "Through Care": 84, "Edge of Care": 3,
        "LAC & Permanency": 73, "Fostering and Adoption": 22, "Placements": 3, "Children's Disability Team": 23,
        "Safeguarding": 0, "Quality Assurance": 2, "Children's Champion": 3,
    }  # fmt: skip
    uncategorised = demo_db.execute(
        """SELECT COUNT(*) FROM compliments m WHERE m.summary = ''
           OR NOT EXISTS (SELECT 1 FROM compliment_categories c WHERE c.compliment_id = m.id)"""
    ).fetchone()[0]
    assert uncategorised == 0


def test_report_team_names_map_onto_service_areas():
    assert set(demo.REPORT_TEAM_NAMES.values()) == set(demo.SERVICE_AREAS)
    assert demo.REPORT_TEAM_NAMES["LAC & Permanency"] == "Looked After Children"
    assert demo.REPORT_TEAM_NAMES["Fostering and Adoption"] == "Fostering & Adoption"


def test_reconciliation_checks_pass(figures):
    assert [check for check in figures["reconciliation"] if not check["ok"]] == []


# -- 2021-22 learning -------------------------------------------------------------------------------


def test_every_upheld_complaint_of_2021_22_has_learning_or_a_no_learning_decision(demo_db):
    assert key_facts.learning_gaps(demo_db, "2021-22") == 0
    decided = demo_db.execute(
        """SELECT COUNT(*) FROM complaints WHERE received_on BETWEEN '2021-04-01' AND '2022-03-31'
           AND no_learning_reason IS NOT NULL AND no_learning_recorded_by IS NOT NULL
           AND no_learning_recorded_on IS NOT NULL"""
    ).fetchone()[0]
    assert decided > 0


def test_2021_22_learning_follows_the_report_service_areas(figures, demo_db):
    areas = figures["learning"]["by_service_area"]
    assert set(areas) == {
        "Children's Disability Team", "Fostering & Adoption", "Looked After Children", "MASH", "Placements",
        "Quality & Assurance", "Social Work Academy", "Team Central", "Team East", "Team South", "Team West",
        "Through Care",
    }  # fmt: skip
    descriptions = " ".join(r[0] for r in demo_db.execute("SELECT description FROM actions").fetchall())
    for words in ["short-breaks information", "information guide", "welcome pack", "introduction pack",
                  "workshops on language", "CP Chair practice standards", "induction standards"]:  # fmt: skip
        assert words in descriptions


def test_2021_22_learning_points_draw_on_upheld_complaints_of_their_area(demo_db):
    mismatched = demo_db.execute(
        """SELECT COUNT(*) FROM learning_points lp
           JOIN learning_point_complaints l ON l.learning_point_id = lp.id
           JOIN complaints c ON c.id = l.complaint_id
           WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31'
             AND (c.service_area_id != lp.service_area_id OR c.outcome NOT IN ('upheld', 'partly upheld'))"""
    ).fetchone()[0]
    assert mismatched == 0


def test_actions_are_owned_by_their_area_service_manager(demo_db):
    wrong = demo_db.execute(
        """SELECT COUNT(*) FROM actions a
           WHERE NOT EXISTS (SELECT 1 FROM user_service_areas u WHERE u.user_id = a.owner_id
                             AND u.service_area_id = a.service_area_id)"""
    ).fetchone()[0]
    assert wrong == 0


def test_some_actions_have_evidence_and_history(demo_db):
    evidence = demo_db.execute(
        "SELECT COUNT(*), SUM(link LIKE 'https://intranet.demo.invalid/%'), SUM(content IS NULL) FROM action_evidence"
    ).fetchone()
    assert evidence[0] >= 7
    assert evidence[0] == evidence[1] == evidence[2]
    kinds = {r[0] for r in demo_db.execute("SELECT DISTINCT kind FROM action_updates")}
    # The same kinds the action services record, so the demo's history reads like real history.
    assert kinds == {"created", "status", "note", "due date", "verified"}
    cancelled = demo_db.execute(
        "SELECT COUNT(*), COUNT(cancel_reason) FROM actions WHERE status = 'cancelled'"
    ).fetchone()
    assert cancelled[0] > 0 and cancelled[0] == cancelled[1]


def test_action_dates_follow_their_status(demo_db):
    rows = demo_db.execute("SELECT status, completed_on, verified_on FROM actions").fetchall()
    for status, completed, verified in rows:
        assert (completed is not None) == (status in ("completed", "verified"))
        assert (verified is not None) == (status == "verified")
        if verified:
            assert completed <= verified


def test_learning_point_status_follows_its_actions(demo_db):
    statuses = demo_db.execute(
        """SELECT lp.status, GROUP_CONCAT(a.status, '|') FROM learning_points lp
           LEFT JOIN actions a ON a.learning_point_id = lp.id GROUP BY lp.id"""
    ).fetchall()
    for status, joined in statuses:
        actions = joined.split("|") if joined else []
        if not actions:
            expected = "open"
        elif all(s == "not started" for s in actions):
            expected = "actions agreed"
        elif all(s in ("verified", "cancelled") for s in actions):
            expected = "embedded"
        else:
            expected = "in progress"
        assert status == expected, (status, actions)
    assert {s for s, _ in statuses} == {"open", "actions agreed", "in progress", "embedded"}


# -- previous years ---------------------------------------------------------------------------------


def test_2020_21_figures(demo_db):
    figures = report_figures.annual_figures(demo_db, "2020-21", date(2021, 12, 31))
    assert figures["complaints_received"]["total"] == 157
    assert figures["complaints_received"]["statutory"] == 141
    assert figures["compliments"]["total"] == 445
    stages = figures["statutory_by_final_stage"]
    assert [stages[s]["complaints"] for s in "123"] == [131, 9, 1]
    assert [stages[s]["average_working_days"] for s in "123"] == [9.0, 20.0, 26.0]
    assert figures["corporate_by_final_stage"]["2"]["complaints"] == 3
    assert figures["complainants"] == {"children_and_young_people": 17, "with_advocate": 8}


@pytest.mark.parametrize("year, statutory, advocate", [("2019-20", 212, 13), ("2018-19", 142, 11)])
def test_earlier_years(demo_db, year, statutory, advocate):
    figures = report_figures.annual_figures(demo_db, year, date(2021, 3, 31))
    assert figures["complaints_received"]["statutory"] == statutory
    assert figures["complainants"]["with_advocate"] == advocate


def test_key_facts_of_2021_22_beside_2020_21(demo_db):
    facts = {f["key"]: (f["value"], f["previous"]) for f in key_facts.key_facts(demo_db, "2021-22", date(2023, 3, 31))}
    assert facts["complaints_received"] == (235, 157)
    assert facts["statutory_complaints"] == (177, 141)
    assert facts["resolved_at_stage_1"] == (0.921, 0.929)
    assert facts["stage1_average_working_days"] == (7.0, 9.0)
    assert facts["stage2_average_working_days"] == (34.0, 20.0)
    assert facts["stage3_average_working_days"] == (35.0, 26.0)
    assert facts["compliments_received"] == (502, 445)
    assert facts["learning_gaps"] == (0, 0)


def test_financial_years_run_from_2018_19_to_the_current_year(demo_db):
    years = report_figures.financial_years(demo_db)
    assert years[0] == "2026-27"
    assert years[-1] == "2018-19"
    assert len(years) == 9


# -- the current year -------------------------------------------------------------------------------


def current_year_bounds():
    return [d.isoformat() for d in periods.financial_year_bounds(periods.financial_year_of(TODAY))]


def test_current_year_size(demo_db):
    received = report_figures.complaints_by_procedure(demo_db, periods.financial_year_of(TODAY))
    assert 60 <= received["total"] <= 90
    compliments = report_figures.compliments(demo_db, periods.financial_year_of(TODAY))["total"]
    assert 30 <= compliments <= 60


def test_current_year_has_red_amber_and_green_open_stages(demo_db):
    start, _ = current_year_bounds()
    rows = demo_db.execute(
        """SELECT COALESCE(s.extended_due_on, s.due_on) FROM complaint_stages s
           JOIN complaints c ON c.id = s.complaint_id
           WHERE s.responded_on IS NULL AND COALESCE(c.outcome, '') != 'withdrawn' AND c.received_on >= ?""",
        [start],
    ).fetchall()
    amber = config.amber_threshold(demo_db)
    assert amber == 3
    colours = [rag_rule.rag(date.fromisoformat(due), TODAY, amber) for (due,) in rows]
    assert {colour: colours.count(colour) >= 2 for colour in ("Red", "Amber", "Green")} == {
        "Red": True, "Amber": True, "Green": True
    }  # fmt: skip


def test_current_year_has_answered_and_escalated_complaints(demo_db):
    stages = report_figures.final_stages(demo_db, periods.financial_year_of(TODAY), TODAY, "statutory")
    assert stages["1"]["within_timescale"] > 10
    assert stages["2"]["complaints"] >= 2


def test_current_year_has_overdue_actions_and_learning_gaps(demo_db):
    year = periods.financial_year_of(TODAY)
    assert 3 <= key_facts.learning_gaps(demo_db, year) <= 6
    assert key_facts.action_counts(demo_db, year, TODAY)["overdue"] >= 3


def test_the_demo_service_manager_has_overdue_actions(demo_db):
    overdue = demo_db.execute(
        """SELECT COUNT(*) FROM actions a JOIN users u ON u.id = a.owner_id
           WHERE u.email = ? AND a.due_on < ? AND a.status IN ('not started', 'in progress')""",
        [demo.DEMO_USERS_BY_ROLE["service_manager"], TODAY.isoformat()],
    ).fetchone()[0]
    assert overdue >= 2


def test_forum_meetings_record_decisions(demo_db):
    rows = demo_db.execute(
        "SELECT m.held_on, d.decision FROM forum_meetings m JOIN forum_decisions d ON d.meeting_id = m.id"
    ).fetchall()
    start, _ = current_year_bounds()
    assert len({held for held, _ in rows}) == 2
    assert all(start <= held <= TODAY.isoformat() for held, _ in rows)
    assert {decision for _, decision in rows} <= set(config.VOCABULARIES["forum_decision"])


def test_nothing_is_dated_after_today(demo_db):
    today = TODAY.isoformat()
    checks = {
        "complaints": ["received_on", "outcome_on", "lgsco_referred_on", "no_learning_recorded_on"],
        "complaint_stages": ["clock_started_on", "responded_on"],
        "compliments": ["received_on"],
        "learning_points": ["created_on"],
        "actions": ["created_on", "completed_on", "verified_on"],
        "action_updates": ["at"],
    }
    for table, columns in checks.items():
        for column in columns:
            latest = demo_db.execute(f"SELECT MAX({column}) FROM {table}").fetchone()[0]
            assert latest[:10] <= today, (table, column, latest)


def test_stages_are_consistent(demo_db):
    # Each stage's due dates are where the services put them (``procedures.opening_dates`` and ``moved_dates``)
    # from the steps recorded on it: a review panel's response after its report, a corporate response under
    # the Code after the acknowledgement.
    timescales, code = config.timescales(demo_db), config.code_applies_from(demo_db)
    rows = [dict(r) for r in demo_db.query(
        "SELECT s.*, c.received_on FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id")]
    moved = {r["id"]: procedures.moved_dates(timescales[(r["procedure"], r["stage"])], r, r["received_on"], code)
             for r in rows}  # fmt: skip
    opening = {r["id"]: procedures.opening_dates(timescales[(r["procedure"], r["stage"])],
                                                 date.fromisoformat(r["clock_started_on"])) for r in rows}  # fmt: skip
    assert [r["id"] for r in rows if r["due_on"] != moved[r["id"]]["due_on"]
            or r["response_clock_started_on"] != moved[r["id"]]["response_clock_started_on"]
            or r["panel_report_due_on"] != moved[r["id"]]["panel_report_due_on"]
            or r["acknowledgement_due_on"] != opening[r["id"]]["acknowledgement_due_on"]
            or r["panel_meeting_due_on"] != opening[r["id"]]["panel_meeting_due_on"]] == []
    assert {r["response_clock_started_on"] == r["panel_report_on"] for r in rows if r["stage"] == 3} == {True}
    bad = demo_db.execute(
        """SELECT COUNT(*) FROM complaint_stages
           WHERE responded_on < clock_started_on OR acknowledged_on < clock_started_on
              OR acknowledged_on > responded_on OR acknowledgement_due_on IS NULL
              OR (extended_due_on IS NOT NULL AND (extended_due_on <= due_on OR extension_reason IS NULL))"""
    ).fetchone()[0]
    assert bad == 0


_CURRENT_STAGE = """s.procedure = c.procedure AND s.stage = (SELECT MAX(m.stage) FROM complaint_stages m
                    WHERE m.complaint_id = c.id AND m.procedure = c.procedure)"""


def test_escalated_complaints_keep_each_stages_outcome(demo_db):
    # A complaint's current stage holds the complaint's outcome; every stage it went on from holds the
    # outcome its response gave, on the day it was answered (never withdrawn: a withdrawn complaint ends).
    assert demo_db.execute(
        f"""SELECT COUNT(*) FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id
            WHERE {_CURRENT_STAGE} AND (s.outcome IS NOT c.outcome OR s.outcome_on IS NOT c.outcome_on)"""
    ).fetchone()[0] == 0
    assert demo_db.execute(
        f"""SELECT COUNT(*) FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id
            WHERE NOT ({_CURRENT_STAGE}) AND (s.outcome IS NULL OR s.outcome = 'withdrawn'
                                             OR s.outcome_on IS NOT s.responded_on)"""
    ).fetchone()[0] == 0
    # 2021-22: the 14 statutory complaints that reached stage 2 (one went on to the review panel), the 3
    # corporate ones that reached stage 2 and the 5 first handled informally.
    rows = demo_db.execute(
        f"""SELECT s.procedure, s.stage, s.outcome, COUNT(*) FROM complaints c
            JOIN complaint_stages s ON s.complaint_id = c.id
            WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31' AND NOT ({_CURRENT_STAGE})
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    ).fetchall()
    assert rows == [("corporate", 1, "not upheld", 3), ("informal", 1, "not upheld", 5),
                    ("statutory", 1, "not upheld", 13), ("statutory", 1, "partly upheld", 1),
                    ("statutory", 2, "not upheld", 1)]


# -- users, references, determinism ----------------------------------------------------------------


def test_users_are_named_by_role(demo_db):
    users = demo_db.execute("SELECT email, name, role FROM users").fetchall()
    assert all(email.endswith("@demo.invalid") for email, _, _ in users)
    roles = {email: role for email, _, role in users}
    assert {role: roles[email] for role, email in demo.DEMO_USERS_BY_ROLE.items()} == {
        "complaints_officer": "complaints_officer", "service_manager": "service_manager",
        "forum_member": "forum_member", "viewer": "viewer",
    }  # fmt: skip
    names = {name for _, name, _ in users}
    assert {"Complaints Officer", "Practice Improvement Forum Chair", "Director of Children's Services",
            "Service Manager, Through Care"} <= names  # fmt: skip
    assert all(name.startswith("Service Manager, ") for _, name, role in users if role == "service_manager")


def test_every_service_area_has_a_service_manager(demo_db):
    unmanaged = demo_db.execute(
        """SELECT name FROM service_areas sa WHERE NOT EXISTS (
               SELECT 1 FROM user_service_areas u JOIN users ON users.id = u.user_id
               WHERE u.service_area_id = sa.id AND users.role = 'service_manager')"""
    ).fetchall()
    assert unmanaged == []


def test_references_are_unique_and_name_the_year(demo_db):
    first = demo_db.execute("SELECT reference FROM complaints WHERE received_on = (SELECT MIN(received_on) FROM complaints WHERE received_on >= '2021-04-01')").fetchone()[0]
    assert first == "CS-2122-0001"
    total, distinct = demo_db.execute("SELECT COUNT(*), COUNT(DISTINCT reference) FROM complaints").fetchone()
    assert total == distinct


def table_contents(db):
    tables = [t for t in db.table_names() if t != "migrations"]
    return {t: db.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in tables}


def test_building_twice_gives_the_same_database(demo_db, tmp_path):
    again = database.connect(tmp_path / "again.db")
    demo.build_demo(again, TODAY)
    assert table_contents(again) == table_contents(demo_db)
    again.close()


def test_build_demo_refuses_a_database_with_records(demo_db):
    with pytest.raises(ValueError, match="new, empty database"):
        demo.build_demo(demo_db, TODAY)


def test_build_demo_refuses_a_date_before_2023_24(db):
    with pytest.raises(ValueError, match="1 April 2023"):
        demo.build_demo(db, date(2022, 6, 1))


def test_build_demo_early_in_a_financial_year(db):
    demo.build_demo(db, date(2027, 4, 6))
    open_stages = db.execute(
        """SELECT COALESCE(s.extended_due_on, s.due_on) FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id
           WHERE s.responded_on IS NULL AND COALESCE(c.outcome, '') != 'withdrawn' AND c.received_on >= '2026-11-01'"""
    ).fetchall()
    colours = {rag_rule.rag(date.fromisoformat(due), date(2027, 4, 6)) for (due,) in open_stages}
    assert colours == {"Red", "Amber", "Green"}
    assert report_figures.annual_figures(db, "2021-22", date(2027, 4, 6))["statutory_outcomes"]["open"] == 4


# -- the benchmark register -------------------------------------------------------------------------


def test_build_scale_spreads_complaints_over_ten_years(db):
    demo.build_scale(db, 3000, TODAY)
    assert db["complaints"].count == 3000
    assert report_figures.financial_years(db) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2026, 2016, -1)]
    compliments = db["compliments"].count
    assert 5500 <= compliments <= 6500
    escalated = db.execute(
        "SELECT COUNT(DISTINCT complaint_id) FROM complaint_stages WHERE procedure = 'statutory' AND stage = 2"
    ).fetchone()[0]
    statutory = db.execute("SELECT COUNT(*) FROM complaints WHERE procedure = 'statutory'").fetchone()[0]
    assert 0.04 < escalated / statutory < 0.12
    open_now = db.execute("SELECT COUNT(*) FROM complaints WHERE outcome IS NULL").fetchone()[0]
    assert 0 < open_now < 100
    assert db["learning_points"].count > 0 and db["actions"].count > 0


# -- the procedures' steps and findings ------------------------------------------------------------


def test_the_procedures_figures_of_2021_22(demo_db):
    from learning_tracker.read import procedure_figures

    assert procedure_figures.annual(demo_db, "2021-22", date(2023, 3, 31)) == {
        "acknowledgements": {
            "statutory": {"due": 177, "within_target": 161, "late": 16, "pending": 0},
            "corporate": {"due": 21, "within_target": 19, "late": 2, "pending": 0},
            "informal": {"due": 42, "within_target": 40, "late": 2, "pending": 0},
        },
        "stage2_findings": {"upheld": 14, "partly upheld": 8, "not upheld": 21, "unable to determine": 5},
        "stage3_clocks": {step: {"due": 1, "on_time": 1, "late": 0, "pending": 0}
                          for step in ("panel meeting", "panel report", "council response")},
        "recommendations": {"2": {"made": 22, "accepted": 16, "not_accepted": 6, "awaiting_decision": 0},
                            "3": {"made": 2, "accepted": 2, "not_accepted": 0, "awaiting_decision": 0}},
        "accepted_recommendation_actions": {
            "actions": 13, "by_status": {"not started": 0, "in progress": 0, "completed": 0, "verified": 13, "cancelled": 0},
            "open": 0, "overdue": 0, "accepted_without_action": 0,
        },
        # Accepted by exactly the 14 complaints an advocate supported (the published figure).
        "advocacy_for_children": {"complaints": 177, "offered": 146, "accepted": 14, "not_offered": 31},
        "late_complaints": {"total": 2, "by_decision": {"considered": 2, "declined": 0}},
        "declined_by_reason": {"total": 0, "by_reason": {}},
    }  # fmt: skip


def test_2021_22_stage_2_investigations_give_their_outcomes_and_their_accepted_recommendations_actions(demo_db):
    stages = [dict(r) for r in demo_db.query(
        """SELECT s.*, c.id AS complaint, c.service_area_id AS area, c.no_learning_reason FROM complaint_stages s
           JOIN complaints c ON c.id = s.complaint_id
           WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31' AND s.procedure = 'statutory' AND s.stage = 2""")]
    assert len(stages) == 14  # the 13 that ended at stage 2 and the review panel's
    for s in stages:
        assert s["investigating_officer"].startswith("Independent Investigating Officer, ")
        assert s["independent_person"].startswith("Independent Person, ")
        assert s["clock_started_on"] <= s["statement_agreed_on"] < s["investigation_report_on"] <= s["responded_on"]
        assert s["investigation_report_on"] <= s["independent_person_report_on"] <= s["responded_on"]
        assert s["adjudicated_on"] == s["responded_on"] and s["adjudicator"]
        findings = [f for (f,) in demo_db.execute(
            "SELECT finding FROM complaint_points WHERE stage_id = ? ORDER BY position", [s["id"]])]
        assert 2 <= len(findings) <= 5
        assert procedures.outcome_from_findings(findings) == s["outcome"] or s["outcome_reason"]
        upheld_points = demo_db.execute(
            "SELECT COUNT(*) FROM complaint_points WHERE stage_id = ? AND finding IN ('upheld', 'partly upheld')",
            [s["id"]]).fetchone()[0]
        recommendations = [dict(r) for r in demo_db.query("SELECT * FROM recommendations WHERE stage_id = ?", [s["id"]])]
        assert len(recommendations) == upheld_points
        for r in recommendations:
            assert r["decided_on"] == s["adjudicated_on"]
            assert (r["decision"] == "accepted") == (r["action_id"] is not None)
            assert r["decision"] == "accepted" or r["decision_reason"]
            if r["action_id"] is None:
                continue
            # The action is of the complaint's learning, or of its area's when it has none ("already covered").
            lp_id, area, text = demo_db.execute(
                "SELECT learning_point_id, service_area_id, description FROM actions WHERE id = ?", [r["action_id"]]
            ).fetchone()
            assert area == s["area"] and text == r["text"]
            own = demo_db.execute("SELECT COUNT(*) FROM learning_point_complaints WHERE complaint_id = ?",
                                  [s["complaint"]]).fetchone()[0]  # fmt: skip
            linked = demo_db.execute("SELECT COUNT(*) FROM learning_point_complaints WHERE complaint_id = ? "
                                     "AND learning_point_id = ?", [s["complaint"], lp_id]).fetchone()[0]  # fmt: skip
            assert linked or (not own and s["no_learning_reason"] == "Already covered by an existing learning point for the service.")
    accepted = sum(1 for s in stages for (d,) in demo_db.execute(
        "SELECT decision FROM recommendations WHERE stage_id = ?", [s["id"]]) if d == "accepted")
    assert accepted > 0.6 * sum(1 for s in stages for _ in demo_db.execute("SELECT 1 FROM recommendations WHERE stage_id = ?", [s["id"]]))


def test_2021_22_review_panel_met_and_reported_in_time_and_the_council_responded(demo_db):
    (panel,) = [dict(r) for r in demo_db.query(
        """SELECT s.* FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id
           WHERE c.received_on BETWEEN '2021-04-01' AND '2022-03-31' AND s.stage = 3""")]
    assert panel["panel_met_on"] <= panel["panel_meeting_due_on"]
    assert panel["panel_met_on"] <= panel["panel_report_on"] <= panel["panel_report_due_on"]
    assert panel["response_clock_started_on"] == panel["panel_report_on"] < panel["responded_on"] <= panel["due_on"]
    # The whole review took 35 working days, within the 50 (30 + 5 + 15) the published figure counts against.
    assert workdays.working_days_between(date.fromisoformat(panel["clock_started_on"]), date.fromisoformat(panel["responded_on"])) == 35
    decisions = demo_db.execute("SELECT decision, decided_on FROM recommendations WHERE stage_id = ?", [panel["id"]]).fetchall()
    assert decisions and {d for d, _ in decisions} <= {"accepted", "not accepted"}
    assert {on for _, on in decisions} == {panel["responded_on"]}


def test_advocacy_is_offered_for_children_and_accepted_where_an_advocate_helped(demo_db):
    offered_not_for_a_child, accepted_without_advocate, advocate_not_accepted = demo_db.execute(
        f"""SELECT SUM(advocacy_offered_on IS NOT NULL AND NOT {procedures.for_a_child_sql('c')}),
                   SUM(advocacy_accepted = 1 AND advocate = 0), SUM(advocate = 1 AND advocacy_accepted IS NOT 1)
            FROM complaints c"""
    ).fetchone()
    assert (offered_not_for_a_child, accepted_without_advocate, advocate_not_accepted) == (0, 0, 0)
    assert demo_db.execute("SELECT COUNT(*) FROM complaints WHERE advocacy_offered_on < received_on").fetchone()[0] == 0


def test_the_live_year_declines_complaints_with_their_reasons_and_the_published_year_none(demo_db):
    start, _ = current_year_bounds()
    rows = demo_db.execute(
        """SELECT c.received_on, c.outcome_on, c.declined_reason, c.late_decision, c.grounds_arose_on, s.responded_on,
                  s.outcome FROM complaints c JOIN complaint_stages s ON s.complaint_id = c.id
           WHERE c.outcome = 'declined'"""
    ).fetchall()
    assert len(rows) == 3
    assert all(received >= start and responded == outcome_on and stage_outcome == "declined" and
               reason in config.vocabulary(demo_db, "declined_reason")
               for received, outcome_on, reason, _, _, responded, stage_outcome in rows)  # fmt: skip
    (late,) = [row for row in rows if row[2] == procedures.LATE_REASON]
    assert late[3] == "declined" and procedures.is_late(date.fromisoformat(late[4]), date.fromisoformat(late[0]))
    considered = demo_db.execute(
        "SELECT received_on, grounds_arose_on, late_decision_reason FROM complaints WHERE late_decision = 'considered'"
    ).fetchall()
    assert considered and all(procedures.is_late(date.fromisoformat(g), date.fromisoformat(r)) and reason
                              for r, g, reason in considered)  # fmt: skip


def test_rag_json_on_the_demo_shows_every_step(demo_db, capsys):
    import json

    from learning_tracker import cli

    path = demo_db.execute("PRAGMA database_list").fetchone()[2]
    assert cli.main(["rag", "--format", "json", "--as-of", TODAY.isoformat(), "--db", path]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["step"] for row in rows} == set(procedures.STEPS)
    # The review panels waiting on today: one for its meeting (its request not yet acknowledged), one for its
    # report (overdue), one for the council's response.
    panel = {(row["reference"], row["step"], row["rag"]) for row in rows if row["stage"] == 3}
    assert {(step, colour) for _, step, colour in panel} >= {
        ("panel meeting", "Green"), ("acknowledgement", "Amber"), ("panel report", "Red"), ("council response", "Green"),
    }  # fmt: skip


def test_no_step_is_dated_after_today(demo_db):
    today = TODAY.isoformat()
    for table, columns in {
        "complaints": ["advocacy_offered_on", "grounds_arose_on"],
        "complaint_stages": ["acknowledged_on", "statement_agreed_on", "investigation_report_on",
                             "independent_person_report_on", "adjudicated_on", "panel_met_on", "panel_report_on"],
        "recommendations": ["decided_on"],
    }.items():  # fmt: skip
        for column in columns:
            latest = demo_db.execute(f"SELECT MAX({column}) FROM {table}").fetchone()[0]
            assert latest <= today, (table, column, latest)
