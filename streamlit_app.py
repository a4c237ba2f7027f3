"""Entry point: who is using the app, and the navigation their role allows. Nothing else."""

from datetime import date

import streamlit as st

from learning_tracker import config, demo_mode, navigation, ui

st.set_page_config(page_title="Complaints learning tracker", page_icon=":material/school:", layout="wide")

path = ui.db_path()
if not path.exists():
    with st.spinner("Creating the demo database for a first look…"):
        demo_mode.create(path, today=date.today())

db = ui.open_db()
if not demo_mode.is_demo(db):
    st.error(
        f"{path} is not the demo database. Until sign-in is set up this app opens only the demo data; "
        "run `make run` (or `learning-tracker demo`) to use it."
    )
    st.stop()

st.warning("Demo data: figures from a published annual report and made-up current cases. No real people.", icon=":material/science:")

people = demo_mode.demo_users(db)
labels = {user_id: f"{name} ({config.ROLES[role].lower()})" for user_id, name, role in people}
if st.session_state.get(ui.USER_KEY) not in labels:
    st.session_state[ui.USER_KEY] = next(iter(labels))
with st.sidebar:
    st.selectbox(
        "Using the app as", list(labels), format_func=labels.get, key=ui.USER_KEY,
        help="Demo mode: pick a person to see the app as their role does.",
    )

actor = ui.current_actor(db)
sections = navigation.pages_for(actor.role)
nav = st.navigation(
    {section: [st.Page(p.path, title=p.title, icon=p.icon) for p in pages] for section, pages in sections.items()}
)
nav.run()
