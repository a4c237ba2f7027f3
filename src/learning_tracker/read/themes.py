"""Themes against outcomes: the read side of the "Themes and outcomes" page.

Every function here aggregates in SQL (``GROUP BY``) and builds a DataFrame only from the small result,
so the page stays fast on a register of 100,000 complaints. Columns are named in the users' words: the
frames are shown as they are beside their charts and downloaded as CSV.

Counting rules, as in the annual report:

* a complaint belongs to the financial year (April to March) and quarter (April to June is Q1) in
  which it was **received**;
* concerns are counted **per concern raised** (one row of ``concerns``), so a complaint raising
  Communication and Finance counts once under each; a complaint's outcome is its current one, and
  "open" while it has none;
* compliments are filtered by year and service area only (a compliment has no procedure).

Each chart's plain-English reading is a pure function of the same frame the chart is drawn from
(``reading_*``), so the words can never disagree with the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from .. import config

# Column names, in the users' words (also the CSV headings), are shared with the chart builders.
from ..charts import (
    AVERAGE_DAYS,
    CATEGORY,
    COMPLAINTS,
    COMPLAINTS_RAISING,
    COMPLAINTS_UPHELD,
    COMPLIMENTS,
    LIMIT_DAYS,
    OUTCOMES,
    PERIOD,
    QUARTER,
    RAISED,
    RESPONSES,
    SERVICE_AREA,
    SHARE,
    STAGE,
    UPHELD_RATE,
)
from ..rules import periods, procedures
from . import sql as query
from ..rules.vocabulary import NO_OUTCOME_YET, UPHELD_OUTCOMES

STAGES = (1, 2)
COMPLIMENT_CATEGORY = "Compliment category"
SOURCE = "Source"


@dataclass(frozen=True)
class ThemeFilters:
    """What the page is narrowed to; an empty tuple means everything.

    ``years`` are financial years written like ``"2021-22"``; ``procedures`` are the procedure
    vocabulary's words; ``service_area_ids`` are service area ids.
    """

    years: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    service_area_ids: tuple[int, ...] = ()


# ---------------------------------------------------------------------------------------------
# SQL pieces
# ---------------------------------------------------------------------------------------------


def _dated_conditions(filters: ThemeFilters, date_col: str, area_col: str) -> tuple[list[str], list[Any]]:
    where, params = [], []
    if filters.years:
        spans = [periods.period_bounds_iso(year) for year in filters.years]
        where.append("(" + " OR ".join(f"{date_col} BETWEEN ? AND ?" for _ in spans) + ")")
        for start, end in spans:
            params += [start, end]
    if filters.service_area_ids:
        sql, values = query.in_list(area_col, filters.service_area_ids)
        where.append(sql)
        params += values
    return where, params


def _complaint_conditions(filters: ThemeFilters, alias: str = "c") -> tuple[list[str], list[Any]]:
    """WHERE conditions on a complaints row (``alias``) for every filter."""
    where, params = _dated_conditions(filters, f"{alias}.received_on", f"{alias}.service_area_id")
    if filters.procedures:
        sql, values = query.in_list(f"{alias}.procedure", filters.procedures)
        where.append(sql)
        params += values
    return where, params


def _compliment_conditions(filters: ThemeFilters, alias: str = "m") -> tuple[list[str], list[Any]]:
    """WHERE conditions on a compliments row: years and service areas (compliments have no procedure)."""
    return _dated_conditions(filters, f"{alias}.received_on", f"{alias}.service_area_id")


class _Categories:
    """The concern categories, and SQL giving a concern's category as a number (its place in ``names``).

    ``names`` are the configured categories in order, then those of retired codes. The concern queries
    group on this number rather than on the category's text, which halves their time on a large register.
    """

    def __init__(self, db: sqlite_utils.Database, column: str = "k.concern_code_id") -> None:
        self.names = config.concern_categories(db)
        self.active = len(self.names)
        place = {name.lower(): i for i, name in enumerate(self.names)}
        whens = []
        for code_id, category in db.execute("SELECT id, category FROM concern_codes ORDER BY position, id"):
            if category.lower() not in place:
                place[category.lower()] = len(self.names)
                self.names.append(category)
            whens.append(f"WHEN {int(code_id)} THEN {place[category.lower()]}")
        self.sql = f"CASE {column} {' '.join(whens)} END" if whens else "NULL"

    def listed(self, found: set[int]) -> list[int]:
        """Every configured category, then any retired one the data holds, as places in ``names``."""
        return [i for i in range(len(self.names)) if i < self.active or i in found]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------------------------------------
# Concerns against outcomes
# ---------------------------------------------------------------------------------------------


def concerns_by_category_and_outcome(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """One row per concern category (every configured one, zeros included, in configured order).

    Columns: Concern category; one column per outcome (upheld, partly upheld, not upheld, withdrawn,
    open) counting the concerns raised in complaints with that outcome; Times raised (all of them);
    Share of concerns (of every concern raised, 0 to 1); Complaints raising it (each complaint once);
    Upheld or partly upheld (of those complaints); Share upheld or partly upheld (0 to 1, empty when
    no complaint raised it).
    """
    where, params = _complaint_conditions(filters)
    categories = _Categories(db)
    rows = query.rows(
        db,
        f"""SELECT {categories.sql} AS category, COALESCE(c.outcome, '{NO_OUTCOME_YET}') AS outcome, COUNT(*), COUNT(DISTINCT c.id)
            FROM complaints c
            JOIN concerns k ON k.complaint_id = c.id
            WHERE 1 = 1{query.and_all(where)}
            GROUP BY category, outcome""",
        params,
    )
    raised: dict[tuple[int, str], int] = {}
    complaints: dict[int, int] = {}
    upheld: dict[int, int] = {}
    for place, outcome, concerns, distinct in rows:
        raised[place, outcome.lower()] = raised.get((place, outcome.lower()), 0) + concerns
        # A complaint has one outcome, so its distinct counts per outcome add up per category.
        complaints[place] = complaints.get(place, 0) + distinct
        if outcome.lower() in UPHELD_OUTCOMES:
            upheld[place] = upheld.get(place, 0) + distinct
    total = sum(raised.values())
    records = []
    for place in categories.listed({r[0] for r in rows}):
        category = categories.names[place]
        by_outcome = {o: raised.get((place, o), 0) for o in OUTCOMES}
        times = sum(n for (c, _), n in raised.items() if c == place)
        records.append({
            CATEGORY: category, **by_outcome, RAISED: times, SHARE: _rate(times, total),
            COMPLAINTS_RAISING: complaints.get(place, 0), COMPLAINTS_UPHELD: upheld.get(place, 0),
            UPHELD_RATE: _rate(upheld.get(place, 0), complaints.get(place, 0)),
        })  # fmt: skip
    return pd.DataFrame(records, columns=[CATEGORY, *OUTCOMES, RAISED, SHARE, COMPLAINTS_RAISING, COMPLAINTS_UPHELD, UPHELD_RATE])


def concerns_over_time(db: sqlite_utils.Database, filters: ThemeFilters, period: str = "quarter") -> pd.DataFrame:
    """Concerns raised by category per ``period`` (``"quarter"`` or ``"year"`` of receipt).

    Columns: Period (``2021/22 Q1`` or ``2021/22``), Concern category, Times raised. Every period from
    the first to the last one holding a concern is listed with every configured category, zeros
    included, so lines do not skip a quiet quarter. Rows are in period order, then category order.
    """
    if period not in ("quarter", "year"):
        raise ValueError(f"period must be 'quarter' or 'year', not {period!r}")
    # Periods as numbers (financial year x 4 + quarter - 1; or the year), labelled after grouping.
    start = periods.financial_year_start_sql("c.received_on")
    key = f"{start} * 4 + {periods.quarter_number_sql('c.received_on')} - 1" if period == "quarter" else start
    where, params = _complaint_conditions(filters)
    categories = _Categories(db)
    rows = query.rows(
        db,
        f"""SELECT {key} AS period, {categories.sql} AS category, COUNT(*)
            FROM complaints c
            JOIN concerns k ON k.complaint_id = c.id
            WHERE 1 = 1{query.and_all(where)}
            GROUP BY period, category""",
        params,
    )
    found = {(p, place): n for p, place, n in rows}
    keys = range(min(r[0] for r in rows), max(r[0] for r in rows) + 1) if rows else range(0)
    places = categories.listed({r[1] for r in rows})
    return pd.DataFrame(
        [(_period_label(p, period), categories.names[place], found.get((p, place), 0)) for p in keys for place in places],
        columns=[PERIOD, CATEGORY, RAISED],
    )


def _period_label(key: int, period: str) -> str:
    """``2021/22 Q3`` for quarter key 2021 * 4 + 2; ``2021/22`` for year key 2021."""
    year = key // 4 if period == "quarter" else key
    text = periods.year_label(periods.year_starting(year))
    return f"{text} Q{key % 4 + 1}" if period == "quarter" else text


def concerns_by_service_area(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Concerns raised by service area and category: columns Service area, Concern category, Times raised.

    Only service areas with at least one concern are listed, most concerns first (then by name); each
    has every configured category, zeros included, in configured order.
    """
    where, params = _complaint_conditions(filters)
    categories = _Categories(db)
    rows = query.rows(
        db,
        f"""SELECT sa.name, g.category, g.n FROM (
                SELECT c.service_area_id, {categories.sql} AS category, COUNT(*) AS n
                FROM complaints c
                JOIN concerns k ON k.complaint_id = c.id
                WHERE 1 = 1{query.and_all(where)}
                GROUP BY c.service_area_id, category) g
            JOIN service_areas sa ON sa.id = g.service_area_id""",
        params,
    )
    totals: dict[str, int] = {}
    for area, _, n in rows:
        totals[area] = totals.get(area, 0) + n
    areas = sorted(totals, key=lambda a: (-totals[a], a.lower()))
    found = {(area, place): n for area, place, n in rows}
    places = categories.listed({r[1] for r in rows})
    return pd.DataFrame(
        [(area, categories.names[place], found.get((area, place), 0)) for area in areas for place in places],
        columns=[SERVICE_AREA, CATEGORY, RAISED],
    )


def outcomes_by_service_area(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Complaints by service area and outcome, one row per service area with at least one complaint.

    Columns: Service area; one column per outcome (complaints, each counted once); Complaints;
    Upheld or partly upheld; Share upheld or partly upheld (0 to 1). Most complaints first, then by name.
    """
    where, params = _complaint_conditions(filters)
    rows = query.rows(
        db,
        f"""SELECT sa.name, g.outcome, g.n FROM (
                SELECT c.service_area_id, COALESCE(c.outcome, '{NO_OUTCOME_YET}') AS outcome, COUNT(*) AS n
                FROM complaints c WHERE 1 = 1{query.and_all(where)}
                GROUP BY c.service_area_id, COALESCE(c.outcome, '{NO_OUTCOME_YET}')) g
            JOIN service_areas sa ON sa.id = g.service_area_id""",
        params,
    )
    by_area: dict[str, dict[str, int]] = {}
    for area, outcome, n in rows:
        counts = by_area.setdefault(area, {})
        counts[outcome.lower()] = counts.get(outcome.lower(), 0) + n
    records = []
    for area, counts in by_area.items():
        total = sum(counts.values())
        upheld = sum(counts.get(o, 0) for o in UPHELD_OUTCOMES)
        records.append({SERVICE_AREA: area, **{o: counts.get(o, 0) for o in OUTCOMES}, COMPLAINTS: total,
                        COMPLAINTS_UPHELD: upheld, UPHELD_RATE: _rate(upheld, total)})
    records.sort(key=lambda r: (-r[COMPLAINTS], r[SERVICE_AREA].lower()))
    return pd.DataFrame(records, columns=[SERVICE_AREA, *OUTCOMES, COMPLAINTS, COMPLAINTS_UPHELD, UPHELD_RATE])


# ---------------------------------------------------------------------------------------------
# Timeliness
# ---------------------------------------------------------------------------------------------


def stage_times_by_quarter(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Average working days taken by statutory stage 1 and stage 2, by quarter of receipt.

    As in the annual report, a stage is counted when it is the complaint's **final** stage under the
    statutory procedure (a stage 1 that was escalated counts under stage 2), and only when it was
    answered, and never for a declined complaint (``procedures.counts_for_timescales_sql``); working days run
    from the stage's clock start to its response (``working_days`` SQL function). Columns: Quarter received,
    Stage (``Stage 1``, ``Stage 2``), Responses, Average working days (unrounded), Limit (working days) (the
    configured statutory timescale: 10 and 25 by default).
    """
    where, params = _complaint_conditions(filters)
    rows = query.rows(
        db,
        f"""SELECT {periods.quarter_label_sql("c.received_on")} AS quarter, f.stage, COUNT(*),
                   AVG(working_days(f.clock_started_on, f.responded_on))
            FROM complaints c
            JOIN complaint_stages f ON f.complaint_id = c.id AND f.procedure = c.procedure
            WHERE c.procedure = 'statutory' AND f.stage IN (1, 2) AND f.responded_on IS NOT NULL{query.and_all(where)}
              AND {procedures.counts_for_timescales_sql("c")}
              AND f.stage = (SELECT MAX(s.stage) FROM complaint_stages s
                             WHERE s.complaint_id = c.id AND s.procedure = c.procedure)
            GROUP BY quarter, f.stage
            ORDER BY quarter, f.stage""",
        params,
    )
    timescales = config.timescales(db)
    limits = {stage: timescales[("statutory", stage)].due_working_days for stage in STAGES if ("statutory", stage) in timescales}
    return pd.DataFrame(
        [(quarter, f"Stage {stage}", n, float(average), limits.get(stage)) for quarter, stage, n, average in rows],
        columns=[QUARTER, STAGE, RESPONSES, AVERAGE_DAYS, LIMIT_DAYS],
    )


# ---------------------------------------------------------------------------------------------
# Compliments
# ---------------------------------------------------------------------------------------------


def _ordered_counts(counts: dict[str, int], order: list[str]) -> list[tuple[str, int]]:
    """Every configured value (zeros included) and any other value found, largest first, then in
    configured order, as the report lists them."""
    merged: dict[str, int] = {value: 0 for value in order}
    for value, n in counts.items():
        match = next((o for o in order if o.lower() == (value or "").lower()), value)
        merged[match] = merged.get(match, 0) + n
    position = {value: i for i, value in enumerate(merged)}
    return sorted(merged.items(), key=lambda item: (-item[1], position[item[0]]))


def compliments_by_category(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Compliments by category (a compliment may fall under several): columns Compliment category, Compliments."""
    where, params = _compliment_conditions(filters)
    rows = query.rows(
        db,
        f"""SELECT cc.category, COUNT(*) FROM compliments m
            JOIN compliment_categories cc ON cc.compliment_id = m.id
            WHERE 1 = 1{query.and_all(where)} GROUP BY cc.category""",
        params,
    )
    return pd.DataFrame(_ordered_counts(dict(rows), config.vocabulary(db, "compliment_category")),
                        columns=[COMPLIMENT_CATEGORY, COMPLIMENTS])


def compliments_by_source(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Compliments by who gave them: columns Source, Compliments (every configured source)."""
    where, params = _compliment_conditions(filters)
    rows = query.rows(db, f"SELECT m.source, COUNT(*) FROM compliments m WHERE 1 = 1{query.and_all(where)} GROUP BY m.source", params)
    return pd.DataFrame(_ordered_counts(dict(rows), config.vocabulary(db, "compliment_source")), columns=[SOURCE, COMPLIMENTS])


def compliments_by_service_area(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Compliments by service area (areas with at least one), most first: columns Service area, Compliments."""
    where, params = _compliment_conditions(filters)
    rows = query.rows(
        db,
        f"""SELECT sa.name, g.n FROM (SELECT m.service_area_id, COUNT(*) AS n FROM compliments m
                WHERE 1 = 1{query.and_all(where)} GROUP BY m.service_area_id) g
            JOIN service_areas sa ON sa.id = g.service_area_id""",
        params,
    )
    rows.sort(key=lambda r: (-r[1], r[0].lower()))
    return pd.DataFrame(rows, columns=[SERVICE_AREA, COMPLIMENTS])


def compliments_and_complaints_by_service_area(db: sqlite_utils.Database, filters: ThemeFilters) -> pd.DataFrame:
    """Compliments against complaints by service area: columns Service area, Compliments, Complaints.

    Service areas with at least one of either; most compliments first, then most complaints, then name.
    Complaints follow every filter; compliments the years and service areas.
    """
    complaint_where, complaint_params = _complaint_conditions(filters)
    compliment_where, compliment_params = _compliment_conditions(filters)
    rows = query.rows(
        db,
        f"""SELECT sa.name, COALESCE(m.n, 0), COALESCE(c.n, 0)
            FROM service_areas sa
            LEFT JOIN (SELECT m.service_area_id, COUNT(*) AS n FROM compliments m WHERE 1 = 1{query.and_all(compliment_where)}
                       GROUP BY m.service_area_id) m ON m.service_area_id = sa.id
            LEFT JOIN (SELECT c.service_area_id, COUNT(*) AS n FROM complaints c WHERE 1 = 1{query.and_all(complaint_where)}
                       GROUP BY c.service_area_id) c ON c.service_area_id = sa.id
            WHERE m.n IS NOT NULL OR c.n IS NOT NULL""",
        [*compliment_params, *complaint_params],
    )
    rows.sort(key=lambda r: (-r[1], -r[2], r[0].lower()))
    return pd.DataFrame(rows, columns=[SERVICE_AREA, COMPLIMENTS, COMPLAINTS])


# ---------------------------------------------------------------------------------------------
# Tables for the page (the same numbers, arranged for reading)
# ---------------------------------------------------------------------------------------------


def crosstab(frame: pd.DataFrame, rows: str, columns: str, values: str) -> pd.DataFrame:
    """A long frame as a table: one row per ``rows`` value, one column per ``columns`` value, in the
    frame's own order, with a Total column. Used to show the long frames beside their charts."""
    row_order = list(dict.fromkeys(frame[rows]))
    column_order = list(dict.fromkeys(frame[columns]))
    table = frame.pivot(index=rows, columns=columns, values=values).reindex(index=row_order, columns=column_order)
    table = table.fillna(0).astype(int)
    table["Total"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index()


# ---------------------------------------------------------------------------------------------
# Plain-English readings: every number from the frame the chart is drawn from
# ---------------------------------------------------------------------------------------------


def percent(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a whole percentage, halves rounded up (47.5% reads 48%)."""
    if not whole:
        return "0%"
    value = Decimal(str(part)) * 100 / Decimal(str(whole))
    return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _days(value: float) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def describe_years(years: tuple[str, ...] | list[str]) -> str:
    """The financial years as a phrase: ``in 2021/22``, ``in 2020/21 and 2021/22``, ``in all years``."""
    labels = [periods.year_label(y) for y in sorted(years)]
    if not labels:
        return "in all years"
    if len(labels) == 1:
        return f"in {labels[0]}"
    return "in " + ", ".join(labels[:-1]) + f" and {labels[-1]}"


def reading_category_outcomes(frame: pd.DataFrame, years: tuple[str, ...] = ()) -> str:
    """The most raised concern category, its share of all concerns and how often complaints raising it
    were upheld or partly upheld; then the next category."""
    total = int(frame[RAISED].sum()) if not frame.empty else 0
    when = describe_years(years)
    if not total:
        return f"No concerns were raised {when} in the complaints chosen."
    ranked = frame.sort_values(RAISED, ascending=False, kind="stable")
    top = ranked.iloc[0]
    text = (
        f"{top[CATEGORY]} was raised {_times(int(top[RAISED]))} {when}, {percent(top[RAISED], total)} of all "
        f"concerns raised; {percent(top[COMPLAINTS_UPHELD], top[COMPLAINTS_RAISING])} of the complaints that "
        "raised it were upheld or partly upheld."
    )
    if len(ranked) > 1 and ranked.iloc[1][RAISED]:
        second = ranked.iloc[1]
        text += (
            f" {second[CATEGORY]} came next, raised {_times(int(second[RAISED]))} "
            f"({percent(second[RAISED], total)}); {percent(second[COMPLAINTS_UPHELD], second[COMPLAINTS_RAISING])} "
            "of the complaints that raised it were upheld or partly upheld."
        )
    return text


def reading_concerns_over_time(frame: pd.DataFrame) -> str:
    """The busiest period and its most raised category, and the first and last periods' totals."""
    if frame.empty or not frame[RAISED].sum():
        return "No concerns were raised in the complaints chosen."
    totals = frame.groupby(PERIOD, sort=False)[RAISED].sum()
    busiest = totals.idxmax()
    in_busiest = frame[frame[PERIOD] == busiest].sort_values(RAISED, ascending=False, kind="stable").iloc[0]
    by_category = frame.groupby(CATEGORY, sort=False)[RAISED].sum().sort_values(ascending=False, kind="stable")
    text = (
        f"The most concerns were raised in {busiest}: {int(totals[busiest])}, of which {in_busiest[CATEGORY]} "
        f"{int(in_busiest[RAISED])}. Over the {len(totals)} periods shown, {by_category.index[0]} was raised most "
        f"({int(by_category.iloc[0])} times)."
    )
    if len(totals) > 1:
        text += (
            f" Concerns went from {int(totals.iloc[0])} in {totals.index[0]} to {int(totals.iloc[-1])} "
            f"in {totals.index[-1]}."
        )
    return text


def reading_service_area_categories(frame: pd.DataFrame) -> str:
    """The service area whose complaints raised the most concerns, and its most raised category."""
    total = int(frame[RAISED].sum()) if not frame.empty else 0
    if not total:
        return "No concerns were raised in the complaints chosen."
    totals = frame.groupby(SERVICE_AREA, sort=False)[RAISED].sum()
    area = totals.idxmax()
    top = frame[frame[SERVICE_AREA] == area].sort_values(RAISED, ascending=False, kind="stable").iloc[0]
    return (
        f"Complaints about {area} raised the most concerns: {int(totals[area])} of {total} "
        f"({percent(totals[area], total)}), most often {top[CATEGORY]} ({int(top[RAISED])})."
    )


def reading_outcomes_by_service_area(frame: pd.DataFrame) -> str:
    """The service area with the most complaints and its upheld share, against all areas'."""
    if frame.empty or not frame[COMPLAINTS].sum():
        return "There are no complaints in this selection."
    top = frame.sort_values(COMPLAINTS, ascending=False, kind="stable").iloc[0]
    total, upheld = int(frame[COMPLAINTS].sum()), int(frame[COMPLAINTS_UPHELD].sum())
    return (
        f"{top[SERVICE_AREA]} had the most complaints: {int(top[COMPLAINTS])}, of which {int(top[COMPLAINTS_UPHELD])} "
        f"({percent(top[COMPLAINTS_UPHELD], top[COMPLAINTS])}) were upheld or partly upheld. Across the "
        f"{len(frame)} service areas shown, {upheld} of {total} complaints ({percent(upheld, total)}) were upheld or "
        "partly upheld."
    )


def reading_stage_times(frame: pd.DataFrame) -> str:
    """Each stage's average over the quarters shown (weighted by responses) against its limit, and how
    many quarters averaged over the limit."""
    if frame.empty:
        return "No statutory stage 1 or stage 2 was answered in this selection."
    sentences = []
    for stage, rows in frame.groupby(STAGE, sort=True):
        responses = int(rows[RESPONSES].sum())
        average = float((rows[AVERAGE_DAYS] * rows[RESPONSES]).sum() / responses)
        limit = rows[LIMIT_DAYS].iloc[0]
        over = int((rows[AVERAGE_DAYS] > rows[LIMIT_DAYS]).sum())
        slowest = rows.loc[rows[AVERAGE_DAYS].idxmax()]
        text = (f"{stage} responses took {_days(average)} working days on average ({responses} "
                f"response{'s' if responses != 1 else ''}; the limit is {int(limit)})")
        if len(rows) > 1:
            text += f"; the slowest quarter was {slowest[QUARTER]} at {_days(slowest[AVERAGE_DAYS])}"
        quarters = "quarter" if len(rows) == 1 else "quarters"
        text += f"; {over} of {len(rows)} {quarters} averaged over the limit."
        sentences.append(text)
    return " ".join(sentences)


def reading_compliments(frame: pd.DataFrame, label: str) -> str:
    """The most common value of ``label`` (category, source or service area) among the compliments."""
    total = int(frame[COMPLIMENTS].sum()) if not frame.empty else 0
    if not total:
        return "No compliments were received in this selection."
    top = frame.sort_values(COMPLIMENTS, ascending=False, kind="stable").iloc[0]
    if label == COMPLIMENT_CATEGORY:
        return (
            f"{top[label].capitalize()} was the most common compliment category: {int(top[COMPLIMENTS])} of the "
            f"{total} categories recorded ({percent(top[COMPLIMENTS], total)}); a compliment may fall under "
            "more than one category."
        )
    if label == SOURCE:
        return (f"{top[label].capitalize()} was the most common source of compliments: {int(top[COMPLIMENTS])} "
                f"of {total} ({percent(top[COMPLIMENTS], total)}).")
    return (f"{top[label]} received the most compliments: {int(top[COMPLIMENTS])} of {total} "
            f"({percent(top[COMPLIMENTS], total)}).")


def reading_compliments_and_complaints(frame: pd.DataFrame) -> str:
    """The most complimented service area against its complaints, and the overall ratio."""
    if frame.empty:
        return "There are no compliments or complaints in this selection."
    compliments, complaints = int(frame[COMPLIMENTS].sum()), int(frame[COMPLAINTS].sum())
    top = frame.sort_values([COMPLIMENTS, COMPLAINTS], ascending=False, kind="stable").iloc[0]
    text = (f"{top[SERVICE_AREA]} received the most compliments: {int(top[COMPLIMENTS])}, against "
            f"{int(top[COMPLAINTS])} complaint{'s' if int(top[COMPLAINTS]) != 1 else ''}.")
    text += f" Across the {len(frame)} service areas shown: {compliments} compliments and {complaints} complaints"
    if complaints:
        ratio = Decimal(compliments) / Decimal(complaints)
        text += f", {ratio.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} compliments for every complaint."
    else:
        text += "."
    return text
