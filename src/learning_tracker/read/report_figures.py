"""Read-side SQL: the figures of the annual report and the Overview page's key facts.

Everything here aggregates in SQL (``GROUP BY``) and returns plain, JSON-able Python values, so that
it stays fast on a large register and a second database backend only has to answer the same SQL.

A complaint belongs to the financial year (1 April to 31 March) in which it was **received**; every
table of a year is about the complaints received in it. Its **final stage** is the highest stage it
reached under its own (current) procedure: an informal complaint that was escalated keeps its informal
stage, but that stage does not count as a final stage of the formal procedure.

``as_of`` only decides what a stage still waiting for its response is: **over** timescale once its
(extended) due date has passed on ``as_of``, **pending** otherwise. Statuses of learning points and
actions are their current ones.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .. import config
from ..rules import periods, procedures, vocabulary
from ..rules.vocabulary import NOT_RECORDED
from . import reconciliation

EQUALITY_FIELDS = ("gender", "age_band", "ethnicity", "disability")


# ---------------------------------------------------------------------------------------------
# Financial years
# ---------------------------------------------------------------------------------------------


def financial_years(db: sqlite_utils.Database) -> list[str]:
    """The financial years that hold complaints, newest first."""
    low, high = db.execute("SELECT MIN(received_on), MAX(received_on) FROM complaints").fetchone()
    if low is None:
        return []
    first = periods.financial_year_start(date.fromisoformat(low[:10])).year
    last = periods.financial_year_start(date.fromisoformat(high[:10])).year
    years = []
    for start_year in range(last, first - 1, -1):
        label = periods.year_starting(start_year)
        if _year_has_complaints(db, label):
            years.append(label)
    return years


def _year_has_complaints(db: sqlite_utils.Database, year: str) -> bool:
    start, end = periods.period_bounds_iso(year)
    return db.execute(
        "SELECT EXISTS (SELECT 1 FROM complaints WHERE received_on BETWEEN ? AND ?)", [start, end]
    ).fetchone()[0] == 1


def year_holds_records(db: sqlite_utils.Database, year: str) -> bool:
    start, end = periods.period_bounds_iso(year)
    return db.execute(
        """SELECT EXISTS (SELECT 1 FROM complaints WHERE received_on BETWEEN :s AND :e)
               OR EXISTS (SELECT 1 FROM compliments WHERE received_on BETWEEN :s AND :e)""",
        {"s": start, "e": end},
    ).fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _ordered(counts: dict[str, int], order: list[str], *, zeros: bool) -> dict[str, int]:
    """``counts`` in the configured ``order`` (matched without regard to case), unknown values after."""
    by_key = {}
    for value, count in counts.items():
        label = value if value is not None else NOT_RECORDED
        by_key.setdefault(label.strip().lower(), [label, 0])[1] += count
    result = {}
    for value in order:
        label, count = by_key.pop(value.strip().lower(), [value, 0])
        if count or zeros:
            result[value] = count
    for label, count in sorted(by_key.values()):
        if count or zeros:
            result[label] = count
    return result


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    """Largest count first, then by name."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0].lower())))


def _average(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _pounds(pence: int | None) -> float:
    return round((pence or 0) / 100, 2)


def _stage_numbers(db: sqlite_utils.Database, procedure: str) -> list[int]:
    stages = [stage for (proc, stage) in config.timescales(db) if proc == procedure]
    return sorted(stages) or [1]


# ---------------------------------------------------------------------------------------------
# The annual report's figures
# ---------------------------------------------------------------------------------------------


def complaints_by_procedure(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """``{total, statutory, corporate, informal}``: complaints received in the year by their procedure."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        "SELECT procedure, COUNT(*) FROM complaints WHERE received_on BETWEEN ? AND ? GROUP BY procedure",
        [start, end],
    ).fetchall()
    by_procedure = _ordered(dict(rows), config.vocabulary(db, "procedure"), zeros=True)
    return {"total": sum(by_procedure.values()), **by_procedure}


def final_stages(db: sqlite_utils.Database, year: str, as_of: date, procedure: str) -> dict[str, dict]:
    """Complaints of one procedure received in the year, by their final stage.

    For each stage (``"1"``, ``"2"``, ...): ``complaints``, ``within_timescale`` (answered on or before the
    extended, else the original, due date), ``over_timescale`` (answered later, or unanswered with the
    due date passed on ``as_of``), ``pending`` (unanswered, not yet due) and ``average_working_days``
    (clock start to response, over the answered ones; ``None`` when none was answered).

    A declined complaint counts among its final stage's ``complaints`` (so they add up to the year's) but in
    none of the timescale figures (``procedures.counts_for_timescales_sql``): no response was due.
    """
    start, end = periods.period_bounds_iso(year)
    timed = procedures.counts_for_timescales_sql("c")
    rows = db.execute(
        f"""
        SELECT f.stage,
               COUNT(*),
               SUM({timed} AND f.responded_on IS NOT NULL
                   AND f.responded_on <= COALESCE(f.extended_due_on, f.due_on)),
               SUM({timed} AND CASE WHEN f.responded_on IS NOT NULL
                                    THEN f.responded_on > COALESCE(f.extended_due_on, f.due_on)
                                    ELSE COALESCE(f.extended_due_on, f.due_on) < :as_of END),
               SUM({timed} AND f.responded_on IS NULL AND COALESCE(f.extended_due_on, f.due_on) >= :as_of),
               AVG(CASE WHEN {timed} THEN working_days(f.clock_started_on, f.responded_on) END)
        FROM complaints c
        JOIN complaint_stages f ON f.complaint_id = c.id AND f.procedure = c.procedure
        WHERE c.received_on BETWEEN :start AND :end AND c.procedure = :procedure
          AND f.stage = (SELECT MAX(s.stage) FROM complaint_stages s
                         WHERE s.complaint_id = c.id AND s.procedure = c.procedure)
        GROUP BY f.stage
        """,
        {"start": start, "end": end, "procedure": procedure, "as_of": as_of.isoformat()},
    ).fetchall()
    found = {stage: row for stage, *row in rows}
    result = {}
    for stage in sorted(set(_stage_numbers(db, procedure)) | set(found)):
        count, within, over, pending, average = found.get(stage, (0, 0, 0, 0, None))
        result[str(stage)] = {
            "complaints": count,
            "within_timescale": within or 0,
            "over_timescale": over or 0,
            "pending": pending or 0,
            "average_working_days": _average(average),
        }
    return result


def stage1_average_working_days_by_quarter(db: sqlite_utils.Database, year: str) -> dict[str, float | None]:
    """Average working days of answered statutory complaints whose final stage is 1, by quarter of receipt
    (declined complaints left out: ``procedures.counts_for_timescales_sql``)."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        f"""
        SELECT {periods.quarter_sql("c.received_on")} AS quarter,
               AVG(working_days(f.clock_started_on, f.responded_on))
        FROM complaints c
        JOIN complaint_stages f ON f.complaint_id = c.id AND f.procedure = c.procedure AND f.stage = 1
        WHERE c.received_on BETWEEN :start AND :end AND c.procedure = 'statutory'
          AND f.responded_on IS NOT NULL AND {procedures.counts_for_timescales_sql("c")}
          AND NOT EXISTS (SELECT 1 FROM complaint_stages s
                          WHERE s.complaint_id = c.id AND s.procedure = c.procedure AND s.stage > 1)
        GROUP BY quarter
        """,
        {"start": start, "end": end},
    ).fetchall()
    found = dict(rows)
    return {quarter: _average(found.get(quarter)) for quarter in periods.QUARTERS}


def statutory_outcomes(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """Statutory complaints received in the year by outcome; ``"open"`` is no outcome yet; ``"declined"``
    (``procedures.DECLINED``, not an outcome of the vocabulary) comes before it, for a year that has any."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        f"""SELECT COALESCE(outcome, '{vocabulary.NO_OUTCOME_YET}'), COUNT(*) FROM complaints
           WHERE received_on BETWEEN ? AND ? AND procedure = 'statutory' GROUP BY 1""",
        [start, end],
    ).fetchall()
    order = config.vocabulary(db, "outcome") + [procedures.DECLINED, vocabulary.NO_OUTCOME_YET]
    counts = _ordered(dict(rows), order, zeros=True)
    if not counts.get(procedures.DECLINED):
        del counts[procedures.DECLINED]
    return counts


def statutory_by_service_area(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """Statutory complaints received in the year by service area: every active area (zeros included)
    and any inactive one that has complaints, largest first, then by name."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """
        SELECT sa.name, COUNT(c.id) AS n, sa.active
        FROM service_areas sa
        LEFT JOIN complaints c ON c.service_area_id = sa.id AND c.procedure = 'statutory'
                              AND c.received_on BETWEEN ? AND ?
        GROUP BY sa.id
        """,
        [start, end],
    ).fetchall()
    return _by_count({name: n for name, n, active in rows if active or n})


def received_via(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """How the year's complaints (all procedures) were received; only ways used, in vocabulary order.
    Complaints with no recorded way are left out, as in the report ("not knowns excluded")."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """SELECT received_via, COUNT(*) FROM complaints
           WHERE received_on BETWEEN ? AND ? AND received_via IS NOT NULL AND TRIM(received_via) != ''
           GROUP BY received_via""",
        [start, end],
    ).fetchall()
    return _ordered(dict(rows), config.vocabulary(db, "received_via"), zeros=False)


def complainants(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """``{children_and_young_people, with_advocate}`` over the year's complaints (all procedures)."""
    start, end = periods.period_bounds_iso(year)
    cyp, advocate = db.execute(
        """SELECT COALESCE(SUM(LOWER(complainant_type) = 'child or young person'), 0),
                  COALESCE(SUM(advocate = 1), 0)
           FROM complaints WHERE received_on BETWEEN ? AND ?""",
        [start, end],
    ).fetchone()
    return {"children_and_young_people": cyp, "with_advocate": advocate}


def concerns_by_category(db: sqlite_utils.Database, year: str) -> dict[str, int]:
    """Concerns raised in the year's statutory complaints, counted per concern (a complaint raising two
    counts twice), by main category: every configured category in order, zeros included."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """
        SELECT cc.category, COUNT(*)
        FROM complaints c
        JOIN concerns k ON k.complaint_id = c.id
        JOIN concern_codes cc ON cc.id = k.concern_code_id
        WHERE c.received_on BETWEEN ? AND ? AND c.procedure = 'statutory'
        GROUP BY cc.category
        """,
        [start, end],
    ).fetchall()
    return _ordered(dict(rows), config.concern_categories(db), zeros=True)


def compliments_received(db: sqlite_utils.Database, year: str) -> int:
    """How many compliments were received in the year."""
    start, end = periods.period_bounds_iso(year)
    return db.execute("SELECT COUNT(*) FROM compliments WHERE received_on BETWEEN ? AND ?", [start, end]).fetchone()[0]


def compliments(db: sqlite_utils.Database, year: str) -> dict:
    """``{total, by_category, by_source, by_service_area}`` for compliments received in the year.

    A compliment may fall under several categories, so ``by_category`` may add up to more than the total.
    Categories and sources list every configured value; service areas every active area, largest first.
    """
    start, end = periods.period_bounds_iso(year)
    params = [start, end]
    total = compliments_received(db, year)
    by_category = db.execute(
        """SELECT cc.category, COUNT(*) FROM compliments m
           JOIN compliment_categories cc ON cc.compliment_id = m.id
           WHERE m.received_on BETWEEN ? AND ? GROUP BY cc.category""",
        params,
    ).fetchall()
    by_source = db.execute(
        "SELECT source, COUNT(*) FROM compliments WHERE received_on BETWEEN ? AND ? GROUP BY source", params
    ).fetchall()
    by_area = db.execute(
        """SELECT sa.name, COUNT(m.id), sa.active FROM service_areas sa
           LEFT JOIN compliments m ON m.service_area_id = sa.id AND m.received_on BETWEEN ? AND ?
           GROUP BY sa.id""",
        params,
    ).fetchall()
    return {
        "total": total,
        "by_category": _ordered(dict(by_category), config.vocabulary(db, "compliment_category"), zeros=True),
        "by_source": _ordered(dict(by_source), config.vocabulary(db, "compliment_source"), zeros=True),
        "by_service_area": _by_count({name: n for name, n, active in by_area if active or n}),
    }


def equality(db: sqlite_utils.Database, year: str) -> dict[str, dict[str, int]]:
    """``{gender, age_band, ethnicity, disability}``, each ``{value: count}`` over all the year's
    complaints; a blank value counts as ``"not recorded"``. Values with a count, in vocabulary order."""
    start, end = periods.period_bounds_iso(year)
    result = {}
    for field in EQUALITY_FIELDS:  # a fixed list of column names, never user input
        rows = db.execute(
            f"""SELECT COALESCE(NULLIF(TRIM({field}), ''), '{NOT_RECORDED}') AS value, COUNT(*)
                FROM complaints WHERE received_on BETWEEN ? AND ? GROUP BY value""",
            [start, end],
        ).fetchall()
        result[field] = _ordered(dict(rows), config.vocabulary(db, field), zeros=False)
    return result


def ombudsman(db: sqlite_utils.Database, year: str) -> dict:
    """``{referred, decisions}``: the year's complaints referred to the LGSCO and its decisions on them
    (every configured decision, zeros included; ``"awaiting decision"`` when there is none yet)."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """SELECT COALESCE(lgsco_decision, 'awaiting decision'), COUNT(*) FROM complaints
           WHERE received_on BETWEEN ? AND ? AND lgsco_referred_on IS NOT NULL GROUP BY 1""",
        [start, end],
    ).fetchall()
    counts = dict(rows)
    decisions = _ordered(counts, config.vocabulary(db, "lgsco_decision"), zeros=True)
    return {"referred": sum(counts.values()), "decisions": decisions}


def remedy_payments(db: sqlite_utils.Database, year: str) -> dict:
    """``{total, by_procedure}``: remedy payments on the year's complaints, in pounds."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """SELECT procedure, SUM(remedy_pence) FROM complaints
           WHERE received_on BETWEEN ? AND ? GROUP BY procedure""",
        [start, end],
    ).fetchall()
    pence = _ordered(dict(rows), config.vocabulary(db, "procedure"), zeros=True)
    return {
        "total": _pounds(sum(pence.values())),
        "by_procedure": {procedure: _pounds(value) for procedure, value in pence.items()},
    }


def remedy_payments_by_route(db: sqlite_utils.Database, year: str) -> dict[str, float]:
    """Remedy payments on the year's complaints in pounds, by the route that led to them: "<procedure>
    via Ombudsman" when the complaint went to the LGSCO, else "<procedure> stage <final stage>"."""
    start, end = periods.period_bounds_iso(year)
    rows = db.execute(
        """
        SELECT c.procedure, c.lgsco_referred_on IS NOT NULL,
               (SELECT MAX(s.stage) FROM complaint_stages s WHERE s.complaint_id = c.id AND s.procedure = c.procedure),
               SUM(c.remedy_pence)
        FROM complaints c
        WHERE c.received_on BETWEEN ? AND ? AND c.remedy_pence > 0
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """,
        [start, end],
    ).fetchall()
    routes: dict[str, float] = {}
    for procedure, ombudsman, stage, pence in rows:
        route = f"{procedure} via Ombudsman" if ombudsman else f"{procedure} stage {stage or 1}"
        routes[route] = round(routes.get(route, 0) + pence / 100, 2)
    return routes


YEAR_LEARNING_POINTS_SQL = """
    SELECT DISTINCT lpc.learning_point_id FROM learning_point_complaints lpc
    JOIN complaints c ON c.id = lpc.complaint_id
    WHERE c.received_on BETWEEN :start AND :end
"""


def learning(db: sqlite_utils.Database, year: str) -> dict:
    """The learning points drawn from the year's complaints and their actions.

    ``learning_points_by_status`` and ``actions_by_status`` list every status, zeros included;
    ``by_service_area`` is ``{area: {learning_points, actions}}`` for areas with learning, by name.
    A learning point drawing on complaints of two years counts in both.
    """
    start, end = periods.period_bounds_iso(year)
    params = {"start": start, "end": end}
    points = db.execute(
        f"SELECT status, COUNT(*) FROM learning_points WHERE id IN ({YEAR_LEARNING_POINTS_SQL}) GROUP BY status",
        params,
    ).fetchall()
    actions = db.execute(
        f"SELECT status, COUNT(*) FROM actions WHERE learning_point_id IN ({YEAR_LEARNING_POINTS_SQL}) GROUP BY status",
        params,
    ).fetchall()
    areas = db.execute(
        f"""
        SELECT sa.name, COUNT(DISTINCT lp.id), COUNT(a.id)
        FROM learning_points lp
        JOIN service_areas sa ON sa.id = lp.service_area_id
        LEFT JOIN actions a ON a.learning_point_id = lp.id
        WHERE lp.id IN ({YEAR_LEARNING_POINTS_SQL})
        GROUP BY sa.id ORDER BY sa.name
        """,
        params,
    ).fetchall()
    return {
        "learning_points_by_status": _ordered(dict(points), vocabulary.LEARNING_POINT_STATUSES, zeros=True),
        "actions_by_status": _ordered(dict(actions), vocabulary.ACTION_STATUSES, zeros=True),
        "by_service_area": {name: {"learning_points": n, "actions": m} for name, n, m in areas},
    }


def annual_figures(db: sqlite_utils.Database, year: str, as_of: date, *, reconcile: bool = True) -> dict:
    """Every figure of the annual report for the financial ``year`` (like ``"2021-22"``), as at ``as_of``.

    Returns a JSON-able dict (all keys are strings)::

        financial_year, as_of (ISO date),
        complaints_received {total, statutory, corporate, informal},
        received_via {way: count},                       # ways used, vocabulary order
        complainants {children_and_young_people, with_advocate},
        statutory_outcomes {upheld, partly upheld, not upheld, withdrawn, open},
        statutory_by_service_area {area: count},         # every active area, largest first
        statutory_by_final_stage {"1","2","3": {complaints, within_timescale, over_timescale,
                                                pending, average_working_days}},
        corporate_by_final_stage {"1","2": {...the same...}},
        concerns_by_category {category: count},          # per concern raised, statutory complaints
        compliments {total, by_category, by_source, by_service_area},
        equality {gender, age_band, ethnicity, disability: {value: count}},
        ombudsman {referred, decisions {decision: count}},
        remedy_payments_gbp {total, by_procedure {procedure: pounds}},
        learning {learning_points_by_status, actions_by_status, by_service_area},
        stage1_average_working_days_by_quarter {Q1..Q4: float or None},
        reconciliation [{check, expected, found, ok, message}]   # unless reconcile=False

    ``reconciliation`` is the checks that these tables add up (``reconciliation.annual`` with
    ``tables_only``); the annual report runs every check itself, so it asks for ``reconcile=False``.
    """
    figures = {
        "financial_year": year,
        "as_of": as_of.isoformat(),
        "complaints_received": complaints_by_procedure(db, year),
        "received_via": received_via(db, year),
        "complainants": complainants(db, year),
        "statutory_outcomes": statutory_outcomes(db, year),
        "statutory_by_service_area": statutory_by_service_area(db, year),
        "statutory_by_final_stage": final_stages(db, year, as_of, "statutory"),
        "corporate_by_final_stage": final_stages(db, year, as_of, "corporate"),
        "concerns_by_category": concerns_by_category(db, year),
        "compliments": compliments(db, year),
        "equality": equality(db, year),
        "ombudsman": ombudsman(db, year),
        "remedy_payments_gbp": remedy_payments(db, year),
        "learning": learning(db, year),
        "stage1_average_working_days_by_quarter": stage1_average_working_days_by_quarter(db, year),
    }
    if reconcile:
        figures["reconciliation"] = reconciliation.annual(db, figures, tables_only=True)
    return figures
