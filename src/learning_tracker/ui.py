"""What every page shares: the database for this run, the signed-in user, and how errors are shown.

Pages stay thin: read widgets, call a service or a query, render. A connection is opened per script
run (never cached across Streamlit's threads) and closed when the run ends.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
import streamlit as st

from . import db as database
from .errors import Conflict, DomainError, InvalidInput, NotFound, Refused
from .services.core import Actor, load_actor

USER_KEY = "user_id"


def db_path() -> Path:
    return database.default_db_path()


def open_db() -> sqlite_utils.Database:
    """A connection for this script run; Streamlit may run the next one on another thread."""
    return database.connect(db_path())


def current_actor(db: sqlite_utils.Database) -> Actor | None:
    """The signed-in user, or None."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    try:
        return load_actor(db, user_id)
    except NotFound:
        st.session_state.pop(USER_KEY, None)
        return None


def page_context() -> tuple[sqlite_utils.Database, Actor]:
    """The database and the signed-in user for a page; stops the page when nobody is signed in."""
    db = open_db()
    actor = current_actor(db)
    if actor is None:
        st.warning("Choose who you are in the sidebar to use this page.")
        st.stop()
    return db, actor


def show_error(error: DomainError) -> None:
    """Show a domain error in the users' words: what went wrong and what to do."""
    if isinstance(error, InvalidInput):
        st.error("Nothing was saved. Please correct:\n\n" + "\n".join(f"- {p}" for p in error.problems))
    elif isinstance(error, Conflict):
        st.warning(str(error))
    elif isinstance(error, Refused):
        st.error(f"Not allowed: {error}")
    else:
        st.error(str(error))
