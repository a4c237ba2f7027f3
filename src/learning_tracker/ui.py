"""What every page shares: the database for this run, the signed-in user, and how errors are shown;
and the Streamlit side of signing in (the rules themselves are in ``services/auth.py``).

Pages stay thin: read widgets, call a service or a query, render. A connection is opened per script
run (never cached across Streamlit's threads) and closed when the run ends.

``st.session_state["user_id"]`` holds the signed-in user's id and nothing else says who is signed in.
Only this module sets it (after a password, single sign-on or the demo picker); the browser cannot,
since session state lives on the server. Page tests set it directly to act as a user.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
import streamlit as st

from . import demo_mode, navigation
from .services import auth
from . import db as database
from .db import transaction
from .errors import Conflict, DomainError, InvalidInput, NotFound, Refused
from .escaping import md_escape
from .services.core import Actor, load_actor, record_audit
from .rules import roles

USER_KEY = "user_id"
LAST_ACTIVITY_KEY = "last_activity"
SIGNED_IN_AT_KEY = "signed_in_at"
_NOTICE_KEY = "_sign_in_notice"
_SSO_REFUSED_KEY = "_sso_refused"

DEMO_BANNER = "Demo data: figures from a published annual report and made-up current cases. No real people."
PASSWORD_CHANGED_NOTICE = (
    "You were signed out because your password was changed or reset after you signed in here. "
    "Sign in again with the new password; if you did not change it, tell the complaints officer."
)


def db_path() -> Path:
    return database.default_db_path()


def open_db() -> sqlite_utils.Database:
    """A connection for this script run; Streamlit may run the next one on another thread.

    The app never creates a database: a missing or mistyped path would otherwise start an empty one (or,
    before, the demo with its password-less picker) that records could then be put in. The run stops with
    what is missing and the command that creates it; only `make run`, `learning-tracker demo` and
    `learning-tracker init` create one.
    """
    try:
        return database.connect(db_path().absolute(), create=False)
    except database.DatabaseMissing as missing:
        st.error(f"The app has not started: it has no database to open. {missing}", icon=":material/error:")
        st.stop()


def current_actor(db: sqlite_utils.Database) -> Actor | None:
    """The signed-in user, or None (a user deactivated since they signed in is signed out here)."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    try:
        return load_actor(db, user_id)
    except NotFound:
        st.session_state.pop(USER_KEY, None)
        return None


def session_actor(db: sqlite_utils.Database, session: Any, now: datetime | None = None) -> Actor | None:
    """The user a session still speaks for, checked again away from a page run (say, when a download is
    clicked, which runs no page): the checks ``_sign_in_state`` and ``current_actor`` make on every run.
    None when nobody is signed in, the sign-in settings are broken, the session has been idle longer than
    the time-out (an unknown last activity counts as idle, since every run records it), the user's password
    was changed or reset after the session signed in, or the user has been deactivated. ``session`` is the session's state, read now (anything with ``get``)."""
    try:
        settings = auth_settings(db)
    except DomainError:
        return None
    user_id = session.get(USER_KEY)
    if user_id is None:
        return None
    if settings.provider != auth.DEMO:
        last = session.get(LAST_ACTIVITY_KEY)
        if last is None or auth.idle_expired(last, now or datetime.now(timezone.utc), settings.idle_minutes):
            return None
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if signed_in_at is not None and auth.session_ended_by_password_change(db, user_id, signed_in_at):
        return None
    try:
        return load_actor(db, user_id)
    except NotFound:
        return None


# --- signing in ------------------------------------------------------------------------------------


@dataclass
class SignIn:
    """Who is using the app on this run, how they sign in, and what stops them when nobody is."""

    settings: auth.AuthSettings | None
    actor: Actor | None
    problem: DomainError | None = None
    demo: bool = False


def _secrets() -> dict[str, Any]:
    """``.streamlit/secrets.toml`` as a dict; empty when there is none."""
    try:
        if st.secrets.load_if_toml_exists():
            return st.secrets.to_dict()
    except Exception:  # a malformed file: Streamlit logs it at start; sign-in falls back to the environment
        pass
    return {}


def auth_settings(db: sqlite_utils.Database) -> auth.AuthSettings:
    """This installation's sign-in settings (environment first, then secrets.toml)."""
    return auth.settings_from(os.environ, _secrets(), demo_database=demo_mode.is_demo(db))


def signed_in_role(db: sqlite_utils.Database) -> str | None:
    """The role of whoever is signed in, for the entry point's menu. On the demo database it draws the
    demo picker first, so the menu is always the role of the person the picker shows.

    The sign-in itself (forms, idle time-out, refusals) happens in ``gate``, which every page runs
    through ``page_context``: Streamlit runs a page straight from the pages/ folder, without the entry
    point, on a server's first run and in AppTest, so the page is where the checks must be.
    """
    try:
        settings = auth_settings(db)
    except DomainError:
        return None
    if settings.provider == auth.DEMO:
        _demo_picker(db)
    actor = current_actor(db)
    return actor.role if actor else None


def gate(db: sqlite_utils.Database, page: navigation.PageSpec | None) -> Actor:
    """Everything between a request and a page: the demo banner and picker, the idle time-out, the
    sign-in screen (the run stops there for someone not signed in), the account menu, and the refusal
    of a page the user's role may not open. Returns the signed-in user."""
    state = _sign_in_state(db)
    if state.actor is None:
        sign_in_screen(db, state)
    account_sidebar(db, state)
    if page is not None and state.actor.role not in page.roles:
        refuse_page(db, state.actor, page)
    return state.actor


def _sign_in_state(db: sqlite_utils.Database) -> SignIn:
    """Who is signed in on this run, after the idle time-out; shows the demo banner and picker."""
    demo = demo_mode.is_demo(db)
    if demo:
        st.warning(DEMO_BANNER, icon=":material/science:")
    try:
        settings = auth_settings(db)
    except DomainError as problem:
        return SignIn(None, None, problem, demo)
    if settings.provider == auth.DEMO:
        _preselect_demo_user(db)  # a page run without the entry point (AppTest) has no picker
        return SignIn(settings, current_actor(db), None, demo)
    now = datetime.now(timezone.utc)
    if st.session_state.get(USER_KEY) is not None:
        last = st.session_state.get(LAST_ACTIVITY_KEY)
        if auth.idle_expired(last, now, settings.idle_minutes):
            _end_session(db, settings, f"signed out after {settings.idle_minutes} minutes without activity",
                         notice=f"You were signed out after {settings.idle_minutes} minutes without activity. "
                                "Sign in again to carry on.")
    if st.session_state.get(USER_KEY) is not None:
        # The password form records when the session signed in; a session signed in another way (single
        # sign-on) counts from its first run, so any later password change or reset ends it too.
        if st.session_state.get(SIGNED_IN_AT_KEY) is None:
            st.session_state[SIGNED_IN_AT_KEY] = now
        if auth.session_ended_by_password_change(db, st.session_state[USER_KEY], st.session_state[SIGNED_IN_AT_KEY]):
            _end_session(db, settings, "signed out: the password was changed or reset after this session signed in",
                         notice=PASSWORD_CHANGED_NOTICE)
    problem = None
    if settings.provider == auth.SSO and st.session_state.get(USER_KEY) is None:
        problem = _sso_user(db, settings)
    actor = current_actor(db)
    if actor is not None:
        st.session_state[LAST_ACTIVITY_KEY] = now
    return SignIn(settings, actor, problem, demo)


def _preselect_demo_user(db: sqlite_utils.Database) -> dict[int, str]:
    """The demo picker's people; the first of them is chosen when nobody (or someone else) is."""
    people = demo_mode.demo_users(db)
    labels = {user_id: f"{name} ({roles.ROLES[role].lower()})" for user_id, name, role in people}
    if labels and st.session_state.get(USER_KEY) not in labels:
        st.session_state[USER_KEY] = next(iter(labels))
    return labels


def _demo_picker(db: sqlite_utils.Database) -> None:
    """The demo picker: one made-up person per role, only ever on the demo database.

    Drawn by the entry point alone, once per run and before the menu is built, so the menu is always that
    of the person the picker shows, and a page the new person's role may not open is refused (not drawn with
    a second picker). The picker does not hold who is signed in: its change copies the person into
    ``USER_KEY``, and its key names the person shown, so a new pick always draws a picker showing that person.
    (Bound to ``USER_KEY`` itself, a pick was lost whenever Streamlit saw the picker as a different widget,
    as on the first run of a new server.)"""
    labels = _preselect_demo_user(db)
    if not labels:
        return
    current = st.session_state[USER_KEY]
    picker_key = f"_demo_picker_{current}"

    def picked() -> None:
        st.session_state[USER_KEY] = st.session_state[picker_key]

    st.sidebar.selectbox(
        "Using the app as", list(labels), index=list(labels).index(current), format_func=labels.get, key=picker_key,
        on_change=picked, help="Demo mode: pick a person to see the app as their role does.",
    )


def _sso_user(db: sqlite_utils.Database, settings: auth.AuthSettings) -> DomainError | None:
    """Sign in the person the identity provider vouched for; the refusal when this app does not know them."""
    user_info = st.user.to_dict()
    if not user_info.get("is_logged_in"):
        return None
    email = str(user_info.get("email") or "")
    refused = st.session_state.get(_SSO_REFUSED_KEY)
    if refused and refused[0] == email:
        return refused[1]  # already refused (and audited) in this session
    try:
        actor = auth.sso_sign_in(db, user_info, tenant_id=settings.sso_tenant_id)
    except Refused as refusal:
        st.session_state[_SSO_REFUSED_KEY] = (email, refusal)
        return refusal
    st.session_state[USER_KEY] = actor.id
    return None


def _end_session(db: sqlite_utils.Database, settings: auth.AuthSettings, reason: str, *, notice: str) -> None:
    """Sign out: audit it, forget everything this session held (the next person starts clean), say why."""
    actor = current_actor(db)
    if actor is not None:
        auth.sign_out(db, actor, reason=reason)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_NOTICE_KEY] = notice
    if settings.provider == auth.SSO:
        # The identity cookie would sign them straight back in; st.logout clears it and starts a new session.
        st.logout()


def sign_in_screen(db: sqlite_utils.Database, state: SignIn) -> None:
    """The screen for someone not signed in (or who may not be); always stops the run."""
    if state.problem is not None and state.settings is None:
        st.error(str(state.problem))  # the administrator's settings, no user's value
        st.stop()
    notice = st.session_state.pop(_NOTICE_KEY, None)
    st.title("Complaints learning tracker")
    if notice:
        st.info(notice, icon=":material/logout:")
    settings = state.settings
    if settings is None or settings.provider == auth.DEMO:
        st.error("The demo database has no demo users to pick from. Rebuild it with `learning-tracker demo --force`.")
    elif settings.provider == auth.SSO:
        _sso_screen(settings, state.problem)
    else:
        _password_form(db)
    st.stop()


def _password_form(db: sqlite_utils.Database) -> None:
    st.caption("The records are about children: sign in with the account the complaints officer gave you.")
    # clear_on_submit: the password does not stay in the session once the form has been handled.
    with st.form("sign_in", clear_on_submit=True):
        email = st.text_input("Email", key="sign_in_email", autocomplete="username")
        password = st.text_input("Password", type="password", key="sign_in_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        # Taken before the password is checked: a reset landing while it is checked ends this session
        # rather than letting the old password in.
        started = datetime.now(timezone.utc)
        try:
            actor = auth.sign_in(db, email, password)
        except DomainError as error:
            st.error(md_escape(error))
            return
        st.session_state[USER_KEY] = actor.id
        st.session_state[SIGNED_IN_AT_KEY] = started
        st.session_state[LAST_ACTIVITY_KEY] = datetime.now(timezone.utc)
        st.rerun()


def _sso_screen(settings: auth.AuthSettings, problem: DomainError | None) -> None:
    if problem is not None:
        st.error(md_escape(problem))
        if st.button("Sign out of that account"):
            st.session_state.pop(_SSO_REFUSED_KEY, None)
            st.logout()
        return
    if not _secrets().get("auth"):
        st.error(
            "Single sign-on is chosen, but .streamlit/secrets.toml has no [auth] section, so there is no identity "
            "provider to sign in with. See 'Single sign-on with Microsoft Entra ID' in the README."
        )
        return
    st.caption("Sign in with your council account.")
    if st.button("Sign in with your council account", type="primary", icon=":material/login:"):
        st.login(settings.sso_provider)


def account_sidebar(db: sqlite_utils.Database, state: SignIn) -> None:
    """Who is signed in, with sign-out (and, for a local account, changing one's password)."""
    actor, settings = state.actor, state.settings
    if actor is None or settings is None or settings.provider == auth.DEMO:
        return
    with st.sidebar:
        st.caption(f"Signed in as {md_escape(actor.name)} ({roles.ROLES[actor.role].lower()})")
        if settings.provider == auth.LOCAL:
            with st.popover("Change my password", icon=":material/key:"):
                _change_password_form(db, actor)
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            _end_session(db, settings, "signed out", notice="You have signed out.")
            st.rerun()


def _change_password_form(db: sqlite_utils.Database, actor: Actor) -> None:
    from .services import users

    with st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password", autocomplete="current-password")
        new = st.text_input(f"New password (at least {auth.MIN_PASSWORD_LENGTH} characters)", type="password",
                            autocomplete="new-password")
        again = st.text_input("New password again", type="password", autocomplete="new-password")
        if st.form_submit_button("Change my password"):
            if new != again:
                st.error("The two new passwords are not the same; nothing was changed.")
                return
            try:
                ended = users.change_own_password(db, actor, current, new)
            except DomainError as error:
                show_error(error)
                return
            # The change ends the user's other sessions, not this one.
            st.session_state[SIGNED_IN_AT_KEY] = ended
            st.success("Your password has been changed.")


# --- pages -----------------------------------------------------------------------------------------


def refuse_page(db: sqlite_utils.Database, actor: Actor, page: navigation.PageSpec) -> None:
    """Stop a page the signed-in user's role may not open, saying so; the attempt is audited."""
    role = roles.ROLES[actor.role]
    with transaction(db):
        record_audit(db, actor, "open page", "page", None, outcome="refused",
                     message=f"{role} may not open {page.file}")
    st.error(f"Your role ({role}) cannot open this page ({page.title}). Choose a page from the menu.",
             icon=":material/block:")
    st.stop()


def page_context() -> tuple[sqlite_utils.Database, Actor]:
    """The database and the signed-in user for a page: every page starts with it.

    Runs ``gate``: shows the sign-in screen and stops when nobody is signed in, and stops with "Your role
    (...) cannot open this page" when the page that calls it (looked up in ``navigation.PAGES`` by its
    file) is not for the user's role.
    """
    _through_the_entry_point()
    db = open_db()
    caller = sys._getframe(1).f_globals.get("__file__")
    return db, gate(db, navigation.spec_for(caller) if caller else None)


def _through_the_entry_point() -> None:
    """Rerun through streamlit_app.py when Streamlit ran this page straight from the pages/ folder.

    With a pages/ folder beside the entry point, Streamlit starts every server process (and every
    AppTest run) in its old multipage mode, which lists the folder's files in the sidebar and runs a
    page opened by URL without the entry point, until some run calls ``st.navigation``. The page's own
    checks (``gate``) would still refuse whom they must, but the menu would list every file to anyone.
    Leaving that mode and rerunning the same URL goes through the entry point and its role's menu.
    """
    from streamlit import config as streamlit_config
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        # AppTest puts Streamlit back in the old mode before every run: a rerun there would lose the
        # button click that started the run. The page's own checks (gate) run either way.
        if not streamlit_config.get_option("global.appTest"):
            st.rerun()


def show_error(error: DomainError) -> None:
    """Show a domain error in the users' words: what went wrong and what to do.

    The message quotes what the user typed or what is stored (a reference, a name, a file's value), so it is
    shown as written (``md_escape``): a value can never become a link, an image or formatting here.
    """
    if isinstance(error, InvalidInput):
        st.error("Nothing was saved. Please correct:\n\n" + "\n".join(f"- {md_escape(p)}" for p in error.problems))
    elif isinstance(error, Conflict):
        st.warning(md_escape(error))
    elif isinstance(error, Refused):
        st.error(f"Not allowed: {md_escape(error)}")
    else:
        st.error(md_escape(error))
