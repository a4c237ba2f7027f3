"""What the signed-in user may do with a record: the pages ask here which forms, next statuses and buttons
to offer, and render only those.

Every answer is the rule the service checks again when the write arrives (``core.require_role`` and
``core.require_area`` with the role sets of ``rules.roles``), so a page never offers what the service
would refuse, and a page that offered it anyway would still be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import config
from ..rules import procedures, roles, vocabulary
from .core import Actor, may_act_in_area

# --- complaints --------------------------------------------------------------------------------------

RESPONSE, OUTCOME, EXTENSION, WITHDRAWAL, ESCALATION, CONCERNS, OMBUDSMAN = (
    "Response", "Outcome", "Extension", "Withdrawal", "Escalation", "Concerns", "Ombudsman and remedy",
)
STEPS = "Steps"
ADVOCACY, DECLINE = "Advocacy and time limit", "Decline or refuse"
INVESTIGATION, ADJUDICATION, PANEL = "Investigation", "Adjudication", "Review panel"


def records_complaints(actor: Actor) -> bool:
    """Recording a complaint, and every step past stage 1, is the complaints officer's."""
    return actor.is_officer


def may_answer_at_stage(actor: Actor, service_area_id: int, stage: int | None) -> bool:
    """The response and outcome of a stage: the officer at any stage, a service manager of the complaint's
    area at stage 1."""
    return may_act_in_area(actor, service_area_id) and (actor.is_officer or stage == 1)


def investigation_forms(complaint: dict[str, Any]) -> list[str]:
    """The forms of the complaint's current stage's investigation, for the complaints officer: at statutory
    stage 2 the investigation and its adjudication, at stage 3 the review panel; none once the complaint
    was withdrawn or declined."""
    current = complaint["current_stage"]
    if current is None or complaint["outcome"] in procedures.CLOSED_WITHOUT_DECISION:
        return []
    if procedures.is_investigation_stage(current["procedure"], current["stage"]):
        return [INVESTIGATION, ADJUDICATION]
    if procedures.is_panel_stage(current["procedure"], current["stage"]):
        return [PANEL]
    return []


@dataclass(frozen=True)
class ComplaintForms:
    """The forms the user may use on a complaint, in the order shown, and why there are none."""

    forms: tuple[str, ...]
    why_none: str | None = None


def complaint_forms(actor: Actor, complaint: dict[str, Any]) -> ComplaintForms:
    """Which forms ``actor`` may use on ``complaint`` (``read.register.complaint_detail``)."""
    current, open_stage = complaint["current_stage"], complaint["open_stage"]
    forms: list[str] = []
    if may_answer_at_stage(actor, complaint["service_area_id"], current["stage"] if current else None):
        if open_stage:
            forms.append(RESPONSE)
        if complaint["outcome"] not in procedures.CLOSED_WITHOUT_DECISION:
            forms.append(OUTCOME)
    if open_stage and stage_dates(actor, complaint):
        forms.append(STEPS)
    if records_complaints(actor):
        if open_stage:
            forms += [EXTENSION, WITHDRAWAL, DECLINE]
        forms += investigation_forms(complaint)
        if complaint["escalations"]:
            forms.append(ESCALATION)
        forms += [CONCERNS, ADVOCACY, OMBUDSMAN]
    if forms:
        return ComplaintForms(tuple(forms))
    if actor.role in roles.AREA_BOUND_ROLES and may_act_in_area(actor, complaint["service_area_id"]):
        why = "This complaint is past stage 1: the complaints officer records its later stages."
    elif actor.role in roles.AREA_BOUND_ROLES:
        why = "This complaint belongs to another service area: you can read it but not record on it."
    else:
        why = "You can read complaints; the complaints officer records them."
    return ComplaintForms((), why)


def stage_dates(actor: Actor, complaint: dict[str, Any]) -> tuple[str, ...]:
    """The dates ``actor`` may record on the complaint's open stage (``rules.procedures.stage_dates``): all of
    them for the officer; the acknowledgement for a service manager of its area at stage 1."""
    stage = complaint["open_stage"]
    if not stage or not may_answer_at_stage(actor, complaint["service_area_id"], stage["stage"]):
        return ()
    dates = procedures.stage_dates(stage["procedure"], stage["stage"])
    return dates if actor.is_officer else (procedures.ACKNOWLEDGED_ON,)


def decline_reasons(db) -> list[str]:
    """The reasons the Decline form offers: the configured ones, less the time limit's (a late complaint is
    declined by its time limit decision)."""
    return [r for r in config.vocabulary(db, "declined_reason") if r != procedures.LATE_REASON]


def own_service_areas(actor: Actor) -> tuple[int, ...] | None:
    """The service areas a user works in, to narrow lists to by default: a service manager's own areas
    (perhaps none yet); None for everyone else, who follow every area."""
    if actor.role in roles.AREA_BOUND_ROLES:
        return tuple(sorted(actor.service_area_ids))
    return None


# --- learning, improvement actions and compliments ------------------------------------------------------


def records_learning(actor: Actor) -> bool:
    """Learning, improvement actions and compliments are recorded by the officer and service managers."""
    return actor.role in roles.LEARNING_RECORDERS


def areas_to_record_in(actor: Actor, areas: list[tuple[int, str]]) -> list[str]:
    """The names of ``areas`` (id, name) the user may record learning or compliments in."""
    if not records_learning(actor):
        return []
    return [name for area_id, name in areas if may_act_in_area(actor, area_id)]


def verifies_actions(actor: Actor) -> bool:
    """Verifying a completed action, or sending it back, is the complaints officer's."""
    return actor.is_officer


# The likeliest next step first: start, then complete, then verify; going back or cancelling last.
_STATUS_PREFERENCE = (vocabulary.IN_PROGRESS, vocabulary.COMPLETED, vocabulary.VERIFIED, vocabulary.NOT_STARTED,
                      vocabulary.CANCELLED)
_AFTER_COMPLETED_PREFERENCE = (vocabulary.VERIFIED, vocabulary.IN_PROGRESS)


def updates_action(actor: Actor, action: dict[str, Any]) -> bool:
    """Status, notes, due date and evidence of an action: the officer, or a service manager of its area."""
    return records_learning(actor) and may_act_in_area(actor, action["service_area_id"])


def may_own_action(owner: Actor, service_area_id: int) -> bool:
    """Who may own an action of a service area: whoever may update it (``updates_action``), so that no
    action sits with an owner who cannot move it; the services refuse any other owner."""
    return updates_action(owner, {"service_area_id": service_area_id})


def next_statuses(actor: Actor, action: dict[str, Any]) -> list[str]:
    """The statuses the user may move ``action`` (a row with its status and service area) to, likeliest
    first; ``[]`` when none.

    A completed action waits for the officer: only they verify it or send it back (to in progress).
    """
    status = action["status"]
    if not updates_action(actor, action):
        return []
    if status == vocabulary.COMPLETED:
        if not verifies_actions(actor):
            return []
        return sorted(vocabulary.ACTION_TRANSITIONS[status], key=_AFTER_COMPLETED_PREFERENCE.index)
    return sorted(vocabulary.ACTION_TRANSITIONS[status], key=_STATUS_PREFERENCE.index)


def closes_learning_points(actor: Actor, status: str) -> bool:
    """Closing a learning point that is not closed yet is the complaints officer's."""
    return actor.is_officer and status != vocabulary.CLOSED


# --- the forum and the reports ---------------------------------------------------------------------------


def records_forum_decisions(actor: Actor) -> bool:
    """Forum members and the complaints officer set up meetings and record the forum's decisions."""
    return actor.role in roles.FORUM_RECORDERS


def manages_records(actor: Actor) -> bool:
    """Importing, exporting, backing up, retention and subject access are the complaints officer's."""
    return actor.is_officer


def reads_reports(actor: Actor) -> bool:
    """The annual and quarterly reports are for the complaints officer and senior leadership (viewers)."""
    return actor.role in roles.REPORT_READERS


# --- the annual report's sections of prose ---------------------------------------------------------------

REVIEW_SECTION, APPROVE_SECTION = "Mark as reviewed", "Approve"


def writes_report_section(actor: Actor, service_area_id: int | None) -> bool:
    """A section of the annual report: the summary and last year's actions (no area) are the complaints
    officer's; a service area's learning section is the officer's or a service manager's of that area."""
    if service_area_id is None:
        return actor.is_officer
    return may_act_in_area(actor, service_area_id)


def reviews_report_section(actor: Actor, service_area_id: int | None) -> bool:
    """Marking a learning section reviewed by the service: a service manager of its area. The officer
    approves instead, and a section with no area has no review step."""
    return (service_area_id is not None and actor.role in roles.AREA_BOUND_ROLES
            and may_act_in_area(actor, service_area_id))


def approves_report_sections(actor: Actor) -> bool:
    """Approving a section of the annual report (a draft or a reviewed one) is the complaints officer's."""
    return actor.is_officer


def report_section_steps(actor: Actor, service_area_id: int | None, status: str) -> tuple[str, ...]:
    """The buttons to offer on a section of ``status`` (``vocabulary.REPORT_SECTION_STATUSES`` or
    ``SECTION_NOT_WRITTEN``): ``REVIEW_SECTION`` and ``APPROVE_SECTION``, where the user may take that step."""
    steps = vocabulary.REPORT_SECTION_STEPS[status]
    offered = []
    if vocabulary.SECTION_REVIEWED in steps and reviews_report_section(actor, service_area_id):
        offered.append(REVIEW_SECTION)
    if vocabulary.SECTION_APPROVED in steps and approves_report_sections(actor):
        offered.append(APPROVE_SECTION)
    return tuple(offered)


def writes_only_area_report_sections(actor: Actor) -> bool:
    """A service manager opens the Reports page for their own areas' learning sections of the annual
    report only: the reports themselves are for the complaints officer and senior leadership."""
    return actor.role in roles.AREA_BOUND_ROLES and not reads_reports(actor)
