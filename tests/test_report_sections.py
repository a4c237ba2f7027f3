"""The annual report's sections of prose as saved records: who may write, review and approve which
section, the status flow, conflicts, every version kept, the audit; and the report's outputs (JSON, Word,
Markdown) printing the saved text with its status."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document as WordDocument

from learning_tracker import db as database
from learning_tracker.errors import Conflict, DomainError, InvalidInput, Refused
from learning_tracker.read.report_sections import local_day, saved_sections, section_versions
from learning_tracker.reports import annual, render
from learning_tracker.rules import vocabulary
from learning_tracker.rules.vocabulary import LEARNING_SECTION, PREVIOUS_ACTIONS_SECTION, SUMMARY_SECTION
from learning_tracker.services import permissions, report_sections, service_areas
from learning_tracker.services.core import load_actor

from .factories import audit_events, build_world

YEAR = "2025-26"
ROLES = ("officer", "manager_west", "manager_east", "forum", "viewer")


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "sections.db")
    yield w
    w.db.close()


def _rows(world, table="report_sections"):
    return [dict(r) for r in world.db.query(f"SELECT * FROM [{table}] ORDER BY id")]


def _save(world, actor, text, version=0, *, section=LEARNING_SECTION, area="west", based_on="computed"):
    area_id = getattr(world, area) if area else None
    return report_sections.save_text(world.db, actor, YEAR, section, area_id, text, version, based_on)


# --- saving ---------------------------------------------------------------------------------------------------


def test_the_officer_saves_the_summary_and_each_version_is_kept(world):
    first = _save(world, world.officer, "  Complaints fell this year.\n", section=SUMMARY_SECTION, area=None)
    assert (first.version, first.status, first.message) == (1, "draft", "Saved the summary.")
    second = _save(world, world.officer, "Complaints fell by a tenth.", 1, section=SUMMARY_SECTION, area=None,
                   based_on="computed now")
    assert (second.version, second.status) == (2, "draft")
    [row] = _rows(world)
    assert (row["financial_year"], row["section"], row["service_area_id"], row["text"], row["status"], row["based_on"],
            row["written_by"], row["version"]) == (
        YEAR, "summary", None, "Complaints fell by a tenth.", "draft", "computed now", world.officer.id, 2)
    versions = section_versions(world.db, row["id"])
    assert [(v["version"], v["text"], v["status"], v["based_on"], v["saved_by"]) for v in versions] == [
        (1, "Complaints fell this year.", "draft", "computed", "Complaints Officer"),
        (2, "Complaints fell by a tenth.", "draft", "computed now", "Complaints Officer"),
    ]
    events = audit_events(world.db, "report_section")
    assert [(e["event"], e["outcome"], e["entity_id"], e["user_id"]) for e in events] == [
        ("save report section", "done", row["id"], world.officer.id)] * 2
    assert json.loads(events[1]["before"]) == {"financial_year": YEAR, "section": "summary", "service_area_id": None,
                                               "status": "draft", "version": 1, "text": "Complaints fell this year."}
    assert json.loads(events[1]["after"])["text"] == "Complaints fell by a tenth."


def test_the_same_text_again_saves_nothing(world):
    _save(world, world.officer, "Calls were returned late.")
    again = _save(world, world.officer, "Calls were returned late.  ", 1)
    assert (again.version, again.message) == (1, "Nothing to save: the text is as saved.")
    assert len(_rows(world, "report_section_versions")) == 1
    assert len(audit_events(world.db, "report_section")) == 1


def test_a_save_on_a_version_someone_else_changed_is_a_conflict_and_writes_nothing(world):
    _save(world, world.manager_west, "Ours: calls were returned late.")
    _save(world, world.officer, "The officer's text.", 1)
    with pytest.raises(Conflict, match="Someone else saved the learning section of Team West after you opened it"):
        _save(world, world.manager_west, "Ours again.", 1)
    # Opened when nothing was saved (version 0), and someone saved first.
    with pytest.raises(Conflict, match="Someone else saved the learning section of Team West after you opened it"):
        _save(world, world.manager_west, "Ours from a page opened earlier.", 0)
    [row] = _rows(world)
    assert (row["text"], row["version"]) == ("The officer's text.", 2)
    assert len(_rows(world, "report_section_versions")) == 2


def test_empty_text_is_refused_in_the_users_words(world):
    with pytest.raises(InvalidInput) as refused:
        _save(world, world.officer, "  \n ")
    assert str(refused.value) == (
        "The text of the learning section of Team West cannot be empty: a section of the report needs its text. "
        "The text saved before stands; write the section (the draft computed from the figures is a start)")
    assert _rows(world) == []


def test_a_section_must_be_one_of_the_reports(world):
    with pytest.raises(InvalidInput, match="is needed for a learning section"):
        _save(world, world.officer, "Text", area=None)
    with pytest.raises(InvalidInput, match="belongs only to a learning section"):
        _save(world, world.officer, "Text", section=SUMMARY_SECTION)
    with pytest.raises(InvalidInput, match="is not a section of the annual report"):
        _save(world, world.officer, "Text", section="foreword", area=None)
    with pytest.raises(InvalidInput, match="'2025' is not a financial year"):
        report_sections.save_text(world.db, world.officer, "2025", SUMMARY_SECTION, None, "Text", 0)


# --- who may do what ------------------------------------------------------------------------------------------


def test_a_service_manager_writes_their_own_areas_section_only(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    with pytest.raises(Refused, match="only in your own service areas; this belongs to Team East"):
        _save(world, world.manager_west, "Team East's text", area="east")
    with pytest.raises(Refused, match="Only a complaints officer may write the summary"):
        _save(world, world.manager_west, "A summary", section=SUMMARY_SECTION, area=None)
    for reader in (world.forum, world.viewer):
        with pytest.raises(Refused):
            _save(world, reader, "Their words")
    refused = [e for e in audit_events(world.db, "report_section") if e["outcome"] == "refused"]
    assert [e["user_id"] for e in refused] == [world.manager_west.id, world.manager_west.id, world.forum.id,
                                                world.viewer.id]
    assert [r["text"] for r in _rows(world)] == ["Team West returned calls late."]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("section,area", [(SUMMARY_SECTION, None), (PREVIOUS_ACTIONS_SECTION, None),
                                          (LEARNING_SECTION, "west"), (LEARNING_SECTION, "east")])
def test_the_pages_questions_give_the_services_answers(world, who, section, area):
    actor = getattr(world, who)
    area_id = getattr(world, area) if area else None

    def allowed(call) -> bool:
        try:
            call()
        except Refused:
            return False
        return True

    wrote = allowed(lambda: report_sections.save_text(world.db, actor, YEAR, section, area_id, "Text", 0))
    assert permissions.writes_report_section(actor, area_id) == wrote
    reviewed = allowed(lambda: report_sections.mark_reviewed(world.db, actor, YEAR, section, area_id, _version(world),
                                                             "Draft"))
    assert permissions.reviews_report_section(actor, area_id) == reviewed
    approved = allowed(lambda: report_sections.approve(world.db, actor, YEAR, section, area_id, _version(world), "Draft"))
    assert permissions.approves_report_sections(actor) == approved
    assert [w for w in ROLES if permissions.writes_report_section(getattr(world, w), area_id)] == (
        ["officer"] if area is None else ["officer", f"manager_{area}"])


def _version(world) -> int:
    row = world.db.execute("SELECT MAX(version) FROM report_sections").fetchone()[0]
    return row or 0


def test_the_steps_offered_follow_the_status_and_the_role(world):
    not_written, draft, reviewed, approved = (vocabulary.SECTION_NOT_WRITTEN, vocabulary.SECTION_DRAFT,
                                              vocabulary.SECTION_REVIEWED, vocabulary.SECTION_APPROVED)
    steps = permissions.report_section_steps
    assert steps(world.manager_west, world.west, draft) == ("Mark as reviewed",)
    assert steps(world.manager_west, world.west, not_written) == ("Mark as reviewed",)
    assert steps(world.manager_west, world.west, reviewed) == ()
    assert steps(world.manager_east, world.west, draft) == ()
    assert steps(world.officer, world.west, draft) == ("Approve",)
    assert steps(world.officer, world.west, reviewed) == ("Approve",)
    assert steps(world.officer, None, not_written) == ("Approve",)
    assert steps(world.officer, world.west, approved) == ()
    assert steps(world.viewer, world.west, draft) == steps(world.forum, None, draft) == ()


# --- the status flow ------------------------------------------------------------------------------------------


def test_draft_then_reviewed_by_the_service_then_approved_by_the_officer(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    reviewed = report_sections.mark_reviewed(world.db, world.manager_west, YEAR, LEARNING_SECTION, world.west, 1)
    assert (reviewed.version, reviewed.status, reviewed.message) == (
        2, "reviewed", "The learning section of Team West is reviewed.")
    approved = report_sections.approve(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 2)
    assert (approved.version, approved.status) == (3, "approved")
    [row] = _rows(world)
    assert (row["status"], row["written_by"], row["reviewed_by"], row["approved_by"]) == (
        "approved", world.manager_west.id, world.manager_west.id, world.officer.id)
    assert [v["status"] for v in section_versions(world.db, row["id"])] == ["draft", "reviewed", "approved"]
    assert [e["event"] for e in audit_events(world.db, "report_section")] == [
        "save report section", "mark report section reviewed", "approve report section"]
    with pytest.raises(InvalidInput, match="The learning section of Team West is approved already"):
        report_sections.approve(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 3)
    with pytest.raises(InvalidInput, match="is approved, so it cannot be marked reviewed"):
        report_sections.mark_reviewed(world.db, world.manager_west, YEAR, LEARNING_SECTION, world.west, 3)


def test_new_text_on_an_approved_section_makes_it_a_draft_again_and_says_so(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    report_sections.mark_reviewed(world.db, world.manager_west, YEAR, LEARNING_SECTION, world.west, 1)
    report_sections.approve(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 2)
    saved = _save(world, world.manager_west, "Team West now returns calls within a day.", 3)
    assert (saved.version, saved.status, saved.message) == (4, "draft", (
        "Saved the learning section of Team West. It was approved, so it is a draft again: it needs to be "
        "reviewed and approved again."))
    [row] = _rows(world)
    assert (row["status"], row["reviewed_by"], row["reviewed_at"], row["approved_by"], row["approved_at"]) == (
        "draft", None, None, None, None)
    summary = _save(world, world.officer, "Complaints fell.", section=SUMMARY_SECTION, area=None)
    report_sections.approve(world.db, world.officer, YEAR, SUMMARY_SECTION, None, summary.version)
    again = _save(world, world.officer, "Complaints fell by a tenth.", 2, section=SUMMARY_SECTION, area=None)
    assert again.message == "Saved the summary. It was approved, so it is a draft again: it needs to be approved again."


def test_the_officer_approves_a_draft_directly_and_does_not_review(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    assert report_sections.approve(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 1).status == "approved"
    with pytest.raises(Refused, match="Only a service manager may mark a section of the annual report as reviewed"):
        report_sections.mark_reviewed(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 2)
    with pytest.raises(Refused, match="The summary has no review by a service"):
        report_sections.mark_reviewed(world.db, world.manager_west, YEAR, SUMMARY_SECTION, None, 0, "Draft")


def test_a_section_not_yet_written_is_approved_as_its_computed_draft(world):
    done = report_sections.approve(world.db, world.officer, YEAR, PREVIOUS_ACTIONS_SECTION, None, 0,
                                   "Of the 3 improvement actions agreed, 2 verified.")
    assert (done.version, done.status) == (1, "approved")
    [row] = _rows(world)
    assert (row["text"], row["based_on"], row["status"], row["written_by"], row["approved_by"]) == (
        "Of the 3 improvement actions agreed, 2 verified.", "Of the 3 improvement actions agreed, 2 verified.",
        "approved", world.officer.id, world.officer.id)
    with pytest.raises(InvalidInput, match="The draft of the learning section of Team West cannot be empty"):
        report_sections.mark_reviewed(world.db, world.manager_west, YEAR, LEARNING_SECTION, world.west, 0, "")


# --- reading them back ----------------------------------------------------------------------------------------


def test_the_saved_sections_of_a_year_by_their_key_in_the_report(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    report_sections.approve(world.db, world.officer, YEAR, LEARNING_SECTION, world.west, 1)
    _save(world, world.officer, "Complaints fell.", section=SUMMARY_SECTION, area=None)
    report_sections.save_text(world.db, world.officer, "2024-25", SUMMARY_SECTION, None, "Last year's", 0)
    sections = saved_sections(world.db, YEAR)
    assert list(sections) == ["learning:Team West", "summary"]
    west = sections["learning:Team West"]
    today = local_day(database.now_utc())
    assert {k: west[k] for k in ("section", "service_area_id", "service_area", "text", "status", "based_on", "version",
                                 "written_by", "written_on", "reviewed_by", "reviewed_on", "approved_by",
                                 "approved_on")} == {
        "section": "learning", "service_area_id": world.west, "service_area": "Team West",
        "text": "Team West returned calls late.", "status": "approved", "based_on": "computed", "version": 2,
        "written_by": "Service Manager, Team West", "written_on": today, "reviewed_by": None, "reviewed_on": None,
        "approved_by": "Complaints Officer", "approved_on": today}
    assert saved_sections(world.db, "2024-25")["summary"]["text"] == "Last year's"


def test_a_service_areas_section_stays_with_it_through_a_rename(world):
    _save(world, world.manager_west, "Team West returned calls late.")
    version = world.db["service_areas"].get(world.west)["version"]
    service_areas.rename_service_area(world.db, world.officer, world.west, version, "Team West and North")
    sections = saved_sections(world.db, YEAR)
    assert list(sections) == ["learning:Team West and North"]
    # The manager still writes it: it is their area's, whatever it is called.
    manager = load_actor(world.db, world.manager_west.id)
    assert _save(world, manager, "Renamed, still ours.", 1).version == 2


def test_a_local_day_is_the_councils(world):
    assert local_day("2025-07-06T23:30:00+00:00") == "2025-07-07"  # 00:30 British Summer Time
    assert local_day("2025-12-06T23:30:00+00:00") == "2025-12-06"
    assert local_day(None) is None


# --- the report prints the saved text ---------------------------------------------------------------------------

REPORT_YEAR = "2021-22"
AS_OF = date(2023, 3, 31)


@pytest.fixture
def demo(demo_db_path):
    db = database.connect(demo_db_path)
    yield db
    db.close()


def _demo_actor(db, role):
    from learning_tracker.demo import DEMO_USERS_BY_ROLE
    from learning_tracker.services.core import actor_by_email

    return actor_by_email(db, DEMO_USERS_BY_ROLE[role])


def _area(db, name):
    return db.execute("SELECT id FROM service_areas WHERE name = ?", [name]).fetchone()[0]


def test_the_reports_outputs_print_the_saved_text_with_its_status(demo):
    officer = _demo_actor(demo, "complaints_officer")
    computed = annual.annual_report(demo, REPORT_YEAR, AS_OF)
    assert computed["summary"]["draft_status"] == "not yet written"
    assert computed["summary"]["draft"].startswith("In 2021/22, children's services received 235 complaints")
    east_text = "During this year Team East heard from families that reports were hard to read."
    east = report_sections.save_text(demo, officer, REPORT_YEAR, LEARNING_SECTION, _area(demo, "Team East"),
                                     east_text, 0)
    report_sections.approve(demo, officer, REPORT_YEAR, LEARNING_SECTION, _area(demo, "Team East"), east.version)
    report_sections.save_text(demo, officer, REPORT_YEAR, SUMMARY_SECTION, None, "Our summary, in our words.", 0)
    report_sections.save_text(demo, officer, REPORT_YEAR, PREVIOUS_ACTIONS_SECTION, None, "Last year's actions.", 0)

    report = annual.annual_report(demo, REPORT_YEAR, AS_OF)
    figures = json.loads(render.to_json(report))
    entries = {e["service_area"]: e for e in figures["service_improvements"]}
    assert (entries["Team East"]["draft"], entries["Team East"]["draft_status"]) == (east_text, "approved")
    west = {e["service_area"]: e for e in computed["service_improvements"]}["Team West"]
    assert (entries["Team West"]["draft"], entries["Team West"]["draft_status"]) == (west["draft"], "not yet written")
    assert figures["summary"] == {"draft": "Our summary, in our words.", "draft_status": "draft"}
    assert (figures["previous_year_actions"]["draft"], figures["previous_year_actions"]["draft_status"]) == (
        "Last year's actions.", "draft")
    # The figures themselves are the same.
    assert figures["complaints_received"] == computed["complaints_received"]

    published = annual.publishable(report)
    assert {e["service_area"]: e for e in published["service_improvements"]}["Team East"]["draft"] == east_text
    assert published["summary"]["draft"] == "Our summary, in our words."
    document = annual.annual_document(published)
    paragraphs = [p.text for p in WordDocument(io.BytesIO(render.to_docx(document))).paragraphs]
    assert {east_text, "Our summary, in our words.", "Last year's actions."} <= set(paragraphs)
    markdown = render.to_markdown(document)
    assert east_text in markdown and "Our summary, in our words." in markdown
    assert computed["summary"]["draft"].split("\n\n")[0] not in markdown
    # The checks list the sections not approved yet, with their status.
    waiting = next(p for p in paragraphs if "sections of prose" in p)
    assert waiting.startswith("14 of the report's 15 sections of prose are not approved yet: Summary (draft); ")
    assert "; Team East (" not in waiting and "; Team West (not yet written); " in waiting
    assert waiting.endswith("; Progress of the actions from 2020/21 (draft).")


def test_a_section_not_written_prints_the_draft_of_its_version_of_the_report(demo):
    report = annual.annual_report(demo, REPORT_YEAR, AS_OF)
    published = annual.publishable(report)
    small = [e for e in published["service_improvements"] if e["partly_upheld"] == "fewer than 5"]
    assert small and all("fewer than 5 partly upheld" in e["draft"] and e["draft_status"] == "not yet written"
                         for e in small)
    assert annual.drafts(published) == annual.computed_drafts(published)
    assert annual.drafts(report) == annual.computed_drafts(report)
    assert annual.section_statuses(report) == {key: "not yet written" for key in annual.drafts(report)}


def test_the_sections_saved_since_the_figures_were_computed_go_into_the_download(demo):
    """The page's downloads put in the sections as saved at the click (``with_sections``)."""
    figures = annual.publishable(annual.annual_report(demo, REPORT_YEAR, AS_OF))
    officer = _demo_actor(demo, "complaints_officer")
    report_sections.save_text(demo, officer, REPORT_YEAR, LEARNING_SECTION, _area(demo, "Team West"),
                              "Written after the page was drawn.", 0)
    at_click = annual.with_sections(figures, saved_sections(demo, REPORT_YEAR))
    assert "Written after the page was drawn." in render.to_markdown(annual.annual_document(at_click))
    assert "Written after the page was drawn." not in render.to_markdown(annual.annual_document(figures))


def test_a_refused_write_changes_no_report(demo):
    viewer = _demo_actor(demo, "viewer")
    with pytest.raises(DomainError):
        report_sections.save_text(demo, viewer, REPORT_YEAR, SUMMARY_SECTION, None, "Not mine to write", 0)
    assert annual.annual_report(demo, REPORT_YEAR, AS_OF)["summary"]["draft_status"] == "not yet written"
