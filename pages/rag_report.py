"""The weekly RAG report: every step of a complaint still waiting on a date (an acknowledgement, a response, a
review panel's meeting or report, the council's response), by service area, Red first, with CSV and Excel
downloads. A service manager sees their own areas unless they ask for all."""

from datetime import date

import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.reports import rag
from learning_tracker.services import permissions
from learning_tracker.services.core import service_area_name
from learning_tracker.rules import periods
from learning_tracker.rules import rag as rag_rule
from learning_tracker.read import open_stages
from learning_tracker.escaping import md_escape

db, actor = ui.page_context()
st.title("RAG report")
amber = config.amber_threshold(db)
st.caption(f"Every step of a complaint still waiting on the date below: its acknowledgement, its response and, "
           f"at a review panel, the panel's meeting and report before the council's response. **Red**: past its (extended) "
           f"due date; **Amber**: due within {amber} working days, counting that date as the first; **Green**: later.")

left, right = st.columns([1, 2])
as_of = left.date_input("As of", value=date.today(), key="rag_as_of", format="DD/MM/YYYY")
area_ids = None
own_areas = permissions.own_service_areas(actor)
if own_areas:
    names = ", ".join(md_escape(name) for name in sorted(service_area_name(db, a) for a in own_areas))
    every_area = right.toggle("Show every service area", key="rag_all_areas",
                              help=f"Off: only your service areas ({names}).")
    if not every_area:
        area_ids = list(own_areas)
        right.caption(f"Your service areas: {names}.")

rows = open_stages.rag_rows(db, as_of, area_ids)
counts = open_stages.rag_counts(rows)
metrics = st.columns(4)
metrics[0].metric("Open steps", f"{len(rows):,}", border=True)
for column, colour in zip(metrics[1:], rag_rule.RAG_ORDER):
    column.metric(f":{rag_rule.RAG_MARKDOWN_COLOURS[colour]}[{colour}]", f"{counts[colour]:,}", border=True)

stamp = as_of.isoformat()
downloads = st.columns(2)
# Built only when clicked: the Excel file of a long list takes longer than the page itself.
downloads[0].download_button("Download CSV", widgets.download_data(
    lambda *_: rag.to_csv(rows), event="download rag report", entity="report", file_name=f"rag-report-{stamp}.csv"),
                             file_name=f"rag-report-{stamp}.csv", mime="text/csv",
                             icon=":material/download:", key="rag_csv")
downloads[1].download_button(
    "Download Excel", widgets.download_data(lambda *_: rag.to_excel(rows, as_of, amber_working_days=amber),
                                            event="download rag report", entity="report",
                                            file_name=f"rag-report-{stamp}.xlsx"),
    file_name=f"rag-report-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:", key="rag_xlsx")

if not rows:
    st.info(f"No complaint step is open on {periods.long_date(as_of)}.")
    st.stop()

frame = rag.rag_frame(rows)
shown = [rag.HEADINGS[c] for c in open_stages.COLUMNS if c != "service_area"]
for area, group in frame.groupby("Service area", sort=False):
    group_counts = group["RAG"].value_counts()
    summary = " · ".join(f":{rag_rule.RAG_MARKDOWN_COLOURS[c]}[{group_counts[c]} {c}]" for c in rag_rule.RAG_ORDER if c in group_counts)
    st.header(md_escape(area))
    st.markdown(summary)
    widgets.table(group[shown], {"Stage": widgets.number_column("Stage"),
                                 "Clock started": widgets.date_column("Clock started"), "Due": widgets.date_column("Due"),
                                 "Working days left": widgets.Column("Working days left", "count")},
                  alt=f"Open steps of {area}", style=rag.styled)
