"""Complaints: recording them, answering, extending and escalating their stages, outcomes, withdrawals,
concern codes and the Ombudsman.

The complaint is the unit a user reads and edits: every write here names the complaint version the user
read, and bumps it (and the version of any stage row it changes), so a save based on a stale copy of the
complaint or of any of its stages is refused with a conflict instead of overwriting someone's change.

Who may do what: the complaints officer does all of it. A service manager may record the stage 1
response and the outcome of their own areas' complaints while those are at stage 1; anything else is
refused, and the refusal is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from .. import config, workdays
from ..errors import InvalidInput, NotFound, Problem, Refused
from ..models import (
    ConcernCoding,
    Escalation,
    NewComplaint,
    OmbudsmanRecord,
    OutcomeDecision,
    StageDate,
    StageExtension,
    StageResponse,
    Withdrawal,
)
from .checks import collect, not_before, not_before_stage, not_in_future, raise_problems
from .core import (
    Actor,
    audited,
    check_vocabulary,
    concern_code_id,
    ensure_version,
    fetch_row,
    require_area,
    require_officer,
    service_area_id,
    update_versioned,
)
from ..read.register import concern_texts
from ..rules import procedures
from ..rules.personal_data import reference_problem
from ..rules.vocabulary import WITHDRAWN, stage_label
from . import permissions



# --- reading a complaint for a change -------------------------------------------------------------


def complaint_id_by_reference(db: sqlite_utils.Database, reference: str) -> int:
    """The id of the complaint with this reference (case and surrounding spaces ignored)."""
    row = db.execute("SELECT id FROM complaints WHERE reference = ? COLLATE NOCASE", [reference.strip()]).fetchone()
    if row is None:
        raise NotFound(f"No complaint has the reference '{reference.strip()}'.")
    return row[0]


def _latest_stage(db: sqlite_utils.Database, complaint: dict[str, Any]) -> dict[str, Any]:
    """The complaint's current stage: the highest it reached under its (current) procedure."""
    cursor = db.execute(
        "SELECT * FROM complaint_stages WHERE complaint_id = ? AND procedure = ? ORDER BY stage DESC LIMIT 1",
        [complaint["id"], complaint["procedure"]],
    )
    row = cursor.fetchone()
    if row is None:  # every complaint is created with its first stage; a hand-made row may lack one
        raise NotFound(f"Complaint {complaint['reference']} has no {complaint['procedure']} stage recorded.")
    return dict(zip([c[0] for c in cursor.description], row))


def _open_stage(db: sqlite_utils.Database, complaint: dict[str, Any], doing: str) -> dict[str, Any]:
    """The stage still waiting for its response, or a clear refusal to ``doing``."""
    if complaint["outcome"] in procedures.CLOSED_WITHOUT_DECISION:
        raise InvalidInput([Problem("complaint", complaint["reference"], f"was {complaint['outcome']}, so you cannot {doing}")])
    stage = _latest_stage(db, complaint)
    if stage["responded_on"] is not None:
        label = stage_label(stage["procedure"], stage["stage"])
        raise InvalidInput(
            [Problem("complaint", complaint["reference"],
                     f"has no open stage ({label} was answered on {stage['responded_on']}), so you cannot {doing}")]
        )
    return stage


def _claim(
    db: sqlite_utils.Database, complaint: dict[str, Any], read_version: int, values: dict[str, Any] | None = None
) -> None:
    """Write ``values`` to the complaint and bump its version, if it is still at ``read_version``.

    A change to a stage calls this with no values: the complaint's version guards the whole record.
    """
    # Re-assigning the reference is a no-op write that lets one statement check and bump the version.
    update_versioned(db, "complaints", complaint["id"], read_version, values or {"reference": complaint["reference"]},
                     "complaint")


def _update_stage(db: sqlite_utils.Database, stage: dict[str, Any], values: dict[str, Any]) -> None:
    update_versioned(db, "complaint_stages", stage["id"], stage["version"], values, "complaint stage")


def _for_change(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, doing: str, *,
    area_managers: bool = False,
) -> dict[str, Any]:
    """The complaint, once the actor may ``doing`` it (the officer; with ``area_managers``, also a service
    manager of its area) and it is still the version they read: permission first, then the version, then
    the rules, so a stale form is told of the other person's change rather than a rule it now breaks."""
    complaint = fetch_row(db, "complaints", complaint_id, "complaint")
    if area_managers:
        require_area(db, actor, complaint["service_area_id"], doing=doing)
    else:
        require_officer(actor, doing)
    ensure_version(complaint, read_version, "complaint")
    return complaint


def _require_stage_one_for_managers(actor: Actor, complaint: dict[str, Any], stage: dict[str, Any], doing: str) -> None:
    """A service manager's part is stage 1; later stages are the complaints officer's
    (``permissions.may_answer_at_stage``, which the complaint's page asks)."""
    if not permissions.may_answer_at_stage(actor, complaint["service_area_id"], stage["stage"]):
        label = stage_label(stage["procedure"], stage["stage"])
        raise Refused(f"A service manager may {doing} only at stage 1; this complaint is at {label}, "
                      "which the complaints officer records.")


def _stage_outcome(row: dict[str, Any]) -> dict[str, Any]:
    """A stage's outcome and its date as the audit log records them, from a stage row or outcome values."""
    return {"stage_outcome": row.get("outcome"), "stage_outcome_on": row.get("outcome_on")}


def _outcome(db: sqlite_utils.Database, problems: list[Problem], value: str) -> str | None:
    outcome = collect(problems, check_vocabulary, db, "outcome", value, field="outcome")
    if outcome == WITHDRAWN:
        problems.append(Problem("outcome", value, "is recorded with 'Withdraw the complaint', which also closes its open stage"))
        return None
    return outcome


# --- use cases -------------------------------------------------------------------------------------


def create_complaint(db: sqlite_utils.Database, actor: Actor, new: NewComplaint, *, today: date | None = None) -> int:
    """Record a new complaint and open its first stage, whose clock starts on the day it was received
    (acknowledged then too, when ``acknowledged_on`` is given).

    The reference must match the council's configured reference pattern (``config.reference_pattern``),
    so that a name or a date of birth is never recorded where the case system's reference belongs."""
    today = today or date.today()
    with audited(db, actor, "create complaint", "complaint") as change:
        require_officer(actor, "record complaints")
        problems: list[Problem] = []
        reference = new.reference
        wrong_shape = reference_problem(reference, config.reference_pattern(db))
        if wrong_shape:
            problems.append(Problem("reference", reference, wrong_shape))
        elif db.execute("SELECT 1 FROM complaints WHERE reference = ? COLLATE NOCASE", [reference]).fetchone():
            problems.append(Problem("reference", reference, "is already used by another complaint; each reference is unique"))
        not_in_future(problems, "received on", new.received_on, today)
        not_before(problems, "acknowledged on", new.acknowledged_on, new.received_on.isoformat(), "the complaint was received")
        not_in_future(problems, "acknowledged on", new.acknowledged_on, today)
        procedure = collect(problems, check_vocabulary, db, "procedure", new.procedure, field="procedure")
        area_id = collect(problems, service_area_id, db, new.service_area)
        values: dict[str, Any] = {}
        for field in ("received_via", "complainant_type", "gender", "age_band", "ethnicity", "disability"):
            values[field] = collect(problems, check_vocabulary, db, field, getattr(new, field), field=field.replace("_", " "))
        code_ids = [collect(problems, concern_code_id, db, text) for text in new.concerns]
        timescale = None
        if procedure:
            timescale = config.timescales(db).get((procedure, 1))
            if timescale is None:
                problems.append(Problem("procedure", procedure, "has no stage 1 timescale configured"))
        raise_problems(problems)

        row = {
            "reference": reference,
            "received_on": new.received_on.isoformat(),
            "procedure": procedure,
            "service_area_id": area_id,
            "advocate": int(new.advocate),
            **values,
        }
        complaint_id = db["complaints"].insert(row).last_pk
        dates = procedures.opening_dates(timescale, new.received_on)
        if new.acknowledged_on:  # acknowledged as it was logged: the clocks that follow from it move with it
            dates["acknowledged_on"] = new.acknowledged_on.isoformat()
            dates |= procedures.moved_dates(timescale, dates, new.received_on, config.code_applies_from(db))
        db["complaint_stages"].insert({"complaint_id": complaint_id, "procedure": procedure, "stage": 1, **dates})
        # Each concern raised is a row, a code repeated when the complaint raises it more than once: the
        # reports count concerns by the number of times raised, not by complaint.
        db["concerns"].insert_all({"complaint_id": complaint_id, "concern_code_id": c} for c in code_ids)
        change.entity_id = complaint_id
        change.after = {**row, **dates, "concerns": list(new.concerns)}
    return complaint_id


def record_response(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, response: StageResponse,
    *, today: date | None = None,
) -> None:
    """Record the date the open stage was answered, and the outcome when the response decided one: on the
    stage, which keeps it, and on the complaint, whose outcome is its current stage's."""
    today = today or date.today()
    with audited(db, actor, "record stage response", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record complaint responses", area_managers=True)
        stage = _open_stage(db, complaint, "record a response")
        _require_stage_one_for_managers(actor, complaint, stage, "record the response")
        problems: list[Problem] = []
        not_before_stage(problems, "responded on", response.responded_on, stage)
        not_in_future(problems, "responded on", response.responded_on, today)
        outcome = _outcome(db, problems, response.outcome) if response.outcome else None
        if stage["panel_meeting_due_on"] and not stage["panel_report_on"]:
            # The council responds to the review panel's report: the panel's two steps come first.
            problems.append(Problem("responded on", response.responded_on.isoformat(),
                                    "is the council's response to the review panel, which needs the panel's "
                                    "report first; record when the panel met and when its report was received"))
        raise_problems(problems)

        responded_on = response.responded_on.isoformat()
        # The outcome is the stage's, kept when the complaint is escalated, and the complaint's current one,
        # the one the reports count.
        outcome_values = {"outcome": outcome, "outcome_on": responded_on} if outcome else {}
        _update_stage(db, stage, {"responded_on": responded_on, **outcome_values})
        _claim(db, complaint, read_version, outcome_values or None)
        change.before = {"stage_id": stage["id"], "responded_on": None, "outcome": complaint["outcome"],
                         **_stage_outcome(stage), "version": read_version}
        change.after = {"stage_id": stage["id"], "responded_on": responded_on,
                        "outcome": outcome or complaint["outcome"], **_stage_outcome({**stage, **outcome_values}),
                        "version": read_version + 1}


def record_outcome(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, decision: OutcomeDecision,
    *, today: date | None = None,
) -> None:
    """Record (or correct) the complaint's outcome and the date it was decided, on the complaint and on its
    current stage."""
    today = today or date.today()
    with audited(db, actor, "record complaint outcome", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record complaint outcomes", area_managers=True)
        stage = _latest_stage(db, complaint)
        _require_stage_one_for_managers(actor, complaint, stage, "record the outcome")
        problems: list[Problem] = []
        if complaint["outcome"] in procedures.CLOSED_WITHOUT_DECISION:
            problems.append(Problem("complaint", complaint["reference"], f"was {complaint['outcome']}, so it has no other outcome"))
        outcome = _outcome(db, problems, decision.outcome)
        not_before(problems, "outcome on", decision.outcome_on, complaint["received_on"], "the complaint was received")
        not_in_future(problems, "outcome on", decision.outcome_on, today)
        raise_problems(problems)

        values = {"outcome": outcome, "outcome_on": decision.outcome_on.isoformat()}
        # The complaint's outcome is its current stage's: the two are recorded (and corrected) together.
        _update_stage(db, stage, values)
        _claim(db, complaint, read_version, values)
        change.before = {"outcome": complaint["outcome"], "outcome_on": complaint["outcome_on"],
                         "stage_id": stage["id"], **_stage_outcome(stage), "version": read_version}
        change.after = {**values, "stage_id": stage["id"], **_stage_outcome(values), "version": read_version + 1}


def record_stage_date(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, recorded: StageDate,
    *, today: date | None = None,
) -> None:
    """Record (or correct) when a step of the open stage happened: its acknowledgement, the agreed statement
    of complaint (statutory stage 2), the review panel's meeting or report (statutory stage 3).

    The due dates that follow move with it (``rules.procedures.moved_dates``): the response clock starts at
    the acknowledgement under the Code or at the agreed statement where configured, the panel's report is due
    after its meeting and the council's response after the report. An extension no later than the new due
    date no longer extends anything, so it is dropped. The acknowledgement is a service manager's to record at
    stage 1 too; the rest are the complaints officer's.
    """
    today = today or date.today()
    with audited(db, actor, "record stage date", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record a stage's dates", area_managers=True)
        stage = _open_stage(db, complaint, f"record when it was {recorded.what}")
        label = stage_label(stage["procedure"], stage["stage"])
        if recorded.what != procedures.ACKNOWLEDGED_ON:
            require_officer(actor, f"record when a complaint's {label} was {recorded.what}")
        _require_stage_one_for_managers(actor, complaint, stage, "record an acknowledgement")
        allowed = procedures.stage_dates(stage["procedure"], stage["stage"])
        if recorded.what not in allowed:
            raise InvalidInput([Problem("what happened", recorded.what,
                                        f"cannot be recorded at {label}; it may record: {', '.join(allowed)}")])
        column = procedures.STAGE_DATE_COLUMNS[recorded.what]
        problems: list[Problem] = []
        not_before(problems, recorded.what, recorded.on, stage["clock_started_on"], f"the {label} started")
        if recorded.what == procedures.PANEL_REPORT_ON:
            if stage["panel_met_on"] is None:
                problems.append(Problem(recorded.what, recorded.on.isoformat(),
                                        "needs the panel's meeting first; record when the panel met"))
            else:
                not_before(problems, recorded.what, recorded.on, stage["panel_met_on"], "the panel met")
        if recorded.what == procedures.PANEL_MET_ON and stage["panel_report_on"]:
            if recorded.on.isoformat() > stage["panel_report_on"]:
                problems.append(Problem(recorded.what, recorded.on.isoformat(),
                                        f"is after the panel's report was received ({stage['panel_report_on']})"))
        not_in_future(problems, recorded.what, recorded.on, today)
        timescale = config.timescales(db).get((stage["procedure"], stage["stage"]))
        if timescale is None:
            problems.append(Problem("stage", label, "has no timescale configured"))
        raise_problems(problems)

        day = recorded.on.isoformat()
        values: dict[str, Any] = {column: day}
        code_from = config.code_applies_from(db)
        moved = procedures.moved_dates(timescale, {**stage, **values}, complaint["received_on"], code_from)
        unmoved = procedures.moved_dates(timescale, stage, complaint["received_on"], code_from)
        # Only what this step moves changes: a date it does not move keeps the value the stage was given (a
        # timescale changed since applies to stages opened after, as ``configuration.change_timescale`` says).
        values |= {k: moved[k] for k in moved if moved[k] != unmoved[k]}
        due_on = values.get("due_on", stage["due_on"])
        if stage["extended_due_on"] and stage["extended_due_on"] <= due_on:
            values |= {"extended_due_on": None, "extension_reason": None}
        elif stage["extended_due_on"] and timescale.max_working_days:
            # A clock that now starts earlier brings the cap earlier: the extension goes no further than it.
            clock = date.fromisoformat(values.get("response_clock_started_on", stage["response_clock_started_on"])
                                       or stage["clock_started_on"])
            cap = workdays.add_working_days(clock, timescale.max_working_days).isoformat()
            if stage["extended_due_on"] > cap:
                values |= ({"extended_due_on": cap} if cap > due_on else {"extended_due_on": None, "extension_reason": None})
        _update_stage(db, stage, values)
        _claim(db, complaint, read_version)
        change.before = {"stage_id": stage["id"], **{k: stage[k] for k in values}, "version": read_version}
        change.after = {"stage_id": stage["id"], "recorded": recorded.what, **values, "version": read_version + 1}


def extend_stage(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, extension: StageExtension
) -> None:
    """Give the open stage a later due date, with a reason, no later than its timescale's cap."""
    with audited(db, actor, "extend complaint stage", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "extend a complaint's timescale")
        stage = _open_stage(db, complaint, "extend it")
        label = stage_label(stage["procedure"], stage["stage"])
        timescale = config.timescales(db).get((stage["procedure"], stage["stage"]))
        if timescale is None or timescale.max_working_days is None:
            raise InvalidInput([Problem("extended due date", extension.extended_due_on.isoformat(),
                                        f"cannot be set: the {label} timescale allows no extension")])
        current_due = stage["extended_due_on"] or stage["due_on"]
        # The Code's cap counts from the response clock's start (the acknowledgement), like the due date.
        clock = stage["response_clock_started_on"] or stage["clock_started_on"]
        cap = workdays.add_working_days(date.fromisoformat(clock), timescale.max_working_days)
        wanted = extension.extended_due_on
        if wanted.isoformat() <= current_due:
            raise InvalidInput([Problem("extended due date", wanted.isoformat(), f"must be after the due date ({current_due})")])
        if wanted > cap:
            raise InvalidInput([Problem(
                "extended due date", wanted.isoformat(),
                f"is beyond the longest extension allowed for {label}: {timescale.max_working_days} working days "
                f"after the clock started, {cap.isoformat()}")])

        values = {"extended_due_on": wanted.isoformat(), "extension_reason": extension.reason}
        _update_stage(db, stage, values)
        _claim(db, complaint, read_version)
        change.before = {"stage_id": stage["id"], "due_on": current_due, "extension_reason": stage["extension_reason"],
                         "version": read_version}
        change.after = {"stage_id": stage["id"], **values, "version": read_version + 1}


def escalate(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, escalation: Escalation,
    *, today: date | None = None,
) -> int:
    """Open the next stage the complainant asked for; its clock starts on the day they asked. Return its id.

    Only the moves in ``config.ESCALATIONS`` are allowed. An informal complaint escalated to a formal
    procedure changes the complaint's procedure and keeps its informal stage. The stage it leaves keeps
    its outcome; the complaint's is cleared: it is open again until the new stage is answered.
    """
    today = today or date.today()
    with audited(db, actor, "escalate complaint", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "escalate a complaint")
        problems: list[Problem] = []
        procedure = collect(problems, check_vocabulary, db, "procedure", escalation.procedure, field="procedure")
        raise_problems(problems)
        current = _latest_stage(db, complaint)
        here = (current["procedure"], current["stage"])
        there = (procedure, escalation.stage)
        allowed = config.ESCALATIONS.get(here, [])
        if there not in allowed:
            options = " or ".join(stage_label(*a) for a in allowed) or "nothing: it is the last stage"
            raise InvalidInput([Problem("escalation", stage_label(*there),
                                        f"is not allowed from {stage_label(*here)}; it may go to {options}")])
        if complaint["outcome"] in procedures.CLOSED_WITHOUT_DECISION:
            raise InvalidInput([Problem("complaint", complaint["reference"], f"was {complaint['outcome']}, so it cannot be escalated")])
        if current["responded_on"] is None:
            raise InvalidInput([Problem("escalation", stage_label(*there),
                                        f"needs the {stage_label(*here)} response first; record it, then escalate")])
        timescale = config.timescales(db).get(there)
        if timescale is None:
            raise InvalidInput([Problem("escalation", stage_label(*there), "has no timescale configured")])
        not_before(problems, "requested on", escalation.requested_on, current["responded_on"],
                    f"the {stage_label(*here)} response")
        not_in_future(problems, "requested on", escalation.requested_on, today)
        raise_problems(problems)

        dates = procedures.opening_dates(timescale, escalation.requested_on)
        kept = _stage_outcome(current)
        if current["outcome"] is None and complaint["outcome"] is not None:
            # An outcome recorded on the complaint alone (before stages kept theirs) is this stage's: it
            # stays on the stage, while the complaint is open again at the next.
            _update_stage(db, current, {"outcome": complaint["outcome"], "outcome_on": complaint["outcome_on"]})
            kept = _stage_outcome(complaint)
        stage_row = {"complaint_id": complaint_id, "procedure": procedure, "stage": escalation.stage, **dates}
        stage_id = db["complaint_stages"].insert(stage_row).last_pk
        _claim(db, complaint, read_version, {"procedure": procedure, "outcome": None, "outcome_on": None})
        change.before = {"procedure": complaint["procedure"], "stage": current["stage"], "outcome": complaint["outcome"],
                         "outcome_on": complaint["outcome_on"], "stage_id": current["id"], **_stage_outcome(current),
                         "version": read_version}
        change.after = {**stage_row, "stage_id": stage_id, "previous_stage_id": current["id"], **kept,
                        "version": read_version + 1}
    return stage_id


def withdraw(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, withdrawal: Withdrawal,
    *, today: date | None = None,
) -> None:
    """Record that the complainant withdrew: outcome 'withdrawn', and the open stage closes that day with
    that outcome (the stages answered before keep theirs)."""
    today = today or date.today()
    with audited(db, actor, "withdraw complaint", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "withdraw a complaint")
        stage = _open_stage(db, complaint, "withdraw it")
        problems: list[Problem] = []
        not_before_stage(problems, "withdrawn on", withdrawal.withdrawn_on, stage)
        not_in_future(problems, "withdrawn on", withdrawal.withdrawn_on, today)
        raise_problems(problems)

        day = withdrawal.withdrawn_on.isoformat()
        # The stage the withdrawal closed shows it; the stages answered before keep their outcomes.
        values = {"outcome": WITHDRAWN, "outcome_on": day}
        _update_stage(db, stage, {"responded_on": day, **values})
        _claim(db, complaint, read_version, values)
        change.before = {"outcome": complaint["outcome"], "stage_id": stage["id"], **_stage_outcome(stage),
                         "version": read_version}
        change.after = {"outcome": WITHDRAWN, "outcome_on": day, "stage_id": stage["id"], "responded_on": day,
                        **_stage_outcome(values), "note": withdrawal.note, "version": read_version + 1}


def code_concerns(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, coding: ConcernCoding
) -> None:
    """Replace the complaint's concerns: one entry per concern raised, a code repeated when it was raised twice."""
    with audited(db, actor, "code complaint concerns", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "code a complaint's concerns")
        problems: list[Problem] = []
        code_ids = [collect(problems, concern_code_id, db, text) for text in coding.concerns]
        raise_problems(problems)

        before = concern_texts(db, complaint_id)
        db.execute("DELETE FROM concerns WHERE complaint_id = ?", [complaint_id])
        db["concerns"].insert_all({"complaint_id": complaint_id, "concern_code_id": c} for c in code_ids)
        _claim(db, complaint, read_version)
        change.before = {"concerns": before, "version": read_version}
        change.after = {"concerns": concern_texts(db, complaint_id), "version": read_version + 1}


def record_ombudsman(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, record: OmbudsmanRecord,
    *, today: date | None = None,
) -> None:
    """Record the complaint's referral to the Ombudsman (LGSCO), its decision, and the remedy paid."""
    today = today or date.today()
    with audited(db, actor, "record ombudsman referral", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record Ombudsman referrals and remedies")
        problems: list[Problem] = []
        decision = collect(problems, check_vocabulary, db, "lgsco_decision", record.decision, field="Ombudsman decision")
        if decision and record.referred_on is None:
            problems.append(Problem("referred on", None, "is required when the Ombudsman's decision is recorded"))
        not_before(problems, "referred on", record.referred_on, complaint["received_on"], "the complaint was received")
        not_in_future(problems, "referred on", record.referred_on, today)
        raise_problems(problems)

        values = {
            "lgsco_referred_on": record.referred_on.isoformat() if record.referred_on else None,
            "lgsco_decision": decision,
            "remedy_pence": int(record.remedy_pounds * 100),
        }
        _claim(db, complaint, read_version, values)
        change.before = {key: complaint[key] for key in values} | {"version": read_version}
        change.after = {**values, "version": read_version + 1}
