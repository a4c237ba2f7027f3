"""What every part of the demo builds with: one seeded random generator, the draws made from it, and
the records it collects in memory (complaints and their stages, learning with its actions and their
history, compliments, forum meetings) for ``writer`` to write out at the end.

Everything is drawn from ``Builder.rng`` in a fixed order, so the same seed and dates give the same
database: change the order of the draws and the demo changes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate

import sqlite_utils

from .. import config, workdays
from ..rules import procedures, vocabulary
from ..rules.vocabulary import CANCELLED, COMPLETED, IN_PROGRESS, NOT_STARTED, VERIFIED
from .council import (
    COMPLAINTS_OFFICER,
    MANAGED_AREAS,
    SERVICE_AREAS,
    USERS,
    intranet_link,
    manager_email,
)
from .mixes import (
    COMPLIMENT_AREA_WEIGHTS,
    COMPLIMENT_CATEGORY_WEIGHTS,
    COMPLIMENT_SOURCE_WEIGHTS,
    CONCERN_WEIGHTS,
    EQUALITY_WEIGHTS,
    TYPE_WEIGHTS,
    VIA_WEIGHTS,
)
from .records import Action, Complaint, Compliment, LearningPoint, Stage
from .words import (
    ACTION_BANK,
    CANCEL_REASONS,
    COMPLIMENT_WHAT,
    COMPLIMENT_WHO,
    LEARNING_BANK,
    NO_LEARNING_REASONS,
    PROGRESS_NOTES,
)


def timestamp(day: date, rng: random.Random) -> str:
    """A timestamp in office hours on ``day``, as the app stores them (UTC, to the second)."""
    return f"{day.isoformat()}T{rng.randint(8, 16):02d}:{rng.choice((0, 10, 15, 20, 30, 40, 45, 50)):02d}:00+00:00"


def check_empty(db: sqlite_utils.Database) -> None:
    for table in ("service_areas", "users", "complaints", "compliments"):
        if db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise ValueError(f"The demo data goes into a new, empty database, but this one already has {table}.")


class Builder:
    """Collects the records in memory; ``writer.write`` then writes them with bulk inserts."""

    def __init__(self, db: sqlite_utils.Database, seed: int) -> None:
        self.db = db
        self.rng = random.Random(seed)
        # A second generator for the procedures' steps and findings (``steps``), drawn from after everything
        # else: the records drawn from ``rng`` (and every published figure) stay as they were before them.
        self.steps_rng = random.Random(f"{seed}-steps")
        self.timescales = config.timescales(db)
        self.code_applies_from = config.code_applies_from(db)
        self.complaints: list[Complaint] = []
        self.compliments: list[Compliment] = []
        self.learning_points: list[LearningPoint] = []
        self.meetings: list[tuple[date, str, list[tuple]]] = []
        self.area_ids = {name: i for i, name in enumerate(SERVICE_AREAS, start=1)}
        self.manager = {area: manager_email(areas[0]) for areas in MANAGED_AREAS for area in areas}
        self.users: list[dict] = []
        self.user_areas: list[dict] = []
        self.user_ids: dict[str, int] = {}
        self.code_ids = {
            (category, sub): id_
            for id_, category, sub in db.execute("SELECT id, category, subcategory FROM concern_codes")
        }
        self._choosers: dict[int, tuple[dict, list, list]] = {}
        for id_, (email, name, role, areas) in enumerate(USERS, start=1):
            self.user_ids[email] = id_
            self.users.append({"id": id_, "email": email, "name": name, "role": role})
            self.user_areas += [{"user_id": id_, "service_area_id": self.area_ids[a]} for a in areas]

    # -- draws -----------------------------------------------------------------------------------

    def choose(self, weights: dict, rng: random.Random | None = None):
        """One key of ``weights`` drawn in proportion to its weight (from ``rng``, by default ``self.rng``)."""
        # Cached by identity; the dict is kept in the cache so that its id cannot be reused.
        cached = self._choosers.get(id(weights))
        if cached is None or cached[0] is not weights:
            cached = (weights, list(weights), list(accumulate(weights.values())))
            self._choosers[id(weights)] = cached
        return (rng or self.rng).choices(cached[1], cum_weights=cached[2])[0]

    def tokens(self, counts: dict) -> list:
        """Every key repeated by its count, shuffled."""
        values = [key for key, n in counts.items() for _ in range(n)]
        self.rng.shuffle(values)
        return values

    def fit(self, bounds: list[tuple[int, int]], total: int) -> list[int]:
        """Whole numbers within ``bounds`` that add up to exactly ``total``."""
        low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
        if not low <= total <= high:
            raise ValueError(f"cannot make {len(bounds)} durations add up to {total} within {bounds}")
        values = [self.rng.randint(lo, hi) for lo, hi in bounds]
        difference = total - sum(values)
        while difference:
            step = 1 if difference > 0 else -1
            movable = [i for i, (lo, hi) in enumerate(bounds) if lo <= values[i] + step <= hi]
            values[self.rng.choice(movable)] += step
            difference -= step
        return values

    def working_day_in(self, start: date, end: date) -> date:
        """A random working day from ``start`` to ``end``."""
        for _ in range(50):
            day = start + timedelta(days=self.rng.randint(0, (end - start).days))
            if workdays.is_working_day(day):
                return day
        return workdays.add_working_days(start, 1)

    def timestamp(self, day: date) -> str:
        """A timestamp in office hours on ``day``."""
        return timestamp(day, self.rng)

    # -- complaints ------------------------------------------------------------------------------

    def stage(
        self,
        procedure: str,
        number: int,
        start: date,
        took: int | None = None,
        extended_to: int | None = None,
        reason: str | None = None,
    ) -> Stage:
        """A stage whose clock starts on ``start``, answered ``took`` working days later (or open), with the
        due dates a stage opening that day is given (``procedures.opening_dates``: a review panel's response
        is due after the panel's meeting and report)."""
        timescale = self.timescales[(procedure, number)]
        dates = {k: date.fromisoformat(v) if v else None for k, v in procedures.opening_dates(timescale, start).items()}
        return Stage(
            procedure,
            number,
            start,
            dates["due_on"],
            workdays.add_working_days(start, extended_to) if extended_to else None,
            reason if extended_to else None,
            workdays.add_working_days(start, took) if took is not None else None,
            acknowledgement_due_on=dates["acknowledgement_due_on"],
            panel_meeting_due_on=dates["panel_meeting_due_on"],
        )

    def request_after(self, day: date) -> date:
        """The day a complainant asks for the next stage, some working days after a response."""
        return workdays.add_working_days(day, self.rng.randint(3, 12))

    def set_outcome(self, complaint: Complaint, outcome: str | None) -> None:
        complaint.outcome = outcome
        complaint.outcome_on = complaint.closed_on if outcome else None

    def random_concerns(self, sizes: tuple[int, ...], rng: random.Random | None = None) -> list[tuple[str, str]]:
        """Concern codes drawn plausibly, as many as one of ``sizes``."""
        rng = rng or self.rng
        return [self.choose(CONCERN_WEIGHTS, rng) for _ in range(rng.choice(sizes))]

    def random_details(self, complaint: Complaint, rng: random.Random | None = None) -> None:
        """The details no published table fixes: how received, who complained, equality, concerns (drawn
        from ``rng``, by default ``self.rng``)."""
        rng = rng or self.rng

        def choose(weights: dict):
            return self.choose(weights, rng)

        complaint.received_via = choose(VIA_WEIGHTS)
        complaint.complainant_type = choose(TYPE_WEIGHTS[complaint.procedure])
        if complaint.procedure == "statutory" and rng.random() < 0.1:
            complaint.complainant_type = "child or young person"
            complaint.advocate = int(rng.random() < 0.6)
        public = complaint.complainant_type == "member of the public"
        for name in ("gender", "age_band", "ethnicity", "disability"):
            value = "not recorded" if public else choose(EQUALITY_WEIGHTS[name])
            setattr(complaint, name, None if value == "not recorded" else value)
        complaint.concerns = self.random_concerns((1, 2, 2, 3), rng)

    # -- learning --------------------------------------------------------------------------------

    def action(
        self, lp: LearningPoint, description: str, priority: str, status: str, due_on: date, as_of: date
    ) -> Action:
        """An action with its history, consistent with its status, nothing dated after ``as_of``."""
        rng, owner, at = self.rng, self.manager[lp.area], self.timestamp
        created = lp.created_on
        action = Action(description, owner, lp.area, due_on, priority, status, created)
        action.updates.append((at(created), COMPLAINTS_OFFICER, "created", None, NOT_STARTED, "Action agreed."))
        if status == NOT_STARTED:
            return action
        started = min(as_of, workdays.add_working_days(created, rng.randint(2, 10)))
        if status == CANCELLED:
            action.cancel_reason = rng.choice(CANCEL_REASONS)
            action.updates.append((at(started), owner, "status", NOT_STARTED, CANCELLED, action.cancel_reason))
            return action
        action.updates.append((at(started), owner, "status", NOT_STARTED, IN_PROGRESS, None))
        noted = min(as_of, workdays.add_working_days(started, rng.randint(3, 15)))
        action.updates.append((at(noted), owner, "note", None, None, rng.choice(PROGRESS_NOTES)))
        if status == IN_PROGRESS:
            return action
        completed = min(as_of, max(noted, workdays.add_working_days(due_on, -rng.randint(0, 10))))
        action.completed_on = completed
        action.updates.append((at(completed), owner, "status", IN_PROGRESS, COMPLETED, None))
        if status == VERIFIED:
            verified = min(as_of, workdays.add_working_days(completed, rng.randint(2, 10)))
            action.verified_on = verified
            action.updates.append((at(verified), COMPLAINTS_OFFICER, "verified", COMPLETED, VERIFIED, "Evidence seen."))
        return action

    def add_evidence(self, action: Action, title: str, path: str) -> None:
        """Evidence on the intranet at ``path``, added by the action's owner on the day it was completed."""
        action.evidence.append((title, intranet_link(path), action.owner, self.timestamp(action.completed_on)))

    def learning_point(
        self, area: str, theme: str, description: str, complaints: list[Complaint], as_of: date
    ) -> LearningPoint:
        latest = max(c.outcome_on for c in complaints)
        created = min(as_of, latest + timedelta(days=self.rng.randint(3, 20)))
        lp = LearningPoint(area, theme, description, created, self.manager[area], list(complaints))
        for c in complaints:
            c.linked = True
        self.learning_points.append(lp)
        return lp

    def no_learning(self, complaint: Complaint, as_of: date, reason: str | None = None) -> None:
        day = min(as_of, complaint.outcome_on + timedelta(days=self.rng.randint(2, 15)))
        complaint.no_learning = (reason or self.rng.choice(NO_LEARNING_REASONS), self.manager[complaint.area], day)

    def generic_learning(
        self, complaints: list[Complaint], as_of: date, *, share: float = 0.4, gap_share: float = 0.0
    ) -> None:
        """Learning for about ``share`` of the upheld or partly upheld complaints, a "no learning" decision
        for most others and (with ``gap_share``) a few gaps; actions with statuses that fit their age."""
        rng = self.rng
        for c in complaints:
            if not vocabulary.is_upheld(c.outcome) or c.linked or c.no_learning:
                continue
            draw = rng.random()
            if draw < gap_share:
                continue
            if draw >= share + gap_share:
                self.no_learning(c, as_of)
                continue
            theme = c.theme
            lp = self.learning_point(c.area, theme, rng.choice(LEARNING_BANK[theme]), [c], as_of)
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                due = workdays.add_working_days(lp.created_on, rng.randint(20, 60))
                if due < as_of - timedelta(days=365):
                    weights = {VERIFIED: 92, CANCELLED: 8}
                elif due < as_of - timedelta(days=120):
                    weights = {VERIFIED: 80, CANCELLED: 5, COMPLETED: 5, IN_PROGRESS: 10}
                elif due < as_of:
                    weights = {VERIFIED: 25, COMPLETED: 25, IN_PROGRESS: 35, NOT_STARTED: 15}
                else:
                    weights = {NOT_STARTED: 45, IN_PROGRESS: 45, COMPLETED: 10}
                status = self.choose(weights)
                priority = rng.choice(("high", "medium", "medium", "low"))
                lp.actions.append(self.action(lp, rng.choice(ACTION_BANK[theme]), priority, status, due, as_of))

    # -- compliments -----------------------------------------------------------------------------

    def compliment(self, day: date, area: str, source: str, categories: list[str]) -> None:
        summary = f"{COMPLIMENT_WHO[source]} {COMPLIMENT_WHAT[categories[0]]}."
        self.compliments.append(Compliment(day, area, source, categories, summary))

    def random_compliments(self, start: date, end: date, n: int) -> None:
        rng, choose = self.rng, self.choose
        span = (end - start).days
        for _ in range(n):
            first = choose(COMPLIMENT_CATEGORY_WEIGHTS)
            chosen = [first]
            if rng.random() < 0.35:
                second = choose(COMPLIMENT_CATEGORY_WEIGHTS)
                if second != first:
                    chosen.append(second)
            day = start + timedelta(days=rng.randint(0, span))
            self.compliment(day, choose(COMPLIMENT_AREA_WEIGHTS), choose(COMPLIMENT_SOURCE_WEIGHTS), chosen)
