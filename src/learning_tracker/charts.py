"""Charts of themes and outcomes: pure functions from a ``themes`` frame to an Altair chart, and their
PNG and SVG renderings.

Colours are the Okabe-Ito palette, which readers with the common forms of colour blindness can tell
apart. Outcomes always appear in the same order and the same colour: ``OUTCOME_COLOURS`` is the one
place that says which. Counts on heat maps use a single-hue scale (light to dark blue), which reads
without telling hues apart.

Field names are the frames' column names (the users' words, see ``themes``); they are given with
``field=`` rather than Altair's shorthand because some hold brackets.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .rules.rag import RAG_COLOURS, RAG_ORDER
from .rules.vocabulary import NO_OUTCOME_YET, NOT_UPHELD, PARTLY_UPHELD, UPHELD, WITHDRAWN

#: The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008), yellow last: it is faint on white.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]

#: Outcomes in the order every chart and table shows them, with their colours.
OUTCOME_COLOURS: dict[str, str] = {
    UPHELD: "#D55E00",  # vermillion
    PARTLY_UPHELD: "#E69F00",  # orange
    NOT_UPHELD: "#0072B2",  # blue
    WITHDRAWN: "#CC79A7",  # reddish purple
    NO_OUTCOME_YET: "#999999",  # grey: no outcome yet
}
OUTCOMES: tuple[str, ...] = tuple(OUTCOME_COLOURS)

#: Upheld-or-partly-upheld shares are drawn in the upheld colour, in a last column of the heat map.
UPHELD_COLOUR = OUTCOME_COLOURS[UPHELD]
RATE_COLUMN = "% of complaints upheld or partly upheld"
RATE_LINES = ("% of complaints", f"{UPHELD} or", PARTLY_UPHELD)
STAGE_COLOURS = {"Stage 1": "#0072B2", "Stage 2": "#D55E00"}
COMPLIMENT_COLOUR = "#009E73"
COMPLIMENTS_AGAINST_COMPLAINTS = {"Compliments": "#009E73", "Complaints": "#56B4E9"}
HEAT_SCHEME = "blues"

# Column names of the frames the chart builders read; ``themes`` builds its frames with these names.
CATEGORY = "Concern category"
RAISED = "Times raised"
SHARE = "Share of concerns"
COMPLAINTS = "Complaints"
COMPLAINTS_RAISING = "Complaints raising it"
COMPLAINTS_UPHELD = "Upheld or partly upheld"
UPHELD_RATE = "Share upheld or partly upheld"
PERIOD = "Period"
SERVICE_AREA = "Service area"
QUARTER = "Quarter received"
STAGE = "Stage"
RESPONSES = "Responses"
AVERAGE_DAYS = "Average working days"
LIMIT_DAYS = "Limit (working days)"
COMPLIMENTS = "Compliments"

WIDTH = 460  # for downloads; on the page a chart narrows to its column
LABEL_LIMIT = 220  # pixels of an axis label before it is cut short
WIDE = WIDTH + 160
ROW_HEIGHT = 22
# Charts with a nominal y axis are ROW_HEIGHT pixels a row, so they grow with their rows whatever their
# width (Streamlit stretches the width only).
ROWS = alt.Step(ROW_HEIGHT)
# Fit the width to the page and keep the height: with Streamlit's default ("fit" both ways, legends and
# axes included) a chart with a legend below it is squashed to a strip.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def outcome_scale() -> alt.Scale:
    """The outcome colours, in outcome order."""
    return alt.Scale(domain=list(OUTCOMES), range=list(OUTCOME_COLOURS.values()))


def category_scale(categories: list[str]) -> alt.Scale:
    """Okabe-Ito colours for concern categories, in their configured order (so a category keeps its
    colour from chart to chart); beyond eight categories the colours repeat."""
    return alt.Scale(domain=categories, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(categories))])


def _order(frame: pd.DataFrame, column: str) -> list[str]:
    return list(dict.fromkeys(frame[column])) if column in frame else []


def _heat_text(chart: alt.Chart, value: str, x: alt.X, y: alt.Y, maximum: float) -> alt.Chart:
    """Counts written on a heat map's cells, white on the dark ones."""
    return chart.mark_text(fontSize=11).encode(
        x=x, y=y, text=alt.Text(field=value, type="quantitative"),
        color=alt.condition(alt.datum[value] > maximum / 2, alt.value("white"), alt.value("black")),
    )


def category_outcome_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Concern category against outcome: a heat map of concerns raised (categories in the frame's order,
    outcomes in ``OUTCOMES`` order) with the counts written in, and a last column giving, per category,
    the share of the complaints raising it that were upheld or partly upheld (in the upheld colour).
    ``frame`` is ``themes.concerns_by_category_and_outcome``.

    One view (not two side by side), so that it narrows with the page."""
    categories = _order(frame, CATEGORY)
    maximum = float(frame[list(OUTCOMES)].to_numpy().max()) if not frame.empty else 0.0
    columns = [*OUTCOMES, RATE_COLUMN]
    y = alt.Y(field=CATEGORY, type="nominal", sort=categories, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    x = alt.X(field="Outcome", type="nominal", sort=columns, scale=alt.Scale(domain=columns),
              title="Outcome of the complaint",
              axis=alt.Axis(labelAngle=0, labelOverlap=False, labelExpr=_label_lines(RATE_COLUMN)))
    base = alt.Chart(frame).transform_fold(list(OUTCOMES), as_=["Outcome", "Concerns raised"])
    cells = base.mark_rect().encode(
        x=x, y=y,
        color=alt.Color(field="Concerns raised", type="quantitative", scale=alt.Scale(scheme=HEAT_SCHEME), legend=None),
        tooltip=[alt.Tooltip(field=CATEGORY, type="nominal"), alt.Tooltip(field="Outcome", type="nominal"),
                 alt.Tooltip(field="Concerns raised", type="quantitative")],
    )
    rate = alt.Chart(frame).transform_filter(f"isValid(datum[{UPHELD_RATE!r}])").transform_calculate(
        Outcome=f"{RATE_COLUMN!r}"
    ).mark_text(fontWeight="bold", color=UPHELD_COLOUR).encode(
        x=x, y=y, text=alt.Text(field=UPHELD_RATE, type="quantitative", format=".0%"),
        tooltip=[alt.Tooltip(field=CATEGORY, type="nominal"),
                 alt.Tooltip(field=UPHELD_RATE, type="quantitative", format=".0%", title="Upheld or partly upheld"),
                 alt.Tooltip(field=COMPLAINTS_UPHELD, type="quantitative", title="Complaints upheld or partly upheld"),
                 alt.Tooltip(field=COMPLAINTS_RAISING, type="quantitative")],
    )
    return alt.layer(cells, _heat_text(base, "Concerns raised", x, y, maximum), rate).properties(
        autosize=FIT_WIDTH, width=WIDTH, height=ROWS, title="Concerns raised by category and outcome")


def _label_lines(label: str) -> str:
    """A Vega expression writing ``label`` as ``RATE_LINES`` and every other label a word a line, so that
    narrow columns keep all their labels."""
    return f"datum.label == {label!r} ? {list(RATE_LINES)!r} : split(datum.label, ' ')"


def concerns_over_time_chart(frame: pd.DataFrame, title: str = "Concerns raised by category") -> alt.Chart:
    """Concerns raised per period, one line per category in category colours. ``frame`` is
    ``themes.concerns_over_time``; periods are drawn in the frame's order."""
    categories = _order(frame, CATEGORY)
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X(field=PERIOD, type="ordinal", sort=_order(frame, PERIOD), title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(field=RAISED, type="quantitative", title="Concerns raised"),
        color=alt.Color(field=CATEGORY, type="nominal", scale=category_scale(categories), sort=categories,
                        title="Concern category", legend=alt.Legend(orient="bottom", columns=3, labelLimit=LABEL_LIMIT)),
        tooltip=[alt.Tooltip(field=PERIOD, type="ordinal"), alt.Tooltip(field=CATEGORY, type="nominal"),
                 alt.Tooltip(field=RAISED, type="quantitative")],
    ).properties(autosize=FIT_WIDTH, width=WIDE, height=280, title=title)


def service_area_category_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Service area against concern category: a heat map of concerns raised, service areas in the
    frame's order (most concerns first), categories in configured order. ``frame`` is
    ``themes.concerns_by_service_area``."""
    areas, categories = _order(frame, SERVICE_AREA), _order(frame, CATEGORY)
    maximum = float(frame[RAISED].max()) if not frame.empty else 0.0
    # Every category named: slanted labels sit clear of each other, but Vega's overlap check (on their upright
    # boxes) would drop every other one.
    x = alt.X(field=CATEGORY, type="nominal", sort=categories, title=None,
              axis=alt.Axis(labelAngle=-30, labelLimit=LABEL_LIMIT, labelOverlap=False))
    y = alt.Y(field=SERVICE_AREA, type="nominal", sort=areas, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    base = alt.Chart(frame)
    # The counts are written in the cells, so the colour needs no legend.
    cells = base.mark_rect().encode(
        x=x, y=y,
        color=alt.Color(field=RAISED, type="quantitative", scale=alt.Scale(scheme=HEAT_SCHEME), legend=None),
        tooltip=[alt.Tooltip(field=SERVICE_AREA, type="nominal"), alt.Tooltip(field=CATEGORY, type="nominal"),
                 alt.Tooltip(field=RAISED, type="quantitative")],
    )
    return alt.layer(cells, _heat_text(base, RAISED, x, y, maximum)).properties(
        autosize=FIT_WIDTH, width=WIDTH, height=ROWS, title="Concerns raised by service area and category")


def outcomes_by_service_area_chart(frame: pd.DataFrame) -> alt.Chart:
    """Complaints by service area, stacked by outcome in outcome order and colour; service areas in the
    frame's order (most complaints first). ``frame`` is ``themes.outcomes_by_service_area``."""
    areas = _order(frame, SERVICE_AREA)
    return alt.Chart(frame).transform_fold(list(OUTCOMES), as_=["Outcome", "Complaints with this outcome"]).transform_calculate(
        outcome_order=f"indexof({list(OUTCOMES)!r}, datum.Outcome)"
    ).mark_bar().encode(
        y=alt.Y(field=SERVICE_AREA, type="nominal", sort=areas, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X(field="Complaints with this outcome", type="quantitative", title="Complaints",
                axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(field="Outcome", type="nominal", scale=outcome_scale(), sort=list(OUTCOMES), title="Outcome",
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order(field="outcome_order", type="quantitative"),
        tooltip=[alt.Tooltip(field=SERVICE_AREA, type="nominal"), alt.Tooltip(field="Outcome", type="nominal"),
                 alt.Tooltip(field="Complaints with this outcome", type="quantitative")],
    ).properties(autosize=FIT_WIDTH, width=WIDTH, height=ROWS, title="Complaints by service area and outcome")


def stage_times_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Average working days of statutory stages 1 and 2 by quarter received, a line per stage, with
    each stage's limit as a dashed rule line in the stage's colour. ``frame`` is
    ``themes.stage_times_by_quarter``."""
    stages = [s for s in STAGE_COLOURS if s in set(frame[STAGE])] or list(STAGE_COLOURS)
    colour = alt.Color(field=STAGE, type="nominal", title="Stage", legend=alt.Legend(orient="bottom"),
                       scale=alt.Scale(domain=stages, range=[STAGE_COLOURS[s] for s in stages]))
    base = alt.Chart(frame)
    lines = base.mark_line(point=True).encode(
        x=alt.X(field=QUARTER, type="ordinal", sort=sorted(set(frame[QUARTER])), title="Quarter received",
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(field=AVERAGE_DAYS, type="quantitative", title="Average working days"),
        color=colour,
        tooltip=[alt.Tooltip(field=QUARTER, type="ordinal"), alt.Tooltip(field=STAGE, type="nominal"),
                 alt.Tooltip(field=AVERAGE_DAYS, type="quantitative", format=".1f"),
                 alt.Tooltip(field=RESPONSES, type="quantitative")],
    )
    limits = base.transform_aggregate(
        [alt.AggregatedFieldDef(op="max", field=LIMIT_DAYS, **{"as": "Limit"})], groupby=[STAGE]
    )
    rules = limits.mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(
        y=alt.Y(field="Limit", type="quantitative"), color=colour,
        tooltip=[alt.Tooltip(field=STAGE, type="nominal"), alt.Tooltip(field="Limit", type="quantitative", title="Limit (working days)")],
    )
    # The rule's label sits at the right-hand end, clear of the first quarters' points.
    labels = limits.transform_calculate(label="datum.Stage + ' limit: ' + datum.Limit + ' working days'").mark_text(
        align="right", dx=-2, dy=-7, fontSize=11
    ).encode(y=alt.Y(field="Limit", type="quantitative"), x=alt.value("width"), text=alt.Text(field="label", type="nominal"),
             color=colour)
    return alt.layer(lines, rules, labels).properties(
        autosize=FIT_WIDTH, width=WIDE, height=280, title="Average working days to respond, statutory stages 1 and 2")


def compliments_chart(frame: pd.DataFrame, label: str, title: str) -> alt.Chart:
    """A bar per row of a (``label``, Compliments) frame, most first."""
    return alt.Chart(frame).mark_bar(color=COMPLIMENT_COLOUR).encode(
        y=alt.Y(field=label, type="nominal", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X(field=COMPLIMENTS, type="quantitative", title="Compliments", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip(field=label, type="nominal"), alt.Tooltip(field=COMPLIMENTS, type="quantitative")],
    ).properties(autosize=FIT_WIDTH, width=WIDTH, height=ROWS, title=title)


def compliments_and_complaints_chart(frame: pd.DataFrame) -> alt.Chart:
    """Compliments against complaints by service area: two bars per area, areas in the frame's order.
    ``frame`` is ``themes.compliments_and_complaints_by_service_area``."""
    areas = _order(frame, SERVICE_AREA)
    measures = list(COMPLIMENTS_AGAINST_COMPLAINTS)
    return alt.Chart(frame).transform_fold(measures, as_=["Received", "Number"]).mark_bar().encode(
        y=alt.Y(field=SERVICE_AREA, type="nominal", sort=areas, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        yOffset=alt.YOffset(field="Received", type="nominal", sort=measures),
        x=alt.X(field="Number", type="quantitative", title="Received"),
        color=alt.Color(field="Received", type="nominal", sort=measures, title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=measures, range=list(COMPLIMENTS_AGAINST_COMPLAINTS.values()))),
        tooltip=[alt.Tooltip(field=SERVICE_AREA, type="nominal"), alt.Tooltip(field="Received", type="nominal"),
                 alt.Tooltip(field="Number", type="quantitative")],
    ).properties(autosize=FIT_WIDTH, width=WIDTH, height=alt.Step(2 * ROW_HEIGHT - 10),
                 title="Compliments and complaints by service area")


# ---------------------------------------------------------------------------------------------
# Rendering for download
# ---------------------------------------------------------------------------------------------


def _vega_lite_version() -> str | None:
    """The Vega-Lite version Altair writes (``"6.4"``), for vl-convert; None to let it choose."""
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return version if version in vl_convert.get_vegalite_versions() else None


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as a PNG image (``scale`` 2 for print), rendered by vl-convert without a browser."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(), vl_version=_vega_lite_version(), scale=scale)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document, rendered by vl-convert without a browser."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=_vega_lite_version())


# ---------------------------------------------------------------------------------------------
# The monitoring dashboard and the compliments register. RAG colours are fixed so that Red is always
# red whatever the data holds.


RAG_SCALE = alt.Scale(domain=list(RAG_ORDER), range=[f"#{RAG_COLOURS[rag]}" for rag in RAG_ORDER])


def open_by_stage_chart(frame: pd.DataFrame) -> alt.Chart:
    """Open steps by stage, stacked by RAG (Red first)."""
    stages = list(dict.fromkeys(frame["Stage"]))
    return (
        alt.Chart(frame, title="Open steps by stage and RAG")
        .mark_bar()
        .encode(
            y=alt.Y("Stage:N", sort=stages, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            x=alt.X("Open steps:Q", title="Open steps", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("RAG:N", scale=RAG_SCALE, sort=list(RAG_ORDER), title="RAG"),
            order=alt.Order("rag_rank:Q"),
            tooltip=["Stage", "RAG", "Open steps"],
        )
        .transform_calculate(rag_rank=f"indexof({list(RAG_ORDER)!r}, datum.RAG)")
    )


def overdue_by_area_chart(frame: pd.DataFrame) -> alt.Chart:
    """Overdue stages by service area, most first."""
    return (
        alt.Chart(frame, title="Overdue stages by service area")
        .mark_bar(color="#C00000")
        .encode(
            y=alt.Y("Service area:N", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            x=alt.X("Overdue:Q", title="Overdue stages", axis=alt.Axis(tickMinStep=1)),
            tooltip=["Service area", "Overdue"],
        )
    )


def average_days_chart(frame: pd.DataFrame, stage: str, target: int | None = None) -> alt.LayerChart | alt.Chart:
    """Average working days to answer ``stage`` by quarter, a bar per financial year, with the timescale
    as a dashed line when ``target`` is given."""
    data = frame[frame["Stage"] == stage]
    bars = (
        alt.Chart(data, title=f"{stage}: average working days to answer")
        .mark_bar()
        .encode(
            x=alt.X("Quarter:N", title="Quarter of the response", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Financial year:N"),
            y=alt.Y("Average working days:Q", title="Working days"),
            # Years read 2021/22 on the page, as everywhere else; the frame keeps the 2021-22 keys.
            color=alt.Color("Financial year:N", title="Financial year",
                            legend=alt.Legend(labelExpr="replace(datum.label, '-', '/')")),
            tooltip=["Financial year", "Quarter", "Answered", "Average working days"],
        )
    )
    if target is None:
        return bars
    rule = (
        alt.Chart(pd.DataFrame({"Timescale": [target]}))
        .mark_rule(strokeDash=[6, 4], color="#555555")
        .encode(y="Timescale:Q", tooltip=["Timescale"])
    )
    return alt.layer(bars, rule)


def counts_chart(frame: pd.DataFrame, label: str, title: str) -> alt.Chart:
    """A bar per row of a two-column count frame (``label``, Compliments), largest first."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X(f"{frame.columns[1]}:Q", title=frame.columns[1], axis=alt.Axis(tickMinStep=1)),
            tooltip=list(frame.columns),
        )
    )


# ---------------------------------------------------------------------------------------------
# The annual and quarterly reports: fixed widths so that each PNG fits a Word page.

REPORT_WIDTH = 480  # a Word page's width
BAR_COLOUR = "#1F4E79"


def by_year_chart(frame: pd.DataFrame, value: str, title: str) -> alt.Chart:
    """A bar per financial year (column ``Financial year``), oldest on the left, of column ``value``."""
    years = list(frame["Financial year"])
    return (
        alt.Chart(frame, title=title, width=REPORT_WIDTH, height=220)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("Financial year:N", sort=years, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=["Financial year", value],
        )
    )


def breakdown_chart(frame: pd.DataFrame, label: str, value: str, title: str) -> alt.Chart:
    """A horizontal bar per row of ``frame`` in its order (column ``label``), of column ``value``."""
    order = list(frame[label])
    return (
        alt.Chart(frame, title=title, width=REPORT_WIDTH, height=max(80, 24 * len(order)))
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"{value}:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=[label, value],
        )
    )


def quarters_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Average working days by quarter (column ``Quarter``), a bar per stage side by side
    (columns ``Stage`` and ``Average working days``)."""
    return (
        alt.Chart(frame, title=title, width=REPORT_WIDTH, height=220)
        .mark_bar()
        .encode(
            x=alt.X("Quarter:N", title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Stage:N"),
            y=alt.Y("Average working days:Q", title="Average working days"),
            color=alt.Color("Stage:N", title="Stage", scale=alt.Scale(range=[BAR_COLOUR, "#8FAADC"])),
            tooltip=["Quarter", "Stage", "Average working days"],
        )
    )
