"""The complaints register, a complaint's detail, and the compliments list: read side, paged in SQL.

A complaint's **current stage** is the highest stage it has reached under its (current) procedure, as in
``report_figures``: an informal complaint escalated to the statutory procedure is at statutory stage 1.
Filters and counts run in SQL; only one page of rows (or a single complaint) is ever brought into Python,
so the register stays fast on 100,000 complaints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlite_utils

from .. import config, workdays
from ..errors import NotFound
from .report_figures import financial_years
from . import sql as query
from ..rules import procedures
from .open_stages import open_stages_params, worst_rag_sql
from .investigations import investigation
from ..rules.vocabulary import concern_code_text, stage_label
from ..rules import rag as rag_rule
from ..rules import periods
from ..rules import vocabulary

OPEN = vocabulary.NO_OUTCOME_YET  # the outcome filter's word for "no outcome yet"
PAGE_SIZE = 50

# The current stage number of complaint ``c`` (covered by the stages' unique index).
_CURRENT_STAGE = "(SELECT MAX(s.stage) FROM complaint_stages s WHERE s.complaint_id = c.id AND s.procedure = c.procedure)"


@dataclass(frozen=True)
class RegisterFilter:
    """What the register is narrowed to; a field left empty does not filter."""

    financial_year: str | None = None
    procedure: str | None = None
    stage: int | None = None
    service_area_ids: tuple[int, ...] = ()
    outcome: str | None = None
    concern_category: str | None = None
    rag: str | None = None
    reference: str | None = None


@dataclass
class Page:
    """One page of a list: the rows to show and how many match in all."""

    total: int
    rows: pd.DataFrame
    page: int
    page_size: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _where(db: sqlite_utils.Database, f: RegisterFilter, as_of: date) -> tuple[str, dict[str, Any]]:
    """The WHERE clause on ``complaints c`` for a filter, and its parameters."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.financial_year:
        clauses.append("c.received_on BETWEEN :fy_start AND :fy_end")
        params["fy_start"], params["fy_end"] = periods.period_bounds_iso(f.financial_year)
    if f.procedure:
        clauses.append("c.procedure = :procedure")
        params["procedure"] = f.procedure
    if f.stage:
        clauses.append(f"{_CURRENT_STAGE} = :stage")
        params["stage"] = int(f.stage)
    if f.service_area_ids:
        clauses.append(query.in_ids("c.service_area_id", f.service_area_ids))
    if f.outcome:
        if f.outcome == OPEN:
            clauses.append("c.outcome IS NULL")
        else:
            clauses.append("c.outcome = :outcome")
            params["outcome"] = f.outcome
    if f.concern_category:
        clauses.append(
            "c.id IN (SELECT complaint_id FROM concerns WHERE concern_code_id IN"
            " (SELECT id FROM concern_codes WHERE category = :category COLLATE NOCASE))"
        )
        params["category"] = f.concern_category
    if f.rag:
        clauses.append(f"c.id IN (SELECT w.complaint_id FROM ({worst_rag_sql()}) w WHERE w.rag = :rag)")
        params |= open_stages_params(db, as_of) | {"rag": f.rag}
    if f.reference and f.reference.strip():
        clauses.append("c.reference LIKE :reference ESCAPE '\\'")
        params["reference"] = query.contains(f.reference)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


REGISTER_COLUMNS = ["Reference", "Received", "Procedure", "Current stage", "Service area", "Outcome", "Due",
                    "Answered", "Waiting for", "RAG", "Concerns"]


def complaints_register(
    db: sqlite_utils.Database, filters: RegisterFilter, *, as_of: date, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """One page of the complaints register, newest first, with the number of complaints matching in all.

    ``Waiting for`` and ``RAG`` are the most pressing step open on ``as_of`` and its RAG (``worst_rag_sql``;
    blank when none was open). ``Outcome``
    is the complaint's current outcome; a complaint open again after an escalation also shows the outcome
    of the stage before, "open (statutory stage 1: not upheld)".
    """
    where, params = _where(db, filters, as_of)
    total = db.execute(f"SELECT COUNT(*) FROM complaints c {where}", params).fetchone()[0]
    page = max(1, min(int(page), max(1, -(-total // page_size))))
    ids = [r[0] for r in db.execute(
        f"SELECT c.id FROM complaints c {where} ORDER BY c.received_on DESC, c.id DESC LIMIT :limit OFFSET :offset",
        params | {"limit": page_size, "offset": (page - 1) * page_size},
    )]
    rows: list[dict[str, Any]] = []
    if ids:
        rows = _register_rows(db, ids, as_of)
    return Page(total=total, rows=pd.DataFrame(rows, columns=REGISTER_COLUMNS), page=page, page_size=page_size)


def _register_rows(db: sqlite_utils.Database, ids: list[int], as_of: date) -> list[dict[str, Any]]:
    """The register's columns for a page of complaint ids, in the order given."""
    cursor = db.execute(
        f"""
        SELECT c.id, c.reference, c.received_on, c.procedure, s.stage, sa.name, c.outcome,
               COALESCE(s.extended_due_on, s.due_on), s.responded_on, o.step, o.rag, p.procedure, p.stage, p.outcome,
               (SELECT group_concat(label || CASE WHEN times > 1 THEN ' ×' || times ELSE '' END, '; ') FROM (
                    SELECT cc.category || CASE WHEN cc.subcategory = '' THEN '' ELSE ' > ' || cc.subcategory END
                           AS label, COUNT(*) AS times
                    FROM concerns k JOIN concern_codes cc ON cc.id = k.concern_code_id
                    WHERE k.complaint_id = c.id GROUP BY cc.id ORDER BY MIN(cc.position)))
        FROM complaints c
        JOIN service_areas sa ON sa.id = c.service_area_id
        LEFT JOIN complaint_stages s ON s.complaint_id = c.id AND s.procedure = c.procedure
             AND s.stage = {_CURRENT_STAGE}
        LEFT JOIN complaint_stages p ON p.id = (
             SELECT q.id FROM complaint_stages q WHERE q.complaint_id = c.id AND q.id <> s.id
             ORDER BY q.clock_started_on DESC, q.id DESC LIMIT 1)
        LEFT JOIN ({worst_rag_sql(query.in_ids("s.complaint_id", tuple(ids)))}) o ON o.complaint_id = c.id
        WHERE {query.in_ids("c.id", tuple(ids))}
        """,
        open_stages_params(db, as_of),
    )
    by_id = {}
    for (cid, reference, received_on, procedure, stage, area, outcome, due_on, responded_on, step, rag,
         previous_procedure, previous_stage, previous_outcome, concerns) in cursor.fetchall():
        if not outcome and previous_outcome:  # open again after an escalation: what the stage before decided
            outcome = f"{OPEN} ({stage_label(previous_procedure, previous_stage)}: {previous_outcome})"
        by_id[cid] = {
            "Reference": reference,
            "Received": date.fromisoformat(received_on[:10]),
            "Procedure": procedure,
            "Current stage": stage_label(procedure, stage) if stage else "",
            "Service area": area,
            "Outcome": outcome or OPEN,
            "Due": date.fromisoformat(due_on) if due_on else None,
            "Answered": date.fromisoformat(responded_on) if responded_on else None,
            "Waiting for": step or "",
            "RAG": rag or "",
            "Concerns": concerns or "",
        }
    return [by_id[i] for i in ids if i in by_id]


def register_options(db: sqlite_utils.Database) -> dict[str, list]:
    """The choices of the register's filters: financial years, procedures, stages, areas, outcomes, categories."""
    return {
        "financial_years": financial_years(db),
        "procedures": config.vocabulary(db, "procedure"),
        "stages": sorted({stage for (_, stage) in config.timescales(db)}),
        "service_areas": [tuple(r) for r in db.execute("SELECT id, name FROM service_areas ORDER BY name COLLATE NOCASE")],
        "outcomes": [OPEN, *config.vocabulary(db, "outcome"), procedures.DECLINED],
        "concern_categories": config.concern_categories(db),
        "rag": [rag_rule.RED, rag_rule.AMBER, rag_rule.GREEN],
    }


# --- one complaint ---------------------------------------------------------------------------------------


def stage_outcome_words(stage: dict[str, Any]) -> str:
    """What a stage's response decided, in words: "not upheld on 7 April 2021"; "not answered yet" while
    it is open; "answered, outcome not recorded" for a stage answered with no outcome kept on it (one
    answered before stages kept their outcomes, or a response that decided none)."""
    if stage["outcome"]:
        return stage["outcome"] + (f" on {periods.long_date(stage['outcome_on'])}" if stage["outcome_on"] else "")
    return "answered, outcome not recorded" if stage["responded_on"] else "not answered yet"


def stage_steps(stage: dict[str, Any], as_of: date, amber: int) -> list[dict[str, Any]]:
    """The steps of a stage (a complaint_stages row) as its record shows them, in order: each with ``step``,
    ``due_on``, ``done_on`` and ``state``: "done" (with ``timeliness`` within or over), "open" (with its
    ``rag`` on ``as_of``; the RAG report lists the same steps), "waiting" (a step whose clock has not started)
    or "not needed" (the stage ended without it: a response given without a separate acknowledgement)."""
    ended = stage["responded_on"]
    panel = stage["panel_meeting_due_on"] is not None
    rows = []
    if stage["acknowledgement_due_on"]:
        rows.append((procedures.ACKNOWLEDGEMENT, stage["acknowledgement_due_on"], stage["acknowledged_on"], True))
    if panel:
        rows.append((procedures.PANEL_MEETING, stage["panel_meeting_due_on"], stage["panel_met_on"], True))
    if panel or stage["panel_met_on"]:  # a panel whose meeting was not tracked still reports after it met
        rows.append((procedures.PANEL_REPORT, stage["panel_report_due_on"], stage["panel_report_on"],
                     stage["panel_met_on"] is not None))
    rows.append((procedures.response_step(stage["procedure"], stage["stage"]),
                 stage["extended_due_on"] or stage["due_on"], ended, not panel or stage["panel_report_on"] is not None))
    steps = []
    for step, due_on, done_on, started in rows:
        item: dict[str, Any] = {"step": step, "due_on": due_on, "done_on": done_on}
        if done_on:
            item |= {"state": "done", "timeliness": workdays.timeliness(date.fromisoformat(done_on),
                                                                       date.fromisoformat(due_on))}
        elif ended:
            item["state"] = "not needed"
        elif not started or due_on is None:
            item["state"] = "waiting"
        else:
            item |= {"state": "open", "rag": rag_rule.rag(date.fromisoformat(due_on), as_of, amber)}
        steps.append(item)
    return steps


def complaint_detail(db: sqlite_utils.Database, complaint_id: int, *, as_of: date) -> dict[str, Any]:
    """Everything the detail view shows of one complaint: its record, stages as a timeline, concerns,
    learning, and what may happen next (the open stage, the escalations allowed)."""
    cursor = db.execute(
        "SELECT c.*, sa.name AS service_area FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id"
        " WHERE c.id = ?",
        [complaint_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"Complaint {complaint_id} does not exist.")
    complaint = dict(zip([c[0] for c in cursor.description], row))
    amber = config.amber_threshold(db)
    timescales = config.timescales(db)
    stage_cursor = db.execute(
        "SELECT * FROM complaint_stages WHERE complaint_id = ? ORDER BY clock_started_on, id", [complaint_id]
    )
    columns = [c[0] for c in stage_cursor.description]
    stages = []
    for stage_row in stage_cursor.fetchall():
        stage = dict(zip(columns, stage_row))
        started = date.fromisoformat(stage["clock_started_on"])
        due = date.fromisoformat(stage["extended_due_on"] or stage["due_on"])
        timescale = timescales.get((stage["procedure"], stage["stage"]))
        stage["label"] = stage_label(stage["procedure"], stage["stage"])
        stage["effective_due_on"] = due.isoformat()
        clock = date.fromisoformat(stage["response_clock_started_on"] or stage["clock_started_on"])
        stage["cap_on"] = (workdays.add_working_days(clock, timescale.max_working_days).isoformat()
                           if timescale and timescale.max_working_days else None)
        if stage["responded_on"]:
            answered = date.fromisoformat(stage["responded_on"])
            stage["working_days_taken"] = workdays.working_days_between(started, answered)
            stage["timeliness"] = workdays.timeliness(answered, due)
            stage["rag"] = None
        else:
            stage["working_days_taken"] = None
            stage["timeliness"] = None
            stage["rag"] = rag_rule.rag(due, as_of, amber) if started <= as_of else None
        stage["working_days_remaining"] = None if stage["responded_on"] else workdays.working_days_between(as_of, due)
        stage["outcome_words"] = stage_outcome_words(stage)
        stage["steps"] = stage_steps(stage, as_of, amber)
        stage["investigation"] = investigation(db, stage["id"])  # None when none is recorded
        stages.append(stage)
    current = next((s for s in reversed(stages) if s["procedure"] == complaint["procedure"]), stages[-1] if stages else None)
    closed = complaint["outcome"] in procedures.CLOSED_WITHOUT_DECISION  # withdrawn or declined: nothing more to answer
    open_stage = current if current and not current["responded_on"] and not closed else None
    escalations = []
    if current and current["responded_on"] and not closed:
        escalations = config.ESCALATIONS.get((current["procedure"], current["stage"]), [])
    concerns = concern_texts(db, complaint_id)
    learning = [dict(zip(("id", "theme", "status", "description"), r)) for r in db.execute(
        "SELECT lp.id, lp.theme, lp.status, lp.description FROM learning_point_complaints l"
        " JOIN learning_points lp ON lp.id = l.learning_point_id WHERE l.complaint_id = ? ORDER BY lp.id",
        [complaint_id],
    )]
    return {
        **complaint,
        "advocate": bool(complaint["advocate"]),
        "remedy_pounds": (complaint["remedy_pence"] or 0) / 100,
        "concerns": concerns,
        "concern_counts": dict(Counter(concerns)),
        "stages": stages,
        "current_stage": current,
        "open_stage": open_stage,
        "escalations": escalations,
        "learning": learning,
    }


# --- compliments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplimentFilter:
    """What the compliments list and its counts are narrowed to."""

    financial_year: str | None = None
    service_area_ids: tuple[int, ...] = ()
    source: str | None = None
    category: str | None = None


def _compliment_where(f: ComplimentFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.financial_year:
        clauses.append("m.received_on BETWEEN :fy_start AND :fy_end")
        params["fy_start"], params["fy_end"] = periods.period_bounds_iso(f.financial_year)
    if f.service_area_ids:
        clauses.append(query.in_ids("m.service_area_id", f.service_area_ids))
    if f.source:
        clauses.append("m.source = :source")
        params["source"] = f.source
    if f.category:
        clauses.append("m.id IN (SELECT compliment_id FROM compliment_categories WHERE category = :category)")
        params["category"] = f.category
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


COMPLIMENT_COLUMNS = ["Received", "Service area", "Source", "Categories", "Summary"]


def compliments_list(
    db: sqlite_utils.Database, filters: ComplimentFilter, *, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """One page of compliments, newest first, with the number matching in all."""
    where, params = _compliment_where(filters)
    total = db.execute(f"SELECT COUNT(*) FROM compliments m {where}", params).fetchone()[0]
    page = max(1, min(int(page), max(1, -(-total // page_size))))
    cursor = db.execute(
        f"""
        SELECT m.received_on, sa.name, m.source,
               (SELECT group_concat(category, '; ') FROM
                    (SELECT category FROM compliment_categories WHERE compliment_id = m.id ORDER BY category)),
               m.summary
        FROM compliments m JOIN service_areas sa ON sa.id = m.service_area_id
        {where}
        ORDER BY m.received_on DESC, m.id DESC LIMIT :limit OFFSET :offset
        """,
        params | {"limit": page_size, "offset": (page - 1) * page_size},
    )
    rows = [dict(zip(COMPLIMENT_COLUMNS, (date.fromisoformat(r[0][:10]), *r[1:]))) for r in cursor.fetchall()]
    return Page(total=total, rows=pd.DataFrame(rows, columns=COMPLIMENT_COLUMNS), page=page, page_size=page_size)


def compliment_counts(db: sqlite_utils.Database, filters: ComplimentFilter) -> dict[str, pd.DataFrame]:
    """Compliments counted by category, by source and by service area (a compliment with two categories
    counts once under each, so the categories may add up to more than the compliments)."""
    where, params = _compliment_where(filters)
    category_order = {c.lower(): i for i, c in enumerate(config.vocabulary(db, "compliment_category"))}
    source_order = {c.lower(): i for i, c in enumerate(config.vocabulary(db, "compliment_source"))}
    if where:
        by_category = db.execute(
            f"SELECT k.category, COUNT(*) FROM compliment_categories k JOIN compliments m ON m.id = k.compliment_id"
            f" {where} GROUP BY k.category",
            params,
        ).fetchall()
    else:  # no filter: count straight from the category index, without visiting the compliments
        by_category = db.execute("SELECT category, COUNT(*) FROM compliment_categories GROUP BY category").fetchall()
    by_source = db.execute(f"SELECT m.source, COUNT(*) FROM compliments m {where} GROUP BY m.source", params).fetchall()
    names = dict(db.execute("SELECT id, name FROM service_areas").fetchall())
    by_area = sorted(
        ((names[area_id], n) for area_id, n in db.execute(
            f"SELECT m.service_area_id, COUNT(*) FROM compliments m {where} GROUP BY m.service_area_id", params)),
        key=lambda r: (-r[1], r[0].lower()),
    )

    def frame(rows, label, order=None):
        if order is not None:
            rows = sorted(rows, key=lambda r: (order.get(r[0].lower(), len(order)), r[0]))
        return pd.DataFrame(rows, columns=[label, "Compliments"])

    return {
        "category": frame(by_category, "Category", category_order),
        "source": frame(by_source, "Source", source_order),
        "service_area": frame(by_area, "Service area"),
    }


def concern_texts(db: sqlite_utils.Database, complaint_id: int) -> list[str]:
    """The complaint's concerns as 'Category' or 'Category > Subcategory', in the configured order, a code
    repeated as often as it was raised."""
    rows = db.execute(
        "SELECT cc.category, cc.subcategory FROM concerns c JOIN concern_codes cc ON cc.id = c.concern_code_id"
        " WHERE c.complaint_id = ? ORDER BY cc.position, c.id",
        [complaint_id],
    ).fetchall()
    return [concern_code_text(category, sub) for category, sub in rows]


def concern_codes(db: sqlite_utils.Database) -> list[str]:
    """The active concern codes as users write them ('Category > Subcategory'), in the configured order."""
    rows = db.execute("SELECT category, subcategory FROM concern_codes WHERE active ORDER BY position").fetchall()
    return [concern_code_text(category, sub) for category, sub in rows]


def service_areas(db: sqlite_utils.Database, *, active_only: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the service areas by name; with ``active_only``, those new records may be filed under."""
    where = "WHERE active" if active_only else ""
    return [tuple(r) for r in db.execute(f"SELECT id, name FROM service_areas {where} ORDER BY name COLLATE NOCASE")]
