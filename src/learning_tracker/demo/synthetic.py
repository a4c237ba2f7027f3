"""The synthetic register: plausible complaints (with their stages, outcomes, Ombudsman referrals and
learning) received over any span. It fills the demo's years between the published ones and the live
one, and the whole of a ``--scale N`` database."""

from __future__ import annotations

from datetime import date, timedelta

from .. import workdays
from ..rules.vocabulary import PARTLY_UPHELD, WITHDRAWN
from .builder import Builder
from .mixes import (
    LGSCO_DECISION_WEIGHTS,
    OUTCOME_WEIGHTS_BY_PROCEDURE,
    PROCEDURE_WEIGHTS,
    area_weights,
)
from .records import Complaint
from .words import EXTENSION_REASONS


def synthetic_complaints(
    b: Builder, start: date, end: date, n: int, as_of: date, *, gaps: bool
) -> list[Complaint]:
    """``n`` plausible complaints received from ``start`` to ``end``; a stage whose response would
    fall after ``as_of`` is left open."""
    rng, choose = b.rng, b.choose
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if workdays.is_working_day(d)]
    received = sorted(rng.choice(days) for _ in range(n))
    add = workdays.add_working_days
    made = []
    for day in received:
        procedure = choose(PROCEDURE_WEIGHTS)
        # Only complaints old enough for the informal answer and the request to lie before as_of.
        escalated_informal = procedure == "informal" and rng.random() < 0.03 and day <= as_of - timedelta(days=45)
        c = Complaint(day, "statutory" if escalated_informal else procedure)
        c.area = choose(area_weights(c.procedure))
        b.random_details(c)
        start_on = day
        if escalated_informal:
            first = b.stage("informal", 1, day, rng.randint(2, 8))
            c.stages.append(first)
            start_on = add(first.responded_on, rng.randint(1, 3))
        if c.procedure == "informal":
            plan = [("informal", 1, rng.randint(2, 12), None)]
        else:
            took = rng.randint(2, 14)
            extended = 20 if took > 10 and rng.random() < 0.3 else None
            plan = [(c.procedure, 1, took, extended)]
            if c.procedure == "statutory" and rng.random() < 0.08:
                took2 = rng.randint(15, 60)
                extended = min(65, took2 + 5) if took2 > 25 and rng.random() < 0.85 else None
                plan.append(("statutory", 2, took2, extended))
                if rng.random() < 0.0625:
                    plan.append(("statutory", 3, rng.randint(20, 50), None))
            elif c.procedure == "corporate" and rng.random() < 0.15:
                took2 = rng.randint(10, 35)
                plan.append(("corporate", 2, took2, min(40, took2 + 3) if took2 > 20 else None))
        for procedure_, number, took, extended in plan:
            reason = rng.choice(EXTENSION_REASONS[min(number, 2)]) if extended else None
            s = b.stage(procedure_, number, start_on, took, extended, reason)
            if s.responded_on > as_of:
                s.responded_on = None
            c.stages.append(s)
            if s.responded_on is None:
                break
            start_on = b.request_after(s.responded_on)
            if start_on > as_of:
                break
        if c.stages[-1].responded_on is not None:
            outcome = choose(OUTCOME_WEIGHTS_BY_PROCEDURE[c.procedure])
            if outcome == WITHDRAWN and len(c.stages) > 1:
                outcome = PARTLY_UPHELD
            b.set_outcome(c, outcome)
            if outcome != WITHDRAWN and rng.random() < (0.25 if c.final_stage > 1 else 0.01):
                referred = c.outcome_on + timedelta(days=rng.randint(20, 120))
                if referred <= as_of:
                    c.lgsco_referred_on = referred
                    c.lgsco_decision = choose(LGSCO_DECISION_WEIGHTS)
        made.append(c)
    b.complaints += made
    b.generic_learning(made, as_of, gap_share=0.15 if gaps else 0.0)
    return made
