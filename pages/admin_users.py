"""Users: who may use the app, with their role and service areas. Add, change, deactivate or reactivate
(never delete), give a password, lift a lock-out. Complaints officer only."""

import streamlit as st

from learning_tracker import ui, widgets
from learning_tracker.services import auth
from learning_tracker.models import NewUser, UserChange, parse
from learning_tracker.services import service_areas, users
from learning_tracker.rules.roles import ROLES

db, actor = ui.page_context()
st.title("Users")
widgets.show_flash()

people = users.users(db, actor)
areas = service_areas.area_names(db)
role_keys = list(ROLES)

shown = people.assign(
    role=people["role"].map(ROLES),
    active=people["active"].map({1: "yes", 0: "no"}),
    sign_in=people["has_password"].map({1: "password set", 0: "no password (single sign-on only)"}),
)
widgets.table(
    shown[["name", "email", "role", "service_areas", "active", "sign_in", "locked_until"]],
    {"name": "Name", "email": "Email", "role": "Role", "service_areas": "Service areas",
     "active": "Active", "sign_in": "Sign-in", "locked_until": widgets.time_column("Locked until")},
    alt="Users",
)

add_tab, change_tab = st.tabs(["Add a user", "Change a user"])

with add_tab:
    with widgets.form("add_user") as form:
        email = st.text_input("Work email", key=form.field("new_user_email"))
        name = st.text_input("Name", key=form.field("new_user_name"))
        role = st.selectbox("Role", role_keys, index=None, format_func=ROLES.get, placeholder="Choose a role",
                            key=form.field("new_user_role"))
        user_areas = st.multiselect("Service areas", areas, key=form.field("new_user_areas"),
                                    help="Required for a service manager: the areas whose learning and actions they own.")
        password = st.text_input(
            "First password (local accounts)", type="password", key=form.field("new_user_password"),
            help=f"At least {auth.MIN_PASSWORD_LENGTH} characters and not a common password. "
                 "Leave empty when people sign in with their council account (single sign-on).")
        if st.form_submit_button("Add user", type="primary"):
            def add() -> NewUser:
                new = parse(NewUser, {"email": email, "name": name, "role": role, "service_areas": user_areas,
                                      "password": password})
                users.add_user(db, actor, new)
                return new
            widgets.save(add, lambda new: f"Added {new.name} as a {ROLES[new.role].lower()}.", form)

with change_tab:
    labels = {int(r.id): f"{r.name} ({r.email})" + ("" if r.active else ", deactivated") for r in people.itertuples()}
    user_id = widgets.choose("User", labels, "admin_user")
    if user_id is not None:
        row = people.set_index("id").loc[user_id]
        version = widgets.version_read(f"user-{user_id}", int(row["version"]))
        current_areas = [a for a in (row["service_areas"] or "").split("; ") if a]
        with widgets.form(f"change_user_{user_id}") as form:
            name = st.text_input("Name", value=row["name"])
            role = st.selectbox("Role", role_keys, index=role_keys.index(row["role"]), format_func=ROLES.get)
            user_areas = st.multiselect("Service areas", sorted(set(areas) | set(current_areas)), default=current_areas)
            if st.form_submit_button("Save changes", type="primary"):
                widgets.save(lambda: users.change_user(db, actor, user_id, version, parse(
                    UserChange, {"name": name, "role": role, "service_areas": user_areas})),
                    f"Saved the changes to {name}.", form)

        # clear_on_submit as well: a refused password does not stay in the session either.
        with widgets.form(f"set_password_{user_id}", clear_on_submit=True) as password_form:
            new_password = st.text_input("New password", type="password",
                                         help=f"At least {auth.MIN_PASSWORD_LENGTH} characters; tell the person "
                                              "in person or by phone, never by email.")
            if st.form_submit_button("Set password"):
                widgets.save(lambda: users.set_password(db, actor, user_id, version, new_password),
                             f"Set a new password for {row['name']}; any lock-out is lifted.", password_form)

        left, right = st.columns(2)
        if row["active"]:
            if left.button("Deactivate", icon=":material/person_off:", key=f"deactivate_{user_id}",
                           help="They can no longer sign in; their records and history stay."):
                widgets.save(lambda: users.deactivate_user(db, actor, user_id, version), f"Deactivated {row['name']}.")
        elif left.button("Reactivate", icon=":material/person_add:", key=f"reactivate_{user_id}"):
            widgets.save(lambda: users.reactivate_user(db, actor, user_id, version), f"Reactivated {row['name']}.")
        if row["locked_until"] and right.button("Unlock", icon=":material/lock_open:", key=f"unlock_{user_id}"):
            widgets.save(lambda: users.unlock_user(db, actor, user_id), f"Unlocked {row['name']}'s account.")
