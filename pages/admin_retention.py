"""Retention and subject access (UK GDPR): the closed complaints past their retention period, anonymised
here or with `learning-tracker retention --apply`; and everything held about one complaint as a file.
Complaints officer only."""

from datetime import date

import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.errors import DomainError
from learning_tracker.services import permissions, retention, subject_access

FILE_KEY = "subject_access_file"
PAGE_SIZE = 50

db, actor = ui.page_context()
st.title("Retention")
widgets.show_flash()
today = date.today()

due_tab, access_tab = st.tabs(["Due for retention", "Subject access"])

with due_tab:
    years = retention.retention_years(db)
    st.caption(
        f"A complaint is kept {years} years after it closed (its outcome, its last stage's response or its "
        "referral to the Ombudsman, whichever was last). Then it is anonymised: its reference is replaced by a "
        "token and its free text (the reason no learning was identified, extension reasons, the forum's notes "
        "on it) is removed, here and in the audit log. Its dates, procedure, service area, stages, outcome, "
        "concerns and equality data stay, so every report gives the same figures; so do the learning points "
        "and actions drawn from it, which are the service's learning.")
    total = retention.due_count(db, today)
    if not total:
        st.info(f"No closed complaint is past its retention period today ({widgets.long_date(today)}).")
    else:
        # One page at a time: a council's first run may find tens of thousands due.
        offset = widgets.pager(total, PAGE_SIZE, "retention_page", "complaints due")
        due = retention.due_for_retention(db, today, limit=PAGE_SIZE, offset=offset)
        widgets.table(
            due[["reference", "service_area", "procedure", "received_on", "closed_on", "due_on"]],
            {"reference": "Reference", "service_area": "Service area", "procedure": "Procedure",
             "received_on": widgets.date_column("Received"), "closed_on": widgets.date_column("Closed"),
             "due_on": widgets.date_column("Due for retention")},
            alt="Closed complaints past their retention period",
        )
        with widgets.form("apply_retention") as form:
            confirmed = st.checkbox(
                f"Anonymise these {total:,} complaints now: their references and free text cannot be brought back",
                key=form.field("retention_confirmed"))
            if st.form_submit_button("Anonymise", type="primary"):
                if not confirmed:
                    st.error("Nothing was changed. Please correct:\n\n- tick the box to confirm the anonymisation")
                else:
                    widgets.save(lambda: retention.apply_retention(db, actor, today), lambda run: run.sentence(), form)
    st.caption("From the command line (for example once a month from a scheduled job): "
               "`learning-tracker retention` lists them, `learning-tracker retention --apply` anonymises them.")

with access_tab:
    st.caption(subject_access.ABOUT + " The request is recorded in the audit log.")
    with st.form("subject_access"):
        reference = st.text_input("Complaint reference", key="subject_access_reference", max_chars=200)
        if st.form_submit_button("Gather what is held", type="primary"):
            try:
                st.session_state[FILE_KEY] = subject_access.subject_access_file(db, actor, reference)
            except DomainError as error:
                st.session_state.pop(FILE_KEY, None)
                ui.show_error(error)
    ready = st.session_state.get(FILE_KEY)
    if ready:
        filename, content = ready
        # The file is kept for this session only; the click checks the session again (widgets.download_data).
        st.download_button(f"Download {filename}", widgets.download_data(
            lambda connection, who: content, event="download subject access file", entity="complaint",
            file_name=filename, allowed=permissions.manages_records), file_name=filename, mime="application/json",
            key="subject_access_download", icon=":material/download:", on_click="ignore")
    st.caption("From the command line: `learning-tracker subject-access REFERENCE --output FILE.json`.")
