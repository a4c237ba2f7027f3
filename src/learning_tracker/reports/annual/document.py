"""The annual report as a document: ``annual_document(report, prose)`` lays out a report (or its
``publishable`` copy) as a ``render.Document`` (headings, prose, tables and charts, in the order of the
reference report), with ``about`` (the Excel "About" sheet) and, for scripts, one call per output
(``to_json``, ``to_docx``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ... import charts
from ...rules import periods
from ...rules.periods import as_date, long_date, year_label
from ...rules.procedures import COUNCIL_RESPONSE, PANEL_MEETING, PANEL_REPORT
from ...rules.vocabulary import (
    LEARNING_SECTION,
    NO_OUTCOME_YET,
    PREVIOUS_ACTIONS_SECTION,
    SECTION_APPROVED,
    SUMMARY_SECTION,
    report_section_key,
)
from .. import render
from ..render import (
    Chart,
    Document,
    Heading,
    Paragraph,
    Percent,
    Pounds,
    Table,
    plural,
)
from .prose import section_statuses, sentence_case, status_words, were

PROCEDURE_LABELS = {"statutory": "Statutory", "corporate": "Corporate", "informal": "Informal"}
# The review panel's steps, and the stages that make recommendations, in the report's words.
PANEL_STEP_LABELS = {PANEL_MEETING: "Panel meeting", PANEL_REPORT: "Panel's report", COUNCIL_RESPONSE: "Council's response"}
RECOMMENDING_STAGE_LABELS = {"2": "Stage 2 (investigation)", "3": "Stage 3 (review panel)"}


def _label(value: str) -> str:
    return value[:1].upper() + value[1:]


def _total(values) -> Any:
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(numbers) if len(numbers) == len(list(values)) else None


def _counts_table(sheet: str, title: str, label: str, counts: dict, *, percent_of: int | None = None,
                  total: Any = "sum", note: str | None = None, value_title: str = "Complaints") -> Table:
    """A table of ``{value: count}`` with an optional % column and a total row."""
    columns = [label, value_title] + (["%"] if percent_of is not None else [])
    rows = []
    for value, n in counts.items():
        row = [_label(str(value)), n]
        if percent_of is not None:
            row.append(Percent(n / percent_of) if isinstance(n, int) and percent_of else None)
        rows.append(row)
    if total is not None:
        total_value = _total(list(counts.values())) if total == "sum" else total
        if total_value is None and percent_of is not None:
            total_value = percent_of
        rows.append(["Total", total_value] + ([None] if percent_of is not None else []))
    return Table(sheet, title, columns, rows, note)


def _stages_table(sheet: str, title: str, stages: dict) -> Table:
    columns = ["Stage", "Complaints", "Within timescale", "Over timescale", "Pending", "Average working days"]
    rows = [
        [int(stage), row["complaints"], row["within_timescale"], row["over_timescale"], row["pending"],
         row["average_working_days"]]
        for stage, row in stages.items()
    ]  # fmt: skip
    rows.append(["Total", *(sum(r[i] for r in rows) for i in range(1, 5)), None])
    return Table(sheet, title, columns, rows,
                 "The final stage is the highest stage a complaint reached. Pending: not answered and not yet due. "
                 "Average working days over the answered final stages.")  # fmt: skip


def annual_document(report: dict, prose: dict[str, str] | None = None, *, include_checks: bool = True) -> Document:
    """The annual report as a document. Its sections print their ``draft`` (the saved text, or the draft
    computed from the figures: ``prose.put_sections``); ``prose`` replaces any of them by key (see
    ``prose.drafts``). ``include_checks=False`` leaves out the checks (the reconciliation and the sections
    not approved yet), which the page shows above its preview and beside each section instead."""
    prose = prose or {}
    fy = year_label(report["financial_year"])
    start, end = periods.financial_year_bounds(report["financial_year"])
    suppressed = report["small_numbers_suppressed"]
    doc = Document(
        f"Children's Services complaints and representations annual report {fy}",
        f"Financial year {long_date(start)} to {long_date(end)}. Every figure is computed from the records "
        f"as at {long_date(report['as_of'])}"
        + ("; counts from 1 to 4 in small breakdowns are shown as \"fewer than 5\"." if suppressed else "."),
    )

    def draft(key: str, text: str) -> Paragraph:
        return Paragraph(prose.get(key, text), key=key)

    # Reconciliation first, so that no difference is missed.
    warnings = report["reconciliation"]
    if include_checks:
        doc.add(Heading("Checks on the figures", 1))
        if warnings:
            n = len(warnings)
            doc.add(Paragraph(
                f"{plural(n, 'breakdown')} of the {report['checks_made']} checked {'does' if n == 1 else 'do'} not add "
                "up to the total it breaks down. Correct the records, or explain the difference, before publishing.",
                style="warning",
            ))  # fmt: skip
        else:
            doc.add(Paragraph(f"All {report['checks_made']} breakdowns add up to the totals they break down."))
        doc.add(Table("Checks", "Reconciliation warnings", ["Check", "Expected", "Found", "Message"],
                      [[w["check"], w["expected"], w["found"], w["message"]] for w in warnings]))  # fmt: skip
        doc.add(_sections_not_approved(report))

    # Summary and comparison with earlier years.
    doc.add(Heading("Summary", 1), draft(SUMMARY_SECTION, report["summary"]["draft"]))
    received = report["complaints_received"]
    doc.add(_counts_table(
        "Complaints by procedure", f"Complaints received in {fy} by procedure", "Procedure",
        {PROCEDURE_LABELS.get(p, p): n for p, n in received.items() if p != "total"}, percent_of=received["total"],
    ))  # fmt: skip
    earlier = report["earlier_years"]
    if earlier:
        doc.add(_comparison_table(report))
        years = [*reversed(list(earlier.items())), (report["financial_year"], headline_of(report))]
        frame = pd.DataFrame(
            {"Financial year": [year_label(y) for y, _ in years],
             "Statutory complaints": [f["complaints_received"]["statutory"] for _, f in years],
             "Compliments": [f["compliments"] for _, f in years]}
        )  # fmt: skip
        doc.add(Chart("Statutory complaints by year", charts.by_year_chart(frame, "Statutory complaints", "Statutory complaints by year")))

    # Who complained and how.
    people = report["complainants"]
    doc.add(Heading("Advocacy", 1))
    years = [(report["financial_year"], people), *((y, f["complainants"]) for y, f in earlier.items())]
    doc.add(Table(
        "Children and advocates", "Complaints from children and young people and with an advocate",
        ["Complaints", *(year_label(y) for y, _ in years)],
        [["Made by children and young people", *(p["children_and_young_people"] for _, p in years)],
         ["Supported by an advocate", *(p["with_advocate"] for _, p in years)]],
        "Complaints of all procedures. An advocate may support a complaint made by an adult on behalf of a child.",
    ))  # fmt: skip
    doc.add(Heading("How complaints were received", 1))
    doc.add(_counts_table(
        "Received via", f"How complaints were received, {fy}", "Method", report["received_via"],
        total=received["total"], note="All procedures. Complaints with no way of receipt recorded are shown as 'not recorded'.",
    ))  # fmt: skip

    # Statutory complaints.
    statutory = received["statutory"]
    doc.add(Heading("Statutory complaints", 1))
    doc.add(Paragraph(f"{plural(statutory, 'statutory complaint')} {were(statutory)} received in {fy}."))
    outcomes = {("Still open" if k == NO_OUTCOME_YET else _label(k)): v for k, v in report["statutory_outcomes"].items()}
    doc.add(_counts_table("Statutory outcomes", f"Statutory complaints by outcome, {fy}", "Outcome", outcomes,
                          percent_of=statutory))  # fmt: skip
    doc.add(Chart("Statutory complaints by outcome", charts.breakdown_chart(
        pd.DataFrame({"Outcome": list(outcomes), "Complaints": list(report["statutory_outcomes"].values())}),
        "Outcome", "Complaints", "Statutory complaints by outcome")))  # fmt: skip
    doc.add(_counts_table("Statutory by area", f"Statutory complaints by service area, {fy}", "Service area",
                          report["statutory_by_service_area"], total=statutory))  # fmt: skip

    # Resolution and timescales.
    doc.add(Heading("Resolution of complaints and timescales", 1))
    doc.add(_timescales_table(report["timescales"]))
    doc.add(_stages_table("Statutory final stage", f"Statutory complaints by final stage and timescale, {fy}",
                          report["statutory_by_final_stage"]))  # fmt: skip
    doc.add(_stages_table("Corporate final stage", f"Corporate complaints by final stage and timescale, {fy}",
                          report["corporate_by_final_stage"]))  # fmt: skip
    doc.add(Table("Stage 1 by quarter", f"Average working days of statutory complaints answered at stage 1, by quarter received, {fy}",
                  ["Quarter", "Average working days"],
                  [[q, v] for q, v in report["stage1_average_working_days_by_quarter"].items()]))  # fmt: skip
    _procedure_tables(doc, report)

    # Concerns.
    doc.add(Heading("Concerns raised", 1))
    concerns = report["concerns_by_category"]
    doc.add(_counts_table("Concerns", f"Concerns raised in statutory complaints by category, {fy}", "Category of concern",
                          concerns, value_title="Times raised",
                          note="Counted per concern raised: a complaint raising two concerns counts twice."))  # fmt: skip
    doc.add(Chart("Concerns raised by category", charts.breakdown_chart(
        pd.DataFrame({"Category": list(concerns), "Times raised": list(concerns.values())}),
        "Category", "Times raised", "Concerns raised by category")))  # fmt: skip

    # Equality.
    doc.add(Heading("Equality", 1))
    doc.add(Paragraph(f"Equality information over all {received['total']:,} complaints of {fy}; "
                      "a complaint with a field left blank counts as 'not recorded'."))  # fmt: skip
    for field, title in (("gender", "Gender"), ("age_band", "Age band"), ("ethnicity", "Ethnicity"), ("disability", "Disability")):
        doc.add(_counts_table(title, f"Complaints by {title.lower()}, {fy}", title, report["equality"][field],
                              percent_of=received["total"], total=received["total"]))  # fmt: skip

    # Ombudsman and remedies.
    ombudsman = report["ombudsman"]
    doc.add(Heading("Ombudsman", 1))
    doc.add(Paragraph(
        f"{sentence_case(plural(ombudsman['referred'], 'complaint'))} received in {fy} {were(ombudsman['referred'])} "
        f"referred to the Local Government and Social Care Ombudsman (LGSCO). It investigated {ombudsman['investigated']:,}, "
        f"of which {ombudsman['decisions'].get('upheld', 0):,} {were(ombudsman['decisions'].get('upheld', 0))} upheld."
    ))  # fmt: skip
    doc.add(_counts_table("Ombudsman decisions", f"Ombudsman decisions on complaints received in {fy}", "Decision",
                          {**ombudsman["decisions"]}, total=ombudsman["referred"]))  # fmt: skip
    remedies = report["remedy_payments_gbp"]
    doc.add(Heading("Remedy payments", 2))
    doc.add(Table("Remedy payments", f"Remedy payments on complaints received in {fy}", ["Route", "Amount"],
                  [[_label(route), Pounds(amount)] for route, amount in remedies["by_route"].items()]
                  + [["Total", Pounds(remedies["total"])]]))  # fmt: skip

    # Compliments.
    compliments = report["compliments"]
    doc.add(Heading("Compliments", 1))
    text = f"{plural(compliments['total'], 'compliment')} {were(compliments['total'])} received in {fy}"
    if earlier:
        y, f = next(iter(earlier.items()))
        text += f", compared to {f['compliments']:,} in {year_label(y)}"
    doc.add(Paragraph(sentence_case(text) + "."))
    if earlier:
        doc.add(Chart("Compliments by year", charts.by_year_chart(frame, "Compliments", "Compliments by year")))
    doc.add(_counts_table("Compliments by category", f"Compliments by category, {fy}", "Category", compliments["by_category"],
                          total=None, value_title="Compliments",
                          note="A compliment may fall under more than one category, so these need not add up to the total."))  # fmt: skip
    doc.add(_counts_table("Compliments by source", f"Compliments by who made them, {fy}", "Compliment from",
                          compliments["by_source"], total=compliments["total"], value_title="Compliments"))  # fmt: skip
    doc.add(Chart("Compliments by source", charts.breakdown_chart(
        pd.DataFrame({"Compliment from": [_label(k) for k in compliments["by_source"]],
                      "Compliments": list(compliments["by_source"].values())}),
        "Compliment from", "Compliments", "Compliments by who made them")))  # fmt: skip
    doc.add(_counts_table("Compliments by area", f"Compliments by service area, {fy}", "Service area",
                          compliments["by_service_area"], total=compliments["total"], value_title="Compliments"))  # fmt: skip

    _learning_section(doc, report, draft)
    return doc


def _sections_not_approved(report: dict) -> Paragraph:
    """Which of the report's sections of prose are not approved yet, with their status: a report goes out
    with every section approved."""
    statuses = section_statuses(report)
    waiting = [(key, status) for key, status in statuses.items() if status != SECTION_APPROVED]
    if not waiting:
        return Paragraph(f"All {len(statuses)} sections of prose are approved.")
    previous = year_label(report["previous_year_actions"]["financial_year"])
    titles = {SUMMARY_SECTION: "Summary", PREVIOUS_ACTIONS_SECTION: f"Progress of the actions from {previous}"}
    listed = "; ".join(f"{titles.get(key, key.partition(':')[2])} ({status})" for key, status in waiting)
    return Paragraph(f"{len(waiting)} of the report's {len(statuses)} sections of prose "
                     f"{'is' if len(waiting) == 1 else 'are'} not approved yet: {listed}.", style="warning")


def headline_of(report: dict) -> dict:
    """The report's own year in the shape of ``earlier_years``' entries."""
    received = report["complaints_received"]
    stage1 = report["statutory_by_final_stage"].get("1", {}).get("complaints", 0)
    return {
        "complaints_received": received,
        "complainants": report["complainants"],
        "statutory_by_final_stage": report["statutory_by_final_stage"],
        "corporate_by_final_stage": report["corporate_by_final_stage"],
        "stage1_resolved_share": round(stage1 / received["statutory"], 3) if received["statutory"] else None,
        "compliments": report["compliments"]["total"],
        "concerns_by_category": report["concerns_by_category"],
    }


def _comparison_table(report: dict) -> Table:
    years = [(report["financial_year"], headline_of(report)), *report["earlier_years"].items()]
    stages = sorted({s for _, f in years for s in f["statutory_by_final_stage"]})
    measures: list[tuple[str, Any]] = [
        ("Complaints received", lambda f: f["complaints_received"]["total"]),
        ("Statutory", lambda f: f["complaints_received"]["statutory"]),
        ("Corporate", lambda f: f["complaints_received"]["corporate"]),
        ("Informal", lambda f: f["complaints_received"]["informal"]),
        ("Made by children and young people", lambda f: f["complainants"]["children_and_young_people"]),
        ("Supported by an advocate", lambda f: f["complainants"]["with_advocate"]),
        *((f"Statutory, final stage {s}", lambda f, s=s: f["statutory_by_final_stage"].get(s, {}).get("complaints")) for s in stages),
        ("Statutory resolved at stage 1", lambda f: None if f["stage1_resolved_share"] is None else Percent(f["stage1_resolved_share"])),
        *((f"Average working days, statutory stage {s}", lambda f, s=s: f["statutory_by_final_stage"].get(s, {}).get("average_working_days")) for s in stages),
        ("Corporate, final stage 2", lambda f: f["corporate_by_final_stage"].get("2", {}).get("complaints")),
        ("Compliments received", lambda f: f["compliments"]),
    ]  # fmt: skip
    rows = [[label, *(get(f) for _, f in years)] for label, get in measures]
    return Table("Comparison", "Comparison with earlier years", ["Measure", *(year_label(y) for y, _ in years)], rows,
                 "Earlier years as their records stand today, counted by the same rules.")  # fmt: skip


def _timescales_table(timescales: list[dict]) -> Table:
    by_stage: dict[int, dict[str, str]] = {}
    acknowledge: dict[str, int] = {}
    for t in timescales:
        if t["procedure"] not in ("statutory", "corporate"):
            continue
        if t.get("panel_meeting_working_days"):  # a review panel: its meeting, its report, the council's response
            text = (f"{t['panel_meeting_working_days']} working days to the panel's meeting, "
                    f"{t.get('panel_report_working_days') or 0} to its report, {t['due_working_days']} to the council's response")
        else:
            text = f"{t['due_working_days']} working days"
        if t["max_working_days"]:
            text += f" (can be extended to {t['max_working_days']})"
        by_stage.setdefault(t["stage"], {})[t["procedure"]] = text
        if t.get("acknowledge_working_days"):
            acknowledge[f"{t['procedure']} stage {t['stage']}"] = t["acknowledge_working_days"]
    rows = [[stage, limits.get("statutory", "not applicable"), limits.get("corporate", "not applicable")]
            for stage, limits in sorted(by_stage.items())]  # fmt: skip
    if len(set(acknowledge.values())) == 1:
        note = f"Every stage is acknowledged within {plural(next(iter(acknowledge.values())), 'working day')}."
    elif acknowledge:
        note = "Acknowledged within: " + "; ".join(f"{stage}, {plural(n, 'working day')}" for stage, n in acknowledge.items()) + "."
    else:
        note = None
    return Table("Timescales", "Timescales by stage", ["Stage", "Statutory complaints", "Corporate complaints"], rows, note)


def _none_recorded(table: Table, recorded: bool) -> Table:
    """``table``, its rows left out when nothing was recorded in the year: every output then says so."""
    if not recorded:
        table.rows = []
    return table


def _procedure_tables(doc: Document, report: dict) -> None:
    """The procedures' steps and findings (``read.procedure_figures``), after the timescale tables: the
    acknowledgements, the stage 2 investigations' findings, the review panels' clocks, recommendations and
    the actions agreed from them, advocacy offered to children, late complaints and complaints declined. A
    table with nothing recorded in the year shows "(none)", like every empty table of the report."""
    fy = year_label(report["financial_year"])
    as_of = long_date(report["as_of"])

    acknowledgements = report["acknowledgements"]
    rows = [[PROCEDURE_LABELS.get(p, _label(p)), r["due"], r["within_target"], r["late"], r["pending"]]
            for p, r in acknowledgements.items()]  # fmt: skip
    doc.add(Heading("Acknowledging complaints", 2))
    doc.add(_none_recorded(Table(
        "Acknowledgements", f"Stages acknowledged within target, by procedure, {fy}",
        ["Procedure", "Acknowledgements due", "Within target", "Late", "Pending"],
        rows + [["Total", *(sum(r[i] for r in rows) for i in range(1, 5))]],
        "Stages begun in the year. A response sent before any acknowledgement counts as the acknowledgement. "
        "Pending: not yet acknowledged and not yet due.",
    ), bool(rows)))  # fmt: skip

    findings = report["stage2_findings"]
    doc.add(Heading("Stage 2 investigations", 2))
    doc.add(_none_recorded(_counts_table(
        "Stage 2 findings", f"Points of complaint investigated at stage 2, by finding, {fy}", "Finding", findings,
        value_title="Points",
        note="Each point of a statutory complaint investigated at stage 2 has its own finding; the complaint's "
             "outcome follows from its points.",
    ), any(findings.values())))  # fmt: skip

    clocks = report["stage3_clocks"]
    panel = next((t for t in report["timescales"] if t["procedure"] == "statutory" and t["stage"] == 3
                  and t.get("panel_meeting_working_days")), None)  # fmt: skip
    doc.add(Heading("Review panels (stage 3)", 2))
    doc.add(_none_recorded(Table(
        "Stage 3 clocks", f"Review panels' steps on time, {fy}", ["Step", "Due", "On time", "Late", "Pending"],
        [[PANEL_STEP_LABELS.get(step, _label(step)), r["due"], r["on_time"], r["late"], r["pending"]]
         for step, r in clocks.items()],
        (f"The panel meets within {panel['panel_meeting_working_days']} working days of the request and reports within "
         f"{panel['panel_report_working_days']} of meeting; the council responds within {panel['due_working_days']} "
         "of the report. " if panel else "")
        + "Pending: not yet taken and not yet due.",
    ), any(r["due"] for r in clocks.values())))  # fmt: skip

    recommendations = report["recommendations"]
    rows = [[RECOMMENDING_STAGE_LABELS.get(stage, f"Stage {stage}"), r["made"], r["accepted"], r["not_accepted"],
             r["awaiting_decision"]] for stage, r in recommendations.items()]  # fmt: skip
    doc.add(Heading("Recommendations and the actions agreed", 2))
    doc.add(_none_recorded(Table(
        "Recommendations", f"Recommendations made at stages 2 and 3 and the decisions on them, {fy}",
        ["Stage", "Made", "Accepted", "Not accepted", "Awaiting a decision"],
        rows + [["Total", *(sum(r[i] for r in rows) for i in range(1, 5))]],
        "Stage 2: the Investigating Officer's recommendations, decided at the adjudication. Stage 3: the review "
        "panel's, decided in the council's response. Each accepted recommendation becomes an improvement action.",
    ), any(r[1] for r in rows)))  # fmt: skip
    actions = report["accepted_recommendation_actions"]
    note = "Each action counted once, however many recommendations it answers. "
    if not actions["actions"]:
        note = ""
    elif actions["open"]:
        note += (f"{sentence_case(plural(actions['open'], 'action'))} {'is' if actions['open'] == 1 else 'are'} open "
                 f"(not started or in progress), {actions['overdue']:,} of them overdue on {as_of}.")
    else:
        note += "No action is open: each is completed, verified or cancelled."
    if actions["accepted_without_action"]:
        note += (f" {sentence_case(plural(actions['accepted_without_action'], 'accepted recommendation'))} "
                 f"{'has' if actions['accepted_without_action'] == 1 else 'have'} no action recorded.")
    note = note.strip() or None
    doc.add(_none_recorded(_counts_table(
        "Recommendation actions", f"Progress of the actions agreed from accepted recommendations, as at {as_of}",
        "Status", actions["by_status"], value_title="Actions", note=note,
    ), bool(actions["actions"] or actions["accepted_without_action"])))  # fmt: skip

    advocacy = report["advocacy_for_children"]
    doc.add(Heading("Advocacy offered to children", 2))
    doc.add(_none_recorded(Table(
        "Advocacy offered", f"Advocacy offered for complaints made by or for a child, {fy}", ["Advocacy", "Complaints"],
        [["Complaints made by or for a child", advocacy["complaints"]], ["Advocacy offered", advocacy["offered"]],
         ["Advocacy accepted", advocacy["accepted"]], ["Advocacy not offered", advocacy["not_offered"]]],
        "A child or young person who complains, and every statutory complaint (about services to a child), has a "
        "right to an advocate; the council offers one.",
    ), bool(advocacy["complaints"])))  # fmt: skip

    late = report["late_complaints"]
    doc.add(Heading("Late complaints", 2))
    doc.add(_none_recorded(_counts_table(
        "Late complaints", f"Complaints about a matter more than a year old, by decision, {fy}", "Decision",
        late["by_decision"], total=late["total"],
        note="A complaint made a year or more after the matter arose is late: the council decides whether to consider it.",
    ), bool(late["total"])))  # fmt: skip

    declined = report["declined_by_reason"]
    doc.add(Heading("Complaints declined or refused", 2))
    doc.add(_none_recorded(_counts_table(
        "Declined by reason", f"Complaints declined or refused, by reason, {fy}", "Reason", declined["by_reason"],
        total=declined["total"],
        note="Declined or refused complaints count in the outcomes, never in the timescale figures: no response was due.",
    ), bool(declined["total"])))  # fmt: skip


def _learning_section(doc: Document, report: dict, draft) -> None:
    fy = year_label(report["financial_year"])
    entries = report["service_improvements"]
    doc.add(Heading("Service improvements and learning", 1))
    learning = report["learning"]
    points_total = sum(learning["learning_points_by_status"].values())
    actions_total = sum(learning["actions_by_status"].values())
    doc.add(Paragraph(
        f"{sentence_case(plural(points_total, 'learning point'))} {were(points_total)} drawn from the complaints of {fy}, "
        f"with {plural(actions_total, 'improvement action')}: {status_words(learning['actions_by_status']) or 'none yet'}."
    ))  # fmt: skip
    doc.add(Table(
        "Learning by area", f"Learning from the complaints of {fy} by service area",
        ["Service area", "Complaints", "Upheld", "Partly upheld", "Learning points", "Actions", "Overdue actions"],
        [[e["service_area"], e["complaints"], e["upheld"], e["partly_upheld"], len(e["learning_points"]),
          sum(e["actions_by_status"].values()), e["overdue_actions"]] for e in entries],
        f"Service areas with upheld or partly upheld complaints in {fy} or learning drawn from them. "
        "Overdue: not started or in progress with the due date passed.",
    ))  # fmt: skip
    doc.add(Table(
        "Learning points", f"Learning points drawn from the complaints of {fy}",
        ["Service area", "Theme", "Learning", "Status", "Complaints"],
        [[e["service_area"], p["theme"], p["description"], p["status"], p["complaints"]]
         for e in entries for p in e["learning_points"]],
        formats=frozenset({"xlsx"}),
    ))  # fmt: skip
    doc.add(Table(
        "Actions", f"Improvement actions from the learning of {fy}",
        ["Service area", "Theme", "Action", "Owner", "Due", "Status", "Completed", "Overdue"],
        [[e["service_area"], p["theme"], a["description"], a["owner"], as_date(a["due_on"]), a["status"], as_date(a["completed_on"]), a["overdue"]]
         for e in entries for p in e["learning_points"] for a in p["actions"]],
        formats=frozenset({"xlsx"}),
    ))  # fmt: skip
    per_area = frozenset({"preview", "md", "docx"})
    for entry in entries:
        area = entry["service_area"]
        doc.add(Heading(area, 2), draft(report_section_key(LEARNING_SECTION, area), entry["draft"]))
        if entry["learning_points"]:
            doc.add(Table(f"Learning {area}", f"{area}: learning points", ["Theme", "Learning", "Status", "Complaints"],
                          [[p["theme"], p["description"], p["status"], p["complaints"]] for p in entry["learning_points"]],
                          formats=per_area))  # fmt: skip
        actions = [(p, a) for p in entry["learning_points"] for a in p["actions"]]
        if actions:
            doc.add(Table(f"Actions {area}", f"{area}: improvement actions", ["Action", "Owner", "Due", "Status"],
                          [[a["description"], a["owner"], as_date(a["due_on"]),
                            a["status"] + (" (overdue)" if a["overdue"] else "")] for _, a in actions],
                          formats=per_area))  # fmt: skip

    previous = report["previous_year_actions"]
    pfy = year_label(previous["financial_year"])
    doc.add(Heading(f"Progress of the actions from {pfy}", 1), draft(PREVIOUS_ACTIONS_SECTION, previous["draft"]))
    statuses = list(previous["by_status"])
    doc.add(Table(
        "Last year's actions", f"Actions from the learning of {pfy} by service area and status",
        ["Service area", *(_label(s) for s in statuses), "Overdue"],
        [[area, *(counts.get(s, 0) for s in statuses), counts["overdue"]] for area, counts in previous["by_service_area"].items()]
        + [["Total", *(previous["by_status"].get(s, 0) for s in statuses), previous["overdue"]]],
    ))  # fmt: skip
    doc.add(Table(
        "Last year's open actions", f"Actions from the learning of {pfy} not yet verified",
        ["Service area", "Theme", "Action", "Owner", "Due", "Status"],
        [[a["service_area"], a["theme"], a["description"], a["owner"], as_date(a["due_on"]),
          a["status"] + (" (overdue)" if a["overdue"] else "")] for a in previous["still_open"]],
    ))  # fmt: skip


def about(report: dict) -> list[tuple[str, Any]]:
    """The lines of the Excel workbook's "About" sheet."""
    return [
        ("Financial year", year_label(report["financial_year"])),
        ("Figures as at", as_date(report["as_of"])),
        ("Small numbers suppressed", "yes" if report["small_numbers_suppressed"] else "no"),
        ("Reconciliation warnings", len(report["reconciliation"])),
    ]


# ---------------------------------------------------------------------------------------------
# One call per output, for scripts (benchmarks/run.py uses these names)
# ---------------------------------------------------------------------------------------------

def to_json(report: dict) -> str:
    """The report's figures as JSON."""
    return render.to_json(report)


def to_docx(report: dict, prose: dict[str, str] | None = None) -> bytes:
    """The report as a Word file (``prose``: edited draft paragraphs by key)."""
    return render.to_docx(annual_document(report, prose))
