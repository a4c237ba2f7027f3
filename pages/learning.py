"""Learning and actions: every learning point with its complaints, actions and their history; the
improvement actions, overdue first; and the learning gaps. Read by every role; the complaints officer
may also close a learning point here."""

from datetime import date

import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.read import learning_and_actions
from learning_tracker.read.learning_and_actions import Filters
from learning_tracker.escaping import md_escape
from learning_tracker.services import learning_points, permissions
from learning_tracker.rules import vocabulary

ACTIONS_PAGE_SIZE = 25
POINTS_PAGE_SIZE = 10
GAPS_PAGE_SIZE = 50
ANY_TIME = "any time"
ANYONE = 0
COMPLAINT_COLUMNS = {"reference": "Complaint", "received_on": widgets.date_column("Received"),
                     "service_area": "Service area", "procedure": "Procedure", "outcome": "Outcome",
                     "outcome_on": widgets.date_column("Outcome on")}

db, actor = ui.page_context()
st.title("Learning and actions")
widgets.show_flash()
today = date.today()

# --- filters ----------------------------------------------------------------------------------------
with st.container(border=True):
    row1 = st.columns(3)
    areas = row1[0].multiselect("Service area", learning_and_actions.service_area_names(db), key="learning_areas",
                                placeholder="All service areas")
    themes = row1[1].multiselect("Theme", config.concern_categories(db), key="learning_themes", placeholder="All themes")
    reference = row1[2].text_input("From complaint (reference)", key="learning_complaint")
    row2 = st.columns(3)
    statuses = row2[0].multiselect("Action status", vocabulary.ACTION_STATUSES, key="learning_statuses",
                                   placeholder="Any status")
    owners = dict([(ANYONE, "anyone"), *learning_and_actions.action_owners(db)])
    owner = row2[1].selectbox("Action owner", list(owners), format_func=owners.get, key="learning_owner")
    window = row2[2].selectbox("Due", [ANY_TIME, *learning_and_actions.DUE_WINDOWS], key="learning_due")

filters = Filters(
    service_area_ids=learning_and_actions.service_area_ids(db, areas),
    themes=tuple(themes),
    statuses=tuple(statuses),
    owner_id=None if owner == ANYONE else owner,
    due_window=None if window == ANY_TIME else window,
    complaint_reference=reference.strip() or None,
)

counts = learning_and_actions.action_counts(db, filters, today)
metrics = st.columns(4)
metrics[0].metric("Open actions", f"{counts['open']:,}", border=True)
metrics[1].metric("Overdue", f"{counts['overdue']:,}", border=True)
metrics[2].metric("Due within 7 days", f"{counts['due_in_7_days']:,}", border=True)
metrics[3].metric("Completed, awaiting verification", f"{counts['awaiting_verification']:,}", border=True)

def with_when(frame):
    return frame.assign(when=[learning_and_actions.due_text(d, s, today) for d, s in zip(frame["due_on"], frame["status"])])


def actions_tab() -> None:
    if not counts["actions"]:
        st.info("No improvement actions match these filters.")
        return
    offset = widgets.pager(counts["actions"], ACTIONS_PAGE_SIZE, "learning_actions_page", "actions")
    frame, _ = learning_and_actions.actions(db, filters, today, limit=ACTIONS_PAGE_SIZE, offset=offset)
    widgets.table(
        with_when(frame)[["id", "when", "due_on", "description", "status", "priority", "service_area", "owner",
                          "theme", "learning_point_id", "complaints"]],
        {**widgets.ACTION_TABLE_COLUMNS, "theme": "Theme", "complaints": "From complaints"},
        alt="Improvement actions, overdue first",
    )


def close_form(point: dict) -> None:
    read_version = widgets.version_read(f"learning-point:{point['id']}", point["version"])
    with widgets.form(f"close-{point['id']}") as form:
        note = st.text_input("Why it can close (e.g. the forum's decision)", key=form.field(f"close-note-{point['id']}"))
        if st.form_submit_button("Close this learning point", key=form.field(f"close-button-{point['id']}")):
            widgets.save(lambda: learning_points.close_learning_point(db, actor, point["id"], read_version, note),
                         f"Learning point {point['id']} is closed.", form,
                         free_text={"Why it can close": note})


def learning_point_detail(point_id: int) -> None:
    detail = learning_and_actions.learning_point(db, point_id, today)
    point = detail.point
    st.markdown(md_escape(point["description"]))
    st.caption(f"{md_escape(point['service_area'])} · {md_escape(point['theme'])} · {point['status']} · recorded on "
               f"{widgets.long_date(point['created_on'])}"
               + (f" by {md_escape(point['created_by_name'])}" if point["created_by_name"] else ""))
    st.markdown("**Complaints**")
    widgets.table(detail.complaints, COMPLAINT_COLUMNS, alt=f"Complaints of learning point {point_id}")
    st.markdown("**Improvement actions**")
    if detail.actions.empty:
        st.caption("No improvement actions yet.")
    for action in detail.actions.itertuples():
        when = learning_and_actions.due_text(action.due_on, action.status, today)
        state = f"{action.status}, {when}" if when != action.status else action.status
        st.markdown(f"{'🔴 ' if action.overdue else ''}**Action {action.id}** ({state}; "
                    f"owner {md_escape(action.owner)}, due {widgets.long_date(action.due_on)}): "
                    f"{md_escape(action.description)}")
        history = detail.history[int(action.id)]
        if not history.empty:
            widgets.action_history_table(history)
        widgets.evidence_list(detail.evidence[int(action.id)], f"point-{point_id}-action-{action.id}")
    if permissions.closes_learning_points(actor, point["status"]):
        close_form(point)


def learning_points_tab() -> None:
    total = learning_and_actions.learning_points(db, filters, today, limit=0)[1]
    if not total:
        st.info("No learning points match these filters.")
        return
    offset = widgets.pager(total, POINTS_PAGE_SIZE, "learning_points_page", "learning points")
    frame, _ = learning_and_actions.learning_points(db, filters, today, limit=POINTS_PAGE_SIZE, offset=offset)
    for row in frame.itertuples():
        overdue = f", {row.overdue_actions} overdue" if row.overdue_actions else ""
        label = (f"{row.id}: {row.service_area}, {row.theme} ({row.status}): {row.description[:80]} · "
                 f"{row.complaints} complaint{'s' if row.complaints != 1 else ''}, {row.actions} action"
                 f"{'s' if row.actions != 1 else ''}{overdue}")
        with st.expander(md_escape(label)):  # the label quotes the learning and its area in the users' words
            learning_point_detail(int(row.id))


def gaps_tab() -> None:
    st.caption("Upheld and partly upheld complaints with neither a learning point nor a recorded "
               "\u201cno learning identified\u201d decision.")
    by_area = learning_and_actions.learning_gaps_by_area(db, filters.service_area_ids)
    if by_area.empty:
        st.success("No learning gaps" + (" in these service areas." if areas else "."))
        return
    widgets.table(by_area, {"service_area": "Service area", "gaps": widgets.Column("Learning gaps", "count"),
                            "oldest_received_on": widgets.date_column("Oldest received")},
                  alt="Learning gaps by service area")
    total = int(by_area["gaps"].sum())
    offset = widgets.pager(total, GAPS_PAGE_SIZE, "learning_gaps_page", "complaints")
    gaps = learning_and_actions.learning_gap_page(db, service_area_ids=filters.service_area_ids, limit=GAPS_PAGE_SIZE,
                                                  offset=offset)
    widgets.table(gaps, COMPLAINT_COLUMNS, alt="Complaints with a learning gap")
    if permissions.records_learning(actor):
        chosen = st.selectbox("Record the learning for", gaps["reference"].tolist(), key="learning_gap_pick")
        st.page_link("pages/record_learning.py", label=f"Record learning for {md_escape(chosen)}", icon=":material/edit_note:",
                     query_params={"complaint": chosen})


actions_, points_, gaps_ = st.tabs(["Actions", "Learning points", "Learning gaps"])
with actions_:
    actions_tab()
with points_:
    learning_points_tab()
with gaps_:
    gaps_tab()
