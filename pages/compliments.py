"""Compliments: record one (complaints officer, or a service manager for their own areas), list them with
filters, and count them by category, source and service area."""

from datetime import date

import streamlit as st

from learning_tracker import charts, config, ui, widgets
from learning_tracker.read import report_figures, register
from learning_tracker.models import NewCompliment, parse
from learning_tracker.read.register import ComplimentFilter
from learning_tracker.services import compliments, permissions
from learning_tracker.rules import periods

ALL = "All"
PAGE_SIZE = 50

db, actor = ui.page_context()
st.title("Compliments")
widgets.show_flash()
today = date.today()
areas = register.service_areas(db, active_only=True)
sources = config.vocabulary(db, "compliment_source")
categories = config.vocabulary(db, "compliment_category")

own = permissions.areas_to_record_in(actor, areas)
if own:
    with st.expander("Record a compliment", icon=":material/add:"), widgets.form("new_compliment") as form:
        left, middle, right = st.columns(3)
        received_on = left.date_input("Received on", value=today, max_value=today, key=form.field("compliment_received"),
                                      format="DD/MM/YYYY")
        area = middle.selectbox("Service area", own, key=form.field("compliment_area"),
                                index=0 if len(own) == 1 else None, placeholder="Choose a service area")
        source = right.selectbox("From", sources, key=form.field("compliment_source"), index=None,
                                 placeholder="Choose who")
        chosen = st.multiselect("What it was about", categories, key=form.field("compliment_categories"))
        summary = st.text_area("Short summary", key=form.field("compliment_summary"), max_chars=500,
                               help="What was appreciated, without names, addresses or contact details.")
        if st.form_submit_button("Record the compliment", type="primary"):
            widgets.save(lambda: compliments.record_compliment(db, actor, parse(NewCompliment, {
                "received_on": received_on, "service_area": area or "", "source": source or "",
                "categories": chosen, "summary": summary})), f"Compliment for {area} recorded.", form)

years = report_figures.financial_years(db)
compliment_years = [y for y in ([periods.financial_year_of(today)] + years) if y]
compliment_years = list(dict.fromkeys(compliment_years))
row = st.columns(4)
year = row[0].selectbox("Financial year", [*compliment_years, ALL], key="compliments_year",
                        format_func=periods.year_label)
area_ids = row[1].multiselect("Service areas", [a for a, _ in areas], format_func=dict(areas).get,
                              key="compliments_areas", placeholder="All service areas")
source_filter = row[2].selectbox("From", [ALL, *sources], key="compliments_source")
category_filter = row[3].selectbox("About", [ALL, *categories], key="compliments_category")
filters = ComplimentFilter(
    financial_year=None if year == ALL else year,
    service_area_ids=tuple(area_ids),
    source=None if source_filter == ALL else source_filter,
    category=None if category_filter == ALL else category_filter,
)

if st.session_state.get("compliments_filters") != filters:  # new filters start again at page 1
    st.session_state["compliments_filters"] = filters
    st.session_state["compliments_page"] = 1
counts = register.compliment_counts(db, filters)
total = int(counts["source"]["Compliments"].sum())
st.metric("Compliments", f"{total:,}", border=True, width="content")
if not total:
    st.info("No compliments match these filters.")
    st.stop()

by_category, by_source, by_area, listing = st.tabs(["By category", "By source", "By service area", "List"])
for tab, name, label, title in [
    (by_category, "category", "Category", "Compliments by category (one compliment may have several)"),
    (by_source, "source", "Source", "Compliments by who they came from"),
    (by_area, "service_area", "Service area", "Compliments by service area"),
]:
    with tab:
        chart, table = st.columns([3, 2])
        chart.altair_chart(charts.counts_chart(counts[name], label, title), width="stretch")
        with table:
            widgets.table(counts[name], alt=title)
with listing:
    offset = widgets.pager(total, PAGE_SIZE, "compliments_page", "compliments")
    page = register.compliments_list(db, filters, page=offset // PAGE_SIZE + 1, page_size=PAGE_SIZE)
    widgets.table(page.rows, {"Received": widgets.date_column("Received"), "Summary": widgets.Column("Summary", "text")},
                  alt="Compliments")
