"""Audit log: every write and every refusal, who, when, before and after. Filter by person, kind of
record, record number, dates and outcome; page through it; export what the filter matches as CSV.
Complaints officer only."""

from datetime import date

import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.services import audit_log

PAGE_SIZE = 50
ANYONE, ANY = "anyone", "any"

db, actor = ui.page_context()
st.title("Audit log")

choices = audit_log.audit_choices(db)
people = dict(choices["users"])
columns = st.columns(3)
user_id = columns[0].selectbox("Person", [None, *people], format_func=lambda u: ANYONE if u is None else people[u],
                               key="audit_user")
entity = columns[1].selectbox("Kind of record", [None, *choices["entities"]],
                              format_func=lambda e: ANY if e is None else e.replace("_", " "), key="audit_entity")
record = columns[2].number_input("Record number (0 for any)", min_value=0, step=1, key="audit_record")
columns = st.columns(3)
date_from = columns[0].date_input("From", value=None, max_value=date.today(), key="audit_from", format="DD/MM/YYYY")
date_to = columns[1].date_input("To", value=None, max_value=date.today(), key="audit_to", format="DD/MM/YYYY")
outcome = columns[2].selectbox("Outcome", [None, "done", "refused"], format_func=lambda o: o or ANY, key="audit_outcome")

filters = audit_log.AuditFilter(user_id=user_id, entity=entity, entity_id=int(record) or None,
                            date_from=date_from, date_to=date_to, outcome=outcome)
_, total = audit_log.audit_log(db, actor, filters, limit=0)
offset = widgets.pager(total, PAGE_SIZE, key="audit_page", what="events")
events, _ = audit_log.audit_log(db, actor, filters, limit=PAGE_SIZE, offset=offset)
if events.empty:
    filtered = any(value is not None for value in vars(filters).values())
    st.info("No audit events match these filters." if filtered else
            "No audit events are recorded yet: every change and every refused attempt will be listed here.")
else:
    widgets.table(
        events.drop(columns=["user_id"]).assign(entity=events["entity"].str.replace("_", " ")),
        {"id": widgets.number_column("Event"), "user_email": "Who", "event": "What", "entity": "Record",
         "at": widgets.time_column("When"), "entity_id": widgets.number_column("Number"), "outcome": "Outcome",
         "message": widgets.Column("Message", "text"), "before": widgets.Column("Before", "text"),
         "after": widgets.Column("After", "text")},
        alt="Audit events, newest first",
    )


def _export(connection, who, filters: audit_log.AuditFilter = filters) -> bytes:
    # Runs at the click, on the connection and for the user widgets.download_data has checked again.
    return audit_log.audit_csv(connection, who, filters)


label = "Export this event as CSV" if total == 1 else f"Export these {total} events as CSV"
st.download_button(label, data=widgets.download_data(_export, event="download audit log", entity="audit_events",
                                                    file_name=f"audit-log-{date.today()}.csv"),
                   file_name=f"audit-log-{date.today()}.csv",
                   mime="text/csv", icon=":material/download:", disabled=not total, key="audit_export")
