"""A complaint's circumstances: advocacy offered, the time limit, and declining (refusing) a complaint.

- **Advocacy** (Children Act 1989 s26A): a child making a complaint has a right to an advocate, and the
  council must offer one (``rules.procedures.for_a_child`` says which complaints: a child's own, and every
  statutory one). Recorded: the day it was offered and whether it was accepted (yes, no, not yet known).
  Accepted advocacy means the complainant is supported by an advocate, so ``advocate`` is set too.
- **The time limit**: when the grounds of the complaint arose. A complaint received a year or more after
  them is late (``rules.procedures.is_late``) and the complaints officer decides, with a reason, to
  consider it or to decline it; declining it declines the complaint (below) for the reason
  ``rules.procedures.LATE_REASON``.
- **Declining** (regulation 8; the Code's refused complaints): the complaint closes with the outcome
  ``rules.procedures.DECLINED`` and one of the configured "declined_reason" values; its open stage closes
  that day with that outcome, exactly as a withdrawal closes it (``complaints.withdraw``). A declined
  complaint is counted in the reports by outcome and reason, never in the timescale figures.

Each is the complaints officer's, and each names the complaint version the user read (``complaints``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from ..errors import InvalidInput, Problem
from ..models import Advocacy, Declining, TimeLimit
from ..rules import procedures
from .checks import collect, not_before, not_before_stage, not_in_future, raise_problems
from .complaints import _claim, _for_change, _open_stage, _update_stage
from .core import Actor, audited, check_vocabulary


def record_advocacy(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, advocacy: Advocacy,
    *, today: date | None = None,
) -> None:
    """Record the day advocacy was offered and whether it was accepted (``None``: not yet known); accepted,
    the complaint is supported by an advocate."""
    today = today or date.today()
    with audited(db, actor, "record advocacy", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record advocacy")
        problems: list[Problem] = []
        not_before(problems, "advocacy offered on", advocacy.offered_on, complaint["received_on"],
                   "the complaint was received")
        not_in_future(problems, "advocacy offered on", advocacy.offered_on, today)
        raise_problems(problems)

        values: dict[str, Any] = {
            "advocacy_offered_on": advocacy.offered_on.isoformat(),
            "advocacy_accepted": None if advocacy.accepted is None else int(advocacy.accepted),
        }
        if advocacy.accepted:
            values["advocate"] = 1
        _claim(db, complaint, read_version, values)
        change.before = {key: complaint[key] for key in values} | {"version": read_version}
        change.after = {**values, "version": read_version + 1}


def _late_decision(problems: list[Problem], value: str | None) -> str | None:
    """The decision on a late complaint in its own spelling (considered, declined), or a problem."""
    if value is None:
        return None
    for decision in procedures.LATE_DECISIONS:
        if decision == value.strip().lower():
            return decision
    allowed = " or ".join(f"'{d}'" for d in procedures.LATE_DECISIONS)
    problems.append(Problem("decision", value, f"is not known; a late complaint is {allowed}"))
    return None


def record_time_limit(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, time_limit: TimeLimit,
    *, today: date | None = None,
) -> None:
    """Record when the grounds of the complaint arose and, when that makes it late, the decision to consider
    or decline it, with the reason. Declining it declines the complaint on ``decided_on``: its open stage
    closes that day, the reason "matter more than a year old" (``procedures.LATE_REASON``).

    A decision on a complaint that is not late is refused, as is any change once the complaint is declined."""
    today = today or date.today()
    with audited(db, actor, "record complaint time limit", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record a complaint's time limit")
        if complaint["outcome"] == procedures.DECLINED:
            raise InvalidInput([Problem("complaint", complaint["reference"],
                                        "was declined, so its time limit and the decision on it stand")])
        problems: list[Problem] = []
        received_on = date.fromisoformat(complaint["received_on"])
        grounds = time_limit.grounds_arose_on
        if grounds > received_on:
            problems.append(Problem("grounds arose on", grounds.isoformat(),
                                    f"is after the complaint was received ({received_on.isoformat()})"))
        late = procedures.is_late(grounds, received_on)
        decision = _late_decision(problems, time_limit.decision)
        if late:
            if decision is None and time_limit.decision is None:
                problems.append(Problem("decision", None, "is required: the complaint was received a year or more "
                                        "after the grounds arose, so decide whether to consider or decline it"))
            if time_limit.reason is None:
                problems.append(Problem("reason", None, "is required for the decision on a late complaint"))
        elif grounds <= received_on:
            words = (f"the complaint is not late: it was received on {received_on.isoformat()}, less than a year "
                     f"after the grounds arose ({grounds.isoformat()})")
            if time_limit.decision is not None:
                problems.append(Problem("decision", time_limit.decision, f"cannot be recorded: {words}"))
            if time_limit.reason is not None:
                problems.append(Problem("reason", time_limit.reason, f"cannot be recorded: {words}"))
        stage = None
        if late and decision == procedures.DECLINE_LATE:
            stage = collect(problems, _open_stage, db, complaint, "decline it")
            if time_limit.decided_on is None:
                problems.append(Problem("decided on", None, "is required to decline a late complaint"))
            elif stage is not None:
                not_before_stage(problems, "decided on", time_limit.decided_on, stage)
            not_in_future(problems, "decided on", time_limit.decided_on, today)
        raise_problems(problems)

        values: dict[str, Any] = {
            "grounds_arose_on": grounds.isoformat(),
            "late_decision": decision if late else None,
            "late_decision_reason": time_limit.reason if late else None,
        }
        stage_before, stage_after = {}, {}
        if stage is not None:
            values |= _close(db, stage, time_limit.decided_on, procedures.LATE_REASON)
            stage_before, stage_after = _stage_audit(stage), _stage_audit(stage, time_limit.decided_on)
        _claim(db, complaint, read_version, values)
        change.before = {key: complaint[key] for key in values} | stage_before | {"version": read_version}
        change.after = {**values, **stage_after, "version": read_version + 1}


def _close(db: sqlite_utils.Database, stage: dict[str, Any], day: date, reason: str) -> dict[str, Any]:
    """Close the open ``stage`` as declined on ``day``, as a withdrawal closes it; the complaint's values that
    record the declining, for the caller to write with the version check (``_claim``)."""
    closing = {"outcome": procedures.DECLINED, "outcome_on": day.isoformat()}
    _update_stage(db, stage, {"responded_on": day.isoformat(), **closing})
    return {**closing, "declined_reason": reason}


def _stage_audit(stage: dict[str, Any], declined_on: date | None = None) -> dict[str, Any]:
    """The closed stage as the audit log records it: before (``declined_on`` None) or after the declining."""
    if declined_on is None:
        return {"stage_id": stage["id"], "responded_on": stage["responded_on"], "stage_outcome": stage["outcome"],
                "stage_outcome_on": stage["outcome_on"]}
    day = declined_on.isoformat()
    return {"stage_id": stage["id"], "responded_on": day, "stage_outcome": procedures.DECLINED, "stage_outcome_on": day}


def decline(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, declining: Declining,
    *, today: date | None = None,
) -> None:
    """Decline (refuse) the complaint for one of the configured reasons: outcome 'declined', and its open stage
    closes that day with that outcome (the stages answered before keep theirs), as a withdrawal does."""
    today = today or date.today()
    with audited(db, actor, "decline complaint", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "decline a complaint")
        stage = _open_stage(db, complaint, "decline it")
        problems: list[Problem] = []
        reason = collect(problems, check_vocabulary, db, "declined_reason", declining.reason, field="reason")
        if reason == procedures.LATE_REASON:
            # A late complaint is declined by the time limit decision, so the report's two tables agree.
            problems.append(Problem("reason", reason, "is the time limit's: record when the grounds arose and "
                                                      "decline the late complaint under 'Advocacy and time limit'"))
        not_before_stage(problems, "declined on", declining.declined_on, stage)
        not_in_future(problems, "declined on", declining.declined_on, today)
        raise_problems(problems)

        values = _close(db, stage, declining.declined_on, reason)
        _claim(db, complaint, read_version, values)
        change.before = {key: complaint[key] for key in values} | _stage_audit(stage) | {"version": read_version}
        change.after = {**values, **_stage_audit(stage, declining.declined_on), "note": declining.note,
                        "version": read_version + 1}
