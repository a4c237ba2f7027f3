"""Small pieces the pages share: the version a user read, a message that survives the rerun after a save,
paging, dates as the users write them, an action's history, and evidence downloads.

Streamlit reruns the whole page when a form is submitted, so by the time the save runs the page has
already re-read the record. The version the user actually read is the one shown in the *previous*
run: ``version_read`` remembers it per record, so a stale save gets the conflict message instead of
silently overwriting someone else's change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from . import ui
from .errors import DomainError
from .reports.render import md_escape
from .rules.periods import long_date

_VERSIONS_KEY = "_versions_read"
_FLASH_KEY = "_flash"
#: Times are stored in UTC; people read them in the council's time.
LOCAL_TIME = "Europe/London"


def date_column(label: str) -> st.column_config.DateColumn:
    """A table column of dates (``date`` values or ISO text) shown as the users write them: 06/04/2021."""
    return st.column_config.DateColumn(label, format="DD/MM/YYYY")


def time_column(label: str) -> st.column_config.DatetimeColumn:
    """A table column of times stored in UTC (ISO text), shown in UK time as the users write it: 06/04/2021 14:05."""
    return st.column_config.DatetimeColumn(label, format="DD/MM/YYYY HH:mm", timezone=LOCAL_TIME)


#: How an actions table's columns are headed, on every page that lists actions.
ACTION_TABLE_COLUMNS = {
    "id": st.column_config.NumberColumn("No.", format="%d"),
    "when": "When",
    "due_on": date_column("Due"),
    "description": st.column_config.TextColumn("Action", width="large"),
    "status": "Status",
    "priority": "Priority",
    "service_area": "Service area",
    "owner": "Owner",
}


def version_read(key: str, current: int) -> int:
    """The version of record ``key`` the user saw (shown in the previous run); remember ``current`` for the next.

    Call it once per run for every record a form on the page can save, before handling the form,
    and rerun after a successful save.
    """
    seen = st.session_state.setdefault(_VERSIONS_KEY, {})
    previous = seen.get(key, current)
    seen[key] = current
    return previous


def saved(message: str, clear: tuple[str, ...] = ()) -> None:
    """After a successful save: keep ``message`` for the next run, empty the form's fields, rerun.

    Fields are emptied on the next run, before their widgets exist (Streamlit forbids it after), so a
    form that failed keeps what the user typed while a saved one starts afresh.
    """
    st.session_state[_FLASH_KEY] = (message, tuple(clear))
    st.rerun()


def show_flash() -> None:
    """Show, once, the message a save left for this run, and empty the fields it saved. Call it first."""
    message, clear = st.session_state.pop(_FLASH_KEY, (None, ()))
    for key in clear:
        st.session_state.pop(key, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def pager(total: int, page_size: int, key: str, what: str = "rows") -> int:
    """A page picker when ``total`` needs more than one page; return the offset of the chosen page."""
    pages = max(1, math.ceil(total / page_size))
    if pages == 1:
        if total:
            st.caption(f"{total:,} {what}")
        return 0
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    picker, shown = st.columns([1, 3], vertical_alignment="bottom")
    page = picker.number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1, key=key)
    offset = (int(page) - 1) * page_size
    shown.caption(f"{what.capitalize()} {offset + 1:,}–{min(offset + page_size, total):,} of {total:,}")
    return offset


#: What each kind of history entry is called on the page (``services.actions`` records the kinds).
HISTORY_KINDS = {"created": "created", "status": "status changed", "note": "progress note",
                 "due date": "due date moved", "evidence": "evidence added",
                 "verified": "verified", "cancelled": "cancelled", "sent back": "sent back"}


def _history_value(value):
    """A history entry's from/to value: a date as the users write it, nothing as a blank."""
    if not isinstance(value, str):
        return ""
    try:
        return f"{date.fromisoformat(value):%d/%m/%Y}" if len(value) == 10 else value
    except ValueError:
        return value


def action_history_table(history: pd.DataFrame) -> None:
    """An action's history (``learning.action_history``) in the users' words: local times, what happened
    in words, dates as they write them, blanks where there is nothing to say."""
    shown = history.assign(
        at=pd.to_datetime(history["at"], utc=True).dt.tz_convert(LOCAL_TIME).dt.strftime("%d/%m/%Y %H:%M"),
        kind=[HISTORY_KINDS.get(kind, str(kind).replace("_", " ")) for kind in history["kind"]],
        from_value=[_history_value(v) for v in history["from_value"]],
        to_value=[_history_value(v) for v in history["to_value"]],
        note=[v if isinstance(v, str) else "" for v in history["note"]],
    )
    st.dataframe(shown, hide_index=True, column_config={
        "at": "When", "by": "By", "kind": "What", "from_value": "From", "to_value": "To", "note": "Note"})


def _evidence_loader(evidence_id: int):
    def load() -> bytes:
        # Runs on another thread when the button is clicked: it opens its own connection.
        from .read.learning_and_actions import evidence_file

        db = ui.open_db()
        try:
            found = evidence_file(db, evidence_id)
        finally:
            db.close()
        return found[1] if found else b""

    return load


def evidence_list(evidence: pd.DataFrame, key_prefix: str) -> None:
    """Each piece of evidence: its description with its link, or a button to download its file."""
    if evidence.empty:
        st.caption("No evidence added yet.")
        return
    for row in evidence.itertuples():
        added = f"added by {row.added_by} on {long_date(str(row.added_at))}"
        if isinstance(row.link, str) and row.link:
            if row.link.lower().startswith(("https://", "http://")) and not any(c in row.link for c in " ()<>"):
                st.markdown(f"- [{md_escape(row.description)}]({row.link}) ({added})")
            else:
                # Not a web address (a shared-drive path, say): shown as text, never as a clickable link.
                st.text(f"- {row.description}: {row.link} ({added})")
        if isinstance(row.filename, str) and row.filename:
            st.download_button(
                f"{row.description}: {row.filename} ({row.size_bytes:,} bytes, {added})",
                data=_evidence_loader(int(row.id)),
                file_name=row.filename,
                key=f"{key_prefix}-evidence-{row.id}",
                icon=":material/download:",
                on_click="ignore",  # a download changes nothing on the page, so it need not rerun it
            )


def save(call: Callable[[], Any], message: str | Callable[[Any], str], clear: tuple[str, ...] = ()) -> None:
    """Every form's save: run its service call; show a ``DomainError`` in the users' words (the form keeps
    what was typed), or, when it saved, keep ``message`` for the next run, empty ``clear``, and rerun (see
    ``saved``). ``message`` may be a function of what the call returned (say, how many records moved)."""
    try:
        result = call()
    except DomainError as error:
        ui.show_error(error)
    else:
        saved(message(result) if callable(message) else message, clear)
