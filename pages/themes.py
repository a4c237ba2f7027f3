"""Themes and outcomes: concern categories against outcomes, over time and by service area; response
times against the statutory limits; compliments. Each chart with its table, a plain-English reading,
and downloads (PNG, SVG, CSV). Read by every role."""

import streamlit as st

from learning_tracker import charts, config, ui, widgets
from learning_tracker.read import report_figures, learning_and_actions, themes
from learning_tracker.escaping import csv_bytes
from learning_tracker.escaping import md_escape
from learning_tracker.rules import periods

db, actor = ui.page_context()
st.title("Themes and outcomes")

years = report_figures.financial_years(db)
if not years:
    st.info("No complaints are recorded yet, so there are no themes to show.")
    st.stop()

# --- filters -----------------------------------------------------------------------------------------
procedures = config.vocabulary(db, "procedure")
with st.container(border=True):
    row = st.columns(3)
    chosen_years = row[0].multiselect(
        "Financial years", years, default=years[:1], format_func=periods.year_label,
        placeholder="All years", key="themes_years", help="April to March, by the date a complaint was received",
    )
    chosen_procedures = row[1].multiselect(
        "Procedures", procedures, default=[p for p in procedures if p == "statutory"], placeholder="All procedures",
        key="themes_procedures", help="The annual report's themes are those of statutory complaints",
    )
    chosen_areas = row[2].multiselect("Service areas", learning_and_actions.service_area_names(db), placeholder="All service areas",
                                      key="themes_areas")
filters = themes.ThemeFilters(
    years=tuple(chosen_years), procedures=tuple(chosen_procedures),
    service_area_ids=learning_and_actions.service_area_ids(db, chosen_areas),
)
st.caption(
    "Concerns are counted per concern raised, as the annual report counts them: a complaint raising two "
    "concerns counts under both. Outcomes are the complaints' current ones; \"open\" means none yet. "
    "Compliments follow the years and service areas chosen (a compliment has no procedure)."
)

SHARES = {themes.SHARE: widgets.percent_column(themes.SHARE), themes.UPHELD_RATE: widgets.percent_column(themes.UPHELD_RATE)}


def show(key: str, chart, table, reading: str, column_config: dict | None = None) -> None:
    """A chart across the page, its reading, its figures (folded away) and its downloads. The table used to sit
    beside the chart, which squeezed both: the table was cut off and the chart dropped axis labels."""
    if table.empty:
        st.info("Nothing to show for these filters.")
        return
    st.altair_chart(chart, width="stretch")
    st.markdown(md_escape(reading))
    with st.expander("The figures"):
        widgets.table(table, column_config)
    buttons = st.columns(3)
    # PNG and SVG are rendered only when asked for (vl-convert takes a moment per chart).
    def data(build, suffix: str, what: str):
        # Built and audited at the click, once the session is checked again (widgets.download_data).
        return widgets.download_data(lambda *_: build(), event=f"download themes {what}", entity="report",
                                     file_name=f"{key}.{suffix}")

    buttons[0].download_button("Chart as PNG", data=data(lambda: charts.to_png(chart), "png", "chart"), file_name=f"{key}.png",
                               mime="image/png", key=f"{key}_png", on_click="ignore", icon=":material/image:")
    buttons[1].download_button("Chart as SVG", data=data(lambda: charts.to_svg(chart), "svg", "chart"), file_name=f"{key}.svg",
                               mime="image/svg+xml", key=f"{key}_svg", on_click="ignore", icon=":material/draw:")
    # The table holds category and service area names as the council typed them: written safe for a spreadsheet.
    buttons[2].download_button("Data as CSV",
                               data=data(lambda: csv_bytes(table.columns, table.itertuples(index=False, name=None)),
                                         "csv", "data"),
                               file_name=f"{key}.csv", mime="text/csv",
                               key=f"{key}_csv", on_click="ignore", icon=":material/table:")


concerns_tab, time_tab, areas_tab, timeliness_tab, compliments_tab = st.tabs(
    ["Concerns and outcomes", "Concerns over time", "Service areas", "Response times", "Compliments"]
)

with concerns_tab:
    st.header("Concern category against outcome")
    frame = themes.concerns_by_category_and_outcome(db, filters)
    show("concerns-by-outcome", charts.category_outcome_chart(frame), frame,
         themes.reading_category_outcomes(frame, filters.years), SHARES)

with time_tab:
    st.header("Concerns by category over time")
    period = st.radio("By", ["quarter", "year"], horizontal=True, key="themes_period",
                      format_func=lambda p: f"By {p}", label_visibility="collapsed")
    frame = themes.concerns_over_time(db, filters, period)
    show(f"concerns-by-{period}", charts.concerns_over_time_chart(frame, f"Concerns raised by category and {period}"),
         themes.crosstab(frame, themes.PERIOD, themes.CATEGORY, themes.RAISED) if not frame.empty else frame,
         themes.reading_concerns_over_time(frame))

with areas_tab:
    st.header("Service area against concern category")
    frame = themes.concerns_by_service_area(db, filters)
    show("concerns-by-service-area", charts.service_area_category_chart(frame),
         themes.crosstab(frame, themes.SERVICE_AREA, themes.CATEGORY, themes.RAISED) if not frame.empty else frame,
         themes.reading_service_area_categories(frame))
    st.header("Outcomes by service area")
    frame = themes.outcomes_by_service_area(db, filters)
    show("outcomes-by-service-area", charts.outcomes_by_service_area_chart(frame), frame,
         themes.reading_outcomes_by_service_area(frame), SHARES)

with timeliness_tab:
    st.header("Statutory stage 1 and stage 2: average working days by quarter")
    st.caption("A stage counts when it is the complaint's final statutory stage and was answered, as in the annual "
               "report; the dashed lines are the statutory limits.")
    frame = themes.stage_times_by_quarter(db, filters)
    show("stage-times-by-quarter", charts.stage_times_chart(frame), frame, themes.reading_stage_times(frame),
         {themes.AVERAGE_DAYS: widgets.decimal_column(themes.AVERAGE_DAYS)})

with compliments_tab:
    for key, label, title, query in [
        ("compliments-by-category", themes.COMPLIMENT_CATEGORY, "Compliments by category", themes.compliments_by_category),
        ("compliments-by-source", themes.SOURCE, "Compliments by source", themes.compliments_by_source),
        ("compliments-by-service-area", themes.SERVICE_AREA, "Compliments by service area", themes.compliments_by_service_area),
    ]:
        st.header(title)
        frame = query(db, filters)
        show(key, charts.compliments_chart(frame, label, title), frame, themes.reading_compliments(frame, label))
    st.header("Compliments against complaints by service area")
    frame = themes.compliments_and_complaints_by_service_area(db, filters)
    show("compliments-and-complaints", charts.compliments_and_complaints_chart(frame), frame,
         themes.reading_compliments_and_complaints(frame))
