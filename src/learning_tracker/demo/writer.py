"""Writing the built records to the database: every record gets its id (and a complaint its
reference, numbered within its financial year), then they are inserted in bulk, parents first."""

from __future__ import annotations

from datetime import date

from ..rules import vocabulary
from ..rules.periods import financial_year_start
from .builder import Builder
from .council import FORUM_CHAIR
from .records import Complaint, Stage

BATCH_SIZE = 5000


def reference(year_start: int, number: int) -> str:
    """A complaint's reference: "CS-2122-0001" for the first complaint received in 2021-22."""
    return f"CS-{year_start % 100:02d}{(year_start + 1) % 100:02d}-{number:04d}"


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# A complainant asks for the next stage when the one before gave them less than they asked: the stage
# before an escalation decided one step less than where the complaint ended, or not upheld.
_BEFORE_ESCALATION = {vocabulary.UPHELD: vocabulary.PARTLY_UPHELD, vocabulary.PARTLY_UPHELD: vocabulary.NOT_UPHELD}


def stage_outcome(complaint: Complaint, stage: Stage) -> tuple[str | None, date | None]:
    """The outcome a stage's response gave, and when: the last stage's is the complaint's; an earlier,
    answered stage's follows from it (``_BEFORE_ESCALATION``). Derived without a draw from the random
    generator, so that the rest of the demo (and every published figure) is as it was."""
    if stage is complaint.stages[-1]:
        return complaint.outcome, complaint.outcome_on
    if stage.responded_on is None:
        return None, None
    return _BEFORE_ESCALATION.get(complaint.outcome, vocabulary.NOT_UPHELD), stage.responded_on


def _write_findings(builder: Builder) -> None:
    """The stages' points of complaint and recommendations, after the actions accepted ones are linked to."""
    points, recommendations = [], []
    for c in builder.complaints:
        for s in c.stages:
            for position, p in enumerate(s.points, start=1):
                p.id = len(points) + 1
                points.append({"id": p.id, "stage_id": s.id, "position": position, "summary": p.summary,
                               "finding": p.finding})  # fmt: skip
            for position, r in enumerate(s.recommendations, start=1):
                recommendations.append({
                    "stage_id": s.id, "point_id": r.point.id if r.point else None, "position": position,
                    "text": r.text, "decision": r.decision, "decision_reason": r.decision_reason,
                    "decided_on": iso(r.decided_on), "action_id": r.action.id if r.action else None,
                })  # fmt: skip
    builder.db["complaint_points"].insert_all(points, batch_size=BATCH_SIZE)
    builder.db["recommendations"].insert_all(recommendations, batch_size=BATCH_SIZE)


def write(builder: Builder) -> None:
    """Give every record its id and reference, then insert them all, parents first."""
    db, area_ids, user_ids = builder.db, builder.area_ids, builder.user_ids

    db["service_areas"].insert_all(({"id": i, "name": name} for name, i in area_ids.items()), batch_size=BATCH_SIZE)
    db["users"].insert_all(builder.users, batch_size=BATCH_SIZE)
    db["user_service_areas"].insert_all(builder.user_areas, batch_size=BATCH_SIZE)

    builder.complaints.sort(key=lambda c: c.received_on)
    numbers: dict[int, int] = {}
    complaints, stages, concerns = [], [], []
    for id_, c in enumerate(builder.complaints, start=1):
        c.id = id_
        year = financial_year_start(c.received_on).year
        numbers[year] = numbers.get(year, 0) + 1
        reason, by, on = c.no_learning or (None, None, None)
        complaints.append({
            "id": id_, "reference": reference(year, numbers[year]), "received_on": iso(c.received_on),
            "procedure": c.procedure, "service_area_id": area_ids[c.area], "received_via": c.received_via,
            "complainant_type": c.complainant_type, "advocate": c.advocate, "gender": c.gender,
            "age_band": c.age_band, "ethnicity": c.ethnicity, "disability": c.disability,
            "outcome": c.outcome, "outcome_on": iso(c.outcome_on), "lgsco_referred_on": iso(c.lgsco_referred_on),
            "lgsco_decision": c.lgsco_decision, "remedy_pence": c.remedy_pence, "no_learning_reason": reason,
            "no_learning_recorded_by": user_ids[by] if by else None, "no_learning_recorded_on": iso(on),
            "advocacy_offered_on": iso(c.advocacy_offered_on), "advocacy_accepted": c.advocacy_accepted,
            "grounds_arose_on": iso(c.grounds_arose_on), "late_decision": c.late_decision,
            "late_decision_reason": c.late_decision_reason, "declined_reason": c.declined_reason,
        })  # fmt: skip
        for s in c.stages:
            outcome, outcome_on = stage_outcome(c, s)
            s.id = len(stages) + 1
            stages.append({
                "id": s.id, "complaint_id": id_, "procedure": s.procedure, "stage": s.stage,
                "clock_started_on": iso(s.clock_started_on), "due_on": iso(s.due_on),
                "extended_due_on": iso(s.extended_due_on), "extension_reason": s.extension_reason,
                "responded_on": iso(s.responded_on), "outcome": outcome, "outcome_on": iso(outcome_on),
                "acknowledgement_due_on": iso(s.acknowledgement_due_on), "acknowledged_on": iso(s.acknowledged_on),
                "response_clock_started_on": iso(s.response_clock_started_on),
                "statement_agreed_on": iso(s.statement_agreed_on), "investigating_officer": s.investigating_officer,
                "independent_person": s.independent_person, "investigation_report_on": iso(s.investigation_report_on),
                "independent_person_report_on": iso(s.independent_person_report_on),
                "adjudicated_on": iso(s.adjudicated_on), "adjudicator": s.adjudicator, "outcome_reason": s.outcome_reason,
                "panel_meeting_due_on": iso(s.panel_meeting_due_on), "panel_met_on": iso(s.panel_met_on),
                "panel_report_due_on": iso(s.panel_report_due_on), "panel_report_on": iso(s.panel_report_on),
            })  # fmt: skip
        for code in c.concerns:
            concerns.append({"complaint_id": id_, "concern_code_id": builder.code_ids[code]})
    db["complaints"].insert_all(complaints, batch_size=BATCH_SIZE)
    db["complaint_stages"].insert_all(stages, batch_size=BATCH_SIZE)
    db["concerns"].insert_all(concerns, batch_size=BATCH_SIZE)

    builder.compliments.sort(key=lambda m: m.received_on)
    db["compliments"].insert_all(
        (
            {"id": i, "received_on": iso(m.received_on), "service_area_id": area_ids[m.area], "source": m.source,
             "summary": m.summary}
            for i, m in enumerate(builder.compliments, start=1)
        ),
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    db["compliment_categories"].insert_all(
        ({"compliment_id": i, "category": cat} for i, m in enumerate(builder.compliments, start=1) for cat in m.categories),
        batch_size=BATCH_SIZE,
    )

    points, links, actions, updates, evidence = [], [], [], [], []
    action_id = 0
    builder.learning_points.sort(key=lambda lp: lp.created_on)
    for lp_id, lp in enumerate(builder.learning_points, start=1):
        lp.id = lp_id
        points.append({
            "id": lp_id, "service_area_id": area_ids[lp.area], "theme": lp.theme, "description": lp.description,
            "source": lp.source, "status": vocabulary.learning_point_status(a.status for a in lp.actions),
            "created_by": user_ids[lp.created_by], "created_on": iso(lp.created_on),
        })  # fmt: skip
        links += [{"learning_point_id": lp_id, "complaint_id": c.id} for c in lp.complaints]
        for a in lp.actions:
            action_id += 1
            a.id = action_id
            actions.append({
                "id": action_id, "learning_point_id": lp_id, "description": a.description,
                "owner_id": user_ids[a.owner], "service_area_id": area_ids[a.area], "due_on": iso(a.due_on),
                "priority": a.priority, "status": a.status, "cancel_reason": a.cancel_reason,
                "completed_on": iso(a.completed_on), "verified_on": iso(a.verified_on),
                "created_on": iso(a.created_on),
            })  # fmt: skip
            updates += [
                {"action_id": action_id, "at": at, "user_id": user_ids[by], "kind": kind, "from_value": old,
                 "to_value": new, "note": note}
                for at, by, kind, old, new, note in a.updates
            ]  # fmt: skip
            evidence += [
                {"action_id": action_id, "description": text, "link": link, "added_by": user_ids[by], "added_at": at}
                for text, link, by, at in a.evidence
            ]  # fmt: skip
    db["learning_points"].insert_all(points, batch_size=BATCH_SIZE)
    db["learning_point_complaints"].insert_all(links, batch_size=BATCH_SIZE)
    db["actions"].insert_all(actions, batch_size=BATCH_SIZE)
    db["action_updates"].insert_all(updates, batch_size=BATCH_SIZE)
    db["action_evidence"].insert_all(evidence, batch_size=BATCH_SIZE)
    _write_findings(builder)

    # The forum's decisions are timestamped as they are written: these are the last draws.
    chair = user_ids[FORUM_CHAIR]
    for meeting_id, (held_on, attendees, decisions) in enumerate(builder.meetings, start=1):
        db["forum_meetings"].insert({"id": meeting_id, "held_on": iso(held_on), "attendees": attendees, "created_by": chair})
        rows = []
        for kind, record, decision, note in decisions:
            rows.append({
                "meeting_id": meeting_id, "learning_point_id": record.id if kind == "learning_point" else None,
                "action_id": record.id if kind == "action" else None,
                "complaint_id": record.id if kind == "complaint" else None, "decision": decision, "note": note,
                "recorded_by": chair, "recorded_at": builder.timestamp(held_on),
            })  # fmt: skip
        db["forum_decisions"].insert_all(rows)
