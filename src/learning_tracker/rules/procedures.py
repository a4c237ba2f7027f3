"""The steps of the complaints procedures and their clocks, each in one place.

A stage of a complaint is answered through **steps**, each with its own clock, due date and RAG:

- every stage is **acknowledged** (the Complaint Handling Code: within 5 working days; for the statutory
  procedure a configured target);
- every stage is **responded** to; statutory stage 3, the review panel, has three steps instead of the one
  response: the **panel meeting** (within 30 working days of the request), the **panel report** (within 5
  of the meeting) and the **council response** (within 15 of the report), each configurable.

What starts a stage's response clock is configuration (``timescales.clock_starts``): the day the stage
began (``receipt`` of the complaint, the complainant's ``request`` for the next stage), the
``acknowledgement`` (the Code: from the day it applies, ``code_applies_from``), the day the stage 2
``statement agreed`` with the complainant, or the ``panel report`` (stage 3's council response).

Until the event that starts a response clock is recorded, the response is due as if that clock had started
with the stage: the due date is never later than the true one, and it moves to its true place once the
event is recorded (``response_clock_start``).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from .. import workdays
from . import sql
from .vocabulary import NOT_UPHELD, PARTLY_UPHELD, UPHELD, UPHELD_OUTCOMES, WITHDRAWN

# --- steps ------------------------------------------------------------------------------------------

ACKNOWLEDGEMENT, RESPONSE, PANEL_MEETING, PANEL_REPORT, COUNCIL_RESPONSE = STEPS = (
    "acknowledgement", "response", "panel meeting", "panel report", "council response",
)

# --- what starts a response clock ------------------------------------------------------------------

RECEIPT, REQUEST, ACKNOWLEDGED, STATEMENT_AGREED, PANEL_REPORTED = CLOCK_STARTS = (
    "receipt", "request", "acknowledgement", "statement agreed", "panel report",
)
# The clock starts the complaints officer may choose between for a stage (statutory stage 2: the request
# or the agreed statement of complaint, as the council's procedure says); other stages' are fixed.
CLOCK_START_CHOICES: dict[tuple[str, int], tuple[str, ...]] = {
    ("statutory", 2): (REQUEST, STATEMENT_AGREED),
}
# The stage whose response is the council's response to a review panel, after the panel's two steps.
PANEL_STAGE = ("statutory", 3)


def is_panel_stage(procedure: str, stage: int) -> bool:
    """Statutory stage 3: the review panel, with its meeting, report and council response."""
    return (procedure, stage) == PANEL_STAGE


# The stage investigated by an Investigating Officer and an Independent Person, then adjudicated.
INVESTIGATION_STAGE = ("statutory", 2)


def is_investigation_stage(procedure: str, stage: int) -> bool:
    """Statutory stage 2: the investigation, its points of complaint and recommendations, the adjudication."""
    return (procedure, stage) == INVESTIGATION_STAGE


# The steps that answer a stage.
RESPONSE_STEPS = (RESPONSE, COUNCIL_RESPONSE)


def response_step(procedure: str, stage: int) -> str:
    """The step that answers a stage: the council's response after a review panel, else the response."""
    return COUNCIL_RESPONSE if is_panel_stage(procedure, stage) else RESPONSE


def response_clock_start(
    clock_starts: str, *, stage_started_on: date, received_on: date, code_applies_from: date,
    acknowledged_on: date | None = None, statement_agreed_on: date | None = None,
    panel_report_on: date | None = None,
) -> date | None:
    """The day a stage's response clock started, or ``None`` while it waits for its event.

    ``clock_starts`` is the timescale's configured start. The acknowledgement starts the clock only for
    complaints received on or after ``code_applies_from`` (the Code's rule; earlier complaints' clocks
    ran from the stage's start, as the procedure then said).
    """
    if clock_starts == ACKNOWLEDGED:
        if received_on < code_applies_from:
            return stage_started_on
        return acknowledged_on
    if clock_starts == STATEMENT_AGREED:
        return statement_agreed_on
    if clock_starts == PANEL_REPORTED:
        return panel_report_on
    return stage_started_on


class StageTimescale(Protocol):
    """What the clocks need of a stage's timescale (``config.Timescale``)."""

    clock_starts: str
    due_working_days: int
    acknowledge_working_days: int | None
    panel_meeting_working_days: int | None
    panel_report_working_days: int | None

    @property
    def working_days_to_response(self) -> int: ...


def opening_dates(timescale: StageTimescale, started_on: date) -> dict[str, str | None]:
    """The dates a stage opening on ``started_on`` is given: its clock start, its response's due date (as if
    every step before the response took its full time), its acknowledgement's and a review panel's meeting's."""
    add = workdays.add_working_days
    return {
        "clock_started_on": started_on.isoformat(),
        "due_on": add(started_on, timescale.working_days_to_response).isoformat(),
        "acknowledgement_due_on": (add(started_on, timescale.acknowledge_working_days).isoformat()
                                   if timescale.acknowledge_working_days else None),
        "panel_meeting_due_on": (add(started_on, timescale.panel_meeting_working_days).isoformat()
                                 if timescale.panel_meeting_working_days else None),
    }


def _day(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def moved_dates(timescale: StageTimescale, stage: dict, received_on: str | date, code_applies_from: date) -> dict[str, str | None]:
    """The dates of a stage that follow from the steps recorded on it (``stage``: a complaint_stages row):
    when its response clock started (``None`` when with the stage), its response's due date and the panel
    report's. Called after each step is recorded, so the due dates move to their true places."""
    add = workdays.add_working_days
    started = _day(stage["clock_started_on"])
    met = _day(stage.get("panel_met_on"))
    clock = response_clock_start(
        timescale.clock_starts, stage_started_on=started, received_on=_day(received_on),
        code_applies_from=code_applies_from, acknowledged_on=_day(stage.get("acknowledged_on")),
        statement_agreed_on=_day(stage.get("statement_agreed_on")), panel_report_on=_day(stage.get("panel_report_on")))
    report_days = timescale.panel_report_working_days or 0
    if clock is not None:
        due = add(clock, timescale.due_working_days)
    elif met is not None:  # the panel met: its report and the council's response still to come
        due = add(met, report_days + timescale.due_working_days)
    else:
        due = _day(opening_dates(timescale, started)["due_on"])
    return {
        "response_clock_started_on": clock.isoformat() if clock not in (None, started) else None,
        "due_on": due.isoformat(),
        "panel_report_due_on": add(met, report_days).isoformat() if met is not None and report_days else None,
    }


# --- the dates recorded on a stage as its steps happen ---------------------------------------------

# What the user records, in their words, and the stage column it fills: the acknowledgement (every stage), the
# statement of complaint agreed with the complainant (statutory stage 2: it may start the stage's clock), and the
# review panel's meeting and report (statutory stage 3).
ACKNOWLEDGED_ON, STATEMENT_AGREED_ON, PANEL_MET_ON, PANEL_REPORT_ON = STAGE_DATES = (
    "acknowledged", "statement of complaint agreed", "panel met", "panel report received",
)
STAGE_DATE_COLUMNS = {
    ACKNOWLEDGED_ON: "acknowledged_on",
    STATEMENT_AGREED_ON: "statement_agreed_on",
    PANEL_MET_ON: "panel_met_on",
    PANEL_REPORT_ON: "panel_report_on",
}


def stage_dates(procedure: str, stage: int) -> tuple[str, ...]:
    """The dates that may be recorded on a stage of ``procedure``."""
    if (procedure, stage) == ("statutory", 2):
        return ACKNOWLEDGED_ON, STATEMENT_AGREED_ON
    if is_panel_stage(procedure, stage):
        return ACKNOWLEDGED_ON, PANEL_MET_ON, PANEL_REPORT_ON
    return (ACKNOWLEDGED_ON,)


# --- the findings of an investigation --------------------------------------------------------------

# A point of complaint's finding, at stage 2 (the Investigating Officer's, as the adjudication confirmed).
UNABLE_TO_DETERMINE = "unable to determine"
FINDINGS = (UPHELD, PARTLY_UPHELD, NOT_UPHELD, UNABLE_TO_DETERMINE)
# A recommendation's decision: the adjudication (stage 2) or the council's response to the panel (stage 3).
ACCEPTED, NOT_ACCEPTED = RECOMMENDATION_DECISIONS = ("accepted", "not accepted")


def outcome_from_findings(findings: list[str | None]) -> str | None:
    """A stage 2 outcome from its points' findings: every point upheld, upheld; some upheld or partly upheld,
    partly upheld; none, not upheld. ``None`` while a point has no finding or there is no point."""
    if not findings or any(f is None for f in findings):
        return None
    if all(f == UPHELD for f in findings):
        return UPHELD
    if any(f in UPHELD_OUTCOMES for f in findings):
        return PARTLY_UPHELD
    return NOT_UPHELD


# --- declined and late complaints ----------------------------------------------------------------------

# A complaint declined or refused (regulation 8, the Code's refusals) closes with this outcome. It is not
# in the outcome vocabulary (it is recorded with its reason, by declining) and never counts in the
# timescale figures: no response was due.
DECLINED = "declined"
# What the complaints officer decided about a late complaint: consider it, or decline it.
CONSIDER_LATE, DECLINE_LATE = LATE_DECISIONS = ("considered", "declined")


def is_late(grounds_arose_on: date | None, received_on: date) -> bool:
    """A complaint received a year or more after the matter it is about arose."""
    if grounds_arose_on is None:
        return False
    try:
        anniversary = grounds_arose_on.replace(year=grounds_arose_on.year + 1)
    except ValueError:  # 29 February
        anniversary = date(grounds_arose_on.year + 1, 3, 1)
    return received_on >= anniversary


def late_sql(alias: str = "c") -> str:
    """SQL true for a complaint row ``alias`` received a year or more after its grounds arose: ``is_late`` in
    SQL (SQLite's 29 February plus a year is 1 March, as there; the tests hold the two to the same answers)."""
    return (f"({alias}.grounds_arose_on IS NOT NULL AND {alias}.received_on >= "
            f"date({alias}.grounds_arose_on, '+1 year'))")


def counts_for_timescales_sql(alias: str = "c") -> str:
    """SQL true for a complaint row ``alias`` whose stages count in the timescale figures (not declined)."""
    return f"COALESCE({alias}.outcome, '') <> {sql.literal(DECLINED)}"


# --- advocacy, the time limit and declining ----------------------------------------------------------------

# A complaint closed without a decision on it: withdrawn by the complainant, or declined (refused) by the council.
# No outcome may be recorded on it, and it is neither answered nor escalated afterwards.
CLOSED_WITHOUT_DECISION = (WITHDRAWN, DECLINED)
# The reason a late complaint declined by its time limit decision is given: the first of the configured
# "declined_reason" vocabulary (config.VOCABULARIES), written only here.
LATE_REASON = "matter more than a year old"
# The complainant type (the "complainant_type" vocabulary) of a child or young person complaining themself.
CHILD_COMPLAINANT = "child or young person"
# The statutory procedure (Children Act 1989 representations) is about children's social care services:
# every representation under it is made by or for a child, whoever makes it.
CHILDRENS_PROCEDURE = PANEL_STAGE[0]


def closed_without_decision_sql(alias: str = "s") -> str:
    """SQL true for a row ``alias`` (a stage or a complaint) whose outcome closed it without a decision."""
    return f"COALESCE({alias}.outcome, '') IN {sql.values(CLOSED_WITHOUT_DECISION)}"


def for_a_child(complainant_type: str | None, procedure: str | None) -> bool:
    """A complaint made by or for a child, who has a right to an advocate (Children Act 1989 s26A), so the
    council must offer one: a complaint by a child or young person, and every statutory complaint (the
    statutory procedure's representations are all about services to a child)."""
    return (complainant_type or "").strip().lower() == CHILD_COMPLAINANT or procedure == CHILDRENS_PROCEDURE


def for_a_child_sql(alias: str = "c") -> str:
    """SQL true for a complaint row ``alias`` made by or for a child (``for_a_child``)."""
    return (f"(LOWER(TRIM(COALESCE({alias}.complainant_type, ''))) = {sql.literal(CHILD_COMPLAINANT)}"
            f" OR {alias}.procedure = {sql.literal(CHILDRENS_PROCEDURE)})")
