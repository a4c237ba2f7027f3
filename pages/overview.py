"""Overview: the key facts of a financial year, each beside the year before."""

from datetime import date

import streamlit as st

from learning_tracker import ui
from learning_tracker.read import report_figures, key_facts
from learning_tracker.rules import periods

db, actor = ui.page_context()
st.title("Overview")

years = report_figures.financial_years(db)
if not years:
    st.info("No complaints are recorded yet. The complaints officer can record one on the Complaints page or import them.")
    st.stop()

year = st.selectbox("Financial year", years, format_func=periods.year_label, help="April to March", key="overview_year")
previous = periods.previous_financial_year(year)
facts = key_facts.key_facts(db, year, as_of=date.today())
st.caption(f"Key facts for {year.replace('-', '/')}, computed from the records as of {periods.long_date(date.today())}; "
           f"the smaller figure is {previous.replace('-', '/')}'s where that year holds records.")

columns = st.columns(4)
for index, fact in enumerate(facts):
    with columns[index % 4]:
        st.metric(
            fact["label"],
            fact["text"],
            delta=fact["previous_text"] and f"{previous.replace('-', '/')}: {fact['previous_text']}",
            delta_color="off",
            delta_arrow="off",
            help=fact.get("help"),
            border=True,
        )
