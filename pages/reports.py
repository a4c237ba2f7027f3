"""Reports: the statutory annual report and the quarterly report to senior management, computed from
the records. Reconciliation warnings come first; the learning prose is an editable draft whose edits go
into the Word and Markdown downloads."""

from datetime import date
from typing import Callable

import pandas as pd
import streamlit as st

from learning_tracker import charts, ui, widgets
from learning_tracker.read import report_figures
from learning_tracker.reports import annual, quarterly, render
from learning_tracker.services import permissions
from learning_tracker.rules import periods
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


def downloads(document: Callable[[], render.Document], figures: dict, about: list, stem: str, key: str) -> None:
    """Each file is built when its button is clicked, from the figures already computed (no database)."""
    columns = st.columns(4)
    def data(build: Callable[[], bytes | str], suffix: str):
        # Built and audited at the click, once the session is checked again (widgets.download_data).
        return widgets.download_data(lambda *_: build(), event=f"download {key} report", entity="report",
                                     file_name=f"{stem}.{suffix}")

    columns[0].download_button("Word", data(lambda: render.to_docx(document()), "docx"), file_name=f"{stem}.docx", mime=WORD,
                               icon=":material/download:", key=f"{key}_docx")  # fmt: skip
    columns[1].download_button("Excel", data(lambda: render.to_xlsx(document(), about), "xlsx"), file_name=f"{stem}.xlsx",
                               mime=EXCEL, icon=":material/download:", key=f"{key}_xlsx")  # fmt: skip
    columns[2].download_button("Markdown", data(lambda: render.to_markdown(document()), "md"), file_name=f"{stem}.md",
                               mime="text/markdown", icon=":material/download:", key=f"{key}_md")  # fmt: skip
    columns[3].download_button("JSON", data(lambda: render.to_json(figures), "json"), file_name=f"{stem}.json",
                               mime="application/json", icon=":material/download:", key=f"{key}_json")  # fmt: skip


def preview(document: render.Document, key: str, drafts: dict[str, str] | None = None, prose_key=None) -> None:
    """The document on screen; a draft paragraph is an editable text area."""
    for index, block in enumerate(document.blocks_for("preview")):
        if isinstance(block, render.Heading):
            (st.header if block.level == 1 else st.subheader)(md_escape(block.text))
        elif isinstance(block, render.Paragraph):
            if block.key and drafts is not None and block.key in drafts:
                label = "Draft: " + md_escape(
                    block.key.split(":", 1)[1] if ":" in block.key else block.key.replace("-", " "))
                st.text_area(label, value=drafts[block.key], key=prose_key(block.key), height=200,
                             help="Edit freely: the Word and Markdown downloads use your text.")  # fmt: skip
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
            st.dataframe(frame, hide_index=True, key=f"{key}_table_{index}")
            if block.note:
                st.caption(md_escape(block.note))
        elif isinstance(block, render.Chart):
            # The chart keeps its height and fits the page's width; Streamlit's default fits both, which squashes
            # a chart of a few bars to a strip.
            st.altair_chart(block.chart.properties(autosize=charts.FIT_WIDTH), key=f"{key}_chart_{index}")


db, actor = ui.page_context()
st.title("Reports")
if not permissions.reads_reports(actor):
    st.error("Not allowed: the reports are for the complaints officer and senior leadership.")
    st.stop()

years = report_figures.financial_years(db)
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
    figures = annual.publishable(report) if suppress else report
    show_warnings(report["reconciliation"], report["checks_made"])

    def prose_key(key: str) -> str:
        # The drafts' numbers depend on all three choices; a change of any starts from the new draft.
        return f"annual_prose|{year}|{as_of}|{suppress}|{key}"

    drafts = annual.drafts(figures)
    edits = {key: st.session_state[prose_key(key)] for key in drafts if prose_key(key) in st.session_state}
    st.caption("Downloads use the choices above and your edits of the draft prose below.")
    downloads(lambda: annual.annual_document(figures, edits), figures, annual.about(figures),
              f"annual-report-{year}", "annual")
    st.divider()
    preview(annual.annual_document(figures, edits, include_checks=False), "annual", drafts, prose_key)

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
    downloads(lambda: quarterly.quarterly_document(quarter_report), quarter_report, quarterly.about(quarter_report),
              f"quarterly-report-{quarter_year}-Q{quarter}", "quarterly")  # fmt: skip
    st.divider()
    preview(quarterly.quarterly_document(quarter_report, include_checks=False), "quarterly")
