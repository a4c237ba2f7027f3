"""A stage's investigation as people read it: the statutory stage 2 investigation (who investigated and
oversaw it, their reports, the points of complaint with their findings, the recommendations and the
adjudication's decisions) or the stage 3 panel's recommendations and the council's response, with the
progress of the improvement actions the accepted recommendations became."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ..rules import procedures
from ..rules.vocabulary import CLOSED

_STAGE_FIELDS = (
    "procedure", "stage", "statement_agreed_on", "investigating_officer", "independent_person",
    "investigation_report_on", "independent_person_report_on", "adjudicated_on", "adjudicator", "outcome",
    "outcome_on", "outcome_reason", "panel_met_on", "panel_report_on", "responded_on",
)


def investigation(db: sqlite_utils.Database, stage_id: int) -> dict[str, Any] | None:
    """The investigation of stage ``stage_id``, or None when nothing of one is recorded on it.

    ``points``: number (from 1), summary, finding. ``recommendations``: number, text, point (its number, or
    None), decision, reason, decided_on, and for an accepted one its action: action_id, action (its
    description), action_status, action_owner, action_due_on, learning_point_id. ``derived_outcome``: the
    outcome the points' findings give (None while one has no finding, or at a stage without points).
    """
    cursor = db.execute(f"SELECT {', '.join(_STAGE_FIELDS)} FROM complaint_stages WHERE id = ?", [stage_id])
    row = cursor.fetchone()
    if row is None:
        return None
    stage = dict(zip(_STAGE_FIELDS, row))
    points = [dict(zip(("number", "summary", "finding"), r)) for r in db.execute(
        "SELECT position, summary, finding FROM complaint_points WHERE stage_id = ? ORDER BY position", [stage_id])]
    recommendations = [dict(zip(
        ("number", "text", "point", "decision", "reason", "decided_on", "action_id", "action", "action_status",
         "action_owner", "action_due_on", "learning_point_id"), r)) for r in db.execute(
        """SELECT r.position, r.text, p.position, r.decision, r.decision_reason, r.decided_on, a.id, a.description,
                  a.status, u.name, a.due_on, a.learning_point_id
           FROM recommendations r
           LEFT JOIN complaint_points p ON p.id = r.point_id
           LEFT JOIN actions a ON a.id = r.action_id
           LEFT JOIN users u ON u.id = a.owner_id
           WHERE r.stage_id = ? ORDER BY r.position""", [stage_id])]
    recorded = (stage["investigating_officer"] or stage["independent_person"] or stage["adjudicated_on"]
                or points or recommendations)
    if not recorded:
        return None
    return {
        **stage,
        "stage_id": stage_id,
        "points": points,
        "recommendations": recommendations,
        "derived_outcome": procedures.outcome_from_findings([p["finding"] for p in points]),
        "decided": any(r["decision"] for r in recommendations),
    }


def learning_points_for_actions(db: sqlite_utils.Database, complaint_id: int) -> list[tuple[int, str]]:
    """(id, label) of the learning points an adjudication's (or a panel response's) actions may go on: those
    of the complaint's service area linked to the complaint, not closed, newest first."""
    rows = db.execute(
        """SELECT lp.id, lp.theme, lp.status, lp.description FROM learning_points lp
           JOIN learning_point_complaints l ON l.learning_point_id = lp.id
           JOIN complaints c ON c.id = l.complaint_id
           WHERE c.id = ? AND lp.service_area_id = c.service_area_id AND lp.status <> ?
           ORDER BY lp.created_on DESC, lp.id DESC""", [complaint_id, CLOSED]).fetchall()
    return [(r[0], f"{r[0]}: {r[1]} ({r[2]}): {r[3] if len(r[3]) <= 80 else r[3][:79].rstrip() + '…'}") for r in rows]
