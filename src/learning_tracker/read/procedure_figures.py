"""Read-side SQL: the annual report's figures of the procedures' steps and findings (``rules.procedures``),
each aggregated in SQL over a financial year.

As everywhere in the report, a figure is about the complaints **received** in the year; acknowledgements,
which every stage has, are about the stages **begun** in the year.

- ``stage2_findings``: the points of complaint of statutory stage 2 investigations, by finding;
- ``recommendations``: recommendations made at statutory stage 2 (the investigation) and stage 3 (the
  review panel), accepted, not accepted and awaiting a decision;
- ``accepted_actions``: the improvement actions the accepted recommendations became, by status, with how many
  are open and overdue on ``as_of``;
- ``stage3_clocks``: the review panel's meeting, its report and the council's response: due, met on time,
  late, pending;
- ``acknowledgements``: by procedure, acknowledgements within target, late, pending (a response sent first
  counts as the acknowledgement);
- ``advocacy_for_children``: complaints by or for a child (``rules.procedures.for_a_child_sql``), advocacy offered
  and accepted;
- ``late_complaints``: complaints about a matter a year old or more (``rules.procedures.is_late``), by the
  decision to consider or decline them;
- ``declined_by_reason``: complaints declined or refused, by reason.

``as_of`` decides only what a step not yet taken is: **late** once its due date has passed on ``as_of``,
**pending** otherwise (as ``report_figures.final_stages`` counts an open stage). Declined complaints never
count in the timescale figures (``procedures.counts_for_timescales_sql``): no response was due.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .. import config
from ..rules import periods, procedures, vocabulary
from ..rules.procedures import COUNCIL_RESPONSE, PANEL_MEETING, PANEL_REPORT
from ..rules.sql import literal

# The stages whose recommendations the report counts: the investigation's and the review panel's.
RECOMMENDING_STAGES = (procedures.INVESTIGATION_STAGE, procedures.PANEL_STAGE)
# A point of complaint still under investigation.
NO_FINDING_YET = "no finding yet"
# A late complaint with no decision recorded on it yet.
NO_DECISION_YET = "no decision recorded"

_YEAR = "c.received_on BETWEEN :start AND :end"


def _params(year: str, as_of: date | None = None) -> dict[str, str]:
    start, end = periods.period_bounds_iso(year)
    return {"start": start, "end": end} | ({"as_of": as_of.isoformat()} if as_of else {})


def _stage_is(alias: str, procedure_stage: tuple[str, int]) -> str:
    procedure, stage = procedure_stage
    return f"({alias}.procedure = {literal(procedure)} AND {alias}.stage = {int(stage)})"


def _in_order(counts: dict[str | None, int], order: list[str], blank: str) -> dict[str, int]:
    """``counts`` with a count, in the configured ``order``; a blank value as ``blank``; unknown ones after."""
    found: dict[str, int] = {}
    for value, n in counts.items():
        key = value if value and value.strip() else blank
        found[key] = found.get(key, 0) + n
    ordered = {value: found.pop(value) for value in order if found.get(value)}
    return ordered | {value: n for value, n in sorted(found.items()) if n}


# ---------------------------------------------------------------------------------------------------
# Stage 2 findings and recommendations
# ---------------------------------------------------------------------------------------------------


def stage2_findings(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """Points of complaint of the statutory stage 2 investigations of the year's complaints, by finding:
    every finding (``procedures.FINDINGS``, zeros included), then ``"no finding yet"`` when a point is still
    under investigation."""
    rows = db.execute(
        f"""SELECT p.finding, COUNT(*) FROM complaints c
            JOIN complaint_stages s ON s.complaint_id = c.id AND {_stage_is("s", procedures.INVESTIGATION_STAGE)}
            JOIN complaint_points p ON p.stage_id = s.id
            WHERE {_YEAR} GROUP BY p.finding""",
        _params(year),
    ).fetchall()
    counts = {finding: n for finding, n in rows}
    result = {finding: counts.pop(finding, 0) for finding in procedures.FINDINGS}
    unfound = sum(counts.values())  # no finding yet (or one that is not a finding: counted, never lost)
    return result | ({NO_FINDING_YET: unfound} if unfound else {})


def recommendations(db: sqlite_utils.Database, year: str) -> dict[str, dict[str, int]]:
    """Recommendations made at statutory stage 2 and stage 3 on the year's complaints (``"2"``, ``"3"``):
    each ``{made, accepted, not_accepted, awaiting_decision}``."""
    rows = db.execute(
        f"""SELECT s.stage, COUNT(*), SUM(r.decision = {literal(procedures.ACCEPTED)}),
                   SUM(r.decision = {literal(procedures.NOT_ACCEPTED)}), SUM(r.decision IS NULL)
            FROM complaints c
            JOIN complaint_stages s ON s.complaint_id = c.id
                 AND ({" OR ".join(_stage_is("s", ps) for ps in RECOMMENDING_STAGES)})
            JOIN recommendations r ON r.stage_id = s.id
            WHERE {_YEAR} GROUP BY s.stage""",
        _params(year),
    ).fetchall()
    found = {stage: row for stage, *row in rows}
    return {
        str(stage): dict(zip(("made", "accepted", "not_accepted", "awaiting_decision"),
                             (n or 0 for n in found.get(stage, (0, 0, 0, 0)))))
        for _, stage in RECOMMENDING_STAGES
    }  # fmt: skip


def accepted_actions(db: sqlite_utils.Database, year: str, as_of: date) -> dict:
    """The improvement actions that the accepted recommendations on the year's complaints became (each
    action once, however many recommendations it answers): ``{actions, by_status {status: n}, open,
    overdue, accepted_without_action}``: open and overdue as ``rules.vocabulary`` defines them, on ``as_of``;
    ``accepted_without_action``: accepted recommendations with no action recorded."""
    params = _params(year, as_of)
    accepted = f"""SELECT r.action_id FROM complaints c
                   JOIN complaint_stages s ON s.complaint_id = c.id
                   JOIN recommendations r ON r.stage_id = s.id AND r.decision = {literal(procedures.ACCEPTED)}
                   WHERE {_YEAR}"""
    rows = db.execute(
        f"""SELECT a.status, COUNT(*), SUM({vocabulary.action_open_sql("a")}),
                   SUM({vocabulary.action_overdue_sql("a", ":as_of")})
            FROM actions a WHERE a.id IN ({accepted}) GROUP BY a.status""",
        params,
    ).fetchall()
    without = db.execute(f"SELECT COUNT(*) FROM ({accepted}) WHERE action_id IS NULL", params).fetchone()[0]
    counts = {status: n for status, n, _, _ in rows}
    by_status = {status: counts.pop(status, 0) for status in vocabulary.ACTION_STATUSES} | counts
    return {
        "actions": sum(by_status.values()),
        "by_status": by_status,
        "open": sum(n or 0 for _, _, n, _ in rows),
        "overdue": sum(n or 0 for _, _, _, n in rows),
        "accepted_without_action": without,
    }


# ---------------------------------------------------------------------------------------------------
# Clocks: the review panel's steps and the acknowledgements
# ---------------------------------------------------------------------------------------------------


def _step_counts(steps_sql: str) -> str:
    """The counts of steps (rows of ``step, due_on, done_on``): due, on time, late, pending."""
    return f"""SELECT step, COUNT(*), SUM(done_on IS NOT NULL AND done_on <= due_on),
                      SUM(CASE WHEN done_on IS NOT NULL THEN done_on > due_on ELSE due_on < :as_of END),
                      SUM(done_on IS NULL AND due_on >= :as_of)
               FROM ({steps_sql}) GROUP BY step"""


def stage3_clocks(db: sqlite_utils.Database, year: str, as_of: date) -> dict[str, dict[str, int]]:
    """The review panels (statutory stage 3) of the year's complaints, step by step: the panel's meeting,
    its report and the council's response, each ``{due, on_time, late, pending}``.

    A step counts once it has a due date (the meeting from the request, the report once the panel met, the
    council's response once the report came: or from the request, for a panel whose steps were not tracked,
    as ``read.open_stages`` shows them) and unless the stage ended without it (withdrawn before the step, or
    withdrawn instead of the council's response). On time: done
    on or before its due date (the response's extended one); late: done after it, or not done with it
    passed on ``as_of``; pending: not done and not yet due."""
    stages = f"""SELECT s.* FROM complaints c
                 JOIN complaint_stages s ON s.complaint_id = c.id AND {_stage_is("s", procedures.PANEL_STAGE)}
                 WHERE {_YEAR} AND {procedures.counts_for_timescales_sql("c")}"""
    steps = f"""
        SELECT {literal(PANEL_MEETING)} AS step, panel_meeting_due_on AS due_on, panel_met_on AS done_on
        FROM ({stages}) WHERE panel_meeting_due_on IS NOT NULL AND (panel_met_on IS NOT NULL OR responded_on IS NULL)
        UNION ALL
        SELECT {literal(PANEL_REPORT)}, panel_report_due_on, panel_report_on
        FROM ({stages}) WHERE panel_report_due_on IS NOT NULL AND (panel_report_on IS NOT NULL OR responded_on IS NULL)
        UNION ALL
        SELECT {literal(COUNCIL_RESPONSE)}, COALESCE(extended_due_on, due_on), responded_on
        FROM ({stages}) s WHERE (panel_meeting_due_on IS NULL OR panel_report_on IS NOT NULL)
                          AND NOT {procedures.closed_without_decision_sql("s")}"""
    params = _params(year, as_of)
    found = {step: row for step, *row in db.execute(_step_counts(steps), params).fetchall()}
    return {
        step: dict(zip(("due", "on_time", "late", "pending"), (n or 0 for n in found.get(step, (0, 0, 0, 0)))))
        for step in (PANEL_MEETING, PANEL_REPORT, COUNCIL_RESPONSE)
    }


def acknowledgements(db: sqlite_utils.Database, year: str, as_of: date) -> dict[str, dict[str, int]]:
    """Acknowledgements of the stages begun in the year, by procedure (those with any, in vocabulary order):
    each ``{due, within_target, late, pending}``. A stage is acknowledged within target when acknowledged,
    or answered, on or before its acknowledgement's due date. Stages begun before acknowledgements were
    tracked have no due date, and a stage withdrawn (or declined) before its acknowledgement was due needed none:
    neither counts; one withdrawn later without an acknowledgement counts as late."""
    params = _params(year, as_of)
    steps = f"""SELECT s.procedure AS step, s.acknowledgement_due_on AS due_on,
                       COALESCE(s.acknowledged_on, s.responded_on) AS done_on
                FROM complaint_stages s JOIN complaints c ON c.id = s.complaint_id
                WHERE s.acknowledgement_due_on IS NOT NULL AND s.clock_started_on BETWEEN :start AND :end
                  AND {procedures.counts_for_timescales_sql("c")}
                  AND NOT (s.acknowledged_on IS NULL AND {procedures.closed_without_decision_sql("s")}
                           AND s.responded_on <= s.acknowledgement_due_on)"""
    found = {procedure: row for procedure, *row in db.execute(_step_counts(steps), params).fetchall()}
    configured = config.vocabulary(db, "procedure")
    order = [p for p in configured if p in found] + sorted(set(found) - set(configured))
    return {
        procedure: dict(zip(("due", "within_target", "late", "pending"), (n or 0 for n in found[procedure])))
        for procedure in order
    }


# ---------------------------------------------------------------------------------------------------
# Who complained and why the complaint was not considered
# ---------------------------------------------------------------------------------------------------


def advocacy_for_children(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """The year's complaints made by or for a child: ``{complaints, offered, accepted, not_offered}``
    (advocacy offered; accepted; not offered, or not recorded as offered)."""
    complaints, offered, accepted = db.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(c.advocacy_offered_on IS NOT NULL), 0), COALESCE(SUM(c.advocacy_accepted = 1), 0)
            FROM complaints c WHERE {_YEAR} AND {procedures.for_a_child_sql("c")}""",
        _params(year),
    ).fetchone()
    return {"complaints": complaints, "offered": offered, "accepted": accepted, "not_offered": complaints - offered}


def late_complaints(db: sqlite_utils.Database, year: str) -> dict:
    """The year's complaints about a matter a year old or more: ``{total, by_decision}``, each decision
    (``procedures.LATE_DECISIONS``, zeros included) then ``"no decision recorded"`` when there is any."""
    rows = db.execute(
        f"SELECT c.late_decision, COUNT(*) FROM complaints c WHERE {_YEAR} AND {procedures.late_sql('c')} GROUP BY 1",
        _params(year),
    ).fetchall()
    counts = {decision: n for decision, n in rows}
    by_decision = {decision: counts.pop(decision, 0) for decision in procedures.LATE_DECISIONS}
    undecided = sum(counts.values())
    return {"total": sum(by_decision.values()) + undecided,
            "by_decision": by_decision | ({NO_DECISION_YET: undecided} if undecided else {})}


def declined_by_reason(db: sqlite_utils.Database, year: str) -> dict:
    """The year's complaints declined or refused: ``{total, by_reason}``, the reasons given in the configured
    order (only those given; a blank reason as "not recorded")."""
    rows = db.execute(
        f"""SELECT c.declined_reason, COUNT(*) FROM complaints c
            WHERE {_YEAR} AND c.outcome = {literal(procedures.DECLINED)} GROUP BY 1""",
        _params(year),
    ).fetchall()
    by_reason = _in_order(dict(rows), config.vocabulary(db, "declined_reason"), vocabulary.NOT_RECORDED)
    return {"total": sum(by_reason.values()), "by_reason": by_reason}


def annual(db: sqlite_utils.Database, year: str, as_of: date) -> dict:
    """Every figure of this module for the financial ``year`` as at ``as_of``, by the annual report's keys."""
    return {
        "acknowledgements": acknowledgements(db, year, as_of),
        "stage2_findings": stage2_findings(db, year),
        "stage3_clocks": stage3_clocks(db, year, as_of),
        "recommendations": recommendations(db, year),
        "accepted_recommendation_actions": accepted_actions(db, year, as_of),
        "advocacy_for_children": advocacy_for_children(db, year),
        "late_complaints": late_complaints(db, year),
        "declined_by_reason": declined_by_reason(db, year),
    }
