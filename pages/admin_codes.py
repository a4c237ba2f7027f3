"""Concern codes: the main categories and subcategories complaints are coded with. Add, deactivate or
reactivate; complaints already coded keep their codes. Complaints officer only."""

import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.services import configuration

db, actor = ui.page_context()
st.title("Concern codes")
widgets.show_flash()

codes = configuration.concern_codes(db)
codes["code"] = [configuration.code_text(c, s) for c, s in zip(codes["category"], codes["subcategory"])]
widgets.table(
    codes.assign(active=codes["active"].map({1: "yes", 0: "no"}))[["code", "active", "times_raised"]],
    {"code": "Concern code", "active": "Active", "times_raised": "Times raised"}, alt="Concern codes",
)

add_tab, status_tab = st.tabs(["Add", "Deactivate or reactivate"])

with add_tab:
    with widgets.form("add_code") as form:
        category = st.text_input("Main category", key=form.field("new_code_category"),
                                 help="A new main category, or an existing one to add a subcategory to.")
        subcategory = st.text_input("Subcategory (optional)", key=form.field("new_code_subcategory"))
        if st.form_submit_button("Add concern code", type="primary"):
            widgets.save(lambda: configuration.add_concern_code(db, actor, category, subcategory),
                         f"Added the concern code {configuration.code_text(category.strip(), subcategory.strip())}.",
                         form)

with status_tab:
    by_id = codes.set_index("id")
    labels = {int(r.id): r.code + ("" if r.active else " (deactivated)") for r in codes.itertuples()}
    code_id = widgets.choose("Concern code", labels, "status_code")
    if code_id is not None:
        version = widgets.version_read(f"code-{code_id}", int(by_id.loc[code_id, "version"]))
        if by_id.loc[code_id, "active"]:
            if not by_id.loc[code_id, "subcategory"]:
                st.caption("Deactivating a main category deactivates its subcategories too.")
            if st.button("Deactivate", key="deactivate_code"):
                widgets.save(lambda: configuration.deactivate_concern_code(db, actor, code_id, version),
                             lambda count: f"Deactivated {count} concern code{'s' if count != 1 else ''}.")
        elif st.button("Reactivate", key="reactivate_code"):
            widgets.save(lambda: configuration.reactivate_concern_code(db, actor, code_id, version),
                         f"Reactivated {by_id.loc[code_id, 'code']}.")
