"""The published years, drawn record by record: 2021-22 so that its records give back the annual
report's tables, and 2018-19 to 2020-21 so that they give back the comparison figures it quotes (the
rest drawn plausibly); then 2021-22's learning, the report's, linked to the year's upheld complaints.

Where the report does not add up, the choices made are those of the package's docstring.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import workdays
from ..rules import periods, vocabulary
from ..rules.vocabulary import IN_PROGRESS, PARTLY_UPHELD, WITHDRAWN
from .builder import Builder
from .mixes import (
    CORPORATE_OUTCOME_WEIGHTS,
    EQUALITY_WEIGHTS,
    INFORMAL_OUTCOME_WEIGHTS,
    OTHER_AREA_WEIGHTS,
    OUTCOME_WEIGHTS,
    STATUTORY_AREA_WEIGHTS,
    TYPE_WEIGHTS,
    VIA_WEIGHTS,
)
from .published import EVIDENCE_2122, LEARNING_2122, STATUTORY_BY_AREA_2122, YearSpec
from .records import Action, Complaint
from .words import EXTENSION_REASONS, NO_LEARNING_MASH

# --------------------------------------------------------------------------------------------------
# Exact counts
# --------------------------------------------------------------------------------------------------


def spread(total: int, weights: dict) -> dict:
    """``total`` split in proportion to ``weights`` (largest remainder, ties in the given order)."""
    weight_sum = sum(weights.values())
    exact = {key: total * w / weight_sum for key, w in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[:short]:
        counts[key] += 1
    return counts


def deal(tokens: list, sizes: list[int]) -> list[list]:
    """Deal ``tokens`` (equal ones next to each other) round by round into hands of the given sizes,
    the biggest hands first, so that a hand gets the same token twice only when a run of equal tokens is
    longer than a round."""
    assert sum(sizes) == len(tokens)
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    hands: list[list] = [[] for _ in sizes]
    stream = iter(tokens)
    for round_number in range(max(sizes, default=0)):
        for i in order:
            if sizes[i] > round_number:
                hands[i].append(next(stream))
    return hands


def hand_sizes(n: int, total: int) -> list[int]:
    """``n`` sizes of one to three adding up to ``total``: mostly twos, some ones and threes."""
    extra = total - 2 * n
    threes, ones = max(0, extra), max(0, -extra)
    pairs = (n - threes - ones) // 4  # a one and a three keep the total of two twos
    return [3] * (threes + pairs) + [2] * (n - threes - ones - 2 * pairs) + [1] * (ones + pairs)


# --------------------------------------------------------------------------------------------------
# A year that adds up to its published figures
# --------------------------------------------------------------------------------------------------


def exact_year(b: Builder, spec: YearSpec) -> list[Complaint]:
    """A past year whose records add up exactly to ``spec``."""
    rng, add = b.rng, workdays.add_working_days
    quarters = [periods.quarter_bounds(spec.label, q) for q in (1, 2, 3, 4)]
    year_start, year_end = periods.financial_year_bounds(spec.label)

    # Statutory outcomes: the open ones stay at stage 1; stage 2 and 3 complaints are not withdrawn.
    outcomes = spec.outcomes or {
        **spread(spec.statutory - spec.open_stage1, OUTCOME_WEIGHTS),
        "open": spec.open_stage1,
    }
    pool = b.tokens({k: n for k, n in outcomes.items() if k != "open"})
    escalated = spec.final_stages.get(2, 0) + spec.final_stages.get(3, 0)
    higher_outcomes = []
    for token in list(pool):
        if len(higher_outcomes) == escalated:
            break
        if token != WITHDRAWN:
            higher_outcomes.append(token)
            pool.remove(token)

    statutory: list[Complaint] = []

    # Final stage 1, answered: durations that meet the averages (by quarter when given).
    answered = spec.final_stages[1] - spec.open_stage1
    if spec.quarter_counts:
        groups = [(q, n, avg) for q, n, avg in zip(quarters, spec.quarter_counts, spec.quarter_averages)]
    else:
        groups = [((year_start, year_end), answered, spec.averages[1])]
    assert sum(n for _, n, _ in groups) == answered
    over = spread(spec.over[1] - spec.open_stage1, {i: n * max(avg - 3, 1) for i, (_, n, avg) in enumerate(groups)})
    extended = spread(spec.stage1_extended_within, {i: n for i, (_, n, _) in enumerate(groups)})
    for i, ((q_start, q_end), n, average) in enumerate(groups):
        kinds = ["over"] * over[i] + ["extended"] * extended[i]
        kinds += ["within"] * (n - len(kinds))
        rng.shuffle(kinds)
        bounds = {"within": (1, 10), "extended": (11, 15), "over": (11, 20)}
        took = b.fit([bounds[k] for k in kinds], round(n * average))
        for kind, days in zip(kinds, took):
            c = Complaint(b.working_day_in(q_start, q_end), "statutory")
            extended_to = 15 if kind == "extended" else None
            reason = rng.choice(EXTENSION_REASONS[1])
            c.stages.append(b.stage("statutory", 1, c.received_on, days, extended_to, reason))
            b.set_outcome(c, pool.pop())
            statutory.append(c)

    # Some statutory complaints were first handled informally: they keep that stage.
    for c in rng.sample([c for c in statutory if c.stages[0].extended_due_on is None], spec.escalated_from_informal):
        took = workdays.working_days_between(c.stages[0].clock_started_on, c.stages[0].responded_on)
        informal = b.stage("informal", 1, c.received_on, rng.randint(2, 5))
        restart = add(informal.responded_on, rng.randint(1, 3))
        c.stages = [informal, b.stage("statutory", 1, restart, took)]
        b.set_outcome(c, c.outcome)

    # Still open at stage 1, received late in the year and long past due.
    for _ in range(spec.open_stage1):
        c = Complaint(b.working_day_in(year_end - timedelta(days=50), year_end - timedelta(days=20)), "statutory")
        c.stages.append(b.stage("statutory", 1, c.received_on))
        statutory.append(c)

    # Final stage 2: most extended, the over ones past even their extension.
    n2 = spec.final_stages.get(2, 0)
    if n2:
        kinds = ["over"] * spec.over[2] + ["extended"] * spec.stage2_extended
        kinds += ["within"] * (n2 - len(kinds))
        rng.shuffle(kinds)
        bounds = {"within": (12, 25), "extended": (20, 62), "over": (66, 72)}
        took = b.fit([bounds[k] for k in kinds], round(n2 * spec.averages[2]))
        for kind, days in zip(kinds, took):
            c = Complaint(b.working_day_in(year_start, quarters[2][1]), "statutory")
            first = b.stage("statutory", 1, c.received_on, rng.randint(4, 10))
            if kind == "over":
                extended_to, reason = 65, "Exceptional circumstances with the independent investigating officer."
            elif kind == "extended":
                extended_to, reason = max(30, min(65, days + rng.randint(0, 10))), rng.choice(EXTENSION_REASONS[2])
            else:
                extended_to, reason = None, None
            second = b.stage("statutory", 2, b.request_after(first.responded_on), days, extended_to, reason)
            c.stages += [first, second]
            b.set_outcome(c, higher_outcomes.pop())
            statutory.append(c)

    # Final stage 3: the review panel.
    n3 = spec.final_stages.get(3, 0)
    if n3:
        took = b.fit([(20, 50)] * (n3 - spec.over[3]) + [(51, 60)] * spec.over[3], round(n3 * spec.averages[3]))
        for days in took:
            c = Complaint(b.working_day_in(year_start, quarters[0][1]), "statutory")
            first = b.stage("statutory", 1, c.received_on, rng.randint(5, 10))
            second = b.stage(
                "statutory", 2, b.request_after(first.responded_on), rng.randint(30, 50), 55,
                rng.choice(EXTENSION_REASONS[2]),
            )
            third = b.stage("statutory", 3, b.request_after(second.responded_on), days)
            c.stages += [first, second, third]
            b.set_outcome(c, higher_outcomes.pop())
            statutory.append(c)

    # Service areas, then every area with learning gets upheld complaints to learn from.
    areas = b.tokens(spec.areas or spread(spec.statutory, STATUTORY_AREA_WEIGHTS))
    for c, area in zip(statutory, areas):
        c.area = area
    if spec.label == "2021-22":
        needed: dict[str, int] = {}
        for area, *_ in LEARNING_2122:
            if area in STATUTORY_BY_AREA_2122:
                needed[area] = needed.get(area, 0) + 1
        _ensure_upheld(b, statutory, needed)

    corporate = _corporate(b, spec, year_start, year_end)
    informal = _informal(b, spec, year_start, year_end)
    year = statutory + corporate + informal
    _people(b, spec, year)
    _concerns(b, spec, statutory, corporate + informal)
    _ombudsman(b, spec, statutory)
    _year_compliments(b, spec, year_start, year_end)
    b.complaints += year
    return year


def _ensure_upheld(b: Builder, complaints: list[Complaint], needed: dict[str, int]) -> None:
    """Swap areas (keeping each area's count) until each area in ``needed`` has that many
    upheld or partly upheld complaints."""

    def upheld(c: Complaint) -> bool:
        return vocabulary.is_upheld(c.outcome)

    def count(area: str) -> int:
        return sum(1 for c in complaints if c.area == area and upheld(c))

    for area, n in needed.items():
        while count(area) < n:
            donors = [
                c for c in complaints if upheld(c) and c.area != area and count(c.area) > needed.get(c.area, 0)
            ]
            takers = [c for c in complaints if c.area == area and not upheld(c)]
            answered = [c for c in takers if c.outcome] or takers
            donor, taker = b.rng.choice(donors), b.rng.choice(answered)
            donor.area, taker.area = taker.area, donor.area


def _corporate(b: Builder, spec: YearSpec, year_start: date, year_end: date) -> list[Complaint]:
    rng = b.rng
    outcomes = b.tokens(spread(spec.corporate, CORPORATE_OUTCOME_WEIGHTS))
    made = []
    for i in range(spec.corporate):
        c = Complaint(b.working_day_in(year_start, year_end - timedelta(days=30)), "corporate")
        c.area = b.choose(OTHER_AREA_WEIGHTS)
        took = rng.randint(3, 13)
        c.stages.append(b.stage("corporate", 1, c.received_on, took))
        outcome = outcomes[i]
        if i < spec.corporate_stage2:
            if outcome == WITHDRAWN:
                outcome = PARTLY_UPHELD
            took2 = rng.randint(12, 30)
            extended_to = min(40, took2 + rng.randint(0, 5)) if took2 > 20 else None
            reason = rng.choice(EXTENSION_REASONS[2])
            c.stages.append(
                b.stage("corporate", 2, b.request_after(c.stages[0].responded_on), took2, extended_to, reason)
            )
        b.set_outcome(c, outcome)
        made.append(c)
    if spec.corporate_remedy_pence:
        paid = made[0]
        if not vocabulary.is_upheld(paid.outcome):
            b.set_outcome(paid, PARTLY_UPHELD)
        paid.remedy_pence = spec.corporate_remedy_pence
    if spec.label == "2021-22":
        # The Placements complaint, from a member of the public who saw a staff member with a child.
        placement = made[-1]
        placement.area, placement.complainant_type = "Placements", "member of the public"
        b.set_outcome(placement, PARTLY_UPHELD)
    return made


def _informal(b: Builder, spec: YearSpec, year_start: date, year_end: date) -> list[Complaint]:
    outcomes = b.tokens(spread(spec.informal, INFORMAL_OUTCOME_WEIGHTS))
    made = []
    for outcome in outcomes:
        c = Complaint(b.working_day_in(year_start, year_end - timedelta(days=20)), "informal")
        c.area = b.choose(OTHER_AREA_WEIGHTS)
        c.stages.append(b.stage("informal", 1, c.received_on, b.rng.randint(2, 12)))
        b.set_outcome(c, outcome)
        made.append(c)
    return made


def _people(b: Builder, spec: YearSpec, year: list[Complaint]) -> None:
    """How each complaint came, who made it, whether an advocate helped, and the equality fields."""
    rng = b.rng
    via = b.tokens(spec.via or spread(len(year), VIA_WEIGHTS))
    for c, way in zip(year, via):
        c.received_via = way
    # Who complained: children and young people (statutory complaints), the rest by procedure.
    statutory = [c for c in year if c.procedure == "statutory"]
    children = rng.sample(statutory, spec.children)
    for c in year:
        if c.complainant_type is None:
            c.complainant_type = b.choose(TYPE_WEIGHTS[c.procedure])
    for c in children:
        c.complainant_type = "child or young person"
    for c in children[: spec.advocate - spec.advocate_adults]:
        c.advocate = 1
    adults = [c for c in statutory if c.complainant_type == "parent or carer"]
    for c in adults[: spec.advocate_adults]:
        c.advocate = 1
    # Equality: not recorded first for members of the public, then corporate and informal complaints.
    def rank(c: Complaint) -> int:
        if c.complainant_type == "member of the public":
            return 0
        return {"corporate": 1, "informal": 2}.get(c.procedure, 3)

    ordered = sorted(year, key=lambda c: (rank(c), rng.random()))
    for name in ("gender", "age_band", "ethnicity", "disability"):
        counts = (spec.equality or {}).get(name) or spread(len(year), EQUALITY_WEIGHTS[name])
        unknown = counts.get("not recorded", 0)
        values = ["not recorded"] * unknown + b.tokens({k: n for k, n in counts.items() if k != "not recorded"})
        for c, value in zip(ordered, values):
            setattr(c, name, None if value == "not recorded" else value)
    # A child or young person is under 25: swap ages with another complaint where needed.
    young = ("under 16", "16-24")
    for c in children:
        if c.age_band not in young:
            other = next(o for o in year if o.age_band == "under 16" and o.complainant_type != "child or young person")
            c.age_band, other.age_band = other.age_band, c.age_band


def _concerns(b: Builder, spec: YearSpec, statutory: list[Complaint], others: list[Complaint]) -> None:
    rng = b.rng
    if spec.concerns:
        tokens = [code for code, n in spec.concerns.items() for _ in range(n)]
        hands = deal(tokens, hand_sizes(len(statutory), len(tokens)))
        rng.shuffle(hands)
        for c, hand in zip(statutory, hands):
            c.concerns = hand
    else:
        for c in statutory:
            c.concerns = b.random_concerns((1, 2, 2, 3))
    for c in others:
        c.concerns = b.random_concerns((1, 1, 2))


def _ombudsman(b: Builder, spec: YearSpec, statutory: list[Complaint]) -> None:
    rng = b.rng
    decided = [c for c in statutory if c.outcome and c.outcome != WITHDRAWN]
    higher = [c for c in decided if c.final_stage > 1]
    higher.sort(key=lambda c: -len(c.stages))  # the review panel's complaints first
    upheld = [c for c in higher if vocabulary.is_upheld(c.outcome)][: spec.lgsco_upheld]
    rest = [c for c in higher if c not in upheld][:5]
    rest += rng.sample([c for c in decided if c not in higher], spec.lgsco_referred - len(upheld) - len(rest))
    for c in upheld + rest:
        c.lgsco_referred_on = c.outcome_on + timedelta(days=rng.randint(20, 120))
    for c in upheld:
        c.lgsco_decision = "upheld"
    for i, c in enumerate(rest):
        c.lgsco_decision = ("closed after initial enquiries", "not for the Ombudsman")[i % 2]
    if spec.statutory_remedy_pence and upheld:
        upheld[-1].remedy_pence = spec.statutory_remedy_pence


def _year_compliments(b: Builder, spec: YearSpec, year_start: date, year_end: date) -> None:
    if not spec.compliment_sources:
        b.random_compliments(year_start, year_end, spec.compliments)
        return
    rng = b.rng
    n = spec.compliments
    categories = [k for k, m in spec.compliment_categories.items() for _ in range(m)]
    twos = len(categories) - n
    hands = deal(categories, [2] * twos + [1] * (n - twos))
    assert all(len(set(hand)) == len(hand) for hand in hands), "a compliment got a category twice"
    rng.shuffle(hands)
    sources = b.tokens(spec.compliment_sources)
    areas = b.tokens(spec.compliment_areas)
    days = sorted(year_start + timedelta(days=rng.randint(0, (year_end - year_start).days)) for _ in range(n))
    for day, source, area, hand in zip(days, sources, areas, hands):
        b.compliment(day, area, source, hand)


# --------------------------------------------------------------------------------------------------
# The 2021-22 report's learning
# --------------------------------------------------------------------------------------------------


def learning_2122(b: Builder, year: list[Complaint], as_of: date) -> None:
    """The report's learning, linked to the upheld and partly upheld complaints of each area; every
    other upheld or partly upheld complaint of the year gets a "no learning identified" decision."""
    rng = b.rng
    upheld = [c for c in year if vocabulary.is_upheld(c.outcome)]
    by_area: dict[str, list[Complaint]] = {}
    for c in upheld:
        by_area.setdefault(c.area, []).append(c)
    specs_by_area: dict[str, list] = {}
    for spec in LEARNING_2122:
        specs_by_area.setdefault(spec[0], []).append(spec)
    for area, specs in specs_by_area.items():
        candidates = [c for c in by_area.get(area, []) if c.procedure != "informal"]
        links: list[list[Complaint]] = [[] for _ in specs]
        for i, c in enumerate(candidates):
            if i < len(specs):
                links[i].append(c)
            elif rng.random() < 0.7:
                links[rng.randrange(len(specs))].append(c)
        for (_, theme, description, actions), linked in zip(specs, links):
            lp = b.learning_point(area, theme, description, linked, as_of)
            for j, (text, priority, status) in enumerate(actions):
                due = workdays.add_working_days(lp.created_on, 30 + 10 * j + rng.randint(0, 15))
                action = b.action(lp, text, priority, status, due, as_of)
                if status == IN_PROGRESS:
                    _move_due_date(b, action, as_of)
                for prefix, (title, path) in EVIDENCE_2122.items():
                    if text.startswith(prefix) and action.completed_on:
                        b.add_evidence(action, title, path)
                lp.actions.append(action)
    for c in upheld:
        if not c.linked:
            b.no_learning(c, as_of, NO_LEARNING_MASH if c.area == "MASH" else None)


def _move_due_date(b: Builder, action: Action, as_of: date) -> None:
    """A long-running action whose due date has been moved, with the reason kept in its history."""
    new_due = workdays.add_working_days(as_of, 40)
    moved_on = workdays.add_working_days(action.due_on, -2)
    action.updates.append(
        (b.timestamp(moved_on), action.owner, "due date", action.due_on.isoformat(), new_due.isoformat(),
         "Depends on the council's training budget for next year.")
    )  # fmt: skip
    action.due_on = new_due
