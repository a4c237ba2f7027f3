"""The live current year: made-up complaints dated relative to ``today``, so that whenever the demo is
built it has open stages that are Red, Amber and Green on the day, answered and escalated complaints,
learning whose actions fall due around today (some overdue), learning gaps, two recent Practice
Improvement Forum meetings and the year's compliments."""

from __future__ import annotations

from datetime import date, timedelta

from .. import workdays
from ..rules import rag as rag_rule
from ..rules import vocabulary
from ..rules.vocabulary import (
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    PARTLY_UPHELD,
    UPHELD,
    VERIFIED,
    WITHDRAWN,
)
from .builder import Builder
from .council import FORUM_ATTENDEES, slug
from .mixes import OUTCOME_WEIGHTS_BY_PROCEDURE, PROCEDURE_WEIGHTS, area_weights
from .records import Complaint
from .words import ACTION_BANK, EXTENSION_REASONS, LEARNING_BANK


def open_stage_start(colour: str, due_days: int, today: date, candidates: range) -> date:
    """A clock start such that a stage due ``due_days`` later is ``colour`` on ``today``."""
    for k in candidates:
        start = workdays.add_working_days(today, -k)
        if rag_rule.rag(workdays.add_working_days(start, due_days), today) == colour:
            return start
    raise AssertionError(f"no clock start makes a stage {colour} on {today}")


def add_current_year(b: Builder, today: date, window_start: date) -> list[Complaint]:
    """Complaints received from ``window_start`` to ``today``: open stages Red, Amber and Green,
    answered ones, escalations, learning with actions due around today, and learning gaps."""
    rng, add = b.rng, workdays.add_working_days
    made: list[Complaint] = []
    red, amber, green = rag_rule.RED, rag_rule.AMBER, rag_rule.GREEN

    def new(received: date, procedure: str, area: str) -> Complaint:
        c = Complaint(received, procedure, area)
        b.random_details(c)
        made.append(c)
        return c

    # Open stage 1s (and one informal, one corporate).
    for procedure, colour, area, ks in [
        ("statutory", red, "Through Care", range(14, 40)),
        ("statutory", red, "Team West", range(12, 40)),
        ("statutory", red, "Team East", range(18, 40)),
        ("statutory", amber, "Through Care", range(8, 12)),
        ("statutory", amber, "Looked After Children", range(9, 12)),
        ("corporate", amber, "MASH", range(10, 12)),
        ("statutory", green, "Team South", range(1, 7)),
        ("statutory", green, "Children's Disability Team", range(3, 7)),
        ("statutory", green, "Through Care", range(2, 7)),
        ("informal", green, "Team Central", range(1, 7)),
    ]:
        start = open_stage_start(colour, b.timescales[(procedure, 1)].due_working_days, today, ks)
        new(start, procedure, area).stages.append(b.stage(procedure, 1, start))
    # Open stage 2s: one past due, one within its extension.
    for colour, area, extended_to in [(red, "Team Central", None), (green, "Looked After Children", 65)]:
        start = open_stage_start(colour, extended_to or 25, today, range(30, 45))
        received = add(start, -rng.randint(14, 20))
        c = new(received, "statutory", area)
        first = b.stage("statutory", 1, received, workdays.working_days_between(received, start) - 4)
        reason = rng.choice(EXTENSION_REASONS[2]) if extended_to else None
        c.stages += [first, b.stage("statutory", 2, start, None, extended_to, reason)]

    # Answered complaints: the first few are set so that each main area has learning to follow up.
    n = max(40, min(90, 40 + round(50 * (today - window_start).days / 365)))
    last = add(today, -12)
    scripted = [
        ("Through Care", PARTLY_UPHELD),
        ("Through Care", UPHELD),
        ("Team East", PARTLY_UPHELD),
        ("Team West", PARTLY_UPHELD),
        ("Looked After Children", UPHELD),
        ("Team Central", PARTLY_UPHELD),
        ("Children's Disability Team", PARTLY_UPHELD),
        ("Team South", PARTLY_UPHELD),
    ]
    early_end = window_start + (last - window_start) * 2 // 5
    answered = []
    for i in range(n - len(made)):
        if i < len(scripted):
            area, outcome = scripted[i]
            c = new(b.working_day_in(window_start, early_end), "statutory", area)
        else:
            procedure = b.choose(PROCEDURE_WEIGHTS)
            area = b.choose(area_weights(procedure))
            c = new(b.working_day_in(window_start, last), procedure, area)
            outcome = b.choose(OUTCOME_WEIGHTS_BY_PROCEDURE[procedure])
        procedure = c.procedure
        took = min(rng.randint(3, 13), max(1, workdays.working_days_between(c.received_on, today) - 1))
        c.stages.append(b.stage(procedure, 1, c.received_on, took))
        request = b.request_after(c.stages[0].responded_on)
        if (
            procedure == "statutory"
            and outcome != WITHDRAWN
            and i >= len(scripted)
            and rng.random() < 0.15
            and workdays.working_days_between(request, today) > 45
        ):
            took2 = rng.randint(20, 45)
            extended_to = min(65, took2 + 5) if took2 > 25 else None
            reason = rng.choice(EXTENSION_REASONS[2])
            c.stages.append(b.stage("statutory", 2, request, took2, extended_to, reason))
        b.set_outcome(c, outcome)
        answered.append(c)

    # Learning: gaps for the latest few, "no learning" for some, learning points for the rest.
    upheld = [c for c in answered if vocabulary.is_upheld(c.outcome)]
    forced = upheld[: len(scripted)]
    others = sorted(upheld[len(scripted) :], key=lambda c: c.outcome_on)
    gaps = others[-4:]
    for c in others[:-4]:
        if rng.random() < 0.3:
            b.no_learning(c, today)
    # The scripted complaints' learning points come first, so that the first patterns (with
    # overdue actions) fall on learning agreed early in the year, Through Care's first of all.
    groups: dict[tuple[bool, str], list[Complaint]] = {}
    for c in forced:
        groups.setdefault((True, c.area), []).append(c)
    for c in others[:-4]:
        if not c.no_learning:
            groups.setdefault((False, c.area), []).append(c)
    # Each learning point's actions in turn: (status, due in working days from today, priority).
    patterns = [
        [(IN_PROGRESS, -8, "high"), (NOT_STARTED, -3, "medium")],
        [(COMPLETED, 5, "medium"), (IN_PROGRESS, -12, "high")],
        [(NOT_STARTED, 15, "medium")],
        [(VERIFIED, -20, "high"), (VERIFIED, -5, "medium")],
        [(IN_PROGRESS, 8, "medium"), (CANCELLED, 20, "low"), (COMPLETED, -2, "medium")],
        [],
        [(NOT_STARTED, -4, "high"), (NOT_STARTED, 30, "low")],
        [(IN_PROGRESS, 2, "medium")],
    ]
    current_points = []
    yesterday = today - timedelta(days=1)
    for (_, area), complaints in groups.items():
        for j in range(0, len(complaints), 3):
            chunk = complaints[j : j + 3]
            theme = chunk[0].theme
            lp = b.learning_point(area, theme, rng.choice(LEARNING_BANK[theme]), chunk, yesterday)
            current_points.append(lp)
    for i, lp in enumerate(current_points):
        for status, offset, priority in patterns[i % len(patterns)]:
            due = max(add(today, offset), add(lp.created_on, 10))
            text = rng.choice(ACTION_BANK[lp.theme])
            action = b.action(lp, text, priority, status, due, yesterday)
            if status == VERIFIED:
                b.add_evidence(
                    action, "Team meeting minutes showing the learning shared", f"{slug(lp.area)}/team-meeting-minutes"
                )
            lp.actions.append(action)

    # The Practice Improvement Forum met twice.
    with_actions = [lp for lp in current_points if lp.actions]
    overdue = [
        a for lp in current_points for a in lp.actions if vocabulary.action_is_overdue(a.status, a.due_on, today)
    ]
    first_meeting, second_meeting = add(today, -23), add(today, -3)
    b.meetings.append(
        (first_meeting, FORUM_ATTENDEES, [
            ("learning_point", with_actions[0], "noted", "Forum asked for an update at the next meeting."),
            ("action", overdue[0], "escalate to senior leadership", "Overdue; raise at the senior leadership meeting."),
        ])
    )  # fmt: skip
    b.meetings.append(
        (second_meeting, FORUM_ATTENDEES, [
            ("learning_point", with_actions[1], "new action needed", "Add an audit of the change in three months."),
            ("complaint", gaps[0], "noted", "Service manager to complete the internal investigation outcome form."),
        ])
    )  # fmt: skip

    b.random_compliments(window_start, today, max(20, round(n * 0.55)))
    b.complaints += made
    return made
