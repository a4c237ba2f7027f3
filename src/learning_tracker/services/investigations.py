"""Statutory stage 2 investigations and their adjudication; the stage 3 review panel's recommendations and
the council's response to them.

At stage 2 an Investigating Officer reports on each point of complaint (a finding) and makes
recommendations; an Independent Person reports on the investigation; a senior manager adjudicates: a
decision on each recommendation. At stage 3 the review panel makes recommendations and the council
responds to each. Each accepted recommendation becomes an improvement action on a learning point of the
complaint's area **in the same transaction** as the decisions, so the decisions and the action plan
cannot drift apart: if one action cannot be created (an owner who could not update it), nothing of the
adjudication is written.

Everything here is the complaints officer's. Every write names the complaint version the user read and
bumps it, as ``services.complaints`` does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from ..errors import InvalidInput, NotFound, Problem
from ..models import (
    Adjudication,
    Investigation,
    NewAction,
    NewLearningPoint,
    PanelRecommendations,
    PanelResponse,
    RecommendationDecisions,
)
from ..rules import procedures
from ..rules.personal_data import role_field_problem
from ..rules.vocabulary import CLOSED, stage_label
from .actions import _write_action
from .checks import collect, not_before, not_before_stage, not_in_future, raise_problems
from .complaints import _claim, _for_change, _latest_stage, _outcome, _stage_outcome, _update_stage
from .core import Actor, Change, audited, fetch_row, record_audit, service_area_name, update_versioned
from .learning_points import _write_learning_point, check_theme


# --- reading the stage --------------------------------------------------------------------------------


def _stage(db: sqlite_utils.Database, complaint: dict[str, Any], which: tuple[str, int], doing: str) -> dict[str, Any]:
    """The complaint's stage ``which`` (procedure, stage), or a clear refusal to ``doing`` when it never reached it."""
    cursor = db.execute("SELECT * FROM complaint_stages WHERE complaint_id = ? AND procedure = ? AND stage = ?",
                        [complaint["id"], *which])
    row = cursor.fetchone()
    if row is None:
        current = db.execute(
            "SELECT procedure, stage FROM complaint_stages WHERE complaint_id = ? ORDER BY clock_started_on DESC, id DESC",
            [complaint["id"]]).fetchone()
        where = f"it is at {stage_label(*current)}" if current else "it has no stage recorded"
        raise InvalidInput([Problem("complaint", complaint["reference"],
                                    f"has no {stage_label(*which)}, so you cannot {doing} ({where})")])
    return dict(zip([c[0] for c in cursor.description], row))


def _points(db: sqlite_utils.Database, stage_id: int) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM complaint_points WHERE stage_id = ? ORDER BY position", [stage_id])
    return [dict(zip([c[0] for c in cursor.description], r)) for r in cursor.fetchall()]


def _recommendations(db: sqlite_utils.Database, stage_id: int) -> list[dict[str, Any]]:
    cursor = db.execute(
        "SELECT r.*, p.position AS point_position FROM recommendations r"
        " LEFT JOIN complaint_points p ON p.id = r.point_id WHERE r.stage_id = ? ORDER BY r.position", [stage_id])
    return [dict(zip([c[0] for c in cursor.description], r)) for r in cursor.fetchall()]


def _as_listed(points: list[dict[str, Any]], recommendations: list[dict[str, Any]]) -> dict[str, list]:
    """The points and recommendations as the audit log (and the comparison with a new copy) records them."""
    return {
        "points": [{"summary": p["summary"], "finding": p["finding"]} for p in points],
        "recommendations": [{"text": r["text"], "point": r["point_position"]} for r in recommendations],
    }


def _contact_details_problem(problems: list[Problem], field: str, text: str | None) -> None:
    """A role-and-organisation field holding a person's details is refused, saying why."""
    problem = role_field_problem(text)
    if problem:
        problems.append(Problem(field, text, problem))


def _replace_listed(db: sqlite_utils.Database, stage_id: int, points: list[dict], recommendations: list[dict]) -> None:
    """Replace the stage's points and recommendations (none decided yet) with these, numbered from 1."""
    db.execute("DELETE FROM recommendations WHERE stage_id = ?", [stage_id])
    db.execute("DELETE FROM complaint_points WHERE stage_id = ?", [stage_id])
    point_ids = [db["complaint_points"].insert({"stage_id": stage_id, "position": n, **p}).last_pk
                 for n, p in enumerate(points, start=1)]
    for n, recommendation in enumerate(recommendations, start=1):
        point = recommendation["point"]
        db["recommendations"].insert({"stage_id": stage_id, "position": n, "text": recommendation["text"],
                                      "point_id": point_ids[point - 1] if point else None})


# --- stage 2: the investigation -------------------------------------------------------------------------


def record_investigation(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, investigation: Investigation,
    *, today: date | None = None,
) -> None:
    """Record (or correct) the complaint's statutory stage 2 investigation: the Investigating Officer and the
    Independent Person by role and organisation, their reports' dates, the points of complaint with their
    findings and the recommendations, which replace those recorded until the adjudication decides on them."""
    today = today or date.today()
    with audited(db, actor, "record stage 2 investigation", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record stage 2 investigations")
        stage = _stage(db, complaint, procedures.INVESTIGATION_STAGE, "record an investigation")
        _refuse_closed_by_withdrawal(complaint, stage, "record an investigation")
        problems: list[Problem] = []
        for field, text in (("investigating officer", investigation.investigating_officer),
                            ("independent person", investigation.independent_person)):
            _contact_details_problem(problems, field, text)
        for field, day in (("investigation report on", investigation.investigation_report_on),
                           ("independent person report on", investigation.independent_person_report_on)):
            not_before_stage(problems, field, day, stage)
            not_in_future(problems, field, day, today)
        findings = {f.lower(): f for f in procedures.FINDINGS}
        points = []
        for number, point in enumerate(investigation.points, start=1):
            finding = point.finding
            if finding is not None:
                finding = findings.get(finding.lower())
                if finding is None:
                    allowed = ", ".join(f"'{f}'" for f in procedures.FINDINGS)
                    problems.append(Problem(f"point {number} finding", point.finding, f"is not a finding; allowed: {allowed}"))
            points.append({"summary": point.summary, "finding": finding})
        recommendations = []
        for number, recommendation in enumerate(investigation.recommendations, start=1):
            if recommendation.point is not None and recommendation.point > len(points):
                problems.append(Problem(f"recommendation {number} point", recommendation.point,
                                        f"is not a point of this complaint: there are {len(points)}"))
            recommendations.append({"text": recommendation.text, "point": recommendation.point})
        raise_problems(problems)

        before_listed = _as_listed(_points(db, stage["id"]), _recommendations(db, stage["id"]))
        after_listed = {"points": points, "recommendations": recommendations}
        if after_listed != before_listed:
            # Decided recommendations stand (their actions exist) even where the adjudication's date is not held.
            decided = stage["adjudicated_on"] or next(
                (r["decided_on"] for r in _recommendations(db, stage["id"]) if r["decision"]), None)
            if decided:
                raise InvalidInput([Problem("recommendations", None, (
                    f"cannot be changed: the adjudication of {decided} decided on the points and "
                    "recommendations as recorded, and the accepted ones are improvement actions now"))])
            _replace_listed(db, stage["id"], points, recommendations)
        values = {
            "investigating_officer": investigation.investigating_officer,
            "independent_person": investigation.independent_person,
            "investigation_report_on": _iso(investigation.investigation_report_on),
            "independent_person_report_on": _iso(investigation.independent_person_report_on),
        }
        _update_stage(db, stage, values)
        _claim(db, complaint, read_version)
        change.before = {"stage_id": stage["id"], **{k: stage[k] for k in values}, **before_listed,
                         "version": read_version}
        change.after = {"stage_id": stage["id"], **values, **after_listed, "version": read_version + 1}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def derived_outcome(db: sqlite_utils.Database, stage_id: int) -> str | None:
    """The outcome a stage's points give (``procedures.outcome_from_findings``); None while a point has no
    finding or there is no point."""
    return procedures.outcome_from_findings([p["finding"] for p in _points(db, stage_id)])


# --- decisions on recommendations: the adjudication's and the council's response to the panel ---------------


def _check_decisions(
    db: sqlite_utils.Database, problems: list[Problem], complaint: dict[str, Any], stage: dict[str, Any],
    given: RecommendationDecisions, decided_on: date, who: str,
) -> list[dict[str, Any]]:
    """Each recommendation of ``stage`` with the decision given for it (checked); ``who`` decides, in words."""
    recommendations = _recommendations(db, stage["id"])
    if any(r["decision"] for r in recommendations):
        decided = next(r["decided_on"] for r in recommendations if r["decision"])
        raise InvalidInput([Problem("recommendations", None, (
            f"were decided on {decided}; the decisions stand and their actions are on the learning point "
            "(change an action on My actions)"))])
    if len(given.decisions) != len(recommendations):
        problems.append(Problem("decisions", None, (
            f"must be one for each of the {len(recommendations)} recommendations; {len(given.decisions)} given")))
        return []
    decisions = {d.lower(): d for d in procedures.RECOMMENDATION_DECISIONS}
    planned = []
    for number, (recommendation, choice) in enumerate(zip(recommendations, given.decisions), start=1):
        field = f"recommendation {number}"
        decision = decisions.get(choice.decision.lower())
        if decision is None:
            allowed = " or ".join(f"'{d}'" for d in procedures.RECOMMENDATION_DECISIONS)
            problems.append(Problem(f"{field} decision", choice.decision, f"is not a decision; {who} decides {allowed}"))
        elif decision == procedures.NOT_ACCEPTED and not choice.reason:
            problems.append(Problem(f"{field} reason", None, "is required when the recommendation is not accepted"))
        elif decision == procedures.ACCEPTED:
            if not choice.owner_email:
                problems.append(Problem(f"{field} action owner", None, "is required: an accepted recommendation "
                                        "becomes an improvement action, which needs an owner"))
            if choice.due_on is None:
                problems.append(Problem(f"{field} action due on", None, "is required for the improvement action"))
            elif choice.due_on <= decided_on:
                problems.append(Problem(f"{field} action due on", choice.due_on.isoformat(),
                                        f"must be after the decision ({decided_on.isoformat()})"))
        planned.append({"recommendation": recommendation, "decision": decision, "choice": choice})
    if any(p["decision"] == procedures.ACCEPTED for p in planned) or given.learning_point_id or given.new_learning_point:
        _check_learning_point(db, problems, complaint, given)
    return planned


def _check_learning_point(db: sqlite_utils.Database, problems: list[Problem], complaint: dict[str, Any],
                          given: RecommendationDecisions) -> None:
    area = service_area_name(db, complaint["service_area_id"])
    if given.learning_point_id and given.new_learning_point:
        problems.append(Problem("learning point", given.learning_point_id,
                                "choose one: a learning point already linked to the complaint, or a new one"))
    elif given.new_learning_point:
        collect(problems, check_theme, db, given.new_learning_point.theme)
    elif given.learning_point_id:
        try:
            point = fetch_row(db, "learning_points", given.learning_point_id, "learning point")
        except NotFound as error:
            problems.append(Problem("learning point", given.learning_point_id, str(error)))
            return
        linked = db.execute("SELECT 1 FROM learning_point_complaints WHERE learning_point_id = ? AND complaint_id = ?",
                            [point["id"], complaint["id"]]).fetchone()
        if point["service_area_id"] != complaint["service_area_id"]:
            problems.append(Problem("learning point", point["id"], f"is not of {area}, the complaint's service area"))
        elif not linked:
            problems.append(Problem("learning point", point["id"], (
                f"is not linked to complaint {complaint['reference']}: choose one that is, or record a new one")))
        elif point["status"] == CLOSED:
            problems.append(Problem("learning point", point["id"], "is closed: choose an open one, or record a new one"))
    else:
        problems.append(Problem("learning point", None, (
            f"is required: the accepted recommendations' actions go on a learning point of {area} "
            "(one linked to the complaint, or a new one)")))


def _write_decisions(
    db: sqlite_utils.Database, actor: Actor, complaint: dict[str, Any], planned: list[dict[str, Any]],
    given: RecommendationDecisions, decided_on: date,
) -> dict[str, Any]:
    """Write the decisions, the new learning point (if any) and one improvement action per accepted
    recommendation, with their usual audit events and history rows, inside the caller's transaction.
    Return what was decided, for the caller's audit event."""
    area = service_area_name(db, complaint["service_area_id"])
    learning_point_id = given.learning_point_id
    if given.new_learning_point:
        created = Change()
        learning_point_id = _write_learning_point(db, actor, NewLearningPoint(
            service_area=area, theme=given.new_learning_point.theme, description=given.new_learning_point.description,
            complaint_references=[complaint["reference"]]), created)
        record_audit(db, actor, "add learning point", "learning_point", created.entity_id, created.before, created.after)
    decided = []
    for number, plan in enumerate(planned, start=1):
        recommendation, choice = plan["recommendation"], plan["choice"]
        action_id = None
        if plan["decision"] == procedures.ACCEPTED:
            created = Change()
            try:
                action_id = _write_action(db, actor, NewAction(
                    learning_point_id=learning_point_id, description=choice.action or recommendation["text"],
                    owner_email=choice.owner_email, service_area=area, due_on=choice.due_on), created)
            except InvalidInput as error:  # say which recommendation's action could not be created
                raise InvalidInput([Problem(f"recommendation {number} action {p.field}", p.value, p.message)
                                    for p in error.problems]) from None
            record_audit(db, actor, "create action", "action", created.entity_id, created.before, created.after)
        reason = choice.reason if plan["decision"] == procedures.NOT_ACCEPTED else None
        update_versioned(db, "recommendations", recommendation["id"], recommendation["version"], {
            "decision": plan["decision"], "decision_reason": reason, "decided_on": decided_on.isoformat(),
            "action_id": action_id}, "recommendation")
        decided.append({"recommendation": number, "decision": plan["decision"], "reason": reason, "action_id": action_id})
    return {"decisions": decided, "learning_point_id": learning_point_id}


def _answer_stage(
    db: sqlite_utils.Database, complaint: dict[str, Any], read_version: int, stage: dict[str, Any], day: date,
    outcome: str | None, stage_values: dict[str, Any],
) -> dict[str, Any]:
    """The decision is the council's response to the stage: an open stage is answered on ``day`` with the
    outcome (on the stage and on the complaint, as ``complaints.record_response`` does); an answered one gets
    the outcome, on the complaint too when the stage is its current one. Return the values written on the stage."""
    outcome_values = {"outcome": outcome, "outcome_on": day.isoformat()} if outcome else {}
    values = {**stage_values, **outcome_values}
    if stage["responded_on"] is None:
        values["responded_on"] = day.isoformat()
    _update_stage(db, stage, values)
    current = _latest_stage(db, complaint)
    _claim(db, complaint, read_version, outcome_values if current["id"] == stage["id"] and outcome_values else None)
    return values


def _refuse_closed_by_withdrawal(complaint: dict[str, Any], stage: dict[str, Any], doing: str) -> None:
    if stage["outcome"] in procedures.CLOSED_WITHOUT_DECISION:
        raise InvalidInput([Problem("complaint", complaint["reference"], (
            f"was {stage['outcome']} at {stage_label(stage['procedure'], stage['stage'])}, so you cannot {doing}"))])


def adjudicate(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, adjudication: Adjudication,
    *, today: date | None = None,
) -> None:
    """Record the stage 2 adjudication: its date, the adjudicator (a role), a decision on each
    recommendation, and for each accepted one an improvement action on a learning point of the complaint's
    area, all in one transaction. The stage 2 outcome is the one the points' findings give, or another
    with its reason. The adjudication is the council's stage 2 response (see ``_answer_stage``)."""
    today = today or date.today()
    with audited(db, actor, "adjudicate stage 2", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record stage 2 adjudications")
        stage = _stage(db, complaint, procedures.INVESTIGATION_STAGE, "record an adjudication")
        _refuse_closed_by_withdrawal(complaint, stage, "record an adjudication")
        if stage["adjudicated_on"]:
            raise InvalidInput([Problem("adjudication", None, (
                f"was recorded on {stage['adjudicated_on']} by the {stage['adjudicator']}; its decisions stand"))])
        points = _points(db, stage["id"])
        problems: list[Problem] = []
        if not points:
            raise InvalidInput([Problem("points of complaint", None, (
                "are not recorded yet: record the investigation's points and findings first"))])
        unfound = [str(n) for n, p in enumerate(points, start=1) if p["finding"] is None]
        if unfound:
            problems.append(Problem("points of complaint", None, (
                f"{', '.join(unfound)} {'has' if len(unfound) == 1 else 'have'} no finding yet: record the findings "
                "on the investigation first")))
        _contact_details_problem(problems, "adjudicator", adjudication.adjudicator)
        day = adjudication.adjudicated_on
        not_before_stage(problems, "adjudicated on", day, stage)
        for report, what in (("investigation_report_on", "the investigation report"),
                             ("independent_person_report_on", "the Independent Person's report")):
            if stage[report]:
                not_before(problems, "adjudicated on", day, stage[report], what)
        not_in_future(problems, "adjudicated on", day, today)
        derived = procedures.outcome_from_findings([p["finding"] for p in points])
        outcome = derived
        if adjudication.outcome:
            outcome = _outcome(db, problems, adjudication.outcome)
        elif derived:
            outcome = _outcome(db, problems, derived)  # the configured spelling
        overridden = bool(derived and outcome and outcome.lower() != derived.lower())
        if overridden and not adjudication.outcome_reason:
            problems.append(Problem("outcome reason", None, (
                f"is required: the points give '{derived}', and the outcome recorded is '{outcome}'")))
        planned = _check_decisions(db, problems, complaint, stage, adjudication, day, "the adjudication")
        raise_problems(problems)

        stage_values = {"adjudicated_on": day.isoformat(), "adjudicator": adjudication.adjudicator,
                        "outcome_reason": adjudication.outcome_reason if overridden else None}
        written = _answer_stage(db, complaint, read_version, stage, day, outcome, stage_values)
        decided = _write_decisions(db, actor, complaint, planned, adjudication, day)
        change.before = {"stage_id": stage["id"], **{k: stage[k] for k in written}, "outcome": complaint["outcome"],
                         **_stage_outcome(stage), "version": read_version}
        change.after = {"stage_id": stage["id"], **written, "derived_outcome": derived, **decided,
                        "version": read_version + 1}


# --- stage 3: the review panel ---------------------------------------------------------------------------


def record_panel_recommendations(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, panel: PanelRecommendations,
) -> None:
    """Record (or correct) the review panel's recommendations on the complaint's statutory stage 3; they
    replace those recorded until the council responds to them."""
    with audited(db, actor, "record panel recommendations", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record review panel recommendations")
        stage = _stage(db, complaint, procedures.PANEL_STAGE, "record panel recommendations")
        _refuse_closed_by_withdrawal(complaint, stage, "record panel recommendations")
        existing = _recommendations(db, stage["id"])
        before = [r["text"] for r in existing]
        after = list(panel.recommendations)
        if after != before:
            decided = next((r["decided_on"] for r in existing if r["decision"]), None)
            if decided:
                raise InvalidInput([Problem("recommendations", None, (
                    f"cannot be changed: the council responded to them on {decided}, and the accepted ones are "
                    "improvement actions now"))])
            _replace_listed(db, stage["id"], [], [{"text": text, "point": None} for text in after])
        _claim(db, complaint, read_version)
        change.before = {"stage_id": stage["id"], "recommendations": before, "version": read_version}
        change.after = {"stage_id": stage["id"], "recommendations": after, "version": read_version + 1}


def respond_to_panel(
    db: sqlite_utils.Database, actor: Actor, complaint_id: int, read_version: int, response: PanelResponse,
    *, today: date | None = None,
) -> None:
    """Record the council's response to the review panel: its date (the stage 3 response), a decision on each
    of the panel's recommendations (a reason for each not accepted), the accepted ones becoming improvement
    actions exactly as at the adjudication, and the outcome if the response gives one. Refused until the
    panel's report is recorded."""
    today = today or date.today()
    with audited(db, actor, "respond to review panel", "complaint", complaint_id) as change:
        complaint = _for_change(db, actor, complaint_id, read_version, "record the council's response to a review panel")
        stage = _stage(db, complaint, procedures.PANEL_STAGE, "record the council's response")
        _refuse_closed_by_withdrawal(complaint, stage, "record the council's response")
        if not stage["panel_report_on"]:
            raise InvalidInput([Problem("council response", None, (
                "cannot be recorded before the panel's report: record the date the panel reported first"))])
        problems: list[Problem] = []
        day = response.decided_on
        not_before_stage(problems, "decided on", day, stage)
        not_in_future(problems, "decided on", day, today)
        outcome = _outcome(db, problems, response.outcome) if response.outcome else None
        planned = _check_decisions(db, problems, complaint, stage, response, day, "the council")
        raise_problems(problems)

        written = _answer_stage(db, complaint, read_version, stage, day, outcome, {})
        decided = _write_decisions(db, actor, complaint, planned, response, day)
        change.before = {"stage_id": stage["id"], **{k: stage[k] for k in written}, "outcome": complaint["outcome"],
                         "version": read_version}
        change.after = {"stage_id": stage["id"], **written, **decided, "version": read_version + 1}
