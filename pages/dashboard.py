"""Monitoring dashboard: the complaints open today and their RAG, what is due this week, what is overdue by
service area, how long stages 1 and 2 take by quarter, and how many complaints go on to stage 2."""

from datetime import date

import streamlit as st

from learning_tracker import charts, ui, widgets
from learning_tracker.read import monitoring
from learning_tracker.reports import rag
from learning_tracker.rules import periods

db, actor = ui.page_context()
st.title("Monitoring dashboard")

as_of = st.date_input("As of", value=date.today(), key="dashboard_as_of", format="DD/MM/YYYY",
                      help="Open steps, RAG and due dates are worked out for this day.")
year = periods.financial_year_of(as_of)
previous = periods.previous_financial_year(year)

figures = monitoring.headline(db, as_of)
rate, rate_before = monitoring.escalation_rate(db, year), monitoring.escalation_rate(db, previous)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


columns = st.columns(4)
columns[0].metric("Open steps", f"{figures['open']:,}", border=True)
columns[1].metric("Overdue (Red)", f"{figures['overdue']:,}", border=True)
columns[2].metric("Due this week", f"{figures['due_this_week']:,}", border=True,
                  help=f"Open steps due from {periods.long_date(as_of)} to {periods.long_date(monitoring.end_of_week(as_of))}.")
columns[3].metric(
    f"Escalated to stage 2, {periods.year_label(year)}", percent(rate["rate"]), border=True,
    delta=f"{periods.year_label(previous)}: {percent(rate_before['rate'])}", delta_color="off", delta_arrow="off",
    help=f"{rate['escalated']} of the {rate['answered_at_stage_1']} statutory and corporate complaints received in "
         f"{periods.year_label(year)} whose stage 1 was answered went on to stage 2.")

left, right = st.columns(2)
open_frame = monitoring.open_by_stage_and_rag(db, as_of)
with left:
    if open_frame.empty:
        st.info("No complaint stage is open.")
    else:
        st.altair_chart(charts.open_by_stage_chart(open_frame), width="stretch")
        with st.expander("The figures"):  # the chart's figures for those who cannot see it
            widgets.table(open_frame, alt="Open steps by stage and RAG", style=rag.styled)
overdue = monitoring.overdue_by_service_area(db, as_of)
with right:
    if overdue.empty:
        st.info("No complaint stage is overdue.")
    else:
        st.altair_chart(charts.overdue_by_area_chart(overdue), width="stretch")
        with st.expander("The figures"):
            widgets.table(overdue, {"Overdue": widgets.Column("Overdue stages", "count")},
                          alt="Overdue stages by service area")

st.header("Due this week")
due = monitoring.due_this_week(db, as_of)
if due.empty:
    st.caption("Nothing else falls due this week.")
else:
    widgets.table(due, {"Due": widgets.date_column("Due")}, style=rag.styled)

st.header("Working days to answer, by quarter")
procedure = st.segmented_control("Procedure", ["statutory", "corporate"], default="statutory", required=True,
                                 key="dashboard_procedure")
averages = monitoring.average_working_days_by_quarter(db, as_of, procedure=procedure)
targets = monitoring.timescale_targets(db, procedure)
st.caption(f"Stages answered in {periods.year_label(previous)} and {periods.year_label(year)}, by the quarter of the "
           "response (April to June is Q1); withdrawals are left out. The dashed line is the timescale.")
chart_columns = st.columns(2)
for column, stage in zip(chart_columns, ["Stage 1", "Stage 2"]):
    with column:
        st.altair_chart(charts.average_days_chart(averages, stage, targets.get(stage)),
                        width="stretch")
with st.expander("The figures"):
    widgets.table(averages, {"Average working days": widgets.decimal_column("Average working days")},
                  alt="Stages answered and their average working days, by quarter")
