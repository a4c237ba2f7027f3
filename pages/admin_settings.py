"""Timescales and the RAG threshold: the working days each stage has, how far it may be extended, and
when an open stage turns Amber on the weekly RAG report; and the pattern every new complaint reference must
match. Complaints officer only."""

import pandas as pd
import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.models import TimescaleChange, parse
from learning_tracker.services import configuration
from learning_tracker.escaping import md_escape
from learning_tracker.rules import periods

db, actor = ui.page_context()
st.title("Timescales and RAG")
widgets.show_flash()

st.header("Timescales")
table = configuration.timescales(db)


def days(value) -> str:
    """A number of working days from the table (pandas gives NaN for none)."""
    return "" if pd.isna(value) else f"{int(value)}"


widgets.table(
    table[["procedure", "stage", "clock_starts", "due_working_days"]].assign(
        max_working_days=["no extension" if pd.isna(n) else f"{int(n)}" for n in table["max_working_days"]],
        acknowledge_working_days=[days(n) for n in table["acknowledge_working_days"]],
        panel=["" if pd.isna(m) else f"meets within {int(m)}, reports within {int(r)}"
               for m, r in zip(table["panel_meeting_working_days"], table["panel_report_working_days"])]),
    {"procedure": "Procedure", "stage": widgets.number_column("Stage"), "clock_starts": "Response clock starts at",
     "due_working_days": "Response due (working days)", "max_working_days": "Extended at most to",
     "acknowledge_working_days": "Acknowledged within", "panel": "Review panel (working days)"},
    alt="Timescales",
)
st.caption("A change applies to stages opened from now on; a stage already open keeps the due dates it was given. "
           f"Corporate complaints received from {periods.long_date(config.code_applies_from(db))} follow the "
           "Complaint Handling Code: their response clocks start at the acknowledgement.")
choices = {(r.procedure, int(r.stage)): r for r in table.itertuples()}
chosen = st.selectbox("Timescale to change", list(choices), key="timescale_choice",
                      format_func=lambda k: f"{k[0]} stage {k[1]}" if k[0] != "informal" else "informal")
if chosen is not None:
    row = choices[chosen]
    version = widgets.version_read(f"timescale-{chosen[0]}-{chosen[1]}", int(row.version))
    with widgets.form(f"timescale_{chosen[0]}_{chosen[1]}") as form:
        starts = configuration.clock_start_choices(*chosen, row.clock_starts)
        if len(starts) > 1:
            clock = st.selectbox("The response clock starts at", starts, index=starts.index(row.clock_starts))
        else:
            clock = row.clock_starts
            st.markdown(f"The response clock starts at the **{clock}** (the procedure fixes it for this stage).")
        due = st.number_input("Response due after (working days)", min_value=1, max_value=365,
                              value=int(row.due_working_days))
        has_max = not pd.isna(row.max_working_days)
        most = st.number_input("Extended at most to (working days; 0 for no extension)", min_value=0, max_value=365,
                               value=int(row.max_working_days) if has_max else 0)
        acknowledge = st.number_input("Acknowledged within (working days)", min_value=1, max_value=365,
                                      value=int(row.acknowledge_working_days) if days(row.acknowledge_working_days) else 5)
        panel = {}
        if not pd.isna(row.panel_meeting_working_days):
            panel = {
                "panel_meeting_working_days": st.number_input(
                    "The panel meets within (working days of the request)", min_value=1, max_value=365,
                    value=int(row.panel_meeting_working_days)),
                "panel_report_working_days": st.number_input(
                    "The panel reports within (working days of meeting)", min_value=1, max_value=365,
                    value=int(row.panel_report_working_days)),
            }
        if st.form_submit_button("Save timescale", type="primary"):
            widgets.save(lambda: configuration.change_timescale(db, actor, chosen[0], chosen[1], version, parse(
                TimescaleChange, {"due_working_days": int(due), "max_working_days": int(most) or None,
                                  "clock_starts": clock, "acknowledge_working_days": int(acknowledge),
                                  **{k: int(v) for k, v in panel.items()}})),
                f"Saved the timescale of {chosen[0]} stage {chosen[1]}.", form)

st.header("RAG report")
amber, amber_version = configuration.amber_setting(db)
amber_version = widgets.version_read("setting-rag_amber_working_days", amber_version)
with widgets.form("amber_threshold") as form:
    days = st.number_input("An open step is Amber when it is due within this many working days (today counts as the first)",
                           min_value=0, max_value=configuration.MAX_AMBER_WORKING_DAYS, value=amber)
    if st.form_submit_button("Save threshold", type="primary"):
        widgets.save(lambda: configuration.change_amber_threshold(db, actor, amber_version, int(days)),
                     f"Open steps now turn Amber {int(days)} working days before they are due.", form)

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
