"""Practice Improvement Forum: a meeting's pack (open learning and its actions, overdue first; what is new
or changed since the previous meeting; learning gaps) and what the forum decided about each item.
Every role reads; forum members and the complaints officer set up meetings and record decisions."""

from datetime import date

import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.errors import InvalidInput, Problem
from learning_tracker.escaping import md_escape
from learning_tracker.read import learning_and_actions
from learning_tracker.models import ForumDecision, NewForumMeeting, parse
from learning_tracker.reports import forum_pack
from learning_tracker.rules import periods
from learning_tracker.services import forum as forum_services
from learning_tracker.services import permissions

# Role titles offered for attendance; others can be typed in. Role titles only: no names are needed.
ATTENDEE_ROLES = [
    "Practice Improvement Forum Chair", "Complaints Officer", "Head of Service", "Service Managers",
    "Principal Social Worker", "Independent Reviewing Officer", "Quality Assurance Lead", "Senior Leadership Team",
]

# Every table of the pack shows dates and times as the users write them, numbers of records as numbers (not
# counts), and the users' words as written.
COLUMNS = {"Item": widgets.Column("Item", "text"), "Note": widgets.Column("Note", "text"),
           "Description": widgets.Column("Description", "text"), "Recorded at": widgets.time_column("Recorded at"),
           "When": widgets.time_column("When"), "Created on": widgets.date_column("Created on"),
           "Due": widgets.date_column("Due"), "Received": widgets.date_column("Received"),
           "Oldest received": widgets.date_column("Oldest received"),
           "Learning point": widgets.number_column("Learning point"), "Action": widgets.number_column("Action")}

db, actor = ui.page_context()
st.title("Practice Improvement Forum")
widgets.show_flash()
today = date.today()
can_record = permissions.records_forum_decisions(actor)

meetings = forum_pack.meetings(db)

# --- a new meeting ---------------------------------------------------------------------------------
if can_record:
    with st.expander("Set up a meeting", expanded=meetings.empty, icon=":material/add:"):
        with widgets.form("forum_new_meeting") as new_meeting:
            held_on = st.date_input("Meeting date", value=today, format="DD/MM/YYYY",
                                    key=new_meeting.field("forum_new_date"))
            roles = st.multiselect("Attendees (role titles; no names are needed)", ATTENDEE_ROLES,
                                   key=new_meeting.field("forum_new_roles"))
            others = st.text_input("Other attendees (role titles, separated by commas)",
                                   key=new_meeting.field("forum_new_others"))
            submitted = st.form_submit_button("Set up the meeting", key=new_meeting.field("forum_new_submit"))
        if submitted:
            attendees = [*roles, *(o.strip() for o in others.split(",") if o.strip())]
            def create() -> None:
                st.session_state["forum_meeting"] = forum_services.create_meeting(
                    db, actor, parse(NewForumMeeting, {"held_on": held_on, "attendees": attendees}))
            widgets.save(create, f"Meeting of {periods.long_date(held_on)} set up.", new_meeting,
                         free_text={"Other attendees": others})
else:
    st.caption("You can read every meeting's pack and decisions; forum members and the complaints officer record them.")

if meetings.empty:
    st.info("No forum meetings yet." + (" Set one up above." if can_record else ""))
    st.stop()

# --- which meeting -----------------------------------------------------------------------------------
labels = {
    # The date only: a count in the label would go stale in the closed box after a decision is recorded.
    int(r.id): periods.long_date(r.held_on)
    for r in meetings.itertuples()
}
if st.session_state.get("forum_meeting") not in labels:
    st.session_state["forum_meeting"] = next(iter(labels))
row = st.columns([2, 2, 2])
meeting_id = row[0].selectbox("Meeting", list(labels), format_func=labels.get, key="forum_meeting")
chosen_areas = row[1].multiselect("Service areas", learning_and_actions.service_area_names(db), placeholder="All service areas",
                                  key="forum_areas")
chosen_themes = row[2].multiselect("Themes", config.concern_categories(db), placeholder="All themes", key="forum_themes")

pack = forum_pack.build(db, meeting_id, today=today, service_area_ids=learning_and_actions.service_area_ids(db, chosen_areas),
                        themes=tuple(chosen_themes))
previous = f"the previous meeting ({pack.previous.title})" if pack.previous else "four weeks before (no earlier meeting)"
st.caption(
    f"Attendees: {', '.join(md_escape(a) for a in pack.meeting.attendees) or 'not recorded'}. New or changed since {previous}; overdue "
    f"as of {periods.long_date(pack.as_of)}; statuses as they stand now."
)
st.download_button(
    "Download the pack (Word)",
    data=widgets.download_data(lambda *_: forum_pack.to_docx(pack), event="download forum pack", entity="forum_meeting",
                               entity_id=meeting_id,
                               file_name=f"practice-improvement-forum-{pack.meeting.held_on.isoformat()}.docx"),
    file_name=f"practice-improvement-forum-{pack.meeting.held_on.isoformat()}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="forum_pack_docx", on_click="ignore", icon=":material/description:",
)

metrics = st.columns(4)
metrics[0].metric("Open learning points", f"{pack.learning_points_total:,}", border=True)
metrics[1].metric("Overdue actions", f"{pack.overdue_actions:,}", border=True)
metrics[2].metric("Changes since last meeting", f"{pack.new_learning_points_total + pack.action_updates_total:,}",
                  border=True)
metrics[3].metric("Learning gaps", f"{pack.gaps_total:,}", border=True)

# --- decisions -----------------------------------------------------------------------------------------
st.header("Decisions")
items = forum_pack.decision_items(pack)
# The learning point versions shown in the previous run are the ones a closing decision was read from.
read_versions = {item.id: widgets.version_read(f"learning_point:{item.id}", item.version)
                 for item in items if item.kind == "learning point"}
if can_record and items:
    by_key = {f"{item.kind}:{item.id}": item for item in items}
    # Nothing is chosen for the user: a decision recorded on the wrong item, or a "noted" nobody chose, would be
    # worse than a form that asks for both.
    with widgets.form("forum_decision_form") as decision_form:
        chosen = st.selectbox("Item", list(by_key), format_func=lambda k: by_key[k].label, index=None,
                              key=decision_form.field("forum_item"), placeholder="Choose an item of the pack")
        decision = st.selectbox("Decision", config.vocabulary(db, "forum_decision"), index=None,
                                key=decision_form.field("forum_decision"), placeholder="Choose the decision")
        note = st.text_area("Note", key=decision_form.field("forum_note"),
                            help="Needed when escalating or asking for a new action: say what and who.")
        submitted = st.form_submit_button("Record the decision", key=decision_form.field("forum_decision_submit"))
    if submitted:
        item = by_key.get(chosen)

        def record() -> None:
            if item is None:
                raise InvalidInput([Problem("item", None, "is required")]
                                   + ([Problem("decision", None, "is required")] if decision is None else []))
            forum_services.record_decision(db, actor, meeting_id, parse(ForumDecision, {
                "item": item.kind, "item_id": item.id, "decision": decision, "note": note,
                "read_version": read_versions.get(item.id) if item.kind == "learning point" else None}))
        widgets.save(record, lambda _: f"Recorded for {item.name}: {decision}.", decision_form, free_text={"Note": note})
elif can_record:
    st.caption("Nothing in this pack to decide on.")

if pack.decisions.empty:
    st.caption("No decisions recorded at this meeting yet.")
else:
    widgets.table(pack.decisions.drop(columns=["item", "item_id"]), COLUMNS, alt="Decisions recorded at this meeting")

# --- the pack -----------------------------------------------------------------------------------------


def shown(count: int, total: int, what: str) -> None:
    st.caption(forum_pack.count_caption(count, total, what))


st.header("The pack")
learning_tab, actions_tab, changes_tab, gaps_tab = st.tabs(
    ["Open learning", "Actions, overdue first", "New or changed", "Learning gaps"])
with learning_tab:
    if pack.summary.empty:
        st.info("No open learning points.")
    else:
        widgets.table(pack.summary, alt="Open learning by service area and theme")
        shown(len(pack.learning_points), pack.learning_points_total, "open learning points (those with overdue actions first)")
        widgets.table(pack.learning_points.drop(columns=["version"]), COLUMNS, alt="Open learning points")
with actions_tab:
    if pack.actions.empty:
        st.info("No actions on open learning points.")
    else:
        shown(len(pack.actions), pack.actions_total, f"actions of open learning points ({pack.overdue_actions} overdue)")
        widgets.table(pack.actions, COLUMNS, alt="Actions of open learning points, overdue first")
with changes_tab:
    st.subheader(f"New learning points since {periods.long_date(pack.since)}")
    shown(len(pack.new_learning_points), pack.new_learning_points_total, "new learning points")
    if not pack.new_learning_points.empty:
        widgets.table(pack.new_learning_points, COLUMNS, alt="New learning points")
    st.subheader(f"Action updates since {periods.long_date(pack.since)}")
    shown(len(pack.action_updates), pack.action_updates_total, "action updates (newest first)")
    if not pack.action_updates.empty:
        updates = pack.action_updates.assign(
            **{"What changed": [widgets.HISTORY_KINDS.get(k, k) for k in pack.action_updates["What changed"]]})
        widgets.table(updates, COLUMNS, alt="Action updates")
with gaps_tab:
    if pack.gaps.empty:
        st.info("No learning gaps: every upheld or partly upheld complaint has learning or a recorded decision.")
    else:
        widgets.table(pack.gaps_by_area, COLUMNS, alt="Learning gaps by service area")
        shown(len(pack.gaps), pack.gaps_total, "learning gaps")
        widgets.table(pack.gaps.drop(columns=["complaint_id"]), COLUMNS, alt="Learning gaps")
