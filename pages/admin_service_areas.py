"""Service areas: add, rename, merge two into one, deactivate or reactivate. Nothing is deleted: a merged
area stays, deactivated, and the audit log lists every record the merge moved. Complaints officer only."""

import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.escaping import md_escape
from learning_tracker.services import service_areas

db, actor = ui.page_context()
st.title("Service areas")
widgets.show_flash()

table = service_areas.service_areas(db, actor)
widgets.table(
    table.assign(active=table["active"].map({1: "yes", 0: "no"}))[
        ["name", "active", "complaints", "learning_points", "actions", "users"]],
    {"name": "Service area", "active": "Active", "complaints": "Complaints",
     "learning_points": "Learning points", "actions": "Actions", "users": "Users"},
    alt="Service areas",
)
by_id = table.set_index("id")
names = {int(r.id): r.name + ("" if r.active else " (deactivated)") for r in table.itertuples()}
active_ids = [int(r.id) for r in table.itertuples() if r.active]

add_tab, rename_tab, merge_tab, status_tab = st.tabs(["Add", "Rename", "Merge", "Deactivate or reactivate"])

with add_tab:
    with widgets.form("add_area") as form:
        name = st.text_input("Name of the new service area", key=form.field("new_area_name"))
        if st.form_submit_button("Add service area", type="primary"):
            widgets.save(lambda: service_areas.add_service_area(db, actor, name),
                         f"Added the service area {name.strip()}.", form)

with rename_tab:
    area_id = widgets.choose("Service area", names, "rename_area")
    if area_id is not None:
        version = widgets.version_read(f"area-{area_id}", int(by_id.loc[area_id, "version"]))
        with widgets.form(f"rename_area_{area_id}") as form:
            new_name = st.text_input("New name", value=by_id.loc[area_id, "name"])
            if st.form_submit_button("Rename", type="primary"):
                widgets.save(lambda: service_areas.rename_service_area(db, actor, area_id, version, new_name),
                             f"Renamed {by_id.loc[area_id, 'name']} to {new_name.strip()}.", form)

with merge_tab:
    st.caption("Everything filed under the area you merge (complaints, compliments, learning points, actions and "
               "its service managers) moves to the area you keep; the merged area is then deactivated.")
    merge_id = widgets.choose("Merge this area", {a: names[a] for a in active_ids}, "merge_area")
    keep_id = widgets.choose("into this area", {a: names[a] for a in active_ids if a != merge_id}, "keep_area")
    if merge_id is not None and keep_id is not None:
        merge_version = widgets.version_read(f"area-{merge_id}", int(by_id.loc[merge_id, "version"]))
        keep_version = widgets.version_read(f"area-{keep_id}", int(by_id.loc[keep_id, "version"]))
        merged, kept = md_escape(names[merge_id]), md_escape(names[keep_id])
        # Not an st.form: the box enables the button as soon as it is ticked. The Form still starts it afresh.
        merge = widgets.Form("merge")
        sure = st.checkbox(f"Move everything of {merged} to {kept} and deactivate {merged}",
                           key=merge.field("sure"))
        if st.button("Merge", type="primary", disabled=not sure, key=merge.field("merge")):
            widgets.save(
                lambda: service_areas.merge_service_areas(db, actor, keep_id, keep_version, merge_id, merge_version),
                lambda moved: f"Merged {names[merge_id]} into {names[keep_id]}: moved {moved['complaints']} "
                f"complaints, {moved['compliments']} compliments, {moved['learning_points']} learning points, "
                f"{moved['actions']} actions and {moved['users']} users.", merge)

with status_tab:
    area_id = widgets.choose("Service area", names, "status_area")
    if area_id is not None:
        version = widgets.version_read(f"area-{area_id}", int(by_id.loc[area_id, "version"]))
        if by_id.loc[area_id, "active"]:
            st.caption("A deactivated area cannot be chosen for new records; its existing records keep it.")
            if st.button("Deactivate", key="deactivate_area"):
                widgets.save(lambda: service_areas.deactivate_service_area(db, actor, area_id, version),
                             f"Deactivated {names[area_id]}.")
        elif st.button("Reactivate", key="reactivate_area"):
            widgets.save(lambda: service_areas.reactivate_service_area(db, actor, area_id, version),
                         f"Reactivated {by_id.loc[area_id, 'name']}.")
