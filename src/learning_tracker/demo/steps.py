"""The procedures' steps and findings on the demo's complaints (``rules.procedures``), drawn after every
other record from the builder's second generator (``Builder.steps_rng``), so that the records drawn before
them, and every published figure of 2021-22, stay exactly as they were. ``fill`` gives every complaint:

- each stage's **acknowledgement**: most within the target, a few late, a few answered before any
  acknowledgement was sent; the newest open ones not acknowledged yet. The due dates that follow move as the
  services move them (``procedures.moved_dates``): a corporate response clock starts at the acknowledgement
  under the Code, a review panel's response after its report;
- each statutory **stage 2 investigation**: the statement of complaint agreed, the Investigating Officer and
  the Independent Person (a role and a made-up organisation), their reports, 2 to 5 points of complaint whose
  findings give the stage's outcome (``procedures.outcome_from_findings``; once, where the adjudicator
  decided otherwise, with the reason), a recommendation for each upheld or partly upheld point and the
  adjudication on the day of the response. Most recommendations are accepted, each accepted one linked to an
  improvement action already agreed from the complaint's learning or, when it has none, from its service
  area's learning of the same year (its "no learning identified" decision then says so). No action is made
  for them, so the learning figures stay as published. An open stage 2 past its due date is still being
  investigated; one within it has its reports in and awaits the adjudication;
- each **review panel** (statutory stage 3): its meeting and report, within their timescales where the stage
  was answered in time, its recommendations and the council's response to each, accepted ones linked to
  actions as at stage 2;
- **advocacy** offered for complaints by or for a child (``procedures.for_a_child``), accepted where an
  advocate supported the complaint; when the **grounds arose** for some, with one or two **late** complaints a
  year considered all the same.

``live_year`` then adds the live year's complaints whose steps are in every state on ``today``: review panels
waiting for their meeting, their report and the council's response, and complaints declined or refused.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .. import config, workdays
from ..rules import procedures, vocabulary
from ..rules.periods import financial_year_start
from ..rules.procedures import ACCEPTED, NOT_ACCEPTED
from ..rules.vocabulary import CANCELLED, NOT_UPHELD, PARTLY_UPHELD, UPHELD
from .builder import Builder
from .records import Action, Complaint, Point, Recommendation, Stage
from .words import (
    ACTION_BANK,
    ADJUDICATORS,
    INDEPENDENT_PERSON,
    INDEPENDENT_PERSON_ORGANISATIONS,
    INVESTIGATING_OFFICER,
    INVESTIGATING_ORGANISATIONS,
    LATE_CONSIDERED_REASONS,
    LATE_DECLINED_REASON,
    NO_LEARNING_REASONS,
    NOT_ACCEPTED_REASONS,
    OUTCOME_REASON,
    PANEL_RECOMMENDATIONS,
    POINT_BANK,
)
from .writer import stage_outcome

add = workdays.add_working_days
# The "no learning identified" reason of a complaint whose accepted recommendations became actions already
# agreed from its service area's learning.
ALREADY_COVERED = NO_LEARNING_REASONS[3]
# How a point's finding is drawn before it is made to agree with the stage's outcome.
FINDING_WEIGHTS = dict(zip(procedures.FINDINGS, (35, 25, 30, 10)))  # upheld, partly, not upheld, unable to determine
UNABLE_TO_DETERMINE = procedures.FINDINGS[3]


class Learning:
    """The improvement actions a recommendation may be linked to: those of a complaint's own learning points,
    else those of its service area's learning points drawn from complaints of the same financial year."""

    def __init__(self, b: Builder) -> None:
        self.of_complaint: dict[Complaint, list[Action]] = {}
        self.of_area_year: dict[tuple[str, date], list[Action]] = {}
        for lp in b.learning_points:
            usable = [a for a in lp.actions if a.status != CANCELLED]
            for c in lp.complaints:
                self._extend(self.of_complaint.setdefault(c, []), usable)
            for year in sorted({financial_year_start(c.received_on) for c in lp.complaints}):
                self._extend(self.of_area_year.setdefault((lp.area, year), []), usable)

    @staticmethod
    def _extend(into: list[Action], actions: list[Action]) -> None:
        into.extend(a for a in actions if a not in into)

    def actions_for(self, c: Complaint) -> tuple[list[Action], bool]:
        """The actions for ``c``'s recommendations, and whether they are its area's rather than its own."""
        own = self.of_complaint.get(c)
        if own:
            return own, False
        return self.of_area_year.get((c.area, financial_year_start(c.received_on)), []), True


# ---------------------------------------------------------------------------------------------------
# Every complaint
# ---------------------------------------------------------------------------------------------------


def fill(b: Builder, today: date) -> None:
    """The steps, findings, advocacy and time limits of every complaint built so far (see the module)."""
    rng = b.steps_rng
    learning = Learning(b)
    for c in b.complaints:
        advocacy(b, c, today)
        if rng.random() < 0.3:
            c.grounds_arose_on = c.received_on - timedelta(days=rng.randint(7, 300))
        for s in c.stages:
            acknowledge(b, c, s, today)
            if (s.procedure, s.stage) == ("statutory", 2):  # the investigation and its adjudication
                investigate(b, c, s, today, learning)
            if procedures.is_panel_stage(s.procedure, s.stage):
                panel(b, c, s, today, learning)
            move_dates(b, c, s)
    _late_but_considered(b)


def advocacy(b: Builder, c: Complaint, today: date) -> None:
    """Advocacy offered for a complaint by or for a child: accepted when an advocate supported it; for most
    others offered and not taken up (not yet known while a recent offer is open)."""
    rng = b.steps_rng
    if not procedures.for_a_child(c.complainant_type, c.procedure):
        return
    child = c.complainant_type == procedures.CHILD_COMPLAINANT
    if not c.advocate and rng.random() >= (0.95 if child else 0.8):
        return
    offered = add(c.received_on, rng.randint(0, 3))
    if offered > today:
        return
    c.advocacy_offered_on = offered
    if c.advocate:
        c.advocacy_accepted = 1
    elif c.outcome is None and (today - offered).days < 15:
        c.advocacy_accepted = None
    else:
        c.advocacy_accepted = 0


def acknowledge(b: Builder, c: Complaint, s: Stage, today: date, after: int | None = None) -> None:
    """The stage's acknowledgement, ``after`` working days from its start (drawn when not given): most within
    the target, a few late, a few never sent because the response came first; none after ``today``."""
    rng = b.steps_rng
    if s.acknowledgement_due_on is None:
        return
    target = workdays.working_days_between(s.clock_started_on, s.acknowledgement_due_on)
    if after is None:
        draw = rng.random()
        if s.responded_on is None and _clock_waits_for_acknowledgement(b, c, s):
            after = 0  # acknowledged on the day: its response's due date (and RAG) stays as drawn
        elif draw < 0.05:
            return
        elif draw < 0.13:
            after = target + rng.randint(1, 4)
        else:
            after = rng.randint(0, target)
    day = add(s.clock_started_on, after)
    if (s.responded_on is not None and day > s.responded_on) or day > today:
        return
    s.acknowledged_on = day


def _clock_waits_for_acknowledgement(b: Builder, c: Complaint, s: Stage) -> bool:
    timescale = b.timescales[(s.procedure, s.stage)]
    return timescale.clock_starts == procedures.ACKNOWLEDGED and c.received_on >= b.code_applies_from


def move_dates(b: Builder, c: Complaint, s: Stage) -> None:
    """The due dates that follow from the steps recorded (``procedures.moved_dates``), as the services move
    them; an extension no later than the new due date no longer extends anything."""
    timescale = b.timescales[(s.procedure, s.stage)]
    recorded = {"clock_started_on": s.clock_started_on, "acknowledged_on": s.acknowledged_on,
                "statement_agreed_on": s.statement_agreed_on, "panel_met_on": s.panel_met_on,
                "panel_report_on": s.panel_report_on}  # fmt: skip
    moved = procedures.moved_dates(timescale, recorded, c.received_on, b.code_applies_from)
    s.due_on = date.fromisoformat(moved["due_on"])
    s.response_clock_started_on = _date(moved["response_clock_started_on"])
    s.panel_report_due_on = _date(moved["panel_report_due_on"])
    if s.extended_due_on is not None and s.extended_due_on <= s.due_on:
        s.extended_due_on = s.extension_reason = None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------------------------------
# Stage 2: the investigation and the adjudication
# ---------------------------------------------------------------------------------------------------


def investigate(b: Builder, c: Complaint, s: Stage, today: date, learning: Learning) -> None:
    """A statutory stage 2's investigation (see the module): its people, dates, points and findings,
    recommendations and adjudication, as far as they had got on ``today``."""
    rng = b.steps_rng
    organisation = rng.choice(INVESTIGATING_ORGANISATIONS)
    s.investigating_officer = f"{INVESTIGATING_OFFICER}, {organisation}"
    s.independent_person = f"{INDEPENDENT_PERSON}, {rng.choice(INDEPENDENT_PERSON_ORGANISATIONS)}"
    end = s.responded_on or today
    span = workdays.working_days_between(s.clock_started_on, end)
    agreed = min(rng.randint(2, 6), max(span - 3, 0))
    s.statement_agreed_on = add(s.clock_started_on, agreed)
    s.points = [Point(summary) for summary in _point_summaries(rng, c, rng.randint(2, 5))]
    outcome = stage_outcome(c, s)[0] if s.responded_on else None
    if s.responded_on is None and (s.extended_due_on or s.due_on) < today:
        return  # past its due date, waiting for the investigator's report
    if s.responded_on is not None and outcome not in (UPHELD, PARTLY_UPHELD, NOT_UPHELD):
        return  # withdrawn during the investigation
    reported = max(agreed + 1, span - rng.randint(2, 8))
    s.investigation_report_on = add(s.clock_started_on, reported)
    s.independent_person_report_on = add(s.clock_started_on, min(reported + rng.randint(0, 2), max(span - 1, reported)))
    _findings(rng, s.points, outcome)
    for point in s.points:
        if point.finding in vocabulary.UPHELD_OUTCOMES:
            s.recommendations.append(Recommendation(rng.choice(ACTION_BANK[_theme_of(point)]), point))
    if s.responded_on is None:
        return  # the reports are in: the adjudication is to come
    s.adjudicated_on, s.adjudicator = s.responded_on, rng.choice(ADJUDICATORS)
    if procedures.outcome_from_findings([p.finding for p in s.points]) != outcome:
        s.outcome_reason = OUTCOME_REASON
    decide(b, c, s.recommendations, s.responded_on, learning)


def _point_summaries(rng: random.Random, c: Complaint, n: int) -> list[str]:
    """``n`` different points of complaint about the complaint's concerns (then about communication and the
    standard of service)."""
    themes = [category for category, _ in c.concerns] + ["Communication", "Standards of service"]
    pool: list[str] = []
    for theme in dict.fromkeys(themes):
        pool += rng.sample(POINT_BANK[theme], len(POINT_BANK[theme]))
    return pool[:n]


_THEME_OF_SUMMARY = {summary: theme for theme, summaries in POINT_BANK.items() for summary in summaries}


def _theme_of(point: Point) -> str:
    return _THEME_OF_SUMMARY[point.summary]


def _findings(rng: random.Random, points: list[Point], outcome: str | None) -> None:
    """Findings for ``points`` that give ``outcome`` (``procedures.outcome_from_findings``); an upheld
    complaint with three points or more has, now and then, one point only partly upheld: the adjudicator upheld
    it in full all the same, with a reason (``investigate``)."""
    findings = rng.choices(list(FINDING_WEIGHTS), weights=list(FINDING_WEIGHTS.values()), k=len(points))
    if outcome == UPHELD:
        findings = [UPHELD] * len(points)
        if len(points) >= 3 and rng.random() < 0.35:
            findings[rng.randrange(len(points))] = PARTLY_UPHELD
    elif outcome == PARTLY_UPHELD:
        if all(f == UPHELD for f in findings):
            findings[rng.randrange(len(findings))] = NOT_UPHELD
        if not any(f in vocabulary.UPHELD_OUTCOMES for f in findings):
            findings[rng.randrange(len(findings))] = PARTLY_UPHELD
    elif outcome == NOT_UPHELD:
        findings = [UNABLE_TO_DETERMINE if f == UNABLE_TO_DETERMINE else NOT_UPHELD for f in findings]
    for point, finding in zip(points, findings):
        point.finding = finding


def decide(b: Builder, c: Complaint, recommendations: list[Recommendation], on: date, learning: Learning) -> None:
    """The decision on each recommendation, made on ``on``: accepted and linked to an action of the
    complaint's (else its area's) learning while one is left for it, now and then not accepted with a reason.
    An accepted recommendation's text is its action's: the action is what was agreed."""
    rng = b.steps_rng
    actions, area_wide = learning.actions_for(c)
    left = list(actions)
    for r in recommendations:
        r.decided_on = on
        if left and rng.random() >= 0.12:
            r.decision, r.action = ACCEPTED, left.pop(rng.randrange(len(left)))
            r.text = r.action.description
            if area_wide and c.no_learning:
                c.no_learning = (ALREADY_COVERED, *c.no_learning[1:])
        else:
            r.decision, r.decision_reason = NOT_ACCEPTED, rng.choice(NOT_ACCEPTED_REASONS)


# ---------------------------------------------------------------------------------------------------
# Stage 3: the review panel
# ---------------------------------------------------------------------------------------------------


def panel(b: Builder, c: Complaint, s: Stage, today: date, learning: Learning) -> None:
    """A review panel's meeting and report and the council's response to its recommendations. Answered in
    time, each step met its own timescale; open, the steps are as far as ``today`` allows."""
    rng = b.steps_rng
    timescale = b.timescales[(s.procedure, s.stage)]
    if s.panel_meeting_due_on is None:
        return  # a council that does not time the panel's steps
    meeting_days, report_days = timescale.panel_meeting_working_days or 0, timescale.panel_report_working_days or 0
    if s.responded_on is not None:
        took = workdays.working_days_between(s.clock_started_on, s.responded_on)
        if s.responded_on <= (s.extended_due_on or s.due_on):
            # Each step within its own timescale: met by day 30, reported within 5, answered within 15.
            met = rng.randint(max(1, took - report_days - timescale.due_working_days), max(1, min(meeting_days, took - 2)))
            gap = took - met
            reported = met + rng.randint(max(1, gap - timescale.due_working_days), max(1, min(report_days, gap - 1)))
        else:
            met = min(took - 2, meeting_days + rng.randint(0, 5))
            reported = min(took - 1, met + rng.randint(3, report_days + 3))
        record_panel(b, c, s, today, learning, met, reported)
        return
    elapsed = workdays.working_days_between(s.clock_started_on, today)
    met = rng.randint(max(1, meeting_days - 12), max(1, meeting_days))
    record_panel(b, c, s, today, learning, met if met < elapsed else None,
                 met + rng.randint(2, report_days) if met + report_days < elapsed else None)


def record_panel(b: Builder, c: Complaint, s: Stage, today: date, learning: Learning,
                 met: int | None, reported: int | None) -> None:
    """The panel met ``met`` working days after the request and reported ``reported`` days after it (either
    ``None``: not yet); once reported, its recommendations, and the council's decisions once it responded."""
    rng = b.steps_rng
    s.panel_met_on = add(s.clock_started_on, met) if met is not None else None
    s.panel_report_on = add(s.clock_started_on, reported) if reported is not None and met is not None else None
    if s.panel_report_on is None:
        return
    texts = rng.sample(PANEL_RECOMMENDATIONS, rng.randint(1, 3))
    s.recommendations = [Recommendation(text) for text in texts]
    if s.responded_on is not None:
        decide(b, c, s.recommendations, s.responded_on, learning)


# ---------------------------------------------------------------------------------------------------
# Late complaints
# ---------------------------------------------------------------------------------------------------


def _late_but_considered(b: Builder) -> None:
    """One or two complaints a year (of those answered) about a matter more than a year old, considered all
    the same, with the reason."""
    rng = b.steps_rng
    by_year: dict[date, list[Complaint]] = {}
    for c in b.complaints:
        if c.outcome is not None:
            by_year.setdefault(financial_year_start(c.received_on), []).append(c)
    for year in sorted(by_year):
        for c in rng.sample(by_year[year], min(len(by_year[year]), rng.randint(1, 2))):
            c.grounds_arose_on = c.received_on - timedelta(days=rng.randint(380, 600))
            c.late_decision, c.late_decision_reason = procedures.CONSIDER_LATE, rng.choice(LATE_CONSIDERED_REASONS)


# ---------------------------------------------------------------------------------------------------
# The live year: steps in every state on today
# ---------------------------------------------------------------------------------------------------


def live_year(b: Builder, today: date) -> list[Complaint]:
    """Complaints whose steps are in every state on ``today``: review panels waiting for their meeting (and
    the request's acknowledgement), for their report (overdue) and for the council's response to it, and
    three complaints declined or refused: one late, one that would prejudice care proceedings, one already
    considered. Their earlier stages are answered, not upheld."""
    rng = b.steps_rng
    learning = Learning(b)
    made: list[Complaint] = []
    for area, requested, met, reported in [
        ("Through Care", 3, None, None),
        ("Team West", 31, 24, None),
        ("Looked After Children", 40, 26, 30),
    ]:
        start3 = add(today, -requested)
        answered2 = add(start3, -rng.randint(3, 10))
        took2 = rng.randint(25, 40)
        start2 = add(answered2, -took2)
        answered1 = add(start2, -rng.randint(3, 10))
        took1 = rng.randint(5, 10)
        c = _new(b, add(answered1, -took1), "statutory", area)
        c.stages = [b.stage("statutory", 1, c.received_on, took1), b.stage("statutory", 2, start2, took2),
                    b.stage("statutory", 3, start3)]  # fmt: skip
        advocacy(b, c, today)
        for s in c.stages[:2]:
            acknowledge(b, c, s, today)
        investigate(b, c, c.stages[1], today, learning)
        if met is not None:  # the request for a panel was acknowledged; the newest one's not yet
            acknowledge(b, c, c.stages[2], today, rng.randint(1, 4))
        record_panel(b, c, c.stages[2], today, learning, met, reported)
        for s in c.stages:
            move_dates(b, c, s)
        made.append(c)

    # Reasons from the configured "declined_reason" vocabulary: late, legal proceedings, already considered.
    declined_reasons = config.vocabulary(b.db, "declined_reason")
    for procedure, area, reason in [
        ("statutory", "Team East", procedures.LATE_REASON),
        ("statutory", "Team South", declined_reasons[2]),
        ("corporate", "MASH", declined_reasons[3]),
    ]:
        c = _new(b, add(today, -rng.randint(12, 40)), procedure, area)
        declined_on = add(c.received_on, rng.randint(2, 5))
        c.stages = [b.stage(procedure, 1, c.received_on, workdays.working_days_between(c.received_on, declined_on))]
        advocacy(b, c, today)
        acknowledge(b, c, c.stages[0], today, rng.randint(0, 2))
        move_dates(b, c, c.stages[0])
        if reason == procedures.LATE_REASON:
            c.grounds_arose_on = c.received_on - timedelta(days=rng.randint(420, 700))
            c.late_decision, c.late_decision_reason = procedures.DECLINE_LATE, LATE_DECLINED_REASON
        c.outcome, c.outcome_on, c.declined_reason = procedures.DECLINED, declined_on, reason
        made.append(c)
    b.complaints += made
    return made


def _new(b: Builder, received: date, procedure: str, area: str) -> Complaint:
    c = Complaint(received, procedure, area)
    b.random_details(c, b.steps_rng)
    return c
