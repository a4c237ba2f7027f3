"""The words of the domain and the rules built on them, each in one place.

Statuses and outcomes are the values stored in the records. Everything that asks "is this action
open?", "does this complaint call for learning?" or "what status follows from these actions?" asks here,
in Python or through the SQL fragments below (built from the same constants).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from . import sql

# A blank equality field, way of receipt or similar is counted under this word, never left out.
NOT_RECORDED = "not recorded"

# --- complaints' stages and concerns -----------------------------------------------------------------

INFORMAL = "informal"  # the procedure whose single stage is not numbered


def stage_label(procedure: str, stage: int) -> str:
    """'statutory stage 2', 'informal' (an informal complaint has one stage)."""
    return INFORMAL if procedure == INFORMAL else f"{procedure} stage {stage}"


CONCERN_SEPARATOR = ">"


def concern_code_text(category: str, subcategory: str | None) -> str:
    """A concern code as users write it: 'Category', or 'Category > Subcategory'."""
    return category + (f" {CONCERN_SEPARATOR} {subcategory}" if subcategory else "")


def split_concern_code(text: str) -> tuple[str, str]:
    """'Category > Subcategory' as (category, subcategory), each trimmed; the subcategory '' when none."""
    category, _, sub = text.partition(CONCERN_SEPARATOR)
    return category.strip(), sub.strip()


# --- improvement actions ---------------------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, COMPLETED, VERIFIED, CANCELLED = ACTION_STATUSES = (
    "not started", "in progress", "completed", "verified", "cancelled",
)
# Open: someone still has work to do. Only an open action can be overdue.
OPEN_ACTION_STATUSES = (NOT_STARTED, IN_PROGRESS)
# Finished for good: verified by the complaints officer, or cancelled with a reason.
FINISHED_ACTION_STATUSES = (VERIFIED, CANCELLED)
# Not finished: open, or completed and waiting for the complaints officer's verification.
UNFINISHED_ACTION_STATUSES = tuple(s for s in ACTION_STATUSES if s not in FINISHED_ACTION_STATUSES)

# Which status may follow which. Who may make each move (verifying and sending back are the complaints
# officer's) is the services' decision.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    NOT_STARTED: frozenset({IN_PROGRESS, COMPLETED, CANCELLED}),
    IN_PROGRESS: frozenset({NOT_STARTED, COMPLETED, CANCELLED}),
    COMPLETED: frozenset({VERIFIED, IN_PROGRESS}),
    VERIFIED: frozenset(),
    CANCELLED: frozenset(),
}


def action_is_open(status: str) -> bool:
    """An action not started or in progress."""
    return status in OPEN_ACTION_STATUSES


def action_is_overdue(status: str, due_on: date, as_of: date) -> bool:
    """An open action whose due date is before ``as_of`` (the due day itself is not overdue)."""
    return action_is_open(status) and due_on < as_of


OPEN_ACTION_SQL = sql.values(OPEN_ACTION_STATUSES)
UNFINISHED_ACTION_SQL = sql.values(UNFINISHED_ACTION_STATUSES)


def action_open_sql(alias: str = "a") -> str:
    """SQL true for an open action row ``alias``."""
    return f"{alias}.status IN {OPEN_ACTION_SQL}"


def action_overdue_sql(alias: str = "a", as_of: str = "?") -> str:
    """SQL true for an overdue action row ``alias`` on the ISO date bound at ``as_of`` (a parameter)."""
    return f"({action_open_sql(alias)} AND {alias}.due_on < {as_of})"


# --- complaints' outcomes ---------------------------------------------------------------------------

UPHELD, PARTLY_UPHELD, NOT_UPHELD, WITHDRAWN = OUTCOMES = ("upheld", "partly upheld", "not upheld", "withdrawn")
# The outcomes that call for learning: the complaint was upheld in whole or in part.
UPHELD_OUTCOMES = (UPHELD, PARTLY_UPHELD)
# How a complaint with no outcome yet is counted and filtered.
NO_OUTCOME_YET = "open"
UPHELD_SQL = sql.values(UPHELD_OUTCOMES)


def is_upheld(outcome: str | None) -> bool:
    """Upheld or partly upheld: learning is expected from the complaint."""
    return outcome in UPHELD_OUTCOMES


def upheld_sql(alias: str = "c") -> str:
    """SQL true for a complaint row ``alias`` upheld or partly upheld."""
    return f"{alias}.outcome IN {UPHELD_SQL}"


# --- learning gaps ----------------------------------------------------------------------------------


def is_learning_gap(outcome: str | None, no_learning_reason: str | None, learning_points: int) -> bool:
    """An upheld or partly upheld complaint with no learning point and no "no learning identified" decision."""
    return is_upheld(outcome) and no_learning_reason is None and learning_points == 0


def learning_gap_sql(alias: str = "c") -> str:
    """SQL true for a complaint row ``alias`` that is a learning gap (``is_learning_gap``).

    The outcome index narrows the scan; NOT EXISTS uses the learning_point_complaints_complaint index.
    """
    return (f"{upheld_sql(alias)} AND {alias}.no_learning_reason IS NULL"
            f" AND NOT EXISTS (SELECT 1 FROM learning_point_complaints gap_lpc WHERE gap_lpc.complaint_id = {alias}.id)")


# --- learning points ----------------------------------------------------------------------------------

OPEN, ACTIONS_AGREED, LEARNING_IN_PROGRESS, EMBEDDED, CLOSED = LEARNING_POINT_STATUSES = (
    "open", "actions agreed", "in progress", "embedded", "closed",
)
# Still to be acted on: the forum reviews these.
OPEN_LEARNING_POINT_STATUSES = (OPEN, ACTIONS_AGREED, LEARNING_IN_PROGRESS)
OPEN_LEARNING_POINT_SQL = sql.values(OPEN_LEARNING_POINT_STATUSES)


def learning_point_status(action_statuses: Iterable[str], current: str | None = None) -> str:
    """A learning point's status from its actions' statuses (a closed learning point stays closed).

    open: no actions; actions agreed: none started; embedded: every action verified or cancelled;
    in progress: anything else.
    """
    if current == CLOSED:
        return CLOSED
    statuses = set(action_statuses)
    if not statuses:
        return OPEN
    if statuses == {NOT_STARTED}:
        return ACTIONS_AGREED
    if statuses <= set(FINISHED_ACTION_STATUSES):
        return EMBEDDED
    return LEARNING_IN_PROGRESS


# --- the annual report's written sections -------------------------------------------------------------

# The report's prose the officer (and, for their area's learning, a service manager) writes: the summary,
# one section per service area in "Service improvements and learning", and the progress of last year's actions.
SUMMARY_SECTION, LEARNING_SECTION, PREVIOUS_ACTIONS_SECTION = REPORT_SECTIONS = ("summary", "learning", "previous-actions")

SECTION_DRAFT, SECTION_REVIEWED, SECTION_APPROVED = REPORT_SECTION_STATUSES = ("draft", "reviewed", "approved")
# A section nobody has saved: the report uses the draft computed from the figures.
SECTION_NOT_WRITTEN = "not yet written"
REPORT_SECTION_STATUS_WORDS = {
    SECTION_NOT_WRITTEN: "Not yet written: the draft computed from the figures",
    SECTION_DRAFT: "Draft",
    SECTION_REVIEWED: "Reviewed by the service",
    SECTION_APPROVED: "Approved",
}
# The steps a section's status may take by marking it reviewed or approving it. Saving new text makes any
# section a draft again; an unwritten section reviewed or approved keeps the computed draft as its text.
REPORT_SECTION_STEPS: dict[str, frozenset[str]] = {
    SECTION_NOT_WRITTEN: frozenset({SECTION_REVIEWED, SECTION_APPROVED}),
    SECTION_DRAFT: frozenset({SECTION_REVIEWED, SECTION_APPROVED}),
    SECTION_REVIEWED: frozenset({SECTION_APPROVED}),
    SECTION_APPROVED: frozenset(),
}


def report_section_key(section: str, service_area: str | None = None) -> str:
    """A report section's key in the report and its documents: ``"summary"``, ``"previous-actions"``, or
    ``"learning:<service area>"`` (by the area's name as the report shows it)."""
    return f"{section}:{service_area}" if section == LEARNING_SECTION else section


def split_report_section_key(key: str) -> tuple[str, str | None]:
    """A report section's key as (section, service area name or None): the inverse of ``report_section_key``."""
    section, _, area = key.partition(":")
    return section, (area if section == LEARNING_SECTION else None)
