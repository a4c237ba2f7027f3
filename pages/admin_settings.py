"""Timescales and the RAG threshold: the working days each stage has, how far it may be extended, and
when an open stage turns Amber on the weekly RAG report; and the pattern every new complaint reference must
match. Complaints officer only."""

import pandas as pd
import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.models import TimescaleChange, parse
from learning_tracker.services import configuration
from learning_tracker.escaping import md_escape

db, actor = ui.page_context()
st.title("Timescales and RAG")
widgets.show_flash()

st.header("Timescales")
table = configuration.timescales(db)
widgets.table(
    table[["procedure", "stage", "clock_starts", "due_working_days"]].assign(
        max_working_days=["no extension" if pd.isna(n) else f"{int(n)}" for n in table["max_working_days"]]),
    {"procedure": "Procedure", "stage": widgets.number_column("Stage"), "clock_starts": "Clock starts",
     "due_working_days": "Due (working days)", "max_working_days": "Extended at most to"},
    alt="Timescales",
)
st.caption("A change applies to stages opened from now on; a stage already open keeps the due date it was given.")
choices = {(r.procedure, int(r.stage)): r for r in table.itertuples()}
chosen = st.selectbox("Timescale to change", list(choices), key="timescale_choice",
                      format_func=lambda k: f"{k[0]} stage {k[1]}" if k[0] != "informal" else "informal")
if chosen is not None:
    row = choices[chosen]
    version = widgets.version_read(f"timescale-{chosen[0]}-{chosen[1]}", int(row.version))
    with widgets.form(f"timescale_{chosen[0]}_{chosen[1]}") as form:
        due = st.number_input("Due after (working days)", min_value=1, max_value=365, value=int(row.due_working_days))
        has_max = row.max_working_days == row.max_working_days and row.max_working_days is not None  # NaN when none
        most = st.number_input("Extended at most to (working days; 0 for no extension)", min_value=0, max_value=365,
                               value=int(row.max_working_days) if has_max else 0)
        if st.form_submit_button("Save timescale", type="primary"):
            widgets.save(lambda: configuration.change_timescale(db, actor, chosen[0], chosen[1], version, parse(
                TimescaleChange, {"due_working_days": int(due), "max_working_days": int(most) or None})),
                f"Saved the timescale of {chosen[0]} stage {chosen[1]}.", form)

st.header("RAG report")
amber, amber_version = configuration.amber_setting(db)
amber_version = widgets.version_read("setting-rag_amber_working_days", amber_version)
with widgets.form("amber_threshold") as form:
    days = st.number_input("An open stage is Amber when it is due within this many working days (today counts as the first)",
                           min_value=0, max_value=configuration.MAX_AMBER_WORKING_DAYS, value=amber)
    if st.form_submit_button("Save threshold", type="primary"):
        widgets.save(lambda: configuration.change_amber_threshold(db, actor, amber_version, int(days)),
                     f"Open stages now turn Amber {int(days)} working days before they are due.", form)

st.header("Complaint references")
pattern, pattern_version = configuration.reference_pattern_setting(db)
pattern_version = widgets.version_read("setting-complaint_reference_pattern", pattern_version)
st.caption(f"A new complaint's reference (recorded or imported) {md_escape(configuration.describe_reference_pattern(pattern))}. "
           "References keep names, dates of birth and addresses out of the records: the case system holds those.")
with widgets.form("reference_pattern") as form:
    new_pattern = st.text_input("Every new reference must match this regular expression", value=pattern, max_chars=200,
                                key=form.field("reference_pattern"),
                                help=r"For example [A-Za-z0-9/-]{1,40}: letters, digits, '-' and '/', up to 40 characters.")
    if st.form_submit_button("Save reference pattern", type="primary"):
        widgets.save(lambda: configuration.change_reference_pattern(db, actor, pattern_version, new_pattern),
                     lambda _: f"New references {configuration.describe_reference_pattern(new_pattern.strip())}.", form)
