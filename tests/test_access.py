"""Who may do what (DESIGN.md section 2): every page against every role, and every service write against
every role, allowed or refused.

The page matrix iterates ``navigation.PAGES``, so a page added there is covered without touching this
file. The service matrix is a table; ``test_every_service_write_is_in_the_matrix`` fails when a service
gains a write function the table does not list.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import navigation
from learning_tracker.services import auth
from learning_tracker import services as services_package
from learning_tracker.demo import DEMO_USERS_BY_ROLE
from learning_tracker.errors import Refused
from learning_tracker.models import (
    Adjudication,
    Advocacy,
    ConcernCoding,
    Declining,
    DueDateChange,
    Escalation,
    Evidence,
    ForumDecision,
    Investigation,
    NewAction,
    NewComplaint,
    NewCompliment,
    NewForumMeeting,
    NewLearningPoint,
    NewUser,
    NoLearningDecision,
    OmbudsmanRecord,
    OutcomeDecision,
    PanelRecommendations,
    PanelResponse,
    StageDate,
    StageExtension,
    StageResponse,
    StatusChange,
    TimeLimit,
    TimescaleChange,
    UserChange,
    Withdrawal,
)
from learning_tracker.services import (
    actions,
    audit_log,
    backup,
    circumstances,
    complaints,
    compliments,
    configuration,
    downloads,
    exporting,
    forum,
    importing,
    investigations,
    learning_points,
    report_sections,
    retention,
    service_areas,
    subject_access,
    users,
)
from learning_tracker.rules import procedures, roles
from learning_tracker.rules.roles import COMPLAINTS_OFFICER, FORUM_MEMBER, SERVICE_MANAGER, VIEWER

from .factories import World, add_user, build_world

ROOT = navigation.ROOT
ROLES = [COMPLAINTS_OFFICER, SERVICE_MANAGER, FORUM_MEMBER, VIEWER]


# --- pages -----------------------------------------------------------------------------------------


def _demo_user_id(db_path, role: str) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]


def _open_page(db_path, monkeypatch, role: str, page_file: str) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = _demo_user_id(db_path, role)
    at.run()
    at.switch_page(str(ROOT / "pages" / page_file))
    at.run()
    return at


def refusal_for(role: str) -> str:
    return f"Your role ({roles.ROLES[role]}) cannot open this page"


PAGE_CASES = [(page.file, role) for page in navigation.PAGES for role in ROLES]


@pytest.mark.parametrize("page_file,role", PAGE_CASES, ids=[f"{p}-{r}" for p, r in PAGE_CASES])
def test_a_page_opens_for_the_roles_it_lists_and_is_refused_to_the_others(demo_db_path, monkeypatch, page_file, role):
    page = navigation.spec_for(page_file)
    if not page.path.exists():
        pytest.skip(f"pages/{page_file} is listed but not written yet (tests/test_pages.py reports it)")
    at = _open_page(demo_db_path, monkeypatch, role, page_file)
    errors = [e.value for e in at.error]
    refused = [e for e in errors if e.startswith(refusal_for(role))]
    assert not at.exception, at.exception
    if role in page.roles:
        assert refused == [], f"{role} was refused {page_file}"
    else:
        assert refused == [f"{refusal_for(role)} ({page.title}). Choose a page from the menu."]
        # The page's own content never ran: only the banner, the picker and the refusal are there.
        assert [t.value for t in at.title] == []


# DESIGN.md section 2, for the pages whose audience it names outright.
DESIGN_ROLES = {
    "overview.py": set(ROLES),
    "import_export.py": {COMPLAINTS_OFFICER},  # "imports and exports"
    "admin_users.py": {COMPLAINTS_OFFICER},  # "manages users, service areas, codes and timescales"
    "admin_service_areas.py": {COMPLAINTS_OFFICER},
    "admin_codes.py": {COMPLAINTS_OFFICER},
    "admin_settings.py": {COMPLAINTS_OFFICER},
    "admin_audit.py": {COMPLAINTS_OFFICER},
    "admin_retention.py": {COMPLAINTS_OFFICER},  # personal data kept only as long as allowed
}
VIEWER_READS = ["dashboard.py", "themes.py", "reports.py"]  # "reads the monitoring dashboard, themes and reports"


def test_the_pages_roles_follow_the_design():
    listed = {page.file: set(page.roles) for page in navigation.PAGES}
    for file, design_roles in DESIGN_ROLES.items():
        if file in listed:
            assert listed[file] == design_roles, file
    for file in VIEWER_READS:
        if file in listed:
            assert VIEWER in listed[file], file
    assert all(navigation.pages_for(role) for role in ROLES), "every role has at least one page"


def test_each_roles_menu_holds_only_its_pages():
    for role in ROLES:
        shown = [page.file for pages in navigation.pages_for(role).values() for page in pages]
        assert sorted(shown) == sorted(page.file for page in navigation.PAGES if role in page.roles)


def test_opening_a_refused_page_is_audited(demo_db_path, monkeypatch):
    _open_page(demo_db_path, monkeypatch, VIEWER, "admin_audit.py")
    import sqlite3

    with sqlite3.connect(demo_db_path) as connection:
        row = connection.execute(
            "SELECT user_email, event, entity, outcome, message FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    assert row == (DEMO_USERS_BY_ROLE[VIEWER], "open page", "page", "refused", "Viewer may not open admin_audit.py")


# --- service writes ----------------------------------------------------------------------------------

OFFICER = "complaints officer"
OWN_MANAGER = "service manager of the area"
OTHER_MANAGER = "service manager of another area"
FORUM = "forum member"
READER = "viewer"
ACTORS = [OFFICER, OWN_MANAGER, OTHER_MANAGER, FORUM, READER]

ONLY_OFFICER = {OFFICER}
AREA = {OFFICER, OWN_MANAGER}  # the officer anywhere, a service manager in their own areas
FORUM_RECORDERS = {OFFICER, FORUM}
ANYONE = set(ACTORS)

TODAY = date.today()


def _actor(w: World, who: str):
    return {OFFICER: w.officer, OWN_MANAGER: w.manager_west, OTHER_MANAGER: w.manager_east,
            FORUM: w.forum, READER: w.viewer}[who]


def _version(w: World, table: str, row_id: int) -> int:
    return w.db.execute(f"SELECT version FROM [{table}] WHERE id = ?", [row_id]).fetchone()[0]


def _complaint(w: World, reference: str = "WEST-1", *, responded: bool = False, outcome: str | None = None) -> int:
    complaint_id = complaints.create_complaint(
        w.db, w.officer,
        NewComplaint(reference=reference, received_on=TODAY - timedelta(days=14), procedure="statutory",
                     service_area="Team West"))
    if responded:
        complaints.record_response(w.db, w.officer, complaint_id, _version(w, "complaints", complaint_id),
                                   StageResponse(responded_on=TODAY, outcome=outcome))
    return complaint_id


def _stage_due(w: World, complaint_id: int) -> date:
    due = w.db.execute("SELECT due_on FROM complaint_stages WHERE complaint_id = ? AND responded_on IS NULL",
                       [complaint_id]).fetchone()[0]
    return date.fromisoformat(due)


def _investigated(w: World) -> int:
    """A complaint at statutory stage 2 (asked for today) with one point, upheld, and one recommendation."""
    c = _complaint(w, responded=True, outcome="not upheld")
    complaints.escalate(w.db, w.officer, c, _version(w, "complaints", c),
                        Escalation(procedure="statutory", stage=2, requested_on=TODAY))
    investigations.record_investigation(w.db, w.officer, c, _version(w, "complaints", c), Investigation(
        investigating_officer="Team manager, Team East", independent_person="Independent person, NYAS",
        points=[{"summary": "Calls were not returned", "finding": "upheld"}],
        recommendations=[{"text": "Return calls within a day", "point": 1}]))
    return c


def _at_panel(w: World, *, reported: bool = False) -> int:
    """A complaint at statutory stage 3 (asked for today) with one panel recommendation; its report made today."""
    c = _investigated(w)
    complaints.record_response(w.db, w.officer, c, _version(w, "complaints", c), StageResponse(responded_on=TODAY))
    complaints.escalate(w.db, w.officer, c, _version(w, "complaints", c),
                        Escalation(procedure="statutory", stage=3, requested_on=TODAY))
    investigations.record_panel_recommendations(w.db, w.officer, c, _version(w, "complaints", c),
                                                PanelRecommendations(recommendations=["Apologise in writing"]))
    if reported:
        for what in (procedures.PANEL_MET_ON, procedures.PANEL_REPORT_ON):
            complaints.record_stage_date(w.db, w.officer, c, _version(w, "complaints", c), StageDate(what=what, on=TODAY))
    return c


_ACCEPTED = {"decisions": [{"decision": "accepted", "owner_email": "west@test.invalid", "due_on": TODAY + timedelta(days=30)}],
             "new_learning_point": {"theme": "Communication", "description": "Calls are returned within a day"}}


def _target_user(w: World, *, active: bool = True) -> int:
    user_id = users.add_user(w.db, w.officer, NewUser(email="target@test.invalid", name="Target", role="viewer"))
    if not active:
        users.deactivate_user(w.db, w.officer, user_id, _version(w, "users", user_id))
    return user_id


def _code_id(w: World, text: str) -> int:
    return w.db.execute("SELECT id FROM concern_codes WHERE category = ? AND subcategory = ''", [text]).fetchone()[0]


_KNOWN_HASH = auth.hash_password("an old passphrase to change")


def _give_everyone_a_password(w: World) -> None:
    w.db.execute("UPDATE users SET password_hash = ?", [_KNOWN_HASH])


@dataclass(frozen=True)
class WriteCase:
    """One service write: who may do it, what to set up first (as the officer), and the call itself."""

    function: Callable[..., Any]
    allowed: set[str]
    act: Callable[[World, Any, Any], Any]
    prepare: Callable[[World], Any] = lambda w: None
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.function.__module__.rsplit('.', 1)[-1]}.{self.function.__name__}" + (f" ({self.label})" if self.label else "")


WRITE_CASES = [
    # improvement actions
    WriteCase(actions.create_action, AREA, lambda w, a, _: actions.create_action(w.db, a, NewAction(
        learning_point_id=w.learning_point, description="Audit call-backs", owner_email="west@test.invalid",
        service_area="Team West", due_on=TODAY + timedelta(days=30)))),
    WriteCase(actions.change_status, AREA, lambda w, a, _: actions.change_status(
        w.db, a, w.action, _version(w, "actions", w.action), StatusChange(status="in progress"))),
    WriteCase(actions.change_status, ONLY_OFFICER, label="verify",
              prepare=lambda w: actions.change_status(w.db, w.officer, w.action, _version(w, "actions", w.action),
                                                      StatusChange(status="completed")),
              act=lambda w, a, _: actions.change_status(w.db, a, w.action, _version(w, "actions", w.action),
                                                        StatusChange(status="verified"))),
    WriteCase(actions.add_note, AREA, lambda w, a, _: actions.add_note(w.db, a, w.action, "Raised at team meeting")),
    WriteCase(actions.change_due_date, AREA, lambda w, a, _: actions.change_due_date(
        w.db, a, w.action, _version(w, "actions", w.action),
        DueDateChange(due_on=TODAY + timedelta(days=60), reason="Waiting for training dates"))),
    WriteCase(actions.add_evidence, AREA, lambda w, a, _: actions.add_evidence(
        w.db, a, w.action, Evidence(description="Team minutes", link="https://intranet.example/minutes"))),
    # complaints
    WriteCase(complaints.create_complaint, ONLY_OFFICER, lambda w, a, _: complaints.create_complaint(
        w.db, a, NewComplaint(reference="WEST-9", received_on=TODAY - timedelta(days=1), procedure="statutory",
                              service_area="Team West"))),
    WriteCase(complaints.record_response, AREA, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: complaints.record_response(w.db, a, c, _version(w, "complaints", c),
                                                             StageResponse(responded_on=TODAY, outcome="upheld"))),
    WriteCase(complaints.record_outcome, AREA, prepare=lambda w: _complaint(w, responded=True),
              act=lambda w, a, c: complaints.record_outcome(w.db, a, c, _version(w, "complaints", c),
                                                            OutcomeDecision(outcome="partly upheld", outcome_on=TODAY))),
    WriteCase(complaints.record_stage_date, AREA, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: complaints.record_stage_date(w.db, a, c, _version(w, "complaints", c), StageDate(
                  what=procedures.ACKNOWLEDGED_ON, on=TODAY))),
    WriteCase(complaints.extend_stage, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: complaints.extend_stage(w.db, a, c, _version(w, "complaints", c), StageExtension(
                  extended_due_on=_stage_due(w, c) + timedelta(days=3), reason="Complainant on holiday"))),
    WriteCase(complaints.escalate, ONLY_OFFICER, prepare=lambda w: _complaint(w, responded=True, outcome="not upheld"),
              act=lambda w, a, c: complaints.escalate(w.db, a, c, _version(w, "complaints", c),
                                                      Escalation(procedure="statutory", stage=2, requested_on=TODAY))),
    WriteCase(complaints.withdraw, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: complaints.withdraw(w.db, a, c, _version(w, "complaints", c),
                                                      Withdrawal(withdrawn_on=TODAY))),
    WriteCase(complaints.code_concerns, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: complaints.code_concerns(w.db, a, c, _version(w, "complaints", c),
                                                           ConcernCoding(concerns=["Communication"]))),
    WriteCase(complaints.record_ombudsman, ONLY_OFFICER, prepare=lambda w: _complaint(w, responded=True, outcome="upheld"),
              act=lambda w, a, c: complaints.record_ombudsman(w.db, a, c, _version(w, "complaints", c),
                                                              OmbudsmanRecord(referred_on=TODAY))),
    # advocacy, the time limit and declining (services/circumstances.py)
    WriteCase(circumstances.record_advocacy, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: circumstances.record_advocacy(w.db, a, c, _version(w, "complaints", c),
                                                                Advocacy(offered_on=TODAY, accepted=True))),
    WriteCase(circumstances.record_time_limit, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: circumstances.record_time_limit(w.db, a, c, _version(w, "complaints", c), TimeLimit(
                  grounds_arose_on=TODAY - timedelta(days=800), decision="declined", reason="No reason for the delay",
                  decided_on=TODAY))),
    WriteCase(circumstances.decline, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, c: circumstances.decline(w.db, a, c, _version(w, "complaints", c),
                                                        Declining(declined_on=TODAY, reason="other"))),
    # stage 2 investigations and adjudications, stage 3 panels (services/investigations.py)
    WriteCase(investigations.record_investigation, ONLY_OFFICER, prepare=lambda w: _investigated(w),
              act=lambda w, a, c: investigations.record_investigation(w.db, a, c, _version(w, "complaints", c), Investigation(
                  investigating_officer="Independent investigator, Coram Voice", independent_person="Independent person, NYAS"))),
    WriteCase(investigations.adjudicate, ONLY_OFFICER, prepare=lambda w: _investigated(w),
              act=lambda w, a, c: investigations.adjudicate(w.db, a, c, _version(w, "complaints", c), Adjudication(
                  adjudicated_on=TODAY, adjudicator="Head of Service", **_ACCEPTED))),
    WriteCase(investigations.record_panel_recommendations, ONLY_OFFICER, prepare=lambda w: _at_panel(w),
              act=lambda w, a, c: investigations.record_panel_recommendations(
                  w.db, a, c, _version(w, "complaints", c), PanelRecommendations(recommendations=["Review the policy"]))),
    WriteCase(investigations.respond_to_panel, ONLY_OFFICER, prepare=lambda w: _at_panel(w, reported=True),
              act=lambda w, a, c: investigations.respond_to_panel(w.db, a, c, _version(w, "complaints", c), PanelResponse(
                  decided_on=TODAY, **_ACCEPTED))),
    # compliments
    WriteCase(compliments.record_compliment, AREA, lambda w, a, _: compliments.record_compliment(
        w.db, a, NewCompliment(received_on=TODAY, service_area="Team West", source="professional",
                               categories=["good communication"]))),
    # learning
    WriteCase(learning_points.add_learning_point, AREA, prepare=lambda w: _complaint(w, responded=True, outcome="upheld"),
              act=lambda w, a, c: learning_points.add_learning_point(w.db, a, NewLearningPoint(
                  service_area="Team West", theme="Communication", description="Confirm call-backs in writing",
                  complaint_references=["WEST-1"]))),
    WriteCase(learning_points.link_complaint, AREA, prepare=lambda w: _complaint(w, responded=True, outcome="upheld"),
              act=lambda w, a, c: learning_points.link_complaint(w.db, a, w.learning_point, "WEST-1",
                                                          _version(w, "complaints", c))),
    WriteCase(learning_points.record_no_learning, AREA, prepare=lambda w: _complaint(w, responded=True, outcome="upheld"),
              act=lambda w, a, c: learning_points.record_no_learning(w.db, a, "WEST-1", _version(w, "complaints", c),
                                                              NoLearningDecision(reason="Practice was right"))),
    WriteCase(learning_points.close_learning_point, ONLY_OFFICER, lambda w, a, _: learning_points.close_learning_point(
        w.db, a, w.learning_point, _version(w, "learning_points", w.learning_point), "Embedded")),
    # the annual report's sections of prose
    WriteCase(report_sections.save_text, AREA, lambda w, a, _: report_sections.save_text(
        w.db, a, "2025-26", "learning", w.west, "Team West returned calls late.", 0)),
    WriteCase(report_sections.save_text, ONLY_OFFICER, label="summary", act=lambda w, a, _: report_sections.save_text(
        w.db, a, "2025-26", "summary", None, "Complaints fell this year.", 0)),
    WriteCase(report_sections.mark_reviewed, {OWN_MANAGER}, lambda w, a, _: report_sections.mark_reviewed(
        w.db, a, "2025-26", "learning", w.west, 0, "The draft computed from the figures.")),
    WriteCase(report_sections.approve, ONLY_OFFICER, lambda w, a, _: report_sections.approve(
        w.db, a, "2025-26", "learning", w.west, 0, "The draft computed from the figures.")),
    # the forum
    WriteCase(forum.create_meeting, FORUM_RECORDERS, lambda w, a, _: forum.create_meeting(
        w.db, a, NewForumMeeting(held_on=TODAY, attendees=["Chair"]))),
    WriteCase(forum.record_decision, FORUM_RECORDERS,
              prepare=lambda w: forum.create_meeting(w.db, w.officer, NewForumMeeting(held_on=TODAY, attendees=["Chair"])),
              act=lambda w, a, m: forum.record_decision(w.db, a, m, ForumDecision(
                  item="learning point", item_id=w.learning_point, decision="noted"))),
    # administration
    WriteCase(users.add_user, ONLY_OFFICER, lambda w, a, _: users.add_user(
        w.db, a, NewUser(email="new@test.invalid", name="New Person", role="viewer"))),
    WriteCase(users.change_user, ONLY_OFFICER, prepare=_target_user, act=lambda w, a, u: users.change_user(
        w.db, a, u, _version(w, "users", u), UserChange(name="Target", role="forum_member"))),
    WriteCase(users.deactivate_user, ONLY_OFFICER, prepare=_target_user,
              act=lambda w, a, u: users.deactivate_user(w.db, a, u, _version(w, "users", u))),
    WriteCase(users.reactivate_user, ONLY_OFFICER, prepare=lambda w: _target_user(w, active=False),
              act=lambda w, a, u: users.reactivate_user(w.db, a, u, _version(w, "users", u))),
    WriteCase(users.set_password, ONLY_OFFICER, prepare=_target_user,
              act=lambda w, a, u: users.set_password(w.db, a, u, _version(w, "users", u), "a fresh passphrase here")),
    WriteCase(users.unlock_user, ONLY_OFFICER, prepare=_target_user, act=lambda w, a, u: users.unlock_user(w.db, a, u)),
    WriteCase(users.change_own_password, ANYONE, prepare=_give_everyone_a_password,
              act=lambda w, a, _: users.change_own_password(w.db, a, "an old passphrase to change", "my new passphrase here")),
    # imports, exports and backups
    WriteCase(exporting.export_file, ONLY_OFFICER, lambda w, a, _: exporting.export_file(w.db, a, "complaints", "csv")),
    WriteCase(backup.backup_for_download, ONLY_OFFICER, lambda w, a, _: backup.backup_for_download(
        w.db, a, w.db.execute("PRAGMA database_list").fetchone()[2])),
    WriteCase(importing.import_file, ONLY_OFFICER, lambda w, a, _: importing.import_file(
        w.db, a, "service-areas", "areas.csv", b"name\nTeam North\n")),
    WriteCase(importing.save_mapping, ONLY_OFFICER, lambda w, a, _: importing.save_mapping(
        w.db, a, importing.Mapping("complaints", {"reference": "Ref"}), "Case system")),
    # Signing out is the auth service's (now with the other services): anyone may end their own session.
    WriteCase(auth.sign_out, ANYONE, act=lambda w, a, _: auth.sign_out(w.db, a)),
    # Every download is audited, whoever makes it (the page decides who may see the file).
    WriteCase(downloads.record_download, ANYONE, act=lambda w, a, _: downloads.record_download(
        w.db, a, "download rag report", "report", file="rag-report.csv")),
    # Personal data: the reference pattern, retention and subject access are the officer's.
    WriteCase(configuration.change_reference_pattern, ONLY_OFFICER, lambda w, a, _: configuration.change_reference_pattern(
        w.db, a, configuration.reference_pattern_setting(w.db)[1], r"[A-Z0-9/-]{1,20}")),
    WriteCase(retention.apply_retention, ONLY_OFFICER, lambda w, a, _: retention.apply_retention(w.db, a, TODAY)),
    WriteCase(subject_access.subject_access_file, ONLY_OFFICER, prepare=lambda w: _complaint(w),
              act=lambda w, a, _: subject_access.subject_access_file(w.db, a, "WEST-1")),
    WriteCase(service_areas.add_service_area, ONLY_OFFICER, lambda w, a, _: service_areas.add_service_area(w.db, a, "Team North")),
    WriteCase(service_areas.rename_service_area, ONLY_OFFICER, lambda w, a, _: service_areas.rename_service_area(
        w.db, a, w.east, _version(w, "service_areas", w.east), "Team East and North")),
    WriteCase(service_areas.merge_service_areas, ONLY_OFFICER, lambda w, a, _: service_areas.merge_service_areas(
        w.db, a, w.west, _version(w, "service_areas", w.west), w.east, _version(w, "service_areas", w.east))),
    WriteCase(service_areas.deactivate_service_area, ONLY_OFFICER, lambda w, a, _: service_areas.deactivate_service_area(
        w.db, a, w.east, _version(w, "service_areas", w.east))),
    WriteCase(service_areas.reactivate_service_area, ONLY_OFFICER,
              prepare=lambda w: service_areas.deactivate_service_area(w.db, w.officer, w.east, _version(w, "service_areas", w.east)),
              act=lambda w, a, _: service_areas.reactivate_service_area(w.db, a, w.east, _version(w, "service_areas", w.east))),
    WriteCase(configuration.add_concern_code, ONLY_OFFICER, lambda w, a, _: configuration.add_concern_code(w.db, a, "Housing")),
    WriteCase(configuration.deactivate_concern_code, ONLY_OFFICER, prepare=lambda w: _code_id(w, "Finance"),
              act=lambda w, a, k: configuration.deactivate_concern_code(w.db, a, k, _version(w, "concern_codes", k))),
    WriteCase(configuration.reactivate_concern_code, ONLY_OFFICER,
              prepare=lambda w: (k := _code_id(w, "Finance"),
                                 configuration.deactivate_concern_code(w.db, w.officer, k, _version(w, "concern_codes", k)))[0],
              act=lambda w, a, k: configuration.reactivate_concern_code(w.db, a, k, _version(w, "concern_codes", k))),
    WriteCase(configuration.change_timescale, ONLY_OFFICER, lambda w, a, _: configuration.change_timescale(
        w.db, a, "statutory", 1, int(configuration.timescales(w.db)["version"][0]), TimescaleChange(due_working_days=10, max_working_days=25))),
    WriteCase(configuration.change_amber_threshold, ONLY_OFFICER, lambda w, a, _: configuration.change_amber_threshold(
        w.db, a, configuration.amber_setting(w.db)[1], 5)),
]

# Functions of the services that take an actor but only read (each checks the role itself).
# Works out what an import would change and writes nothing; the import it plans is the officer's (above).
PLANS = {"checking.plan_import"}
READS = {"users.users", "service_areas.service_areas", "audit_log.audit_log", "audit_log.audit_csv"}

MATRIX = [(case, who) for case in WRITE_CASES for who in ACTORS]


@pytest.mark.parametrize("case,who", MATRIX, ids=[f"{c.name}-{who}" for c, who in MATRIX])
def test_every_service_write_is_allowed_or_refused_by_role_and_area(tmp_path, case, who):
    w = build_world(tmp_path / "matrix.db")
    context = case.prepare(w)
    actor = _actor(w, who)
    before = w.db.execute("SELECT COUNT(*) FROM audit_events WHERE outcome = 'refused'").fetchone()[0]
    if who in case.allowed:
        case.act(w, actor, context)
        last = w.db.execute("SELECT user_id, outcome FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        assert last == (actor.id, "done")
    else:
        with pytest.raises(Refused):
            case.act(w, actor, context)
        refusals = w.db.execute(
            "SELECT user_id FROM audit_events WHERE outcome = 'refused' ORDER BY id").fetchall()[before:]
        assert refusals == [(actor.id,)], "a refusal is audited, once"


def _service_functions_taking_an_actor() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(services_package.__path__, prefix="learning_tracker.services."):
        short = module_info.name.rsplit(".", 1)[-1]
        if short in ("core", "checks", "permissions"):
            continue  # the building blocks and the pages' questions, not use cases
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = list(inspect.signature(function).parameters)
            if parameters[1:2] == ["actor"]:
                found.add(f"{short}.{name}")
    return found


def test_every_service_write_is_in_the_matrix():
    covered = {case.name.split(" ")[0] for case in WRITE_CASES}
    missing = _service_functions_taking_an_actor() - covered - READS - PLANS
    assert not missing, f"add these to WRITE_CASES in tests/test_access.py (who may call them?): {sorted(missing)}"


@pytest.mark.parametrize("read", sorted(READS))
def test_the_administration_reads_are_the_officers_alone(tmp_path, read):
    w = build_world(tmp_path / "reads.db")
    module, name = read.split(".")
    function = getattr(importlib.import_module(f"learning_tracker.services.{module}"), name)
    arguments = [audit_log.AuditFilter()] if module == "audit_log" else []
    function(w.db, w.officer, *arguments)
    for actor in (w.manager_west, w.forum, w.viewer):
        with pytest.raises(Refused):
            function(w.db, actor, *arguments)


def test_a_manager_with_several_areas_acts_in_each(tmp_path):
    w = build_world(tmp_path / "two.db")
    both = add_user(w.db, "both@test.invalid", "Manager of both", SERVICE_MANAGER, [w.west, w.east])
    actions.add_note(w.db, both, w.action, "Seen")
    assert w.db.execute("SELECT COUNT(*) FROM action_updates WHERE kind = 'note'").fetchone()[0] == 1
