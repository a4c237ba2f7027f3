"""Small pieces the pages share: the version a user read, a message that survives the rerun after a save,
paging, dates as the users write them, an action's history, and evidence downloads.

Streamlit reruns the whole page when a form is submitted, so by the time the save runs the page has
already re-read the record. The version the user actually read is the one shown in the *previous*
run: ``version_read`` remembers it per record, so a stale save gets the conflict message instead of
silently overwriting someone else's change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from . import ui
from .errors import DomainError
from .escaping import md_escape
from .rules.periods import long_date
from .rules.personal_data import personal_data_warnings
from .services import downloads

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


def saved(message: str, clear: tuple[str, ...] = (), warnings: tuple[str, ...] = ()) -> None:
    """After a successful save: keep ``message`` (and any ``warnings``) for the next run, empty the form's
    fields, rerun.

    Fields are emptied on the next run, before their widgets exist (Streamlit forbids it after), so a
    form that failed keeps what the user typed while a saved one starts afresh.
    """
    st.session_state[_FLASH_KEY] = (message, tuple(clear), tuple(warnings))
    st.rerun()


def show_flash() -> None:
    """Show, once, the message a save left for this run and its warnings, and empty the fields it saved.
    Call it first."""
    message, clear, warnings = st.session_state.pop(_FLASH_KEY, (None, (), ()))
    for key in clear:
        st.session_state.pop(key, None)
    if message:
        # The message names what was saved in the user's words (a reference, a name): shown as written.
        st.success(md_escape(message), icon=":material/check_circle:")
    for warning in warnings:
        st.warning(warning, icon=":material/privacy_tip:")


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


#: What a download refused at the click holds instead of the file: nothing of the records, and what to do.
DOWNLOAD_REFUSED = ("This file was not downloaded: you are no longer signed in (you were signed out after a time "
                    "without activity, you signed out, or your account was changed or deactivated). Sign in "
                    "again, then download the file again.")


class _LiveSession:
    """A Streamlit session's state, read when asked: a download is clicked on another thread, outside any
    page run, where ``st.session_state`` does not reach this session."""

    def __init__(self, state: Any):
        self._state = state

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._state[key]
        except KeyError:  # never set, or emptied by a sign-out
            return default


def _this_session() -> Any:
    """This session's state, to be read again when a download is clicked; outside a Streamlit run there
    is no session, so nothing will be downloaded."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    return _LiveSession(context.session_state) if context is not None else {}


def download_data(
    build: Callable[[Any, Any], bytes | str], *, event: str, entity: str, entity_id: int | None = None,
    file_name: str | None = None, service_audits: bool = False, session: Any = None,
    allowed: Callable[[Any], bool] | None = None,
) -> Callable[[], bytes]:
    """The ``data`` of every download button: Streamlit calls it when the button is clicked, and only then
    is the file built (so no file of records waits at a media address before anyone asks for it).

    At the click it checks the session again as every page run does (``ui.session_actor``: still signed
    in, not idle past the time-out, not deactivated, and the same person the page was drawn for) and, given
    ``allowed`` (a ``services.permissions`` question), that their role still allows the file; if not, it
    returns ``DOWNLOAD_REFUSED`` (no records) and audits the refusal. Otherwise it calls
    ``build(db, actor)`` on a connection of its own (the click runs on another thread) and audits the
    download as ``event`` (say "download evidence"), unless the service ``build`` calls audits it itself
    (``service_audits``: a backup). A ``DomainError`` from ``build`` comes back as its sentence, not a file.
    ``session`` is for tests; by default, this session's state.
    """
    session = _this_session() if session is None else session
    drawn_for = session.get(ui.USER_KEY)

    def load() -> bytes:
        db = ui.open_db()
        try:
            actor = ui.session_actor(db, session)
            if actor is None or actor.id != drawn_for:
                downloads.record_refused_download(db, drawn_for, event, entity, entity_id, file=file_name,
                                                  reason="the session had ended when the download was clicked")
                return DOWNLOAD_REFUSED.encode()
            if allowed is not None and not allowed(actor):  # the role may have changed since the page was drawn
                downloads.record_refused_download(db, actor.id, event, entity, entity_id, file=file_name,
                                                  reason="the user's role no longer allows this file")
                return DOWNLOAD_REFUSED.encode()
            try:
                content = build(db, actor)
            except DomainError as error:
                if not service_audits:
                    downloads.record_refused_download(db, actor.id, event, entity, entity_id, file=file_name,
                                                      reason=str(error))
                return f"This file was not downloaded: {error}".encode()
            if not service_audits:
                downloads.record_download(db, actor, event, entity, entity_id, file=file_name)
            return content.encode() if isinstance(content, str) else content
        finally:
            db.close()

    return load


def _evidence_loader(evidence_id: int, file_name: str | None = None, *, session: Any = None) -> Callable[[], bytes]:
    def build(db, actor) -> bytes:
        from .read.learning_and_actions import evidence_file

        found = evidence_file(db, evidence_id)
        return found[1] if found else b""

    return download_data(build, event="download evidence", entity="action_evidence", entity_id=evidence_id,
                         file_name=file_name, session=session)


def evidence_list(evidence: pd.DataFrame, key_prefix: str) -> None:
    """Each piece of evidence: its description with its link, or a button to download its file."""
    if evidence.empty:
        st.caption("No evidence added yet.")
        return
    for row in evidence.itertuples():
        added = f"added by {row.added_by} on {long_date(str(row.added_at))}"
        if isinstance(row.link, str) and row.link:
            if row.link.lower().startswith(("https://", "http://")) and not any(c in row.link for c in " ()<>"):
                st.markdown(f"- [{md_escape(row.description)}]({row.link}) ({md_escape(added)})")
            else:
                # Not a web address (a shared-drive path, say): shown as text, never as a clickable link.
                st.text(f"- {row.description}: {row.link} ({added})")
        if isinstance(row.filename, str) and row.filename:
            st.download_button(
                md_escape(f"{row.description}: {row.filename} ({row.size_bytes:,} bytes, {added})"),
                data=_evidence_loader(int(row.id), row.filename),
                file_name=row.filename,
                key=f"{key_prefix}-evidence-{row.id}",
                icon=":material/download:",
                on_click="ignore",  # a download changes nothing on the page, so it need not rerun it
            )


def save(call: Callable[[], Any], message: str | Callable[[Any], str], clear: tuple[str, ...] = (),
         free_text: Mapping[str, str | None] | None = None) -> None:
    """Every form's save: run its service call; show a ``DomainError`` in the users' words (the form keeps
    what was typed), or, when it saved, keep ``message`` for the next run, empty ``clear``, and rerun (see
    ``saved``). ``message`` may be a function of what the call returned (say, how many records moved).

    ``free_text`` is the form's free text by field label: once saved, it is checked for personal details
    (``rules.personal_data``) and the next run warns, field by field, what was seen and why it matters. It
    warns rather than refuses: the words are the user's to judge, and they can edit them out."""
    try:
        result = call()
    except DomainError as error:
        ui.show_error(error)
    else:
        warnings = personal_data_warnings(free_text) if free_text else []
        saved(message(result) if callable(message) else message, clear, tuple(warnings))
