"""My actions: the improvement actions I own and those of my service areas, overdue first then due
soonest, updated in a few clicks. The complaints officer also verifies completed actions or sends them back."""

import math
from datetime import date

import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.read import learning_and_actions
from learning_tracker.read.learning_and_actions import Filters
from learning_tracker.escaping import md_escape
from learning_tracker.models import DueDateChange, Evidence, StatusChange, parse
from learning_tracker.services import actions as action_services
from learning_tracker.services import permissions
from learning_tracker.services.core import service_area_name
from learning_tracker.rules import vocabulary

PAGE_SIZE = 20
ANY_TIME = "any time"

db, actor = ui.page_context()
st.title("My actions")
widgets.show_flash()
today = date.today()

if not permissions.records_learning(actor):
    st.info("Improvement actions are owned by service managers and the complaints officer. "
            "You can follow them on the Learning and actions page.")
    st.stop()

own_areas = permissions.own_service_areas(actor)
if own_areas is None:
    # The officer has no service areas of their own: they follow every area's actions and verify them.
    scope = st.radio("Show", ["Every service area", "Actions I own"], horizontal=True, key="my_actions_scope")
    responsible = (actor.id, ()) if scope == "Actions I own" else None
else:
    responsible = (actor.id, own_areas)
    st.caption("The actions you own and those of " + ", ".join(md_escape(service_area_name(db, a)) for a in own_areas) + ".")

counts = learning_and_actions.action_counts(db, Filters(responsible=responsible), today)
columns = st.columns(4)
columns[0].metric("Open", f"{counts['open']:,}", border=True)
columns[1].metric("Overdue", f"{counts['overdue']:,}", border=True)
columns[2].metric("Due within 7 days", f"{counts['due_in_7_days']:,}", border=True)
columns[3].metric("Completed, awaiting verification", f"{counts['awaiting_verification']:,}", border=True)


def action_label(row) -> str:
    return f"{row.id}: {row.description[:70]} ({learning_and_actions.due_text(row.due_on, row.status, today)})"


def action_table(frame) -> None:
    shown = frame.assign(when=[learning_and_actions.due_text(d, s, today) for d, s in zip(frame["due_on"], frame["status"])])
    widgets.table(
        shown[["id", "when", "due_on", "description", "status", "priority", "service_area", "owner", "complaints"]],
        {**widgets.ACTION_TABLE_COLUMNS, "complaints": "From complaints"}, alt="Actions, overdue first",
    )


def choose(frame, key: str) -> int:
    """The action picked from this page of the list (the first, the most urgent, by default)."""
    return widgets.choose("Action", {int(row.id): action_label(row) for row in frame.itertuples()}, key)


def details(action: dict, key: str) -> None:
    st.markdown(f"**Action {action['id']}**: {md_escape(action['description'])}")
    when = learning_and_actions.due_text(action["due_on"], action["status"], today)
    st.caption(
        f"Learning point {action['learning_point_id']} ({md_escape(action['theme'])}): "
        f"{md_escape(action['learning_point'])} · {md_escape(action['service_area'])} · owner {md_escape(action['owner'])}"
        f" · due {widgets.long_date(action['due_on'])}" + (f" ({when})" if when != action["status"] else "")
        + f" · {action['status']} · {action['priority']} priority"
    )
    with st.expander("History and evidence"):
        history = learning_and_actions.action_history(db, action["id"])
        if history.empty:
            st.caption("Nothing recorded yet.")
        else:
            widgets.action_history_table(history)
        widgets.evidence_list(learning_and_actions.action_evidence(db, action["id"]), key)


def update_forms(action: dict, read_version: int) -> None:
    """Status, progress note, due date and evidence: one small form each."""
    action_id, status = action["id"], action["status"]
    if not permissions.updates_action(actor, action):
        # Owned by this user but filed under another service area, whose people update it.
        st.info(f"This action belongs to {md_escape(action['service_area'])}: its service managers and the complaints "
                "officer update it.")
        return
    status_tab, note_tab, due_tab, evidence_tab = st.tabs(["Status", "Progress note", "Due date", "Evidence"])
    with status_tab:
        options = permissions.next_statuses(actor, action)
        if not options:
            st.info(f"This action is {status}." + (" The complaints officer verifies it or sends it back."
                                                   if status == vocabulary.COMPLETED else ""))
        else:
            with widgets.form(f"status-form-{action_id}") as form:
                # Nothing chosen for the user: "Save status" with a status nobody picked would be a wrong record.
                new = st.selectbox("New status", options, index=None, key=form.field(f"status-{action_id}"),
                                   placeholder="Choose the new status", format_func=lambda s: (
                    f"{s} (send back)" if status == vocabulary.COMPLETED and s == vocabulary.IN_PROGRESS else s))
                note = st.text_area("Note (needed to cancel or send back)", key=form.field(f"status-note-{action_id}"))
                if st.form_submit_button("Save status", type="primary"):
                    widgets.save(lambda: action_services.change_status(
                        db, actor, action_id, read_version, parse(StatusChange, {"status": new, "note": note})),
                        f"Action {action_id} is now {new}.", form, free_text={"Note": note})
    with note_tab, widgets.form(f"note-form-{action_id}") as form:
        note = st.text_area("Progress note", key=form.field(f"note-{action_id}"))
        if st.form_submit_button("Add note", type="primary"):
            widgets.save(lambda: action_services.add_note(db, actor, action_id, note),
                         f"Note added to action {action_id}.", form, free_text={"Progress note": note})
    with due_tab, widgets.form(f"due-form-{action_id}") as form:
        due_on = st.date_input("New due date", value=date.fromisoformat(action["due_on"]),
                               key=form.field(f"due-{action_id}"), format="DD/MM/YYYY")
        reason = st.text_input("Reason for moving it", key=form.field(f"due-reason-{action_id}"))
        if st.form_submit_button("Move due date", type="primary"):
            widgets.save(lambda: action_services.change_due_date(
                db, actor, action_id, read_version, parse(DueDateChange, {"due_on": due_on, "reason": reason})),
                f"Action {action_id} is now due on {widgets.long_date(due_on)}.", form,
                free_text={"Reason for moving it": reason})
    with evidence_tab:
        limit = int(config.setting(db, "evidence_max_bytes"))
        with widgets.form(f"evidence-form-{action_id}") as form:
            description = st.text_input("What the evidence shows", key=form.field(f"evidence-description-{action_id}"))
            link = st.text_input("Link (intranet or shared drive)", key=form.field(f"evidence-link-{action_id}"))
            upload = st.file_uploader(
                f"Or a file (at most {action_services.file_size(limit)})", key=form.field(f"evidence-file-{action_id}"),
                max_upload_size=max(1, math.ceil(limit / (1024 * 1024))),
            )
            if st.form_submit_button("Add evidence", type="primary"):
                evidence = {"description": description, "link": link,
                            "filename": upload.name if upload else None, "content": upload.getvalue() if upload else None}
                widgets.save(lambda: action_services.add_evidence(db, actor, action_id, parse(Evidence, evidence)),
                     f"Evidence added to action {action_id}.", form,
                     free_text={"What the evidence shows": description, "Link": link,
                                "File name": upload.name if upload else None})


def pick_action(filters: Filters, nothing: str, key: str, heading: str, details_key: str) -> tuple[dict, int] | None:
    """A page of actions, the one picked from it shown in full, and the version the user is reading."""
    total = learning_and_actions.action_counts(db, filters, today)["actions"]
    if not total:
        st.info(nothing)
        return None
    offset = widgets.pager(total, PAGE_SIZE, f"{key}_page", "actions")
    frame, _ = learning_and_actions.actions(db, filters, today, limit=PAGE_SIZE, offset=offset)
    action_table(frame)
    st.header(heading)
    action_id = choose(frame, f"{key}_selected")
    action = learning_and_actions.action(db, action_id, today)
    read_version = widgets.version_read(f"{key}:{action_id}", action["version"])
    details(action, details_key)
    return action, read_version


def my_actions() -> None:
    left, middle, right = st.columns([2, 1, 2])
    statuses = left.multiselect("Status", vocabulary.ACTION_STATUSES, default=list(vocabulary.UNFINISHED_ACTION_STATUSES),
                                key="my_actions_status")
    window = middle.selectbox("Due", [ANY_TIME, *learning_and_actions.DUE_WINDOWS], key="my_actions_due")
    search = right.text_input("Find an action (its number or words from it)", key="my_actions_search",
                              placeholder="e.g. 173 or supervision")
    filters = Filters(statuses=tuple(statuses), due_window=None if window == ANY_TIME else window, responsible=responsible,
                      search=search)
    picked = pick_action(filters, "No actions match. Actions come from the learning recorded on the Record learning page.",
                         "my_actions", "Update an action", "my")
    if picked:
        update_forms(*picked)


def awaiting_verification() -> None:
    picked = pick_action(Filters(statuses=(vocabulary.COMPLETED,)),
                         "No completed actions are waiting for verification.", "verify", "Verify or send back", "verify")
    if not picked:
        return
    action, read_version = picked
    action_id = action["id"]
    st.caption(f"Completed on {widgets.long_date(action['completed_on'])}. Check the evidence under "
               "\"History and evidence\" before verifying.")
    with widgets.form(f"verify-form-{action_id}") as form:
        note = st.text_area("Note (needed to send it back: what is missing)", key=form.field(f"verify-note-{action_id}"))
        verify, send_back = st.columns(2)
        if verify.form_submit_button("Verify", type="primary", key=form.field(f"verify-{action_id}")):
            widgets.save(lambda: action_services.change_status(
                db, actor, action_id, read_version, parse(StatusChange, {"status": vocabulary.VERIFIED, "note": note})),
                f"Action {action_id} is verified.", form, free_text={"Note": note})
        if send_back.form_submit_button("Send back", key=form.field(f"send-back-{action_id}")):
            widgets.save(lambda: action_services.change_status(
                db, actor, action_id, read_version, parse(StatusChange, {"status": vocabulary.IN_PROGRESS, "note": note})),
                f"Action {action_id} was sent back to its owner.", form, free_text={"Note": note})


if permissions.verifies_actions(actor):
    waiting = learning_and_actions.action_counts(db, Filters(statuses=(vocabulary.COMPLETED,)), today)["actions"]
    mine, verification = st.tabs(["Actions", f"Completed, awaiting verification ({waiting})"])
    with mine:
        my_actions()
    with verification:
        awaiting_verification()
else:
    my_actions()
