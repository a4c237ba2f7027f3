"""The quarterly complaints report to senior management: the quarter's themes (concerns by category),
outcomes, and the average working days of statutory stages 1 and 2, against the earlier quarters of
the same financial year.

A quarter counts exactly as a year does (README, "How the reports count"), over the complaints
received in the quarter: Q1 is April to June. The figures are the read side's (``report_figures``),
computed for a quarter (``periods.quarter_label``), so a year's four quarters add up to the year. The
reconciliation is ``read.reconciliation.quarter``, shared with the annual report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlite_utils

from .. import charts
from ..read import reconciliation, report_figures
from .render import Chart, Document, Heading, Paragraph, Table, plural, show
from ..rules import periods
from ..rules.periods import as_date, long_date, year_label

STAGES = ("1", "2")


def quarterly_report(db: sqlite_utils.Database, year: str, quarter: int, as_of: date | None = None) -> dict:
    """The quarterly report of ``quarter`` (1 to 4) of financial ``year``, as at ``as_of`` (default today).

    Returns a JSON-able dict: ``financial_year``, ``quarter`` ("Q3"), ``period`` {start, end}, ``as_of``,
    ``complaints_received``, ``concerns_by_category`` and ``statutory_outcomes`` of the quarter,
    ``quarters`` {"Q1".. this quarter: {complaints_received, concerns_by_category, statutory_outcomes,
    statutory_by_final_stage}} and ``reconciliation`` [{check, expected, found, message}]: the failed
    checks of ``read.reconciliation.quarter``, the quarter's outcomes and final stages against its
    statutory complaints.
    Raises ``ValueError`` (a sentence for the user) for a bad year or quarter.
    """
    as_of = as_of or date.today()
    start, end = periods.quarter_bounds(year, quarter)
    quarters = {}
    for number in range(1, int(quarter) + 1):
        label = periods.quarter_label(year, number)
        quarters[f"Q{number}"] = {
            "complaints_received": report_figures.complaints_by_procedure(db, label),
            "concerns_by_category": report_figures.concerns_by_category(db, label),
            "statutory_outcomes": report_figures.statutory_outcomes(db, label),
            "statutory_by_final_stage": report_figures.final_stages(db, label, as_of, "statutory"),
        }
    this = quarters[f"Q{quarter}"]
    report = {
        "financial_year": year,
        "quarter": f"Q{quarter}",
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "complaints_received": this["complaints_received"],
        "concerns_by_category": this["concerns_by_category"],
        "statutory_outcomes": this["statutory_outcomes"],
        "quarters": quarters,
    }
    report["reconciliation"] = reconciliation.warnings(reconciliation.quarter(db, report))
    return report


def _quarter_words(report: dict) -> str:
    start, end = (date.fromisoformat(report["period"][k]) for k in ("start", "end"))
    return f"{report['quarter']} {year_label(report['financial_year'])} ({long_date(start)} to {long_date(end)})"


def _average(report: dict, quarter: str, stage: str) -> float | None:
    return report["quarters"][quarter]["statutory_by_final_stage"].get(stage, {}).get("average_working_days")


def timescale_draft(report: dict) -> str:
    """Sentences comparing the quarter's stage 1 and 2 average working days with the earlier quarters."""
    quarter = report["quarter"]
    earlier = [q for q in report["quarters"] if q != quarter]
    sentences = []
    for stage in STAGES:
        now = _average(report, quarter, stage)
        if now is None:
            sentences.append(f"No statutory complaint received in {quarter} has been answered at stage {stage}.")
            continue
        text = f"Statutory complaints received in {quarter} and answered at stage {stage} took {show(now)} working days on average"
        before = [f"{show(_average(report, q, stage))} in {q}" for q in reversed(earlier) if _average(report, q, stage) is not None]
        if before:
            text += ", compared to " + (", ".join(before[:-1]) + " and " + before[-1] if len(before) > 1 else before[0])
        sentences.append(text + ".")
    return " ".join(sentences)


def quarterly_document(report: dict, *, include_checks: bool = True) -> Document:
    """The quarterly report as a document for the renderers; ``include_checks=False`` leaves out the
    reconciliation section (the page shows the warnings above its preview)."""
    quarter = report["quarter"]
    quarters = list(report["quarters"])
    received = report["complaints_received"]
    doc = Document(
        f"Complaints quarterly report {quarter} {year_label(report['financial_year'])}",
        f"Complaints received in {_quarter_words(report)}, against the earlier quarters of the year. "
        f"Every figure is computed from the records as at {long_date(report['as_of'])}.",
    )
    warnings = report["reconciliation"]
    if include_checks:
        doc.add(Heading("Checks on the figures", 1))
        if warnings:
            doc.add(Paragraph(f"{plural(len(warnings), 'breakdown')} of the quarter {'does' if len(warnings) == 1 else 'do'} "
                              "not add up to its total; correct the records before sending the report.", style="warning"))  # fmt: skip
        else:
            doc.add(Paragraph("The quarter's outcomes and final stages add up to its statutory complaints."))
        doc.add(Table("Checks", "Reconciliation warnings", ["Check", "Expected", "Found", "Message"],
                      [[w["check"], w["expected"], w["found"], w["message"]] for w in warnings]))  # fmt: skip

    doc.add(Heading("Complaints received", 1))
    text = (
        f"In {quarter}, children's services received {plural(received['total'], 'complaint')} "
        f"({received['statutory']:,} statutory, {received['corporate']:,} corporate and {received['informal']:,} informal)"
    )
    if len(quarters) > 1:
        previous = quarters[-2]
        text += f", compared to {report['quarters'][previous]['complaints_received']['total']:,} in {previous}"
    doc.add(Paragraph(text + "."))
    procedures = [p for p in received if p != "total"] + ["total"]
    doc.add(_by_quarter_table("Received", "Complaints received by procedure and quarter", "Procedure", report,
                              "complaints_received", procedures))  # fmt: skip

    doc.add(Heading("Themes", 1))
    concerns = report["concerns_by_category"]
    top = [(c, n) for c, n in sorted(concerns.items(), key=lambda i: -i[1]) if n][:2]
    if top:
        doc.add(Paragraph(
            f"The concerns raised most often in {quarter}'s statutory complaints were "
            + " and ".join(f"{c.lower()} ({n:,})" for c, n in top) + "."
        ))  # fmt: skip
    doc.add(_by_quarter_table("Themes", "Concerns raised in statutory complaints by category and quarter", "Category",
                              report, "concerns_by_category", list(concerns),
                              note="Counted per concern raised: a complaint raising two concerns counts twice."))  # fmt: skip
    doc.add(Chart(f"Concerns raised in {quarter}", charts.breakdown_chart(
        pd.DataFrame({"Category": list(concerns), "Times raised": list(concerns.values())}),
        "Category", "Times raised", f"Concerns raised in {quarter}")))  # fmt: skip

    doc.add(Heading("Outcomes", 1))
    doc.add(_by_quarter_table("Outcomes", "Statutory complaints by outcome and quarter received", "Outcome", report,
                              "statutory_outcomes", list(report["statutory_outcomes"]),
                              note="Open: no outcome recorded yet."))  # fmt: skip

    doc.add(Heading("Timescales", 1))
    doc.add(Paragraph(timescale_draft(report)))
    rows = []
    for q in quarters:
        stages = report["quarters"][q]["statutory_by_final_stage"]
        row: list[Any] = [q]
        for stage in STAGES:
            figures = stages.get(stage, {})
            row += [figures.get("complaints", 0), figures.get("within_timescale", 0), figures.get("over_timescale", 0),
                    figures.get("average_working_days")]  # fmt: skip
        rows.append(row)
    doc.add(Table(
        "Timescales", "Statutory complaints by final stage 1 and 2 and quarter received",
        ["Quarter", "Stage 1 complaints", "Stage 1 within", "Stage 1 over", "Stage 1 average working days",
         "Stage 2 complaints", "Stage 2 within", "Stage 2 over", "Stage 2 average working days"],
        rows, "The final stage is the highest stage a complaint reached; averages over answered final stages.",
    ))  # fmt: skip
    frame = pd.DataFrame(
        [{"Quarter": q, "Stage": f"Stage {stage}", "Average working days": _average(report, q, stage)}
         for q in quarters for stage in STAGES if _average(report, q, stage) is not None]
    )  # fmt: skip
    if not frame.empty:
        doc.add(Chart("Average working days by quarter", charts.quarters_chart(frame, "Average working days by quarter")))
    return doc


def _by_quarter_table(sheet: str, title: str, label: str, report: dict, key: str, values: list[str],
                      note: str | None = None) -> Table:
    quarters = list(report["quarters"])
    rows = [
        [value[:1].upper() + value[1:], *(report["quarters"][q][key].get(value, 0) for q in quarters)]
        for value in values
    ]
    return Table(sheet, title, [label, *quarters], rows, note)


def about(report: dict) -> list[tuple[str, Any]]:
    """The lines of the Excel workbook's "About" sheet."""
    return [
        ("Financial year", year_label(report["financial_year"])),
        ("Quarter", report["quarter"]),
        ("Period", f"{long_date(report['period']['start'])} to {long_date(report['period']['end'])}"),
        ("Figures as at", as_date(report["as_of"])),
        ("Reconciliation warnings", len(report["reconciliation"])),
    ]
