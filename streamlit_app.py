"""Entry point: who is signed in, and the navigation their role allows. Nothing else.

Every page is registered with st.navigation, those the role may not use hidden from its menu, so that a
page opened by URL is the page asked for (Streamlit would silently show the default page for one left
out). The checks themselves run in the page, through ui.page_context(): the sign-in screen when nobody
is signed in, "Your role (...) cannot open this page" for a hidden page. A hidden page is also stopped
here before its script runs.
"""

import streamlit as st

from learning_tracker import navigation, ui

st.set_page_config(page_title="Complaints learning tracker", page_icon=":material/school:", layout="wide")

# Never creates a database: a missing one stops here saying which path and how to create it (make run builds
# the demo; learning-tracker init an empty one for real records).
db = ui.open_db()
role = ui.signed_in_role(db)

sections: dict[str, list[st.Page]] = {}
hidden: list[st.Page] = []
spec_of: dict[int, navigation.PageSpec] = {}
for spec in navigation.PAGES:
    allowed = role in spec.roles
    page = st.Page(spec.path, title=spec.title, icon=spec.icon, visibility="visible" if allowed else "hidden")
    spec_of[id(page)] = spec
    (sections.setdefault(spec.section, []) if allowed else hidden).append(page)
if hidden:
    sections[""] = hidden
nav = st.navigation(sections, position="sidebar" if role else "hidden", expanded=True)

spec = spec_of[id(nav)]
if role is not None and role not in spec.roles:
    ui.gate(db, spec)  # shows the refusal and stops
nav.run()
