"""Reports: the statutory annual report and the quarterly report to senior management, computed from
the records. Reconciliation warnings come first. The annual report's sections of prose (the summary, each
service area's learning, last year's actions) are saved records (``services.report_sections``): whoever
may write a section edits it in a box that saves when they leave it, and the downloads read the saved
text when clicked. A service manager opens this page for their own areas' learning sections only."""

from datetime import date
from typing import Any, Callable

import pandas as pd
import streamlit as st

from learning_tracker import charts, ui, widgets
from learning_tracker.errors import Conflict, DomainError
from learning_tracker.read import register, report_figures
from learning_tracker.read.report_sections import saved_sections
from learning_tracker.reports import annual, quarterly, render
from learning_tracker.services import permissions, report_sections
from learning_tracker.rules import periods, vocabulary
from learning_tracker.rules.personal_data import personal_data_warnings
from learning_tracker.escaping import md_escape

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUARTER_MONTHS = {1: "April to June", 2: "July to September", 3: "October to December", 4: "January to March"}


def show_warnings(warnings: list[dict], checks_made: int | None) -> None:
    """The reconciliation warnings, above everything else: every difference, never hidden."""
    if not warnings:
        st.success(f"All {checks_made} breakdowns add up to their totals." if checks_made
                   else "The breakdowns add up to their totals.", icon=":material/check_circle:")  # fmt: skip
        return
    st.warning(f"{len(warnings)} breakdown{'s do' if len(warnings) != 1 else ' does'} not add up to the total "
               "it breaks down. Correct the records, or explain the difference, before publishing.",
               icon=":material/warning:")  # fmt: skip
    for warning in warnings:
        st.warning(md_escape(warning["message"]))


def downloads(figures: Callable[[Any], dict], document: Callable[[dict], render.Document],
              about: Callable[[dict], list], stem: str, key: str) -> None:
    """Each file is built when its button is clicked: ``figures(db)`` (for the annual report, the figures
    computed for the page with the sections as saved at the click) laid out by ``document``."""
    columns = st.columns(4)
    def data(build: Callable[[dict], bytes | str], suffix: str):
        # Built and audited at the click, once the session is checked again (widgets.download_data); a click
        # straight after leaving a section's box waits for the run that saves it.
        return widgets.download_data(lambda db, _: build(figures(db)), event=f"download {key} report", entity="report",
                                     file_name=f"{stem}.{suffix}", allowed=permissions.reads_reports, after_the_run=True)

    def button(column, label: str, build: Callable[[dict], bytes | str], suffix: str, mime: str) -> None:
        # A download changes nothing on the page, so it need not run it again.
        column.download_button(label, data(build, suffix), file_name=f"{stem}.{suffix}", mime=mime,
                               icon=":material/download:", key=f"{key}_{suffix}", on_click="ignore")

    button(columns[0], "Word", lambda f: render.to_docx(document(f)), "docx", WORD)
    button(columns[1], "Excel", lambda f: render.to_xlsx(document(f), about(f)), "xlsx", EXCEL)
    button(columns[2], "Markdown", lambda f: render.to_markdown(document(f)), "md", "text/markdown")
    button(columns[3], "JSON", render.to_json, "json", "application/json")


# --- the annual report's sections of prose ---------------------------------------------------------------

_PENDING = "_report_section_pending"  # a section's text that did not save, kept on screen with why
_NOTICE = "_report_section_notice"  # what the last change of a section left to say, shown once
_MINE = "_report_section_mine"  # the version this session's own last change left, by box
SIGNED_OUT_UNSAVED = ("This text was not saved: you were signed out before you left the box. It is back in the box: "
                      "leave the box to save it, or go back to the saved text.")


def _box(year: str, section: str, area_id: int | None) -> str:
    # By the area's id, not its name: a name is the user's text, and a widget's key must not depend on it.
    return f"report_section|{year}|{section}|{area_id or ''}"


def _version(box: str, shown: int) -> int:
    """The version a change of the box is made against: the one the page showed, or a newer one this session's
    own last change left (a button clicked straight after leaving the box follows the box's save)."""
    return max(shown, st.session_state.get(_MINE, {}).get(box, shown))


def _change_section(box: str, call: Callable[[Any, Any], report_sections.SectionSaved], text: str | None = None,
                    title: str = "") -> None:
    """A section's change, from its box or a button's callback: run ``call(db, actor)`` for the user this
    session still speaks for (``ui.session_actor``, the checks of every run). What it did, or why not, is
    left for the run that follows; a text that did not save stays on screen."""
    db = ui.open_db()
    try:
        actor = ui.session_actor(db, st.session_state)
        if actor is None:
            # Signed out (the run that follows says so): the text waits for the same person to sign in again.
            user_id = st.session_state.get(ui.USER_KEY)
            if text is not None and user_id is not None:
                widgets.keep_unsaved(user_id, box, text)
            return
        try:
            done = call(db, actor)
        except DomainError as error:
            if text is not None:
                st.session_state.setdefault(_PENDING, {})[box] = {"text": text, "error": error}
            else:
                st.session_state.setdefault(_NOTICE, {})[box] = (error, [])
        else:
            st.session_state.setdefault(_PENDING, {}).pop(box, None)
            st.session_state.setdefault(_MINE, {})[box] = done.version
            warnings = personal_data_warnings({title: text}) if text is not None else []
            st.session_state.setdefault(_NOTICE, {})[box] = (done.message, warnings)
    finally:
        db.close()


def _save_box(year: str, section: str, area_id: int | None, box: str, read_version: int, based_on: str,
              title: str) -> None:
    """The box's ``on_change``: save the text the user left, against the version the page showed."""
    text = st.session_state.get(box, "")
    _change_section(box, lambda db, actor: report_sections.save_text(
        db, actor, year, section, area_id, text, _version(box, read_version), based_on), text, title)


def _step(step, year: str, section: str, area_id: int | None, box: str, read_version: int, draft: str,
          based_on: str) -> None:
    """A button's ``on_click``: mark the section reviewed or approve it (a section not written yet: its draft)."""
    _change_section(box, lambda db, actor: step(db, actor, year, section, area_id, _version(box, read_version), draft,
                                                based_on=based_on))


def _drop_mine(box: str) -> None:
    """Give up the text that did not save: the box shows the saved text again."""
    st.session_state.get(_PENDING, {}).pop(box, None)


def _status_line(saved: dict | None) -> str:
    """A section's status and who wrote, reviewed and approved it, when: "Approved: written by ... on 7 April
    2021; approved by ... on 8 April 2021."."""
    if saved is None:
        return vocabulary.REPORT_SECTION_STATUS_WORDS[vocabulary.SECTION_NOT_WRITTEN] + "."
    done = [f"written by {saved['written_by']} on {periods.long_date(saved['written_on'])}"]
    for step in ("reviewed", "approved"):
        if saved[f"{step}_by"]:
            done.append(f"{step} by {saved[f'{step}_by']} on {periods.long_date(saved[f'{step}_on'])}")
    return f"{vocabulary.REPORT_SECTION_STATUS_WORDS[saved['status']]}: " + "; ".join(done) + "."


def _show_text(text: str) -> None:
    for part in text.split("\n\n"):
        st.markdown(md_escape(part))


def report_section(actor, year: str, key: str, area_id: int | None, saved: dict | None, computed: str,
                   shown: str, as_of: date) -> None:
    """One section of the annual report. To someone who may write it: a box that saves when they leave it
    (checked against the version shown), its status and who did what when, a note when the figures under
    it have changed, and the steps they may take. To anyone else: the text the report prints, with its status.

    ``computed`` is the section's draft from the publishable figures as at the chosen date (a new text
    starts from it and records its figures, ``annual.figures_of``, as what it was based on); ``shown`` the text
    this version of the report prints."""
    section, area = vocabulary.split_report_section_key(key)
    status = saved["status"] if saved else vocabulary.SECTION_NOT_WRITTEN
    if not permissions.writes_report_section(actor, area_id):
        _show_text(shown)
        st.caption(md_escape(_status_line(saved)))
        return
    box, version = _box(year, section, area_id), saved["version"] if saved else 0
    basis = annual.figures_of(computed, as_of)
    title = {vocabulary.SUMMARY_SECTION: "the summary",
             vocabulary.PREVIOUS_ACTIONS_SECTION: "the progress of last year's actions"}.get(
                 section, f"the learning section of {md_escape(area)}")
    if (lost := widgets.take_unsaved(actor.id, box)) is not None:
        st.session_state.setdefault(_PENDING, {})[box] = {"text": lost, "error": DomainError(SIGNED_OUT_UNSAVED)}
    pending = st.session_state.get(_PENDING, {}).get(box)
    if pending is None:
        # The saved text (or the draft to start from) whatever the other choices: toggling suppression or
        # changing the date never changes what was saved.
        st.session_state[box] = saved["text"] if saved else computed
    else:
        st.session_state.setdefault(box, pending["text"])
    st.text_area(f"Text of {title}", key=box, height=200, on_change=_save_box,
                 args=(year, section, area_id, box, version, basis, f"Text of {title}"),
                 help="Saved when you leave the box. The Word, Markdown and JSON downloads use the saved text.")
    st.caption(md_escape(_status_line(saved)))
    if pending is not None:
        ui.show_error(pending["error"])
        if isinstance(pending["error"], Conflict) and saved:
            st.caption(md_escape(f"Saved now ({_status_line(saved)}):"))
            with st.container(border=True):
                _show_text(saved["text"])
            st.caption("Your text is still in the box: change it and it saves over theirs, or go back to theirs.")
        st.button("Go back to the saved text" if saved else "Go back to the draft", key=f"{box}|drop",
                  on_click=_drop_mine, args=(box,))
    message, warnings = st.session_state.get(_NOTICE, {}).pop(box, (None, []))
    if isinstance(message, DomainError):
        ui.show_error(message)
    elif message:
        st.success(md_escape(message), icon=":material/check_circle:")
    for warning in warnings:
        st.warning(warning, icon=":material/privacy_tip:")
    if saved and saved["based_on"] != basis:
        st.info("The figures under this section have changed since it was written.", icon=":material/update:")
        with st.expander("The draft from the figures now"):
            _show_text(computed)
    steps = permissions.report_section_steps(actor, area_id, status) if pending is None else ()
    if steps:
        columns = st.columns(len(steps) + 3)  # buttons of their own width, at the left
        for column, step in zip(columns, steps):
            call = report_sections.mark_reviewed if step == permissions.REVIEW_SECTION else report_sections.approve
            column.button(step, key=f"{box}|{step}", on_click=_step, args=(
                call, year, section, area_id, box, version, saved["text"] if saved else computed, basis))


def preview(document: render.Document, key: str, section: Callable[[render.Paragraph], None] | None = None) -> None:
    """The document on screen; a section of prose (a paragraph with a key) is drawn by ``section``."""
    for index, block in enumerate(document.blocks_for("preview")):
        if isinstance(block, render.Heading):
            (st.header if block.level == 1 else st.subheader)(md_escape(block.text))
        elif isinstance(block, render.Paragraph):
            if block.key and section is not None:
                section(block)
            elif block.style == "warning":
                st.warning(md_escape(block.text))
            elif block.style == "note":
                st.caption(md_escape(block.text))
            else:
                for part in block.text.split("\n\n"):
                    st.markdown(md_escape(part))
        elif isinstance(block, render.Table):
            st.markdown(f"**{md_escape(block.title)}**")
            frame = pd.DataFrame([[render.show(v) for v in row] for row in block.rows], columns=block.columns)
            widgets.table(frame, alt=block.title)
            if block.note:
                st.caption(md_escape(block.note))
        elif isinstance(block, render.Chart):
            # The chart keeps its height and fits the page's width; Streamlit's default fits both, which squashes
            # a chart of a few bars to a strip.
            st.altair_chart(block.chart.properties(autosize=charts.FIT_WIDTH), key=f"{key}_chart_{index}")


def area_sections(db, actor, years: list[str]) -> None:
    """A service manager's view: the learning section of each of their service areas in a year's annual
    report, to write and mark reviewed; the report itself is for the officer and senior leadership."""
    st.caption("Your service areas' sections of the annual report's \"Service improvements and learning\". "
               "Write each one; when it is ready, mark it as reviewed. The complaints officer approves them.")
    left, right = st.columns(2)
    year = left.selectbox("Financial year", years, format_func=periods.year_label, key="annual_year")
    as_of = right.date_input("Figures as at", value=date.today(), key="annual_as_of", format="DD/MM/YYYY",
                             help="Decides which actions are overdue in the draft.")  # fmt: skip
    try:
        report = annual.publishable(annual.annual_report(db, year, as_of))
    except ValueError as error:
        st.error(md_escape(error))
        st.stop()
    computed, shown, saved = annual.computed_drafts(report), annual.drafts(report), saved_sections(db, year)
    mine = [(area_id, name) for area_id, name in register.service_areas(db)
            if permissions.writes_report_section(actor, area_id)]
    if not mine:
        st.info("You have no service area yet: the complaints officer adds you to yours.")
    for area_id, name in mine:
        st.header(md_escape(name))
        key = vocabulary.report_section_key(vocabulary.LEARNING_SECTION, name)
        if key not in computed:
            st.caption(md_escape(f"{name} had no upheld or partly upheld complaints and no learning in "
                                 f"{periods.year_label(year)}, so the report has no section for it."))
            continue
        report_section(actor, year, key, area_id, saved.get(key), computed[key], shown[key], as_of)


db, actor = ui.page_context()
st.title("Reports")
years = report_figures.financial_years(db)
if permissions.writes_only_area_report_sections(actor):
    if not years:
        st.info("No complaints are recorded yet, so there is no report to write.")
        st.stop()
    area_sections(db, actor, years)
    st.stop()
if not permissions.reads_reports(actor):
    st.error("Not allowed: the reports are for the complaints officer and senior leadership.")
    st.stop()

if not years:
    st.info("No complaints are recorded yet, so there is nothing to report.")
    st.stop()

# One report per run: the page builds only the one asked for.
kind = st.segmented_control("Report", ["Annual report", "Quarterly report"], default="Annual report",
                            key="report_kind", label_visibility="collapsed") or "Annual report"

if kind == "Annual report":
    left, middle, right = st.columns(3)
    year = left.selectbox("Financial year", years, format_func=periods.year_label, key="annual_year",
                          help="April to March; a complaint belongs to the year in which it was received.")  # fmt: skip
    as_of = middle.date_input("Figures as at", value=date.today(), key="annual_as_of", format="DD/MM/YYYY",
                              help="Decides whether an unanswered stage is over timescale or still pending.")  # fmt: skip
    suppress = right.toggle("Suppress small numbers", value=True, key="annual_suppress",
                            help="Show counts from 1 to 4 in equality and other small breakdowns as 'fewer than 5', "
                                 "as published tables must not identify anyone.")  # fmt: skip
    try:
        report = annual.annual_report(db, year, as_of)
    except ValueError as error:
        st.error(md_escape(error))
        st.stop()
    published = annual.publishable(report)
    figures = published if suppress else report
    show_warnings(report["reconciliation"], report["checks_made"])
    st.caption("Downloads use the choices above and the sections' text as saved when you click.")
    # At the click: the figures of this run with the sections as saved then (a section saved since is in).
    downloads(lambda click_db: annual.with_sections(figures, saved_sections(click_db, year)),
              annual.annual_document, annual.about, f"annual-report-{year}", "annual")
    st.divider()
    # Sections start from, and are compared with, the publishable draft: the saved text goes into every
    # version of the report, so it must never start from counts that suppression would hide.
    computed, saved = annual.computed_drafts(published), saved_sections(db, year)
    area_ids = {name: area_id for area_id, name in register.service_areas(db)}

    def section(block: render.Paragraph) -> None:
        area = vocabulary.split_report_section_key(block.key)[1]
        report_section(actor, year, block.key, area_ids.get(area) if area else None, saved.get(block.key),
                       computed[block.key], block.text, as_of)

    preview(annual.annual_document(figures, include_checks=False), "annual", section)

else:
    left, middle, right = st.columns(3)
    quarter_year = left.selectbox("Financial year", years, format_func=periods.year_label, key="quarterly_year")
    quarter = middle.selectbox("Quarter", [1, 2, 3, 4], index=3, key="quarterly_quarter",
                               format_func=lambda q: f"Q{q} ({QUARTER_MONTHS[q]})")  # fmt: skip
    quarter_as_of = right.date_input("Figures as at", value=date.today(), key="quarterly_as_of", format="DD/MM/YYYY")
    try:
        quarter_report = quarterly.quarterly_report(db, quarter_year, quarter, quarter_as_of)
    except ValueError as error:
        st.error(md_escape(error))
        st.stop()
    show_warnings(quarter_report["reconciliation"], None)
    downloads(lambda _: quarter_report, quarterly.quarterly_document, quarterly.about,
              f"quarterly-report-{quarter_year}-Q{quarter}", "quarterly")  # fmt: skip
    st.divider()
    preview(quarterly.quarterly_document(quarter_report, include_checks=False), "quarterly")
