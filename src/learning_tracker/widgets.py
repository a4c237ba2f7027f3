"""Small pieces the pages share: the version a user read, a message that survives the rerun after a save,
paging, tables people (and screen readers) can read, an action's history, and evidence downloads.

Streamlit reruns the whole page when a form is submitted, so by the time the save runs the page has
already re-read the record. The version the user actually read is the one shown in the *previous*
run: ``version_read`` remembers it per record, so a stale save gets the conflict message instead of
silently overwriting someone else's change.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from . import ui
from .errors import DomainError
from .escaping import md_escape
from .rules.periods import local_time, long_date, short_date
from .rules.personal_data import personal_data_warnings
from .services import downloads

_VERSIONS_KEY = "_versions_read"
_FLASH_KEY = "_flash"
_FORMS_KEY = "_form_generations"
_SESSION_TOKEN_KEY = "_form_session"


# --- tables ----------------------------------------------------------------------------------------------
# Every table is an HTML table (st.table), not st.dataframe's canvas: a screen reader reads it cell by cell
# with its headings, long text wraps instead of being cut off, and it prints. Its values are written for
# people before it is drawn: dates 07/04/2021, times in UK time, counts 1,234, nothing as a blank.


@dataclass(frozen=True)
class Column:
    """How a table column is headed and how its values are written: ``kind`` is "text" (as it is), "date"
    (07/04/2021), "time" (a UTC time in UK time: 07/04/2021 14:05), "number" (an identifier: 1234), "count"
    (1,234), "decimal" (12.5, one place) or "percent" (45%). "auto" writes dates as dates, whole numbers as
    counts and other numbers with one decimal place."""

    heading: str
    kind: str = "auto"


def date_column(label: str) -> Column:
    """A table column of dates (``date`` values or ISO text) shown as the users write them: 06/04/2021."""
    return Column(label, "date")


def time_column(label: str) -> Column:
    """A table column of times stored in UTC (ISO text), shown in UK time as the users write it: 06/04/2021 14:05."""
    return Column(label, "time")


def number_column(label: str) -> Column:
    """A table column of identifiers (an action's or a learning point's number): 1234, never 1,234."""
    return Column(label, "number")


def decimal_column(label: str) -> Column:
    """A table column of averages and other fractions, to one decimal place: 12.5."""
    return Column(label, "decimal")


def percent_column(label: str) -> Column:
    """A table column of shares (0.45), shown as percentages: 45%."""
    return Column(label, "percent")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another value pandas cannot judge
        return False


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_a_date(value: Any) -> bool:
    """A day: a ``date``, a timestamp at midnight with no time zone (a date column pandas read as times), or
    ISO text of a day ("2021-04-07", as the store keeps dates)."""
    if isinstance(value, datetime):
        return value.tzinfo is None and (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
    if isinstance(value, date):
        return True
    return isinstance(value, str) and _ISO_DATE.fullmatch(value) is not None


def cell_text(value: Any, kind: str = "auto") -> str:
    """A table cell's value as people read it (see ``Column``); None, NaN and NaT are a blank."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return ""
    if kind == "text":
        return str(value)
    if kind == "date" or (kind == "auto" and _is_a_date(value)):
        return short_date(value)
    if kind == "time" or (kind == "auto" and isinstance(value, datetime)):
        return local_time(value)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Number):
        if kind == "percent":
            return f"{float(value):.0%}"
        if kind == "number":
            return str(int(value)) if float(value).is_integer() else str(value)
        if kind == "decimal":
            return f"{float(value):,.1f}"
        if float(value).is_integer():  # a count (a column of counts with a blank in it comes as floats)
            return f"{int(value):,}"
        return f"{float(value):,.1f}"
    return str(value)


def _column(name: Any, columns: Mapping[str, str | Column]) -> Column:
    spec = columns.get(name, str(name))
    return spec if isinstance(spec, Column) else Column(spec)


def table_frame(frame: pd.DataFrame | list[dict[str, Any]], columns: Mapping[str, str | Column] | None = None) -> pd.DataFrame:
    """The table ``table`` draws: every column of ``frame`` in its order, headed as ``columns`` says (a heading,
    or a ``Column``; a column not named keeps its name), every value written as text for people (``cell_text``)."""
    frame = _as_frame(frame)
    columns = columns or {}
    shown = {}
    for name in frame.columns:
        spec = _column(name, columns)
        shown[spec.heading] = [cell_text(value, spec.kind) for value in frame[name]]
    return pd.DataFrame(shown, columns=list(shown))


def _as_frame(frame: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame of the rows; a named index (a crosstab's rows) becomes the first column."""
    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    return frame.reset_index() if any(name is not None for name in frame.index.names) else frame


#: The kinds of column whose values line up on the right, as figures do.
_FIGURES = ("count", "decimal", "percent")


def table(frame: pd.DataFrame | list[dict[str, Any]], columns: Mapping[str, str | Column] | None = None, *,
          alt: str | None = None, style: Callable[[pd.DataFrame], Any] | None = None) -> None:
    """A table every user can read: ``table_frame`` drawn as an HTML table (``st.table``), figures on the right.

    Every value (a reference, a description, a name) is shown exactly as written: ``st.table`` reads its cells
    as Markdown, so each goes through ``md_escape``. ``alt`` names the table for a screen reader (say what it
    lists when no heading right above says it). ``style`` may colour it (``reports.rag.styled``)."""
    source = _as_frame(frame)
    columns = columns or {}
    shown = table_frame(source, columns)
    escaped = shown.map(md_escape).rename(columns=md_escape)
    styler = style(escaped) if style is not None else escaped.style
    figures = []
    for name in source.columns:
        spec = _column(name, columns)
        numeric = pd.api.types.is_numeric_dtype(source[name]) and not pd.api.types.is_bool_dtype(source[name])
        if spec.kind in _FIGURES or (spec.kind == "auto" and numeric):
            figures.append(md_escape(spec.heading))
    if figures:
        # Streamlit sets each cell's alignment on the cell itself: only an important rule overrides it.
        styler = styler.set_properties(subset=figures, **{"text-align": "right !important"}).set_table_styles(
            {heading: [{"selector": "th", "props": "text-align: right !important"}] for heading in figures},
            overwrite=False)
    st.table(styler, hide_index=True, alt=alt)


#: How an actions table's columns are headed, on every page that lists actions.
ACTION_TABLE_COLUMNS = {
    "id": number_column("No."),
    "when": "When",
    "due_on": date_column("Due"),
    "description": "Action",
    "status": "Status",
    "priority": "Priority",
    "service_area": "Service area",
    "owner": "Owner",
    "learning_point_id": number_column("Learning point"),
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


class Form:
    """A form whose fields start again from what is stored once it has saved.

    Its Streamlit key carries a generation, and every field keyed through ``field`` carries the same one;
    a successful save (``save``) moves the form to the next generation, so on the next run Streamlit sees
    new widgets with their default values. A second click on the same submit button (a double click, or a
    click sent while the first save ran) arrives for the old generation's widgets, which the page no longer
    draws, so Streamlit ignores it: the record is saved once. A form that failed keeps what was typed."""

    def __init__(self, name: str):
        self.name = name
        self.generation = st.session_state.setdefault(_FORMS_KEY, {}).get(name, 0)
        self.key = self.field(name)

    def field(self, key: str) -> str:
        """The key of one of the form's widgets, of this generation: ``key#0``, then ``key#1`` after a save."""
        return f"{key}#{self.generation}"

    def saved(self) -> None:
        """Start the form again on the next run (``save`` calls it as soon as the service call returns)."""
        generations = st.session_state.setdefault(_FORMS_KEY, {})
        generations[self.name] = generations.get(self.name, 0) + 1

    def claim(self) -> bool:
        """Whether this run may save this generation of the form: only one run ever does. The claim is kept
        outside the session's state, under a lock, so two runs of one click can never both save; a save that
        failed gives it back (``release``) so the corrected form can be saved."""
        with _CLAIMS_LOCK:
            now = time.monotonic()
            for stale in [k for k, at in _CLAIMS.items() if now - at > CLAIM_SECONDS]:
                del _CLAIMS[stale]
            if self._claim_key in _CLAIMS:
                return False
            _CLAIMS[self._claim_key] = now
            return True

    def release(self) -> None:
        with _CLAIMS_LOCK:
            _CLAIMS.pop(self._claim_key, None)

    @property
    def _claim_key(self) -> tuple[str, str, int]:
        # A token of this browser session's own (the session's id is not unique under AppTest).
        return (st.session_state.setdefault(_SESSION_TOKEN_KEY, secrets.token_hex(16)), self.name, self.generation)


#: The forms' generations saved, by (session, form, generation), kept for an hour: see ``Form.claim``.
_CLAIMS: dict[tuple[str, str, int], float] = {}
_CLAIMS_LOCK = threading.Lock()
CLAIM_SECONDS = 60 * 60


@contextmanager
def form(name: str, **options: Any) -> Iterator[Form]:
    """``st.form`` for a form that saves through ``save``: ``with widgets.form("new_complaint") as form:``.
    Key any field with ``form.field("reference")``; unkeyed fields belong to the form's generation anyway."""
    handle = Form(name)
    with st.form(handle.key, **options):
        yield handle


#: How long a save's message outlives the runs after it: a double click's second run (which saves nothing,
#: see ``Form``) comes within this, and must not take the message away before it has been read.
FLASH_SECONDS = 3.0


def saved(message: str, warnings: tuple[str, ...] = ()) -> None:
    """After a successful save: keep ``message`` (and any ``warnings``) for the next runs, and rerun."""
    st.session_state[_FLASH_KEY] = (message, tuple(warnings), time.monotonic() + FLASH_SECONDS)
    st.rerun()


def show_flash() -> None:
    """Show the message a save left, and its warnings: on the run after the save and on any other run in the
    next ``FLASH_SECONDS``, then no more. Call it first."""
    message, warnings, until = st.session_state.get(_FLASH_KEY, (None, (), 0.0))
    if time.monotonic() >= until:
        st.session_state.pop(_FLASH_KEY, None)
    if message:
        # The message names what was saved in the user's words (a reference, a name): shown as written.
        st.success(md_escape(message), icon=":material/check_circle:")
    for warning in warnings:
        st.warning(warning, icon=":material/privacy_tip:")


def choose(label: str, labels: Mapping[Any, str], key: str, *, container: Any = None, **options: Any) -> Any:
    """A select box of ``labels`` (value: label) whose choice, kept under ``key``, outlives changes to the
    options and their labels: the first value when the kept one is no longer offered.

    Streamlit's select box keeps showing the label it last drew when its options change under the same
    key (an action picked as "(5 days overdue)" still read so once completed, or once a search left one
    other action). Keyed by its labels, the box here is drawn anew whenever they change, showing the
    choice as it is now. ``options`` are ``st.selectbox``'s others (help, placeholder...)."""
    values = list(labels)
    if not values:
        return None
    chosen = st.session_state.get(key)
    if chosen not in labels:
        chosen = values[0]
    box = f"{key}|{hashlib.sha256(repr(list(labels.items())).encode()).hexdigest()[:12]}"

    def picked() -> None:
        st.session_state[key] = st.session_state[box]

    st.session_state[key] = (container or st).selectbox(
        label, values, index=values.index(chosen), format_func=labels.get, key=box, on_change=picked, **options)
    return st.session_state[key]


#: Text a person typed but was signed out before it saved, by (user id, box): given back to them alone after they
#: sign in again (in this server process), for a day at most.
_UNSAVED: dict[tuple[int, str], tuple[float, str]] = {}
UNSAVED_SECONDS = 24 * 60 * 60


def keep_unsaved(user_id: int, box: str, text: str) -> None:
    """Keep what ``user_id`` typed in ``box`` when their session ended before it saved (a sign-out clears the
    session, and with it the box)."""
    _UNSAVED[(user_id, box)] = (time.monotonic() + UNSAVED_SECONDS, text)


def take_unsaved(user_id: int, box: str) -> str | None:
    """What ``user_id`` typed in ``box`` and lost to a sign-out, once; None when nothing (or it is too old)."""
    until, text = _UNSAVED.pop((user_id, box), (0.0, None))
    return text if time.monotonic() < until else None


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
        return short_date(value) if len(value) == 10 else value
    except ValueError:
        return value


def action_history_table(history: pd.DataFrame) -> None:
    """An action's history (``learning.action_history``) in the users' words: local times, what happened
    in words, dates as they write them, blanks where there is nothing to say."""
    shown = history.assign(
        kind=[HISTORY_KINDS.get(kind, str(kind).replace("_", " ")) for kind in history["kind"]],
        from_value=[_history_value(v) for v in history["from_value"]],
        to_value=[_history_value(v) for v in history["to_value"]],
    )[["at", "by", "kind", "from_value", "to_value", "note"]]
    table(shown, {"at": time_column("When"), "by": "By", "kind": "What", "from_value": "From", "to_value": "To",
                  "note": Column("Note", "text")}, alt="The action's history")


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


#: How long a download clicked during a page run waits for that run (``download_data``'s ``after_the_run``),
#: and how long it first gives the browser to send the text of a box the click made it leave.
RUN_WAIT_SECONDS = 15
RUN_GRACE_SECONDS = 0.5


def _run_waiter() -> Callable[[], None]:
    """Something to call at a download's click that waits until this session's page run is over, so that the
    file holds what the run saved.

    Leaving a text box by clicking a download sends both: the browser asks for the file first and sends the
    box's text (the run whose ``on_change`` saves it) some tens of milliseconds later, so the file could miss
    the text. The wait gives the browser ``RUN_GRACE_SECONDS`` to send it, then waits while the session has a
    script runner (Streamlit keeps one while a run is in progress; a later Streamlit without it simply does
    not wait), at most ``RUN_WAIT_SECONDS``. Outside a Streamlit server there is nothing to wait for."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    if context is None or not Runtime.exists():
        return lambda: None
    session_id = context.session_id

    def wait() -> None:
        time.sleep(RUN_GRACE_SECONDS)
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        while time.monotonic() < deadline:
            session = Runtime.instance().get_app_session(session_id)
            if session is None or getattr(session, "_scriptrunner", None) is None:
                return
            time.sleep(0.05)

    return wait


def download_data(
    build: Callable[[Any, Any], bytes | str], *, event: str, entity: str, entity_id: int | None = None,
    file_name: str | None = None, service_audits: bool = False, session: Any = None,
    allowed: Callable[[Any], bool] | None = None, after_the_run: bool = False,
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
    ``session`` is for tests; by default, this session's state. With ``after_the_run``, the click first waits
    for the page run it may have overtaken (the one saving a text box the user left by clicking the
    download: ``_run_waiter``), so that the file holds what that run saved.
    """
    session = _this_session() if session is None else session
    drawn_for = session.get(ui.USER_KEY)
    wait = _run_waiter() if after_the_run else (lambda: None)

    def load() -> bytes:
        wait()
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


def save(call: Callable[[], Any], message: str | Callable[[Any], str], form: Form | None = None,
         free_text: Mapping[str, str | None] | None = None) -> None:
    """Every form's save: run its service call; show a ``DomainError`` in the users' words (the form keeps
    what was typed), or, when it saved, start ``form`` again (see ``Form``), keep ``message`` for the next
    run, and rerun. ``message`` may be a function of what the call returned (say, how many records moved).

    ``free_text`` is the form's free text by field label: once saved, it is checked for personal details
    (``rules.personal_data``) and the next run warns, field by field, what was seen and why it matters. It
    warns rather than refuses: the words are the user's to judge, and they can edit them out."""
    if form is not None and not form.claim():
        return  # this generation of the form was saved already: a repeated click, which saves nothing
    try:
        result = call()
    except DomainError as error:
        if form is not None:
            form.release()
        ui.show_error(error)
        return
    if form is not None:
        form.saved()  # before anything that could stop this run: a repeated click must find the next generation
    warnings = personal_data_warnings(free_text) if free_text else []
    saved(message(result) if callable(message) else message, tuple(warnings))
