"""Records as the import and export templates write them (``read.templates``), and the values a file's
cells are checked against.

Rows are read from SQL in batches (keyset on the id) and yielded as they come, so an export of 100,000
complaints never holds more than a batch of records in Python. The same functions turn one record into
its template row for the importer, which compares a file's row with the record it would update
(``complaint_rows_for`` and the like). ``Lookups`` reads, once per file, what the import checks a file's
values against; ``allowed_values`` is the list a coded template column takes in this database (the
import's error report and value mapping, and the Excel template's "About the columns" sheet).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import sqlite_utils

from .. import config
from ..errors import InvalidInput
from ..rules import periods, procedures, roles, sql, vocabulary
from . import sql as query
from .templates import (
    ACTIONS,
    COMPLAINTS,
    COMPLIMENTS,
    LEARNING,
    SERVICE_AREAS,
    STAGE_STEP_COLUMNS,
    TEMPLATES,
    USERS,
    fmt_date,
    fmt_pence,
    fmt_text,
    fmt_yes_no,
    fmt_yes_no_blank,
    join_list,
    template,
)

BATCH = 2000


@dataclass(frozen=True)
class ExportFilter:
    """What an export is narrowed to, as on the register; an empty field does not filter.

    Learning points and actions follow the complaints they were drawn from (a learning point drawing on
    a complaint of the year and procedure); service areas filter each record type by its own area.
    """

    financial_year: str | None = None
    procedure: str | None = None
    service_area_ids: tuple[int, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, ())}


# --- one record as its template row --------------------------------------------------------------


def stage_columns(received_on: str, procedure: str, stages: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The stage columns of a complaint's template row from its stage rows.

    Stages 1 to 3 of the complaint's (current) procedure fill ``stageN_*``; an informal stage before a
    formal procedure fills ``informal_completed_on`` (and ``stage1_requested_on`` says when the formal
    stage 1 started). An extension is written with the date it runs to. A stage the complaint went on
    from writes its outcome (``informal_outcome``, ``stageN_outcome``); the last stage's is the outcome column.
    Each stage's steps (``STAGE_STEP_COLUMNS``) fill ``stageN_<step>``; an informal stage before the formal
    procedure, ``informal_acknowledged_on``.
    """
    stages = list(stages)
    last = max((s["stage"] for s in stages if s["procedure"] == procedure), default=None)
    row = {
        "stage1_completed_on": "", "stage1_extended": "no", "stage1_extension_reason": "", "stage1_extended_to": "",
        "stage2_requested_on": "", "stage2_completed_on": "", "stage2_extended": "",
        "stage2_extension_reason": "", "stage2_extended_to": "",
        "stage3_requested_on": "", "stage3_completed_on": "",
        "informal_completed_on": "", "stage1_requested_on": "",
        "informal_outcome": "", "informal_outcome_on": "", "stage1_outcome": "", "stage1_outcome_on": "",
        "stage2_outcome": "", "stage2_outcome_on": "", "informal_acknowledged_on": "",
        **{f"stage{n}_{step}": "" for n, steps in STAGE_STEP_COLUMNS.items() for step in steps},
    }  # fmt: skip
    for s in stages:
        number = s["stage"]
        if s["procedure"] != procedure:
            if s["procedure"] == vocabulary.INFORMAL and number == 1:
                row["informal_completed_on"] = fmt_date(s["responded_on"])
                row["informal_outcome"] = fmt_text(s.get("outcome"))
                row["informal_outcome_on"] = fmt_date(s.get("outcome_on"))
                row["informal_acknowledged_on"] = fmt_date(s.get("acknowledged_on"))
            continue
        if number != last and number in (1, 2):
            row[f"stage{number}_outcome"] = fmt_text(s.get("outcome"))
            row[f"stage{number}_outcome_on"] = fmt_date(s.get("outcome_on"))
        if number == 1:
            if fmt_date(s["clock_started_on"]) != fmt_date(received_on):
                row["stage1_requested_on"] = fmt_date(s["clock_started_on"])
        else:
            row[f"stage{number}_requested_on"] = fmt_date(s["clock_started_on"])
        row[f"stage{number}_completed_on"] = fmt_date(s["responded_on"])
        if number in (1, 2):
            row[f"stage{number}_extended"] = fmt_yes_no(s["extended_due_on"])
            row[f"stage{number}_extension_reason"] = fmt_text(s["extension_reason"])
            row[f"stage{number}_extended_to"] = fmt_date(s["extended_due_on"])
        for step in STAGE_STEP_COLUMNS.get(number, ()):
            value = s.get(step)
            row[f"stage{number}_{step}"] = fmt_date(value) if step.endswith("_on") else fmt_text(value)
    return row


def complaint_template_row(c: dict[str, Any], stages: Iterable[dict[str, Any]], concerns: list[str]) -> dict[str, str]:
    """A complaint as its template row. ``c`` holds the complaint's columns with ``service_area`` (its
    name) and ``no_learning_recorded_by`` (an email); ``concerns`` are texts in the configured order.

    A declined complaint writes its outcome's date as ``declined_on`` and leaves the outcome blank: "declined"
    is not an outcome of the vocabulary but a closing, with its reason."""
    declined = c["outcome"] == procedures.DECLINED
    row = {
        "reference": c["reference"],
        "received_on": fmt_date(c["received_on"]),
        "procedure": c["procedure"],
        "service_area": c["service_area"],
        "received_via": fmt_text(c["received_via"]),
        "complainant_type": fmt_text(c["complainant_type"]),
        "advocate": fmt_yes_no(c["advocate"]),
        "concerns": join_list(concerns),
        "outcome": "" if declined else fmt_text(c["outcome"]),
        "lgsco_referred_on": fmt_date(c["lgsco_referred_on"]),
        "lgsco_decision": fmt_text(c["lgsco_decision"]),
        "remedy_gbp": fmt_pence(c["remedy_pence"]),
        "gender": fmt_text(c["gender"]),
        "age_band": fmt_text(c["age_band"]),
        "ethnicity": fmt_text(c["ethnicity"]),
        "disability": fmt_text(c["disability"]),
        "outcome_on": "" if declined else fmt_date(c["outcome_on"]),
        "declined_on": fmt_date(c["outcome_on"]) if declined else "",
        "declined_reason": fmt_text(c.get("declined_reason")),
        "advocacy_offered_on": fmt_date(c.get("advocacy_offered_on")),
        "advocacy_accepted": fmt_yes_no_blank(c.get("advocacy_accepted")),
        "grounds_arose_on": fmt_date(c.get("grounds_arose_on")),
        "late_decision": fmt_text(c.get("late_decision")),
        "late_decision_reason": fmt_text(c.get("late_decision_reason")),
        "no_learning_reason": fmt_text(c["no_learning_reason"]),
        "no_learning_recorded_by": fmt_text(c["no_learning_recorded_by"]),
        "no_learning_recorded_on": fmt_date(c["no_learning_recorded_on"]),
        **stage_columns(c["received_on"], c["procedure"], stages),
    }
    if row["stage2_requested_on"] == "":
        row["stage2_extended"] = ""
    return {field: row[field] for field in TEMPLATES[COMPLAINTS].fields}


def compliment_template_row(m: dict[str, Any], categories: list[str]) -> dict[str, str]:
    """A compliment as its template row; ``categories`` in the configured order."""
    return {
        "id": str(m["id"]) if m.get("id") else "",
        "received_on": fmt_date(m["received_on"]),
        "service_area": m["service_area"],
        "source": m["source"],
        "categories": join_list(categories),
        "summary": fmt_text(m["summary"]),
    }


def learning_template_row(lp: dict[str, Any], references: list[str]) -> dict[str, str]:
    """A learning point as its template row; ``references`` sorted."""
    return {
        "id": str(lp["id"]) if lp.get("id") else "",
        "service_area": lp["service_area"],
        "theme": lp["theme"],
        "description": lp["description"],
        "complaints": join_list(references),
        "status": lp["status"],
        "source": fmt_text(lp["source"]),
        "created_on": fmt_date(lp["created_on"]),
        "created_by": fmt_text(lp["created_by"]),
    }


def action_template_row(a: dict[str, Any]) -> dict[str, str]:
    """An improvement action as its template row (``owner_email`` and ``service_area`` by name)."""
    return {
        "id": str(a["id"]) if a.get("id") else "",
        "learning_point_id": str(a["learning_point_id"]),
        "description": a["description"],
        "owner_email": a["owner_email"],
        "service_area": a["service_area"],
        "due_on": fmt_date(a["due_on"]),
        "priority": a["priority"],
        "status": a["status"],
        "created_on": fmt_date(a["created_on"]),
        "completed_on": fmt_date(a["completed_on"]),
        "verified_on": fmt_date(a["verified_on"]),
        "cancel_reason": fmt_text(a["cancel_reason"]),
    }


def user_template_row(u: dict[str, Any], areas: list[str]) -> dict[str, str]:
    return {
        "email": u["email"],
        "name": u["name"],
        "role": roles.ROLES[u["role"]].lower(),
        "service_areas": join_list(sorted(areas, key=str.lower)),
        "active": fmt_yes_no(u["active"]),
    }


def service_area_template_row(a: dict[str, Any]) -> dict[str, str]:
    return {"name": a["name"], "active": fmt_yes_no(a["active"])}


# --- reading records in batches ---------------------------------------------------------------------


def _batches(db: sqlite_utils.Database, table: str, where: list[str], params: dict[str, Any]) -> Iterator[list[int]]:
    """The ids of ``table`` (aliased ``t``) matching ``where``, in id order, a batch at a time."""
    after = 0
    conditions = " AND ".join(["t.id > :after_id", *where])
    while True:
        ids = [r[0] for r in db.execute(
            f"SELECT t.id FROM [{table}] t WHERE {conditions} ORDER BY t.id LIMIT {BATCH}", {**params, "after_id": after}
        )]
        if not ids:
            return
        yield ids
        after = ids[-1]


def _complaint_conditions(f: ExportFilter, alias: str) -> tuple[list[str], dict[str, Any]]:
    where, params = [], {}
    if f.financial_year:
        params["fy_start"], params["fy_end"] = periods.period_bounds_iso(f.financial_year)
        where.append(f"{alias}.received_on BETWEEN :fy_start AND :fy_end")
    if f.procedure:
        where.append(f"{alias}.procedure = :procedure")
        params["procedure"] = f.procedure
    return where, params


def _areas(f: ExportFilter, column: str) -> list[str]:
    return [query.in_ids(column, f.service_area_ids)] if f.service_area_ids else []


def complaint_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Complaints by id as template rows (the importer's view of the records a file would update)."""
    result: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        for complaint_id, row in _complaint_batch(db, chunk):
            result[complaint_id] = row
    return result


def _complaint_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    complaints = query.dicts(db.execute(
        f"""SELECT c.*, sa.name AS service_area, u.email AS no_learning_recorded_by
            FROM complaints c JOIN service_areas sa ON sa.id = c.service_area_id
            LEFT JOIN users u ON u.id = c.no_learning_recorded_by
            WHERE {query.in_ids("c.id", ids)} ORDER BY c.id"""
    ))
    stages: dict[int, list[dict[str, Any]]] = {}
    for s in query.dicts(db.execute(
        f"""SELECT * FROM complaint_stages WHERE {query.in_ids("complaint_id", ids)}
            ORDER BY complaint_id, procedure = {sql.literal(vocabulary.INFORMAL)} DESC, stage"""
    )):
        stages.setdefault(s["complaint_id"], []).append(s)
    concerns: dict[int, list[str]] = {}
    for complaint_id, category, sub in db.execute(
        f"""SELECT k.complaint_id, cc.category, cc.subcategory FROM concerns k
            JOIN concern_codes cc ON cc.id = k.concern_code_id
            WHERE {query.in_ids("k.complaint_id", ids)} ORDER BY k.complaint_id, cc.position, k.id"""
    ):
        concerns.setdefault(complaint_id, []).append(vocabulary.concern_code_text(category, sub))
    return [
        (c["id"], complaint_template_row(c, stages.get(c["id"], []), concerns.get(c["id"], [])))
        for c in complaints
    ]


def _complaints(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _complaint_conditions(f, "t")
    for ids in _batches(db, "complaints", where + _areas(f, "t.service_area_id"), params):
        for _, row in _complaint_batch(db, ids):
            yield row


def compliment_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Compliments by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for m_id, row in _compliment_batch(db, ids[start:start + BATCH]):
            result[m_id] = row
    return result


def _compliment_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    compliments = query.dicts(db.execute(
        f"""SELECT m.*, sa.name AS service_area FROM compliments m JOIN service_areas sa ON sa.id = m.service_area_id
            WHERE {query.in_ids("m.id", ids)} ORDER BY m.id"""
    ))
    order = {v.lower(): i for i, v in enumerate(config.vocabulary(db, "compliment_category"))}
    categories: dict[int, list[str]] = {}
    for m_id, category in db.execute(
        f"SELECT compliment_id, category FROM compliment_categories WHERE {query.in_ids('compliment_id', ids)}"
    ):
        categories.setdefault(m_id, []).append(category)
    return [
        (m["id"], compliment_template_row(
            m, sorted(categories.get(m["id"], []), key=lambda c: (order.get(c.lower(), len(order)), c))))
        for m in compliments
    ]


def _compliments(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = [], {}
    if f.financial_year:
        params["fy_start"], params["fy_end"] = periods.period_bounds_iso(f.financial_year)
        where.append("t.received_on BETWEEN :fy_start AND :fy_end")
    for ids in _batches(db, "compliments", where + _areas(f, "t.service_area_id"), params):
        for _, row in _compliment_batch(db, ids):
            yield row


def _learning_conditions(f: ExportFilter, column: str) -> tuple[list[str], dict[str, Any]]:
    """Learning points drawing on a complaint of the filter's year and procedure."""
    where, params = _complaint_conditions(f, "c")
    if not where:
        return [], {}
    return [
        f"""{column} IN (SELECT lpc.learning_point_id FROM learning_point_complaints lpc
                         JOIN complaints c ON c.id = lpc.complaint_id WHERE {' AND '.join(where)})"""
    ], params


def learning_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Learning points by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for lp_id, row in _learning_batch(db, ids[start:start + BATCH]):
            result[lp_id] = row
    return result


def _learning_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    points = query.dicts(db.execute(
        f"""SELECT lp.*, sa.name AS service_area, u.email AS created_by FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id LEFT JOIN users u ON u.id = lp.created_by
            WHERE {query.in_ids("lp.id", ids)} ORDER BY lp.id"""
    ))
    references: dict[int, list[str]] = {}
    for lp_id, reference in db.execute(
        f"""SELECT lpc.learning_point_id, c.reference FROM learning_point_complaints lpc
            JOIN complaints c ON c.id = lpc.complaint_id WHERE {query.in_ids("lpc.learning_point_id", ids)}"""
    ):
        references.setdefault(lp_id, []).append(reference)
    return [
        (lp["id"], learning_template_row(lp, sorted(references.get(lp["id"], []), key=str.lower))) for lp in points
    ]


def _learning(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _learning_conditions(f, "t.id")
    for ids in _batches(db, "learning_points", where + _areas(f, "t.service_area_id"), params):
        for _, row in _learning_batch(db, ids):
            yield row


def action_rows_for(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Actions by id as template rows."""
    result = {}
    for start in range(0, len(ids), BATCH):
        for a_id, row in _action_batch(db, ids[start:start + BATCH]):
            result[a_id] = row
    return result


def _action_batch(db: sqlite_utils.Database, ids: list[int]) -> list[tuple[int, dict[str, str]]]:
    actions = query.dicts(db.execute(
        f"""SELECT a.*, sa.name AS service_area, u.email AS owner_email FROM actions a
            JOIN service_areas sa ON sa.id = a.service_area_id JOIN users u ON u.id = a.owner_id
            WHERE {query.in_ids("a.id", ids)} ORDER BY a.id"""
    ))
    return [(a["id"], action_template_row(a)) for a in actions]


def _actions(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    where, params = _learning_conditions(f, "t.learning_point_id")
    for ids in _batches(db, "actions", where + _areas(f, "t.service_area_id"), params):
        for _, row in _action_batch(db, ids):
            yield row


def _users(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    areas: dict[int, list[str]] = {}
    for user_id, name in db.execute(
        "SELECT usa.user_id, sa.name FROM user_service_areas usa JOIN service_areas sa ON sa.id = usa.service_area_id"
    ):
        areas.setdefault(user_id, []).append(name)
    for u in query.dicts(db.execute("SELECT id, email, name, role, active FROM users ORDER BY id")):
        yield user_template_row(u, areas.get(u["id"], []))


def _service_areas(db: sqlite_utils.Database, f: ExportFilter) -> Iterator[dict[str, str]]:
    for a in query.dicts(db.execute("SELECT name, active FROM service_areas ORDER BY id")):
        yield service_area_template_row(a)


_READERS = {
    SERVICE_AREAS: _service_areas,
    USERS: _users,
    COMPLAINTS: _complaints,
    COMPLIMENTS: _compliments,
    LEARNING: _learning,
    ACTIONS: _actions,
}


def rows(db: sqlite_utils.Database, kind: str, filters: ExportFilter | None = None) -> Iterator[dict[str, str]]:
    """Every record of ``kind`` matching ``filters`` as its template row, in id order."""
    template(kind)
    return _READERS[kind](db, filters or ExportFilter())



# --- what a file's values are checked against ---------------------------------------------------------


def norm(value: str) -> str:
    """A value as it is matched: case, surrounding and repeated spaces ignored."""
    return " ".join(str(value).split()).lower()


class Lookups:
    """What rows are checked against, each read from the database once per file."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @cached_property
    def areas(self) -> dict[str, tuple[int, str]]:
        """Every service area by its name as matched, active or not: imports carry history too."""
        return {norm(name): (id_, name) for id_, name in self.db.execute("SELECT id, name FROM service_areas")}

    @cached_property
    def area_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM service_areas ORDER BY active DESC, name")]

    @cached_property
    def vocabularies(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for field_name, value in self.db.execute("SELECT field, value FROM vocabularies ORDER BY field, position"):
            found.setdefault(field_name, []).append(value)
        return found

    @cached_property
    def vocabulary_index(self) -> dict[str, dict[str, str]]:
        return {f: {norm(v): v for v in values} for f, values in self.vocabularies.items()}

    @cached_property
    def codes(self) -> dict[tuple[str, str], tuple[int, str, int]]:
        """Concern codes by (category, subcategory) as matched: (id, text, position)."""
        return {
            (norm(c), norm(s)): (id_, vocabulary.concern_code_text(c, s), position)
            for id_, c, s, position in self.db.execute("SELECT id, category, subcategory, position FROM concern_codes")
        }

    @cached_property
    def code_texts(self) -> list[str]:
        return [vocabulary.concern_code_text(c, s) for c, s in
                self.db.execute("SELECT category, subcategory FROM concern_codes WHERE active ORDER BY position")]

    @cached_property
    def themes(self) -> list[str]:
        return config.concern_categories(self.db)

    @cached_property
    def timescales(self) -> dict[tuple[str, int], config.Timescale]:
        return config.timescales(self.db)

    @cached_property
    def code_applies_from(self) -> date:
        """The first day of receipt from which the Complaint Handling Code's clocks apply."""
        return config.code_applies_from(self.db)

    @cached_property
    def users(self) -> dict[str, int]:
        return {email.lower(): id_ for id_, email in self.db.execute("SELECT id, email FROM users")}

    @cached_property
    def user_emails(self) -> dict[int, str]:
        """Each user's email as stored (the template writes it so)."""
        return dict(self.db.execute("SELECT id, email FROM users").fetchall())

    @cached_property
    def complaints(self) -> dict[str, tuple[int, str]]:
        return {ref.lower(): (id_, ref) for id_, ref in self.db.execute("SELECT id, reference FROM complaints")}

    def concern(self, text: str) -> tuple[int, str, int] | None:
        category, sub = vocabulary.split_concern_code(text)
        return self.codes.get((norm(category), norm(sub)))

    def role(self, text: str) -> str | None:
        try:
            return roles.role_key(text)
        except InvalidInput:
            return None

    def allowed(self, coded: str) -> list[str]:
        """The values a coded column takes, as the error report and the value mapping list them."""
        if coded == "service_area":
            return self.area_names
        if coded == "concern":
            return self.code_texts
        if coded == "theme":
            return self.themes
        if coded == "role":
            return [label.lower() for label in roles.ROLES.values()]
        if coded == "learning_status":
            return list(vocabulary.LEARNING_POINT_STATUSES)
        if coded == "action_status":
            return list(vocabulary.ACTION_STATUSES)
        if coded == "yes_no":
            return ["yes", "no"]
        if coded == "late_decision":
            return list(procedures.LATE_DECISIONS)
        return self.vocabularies.get(coded, [])


def allowed_values(db: sqlite_utils.Database, coded: str) -> list[str]:
    """The values a coded template column takes in this database."""
    return Lookups(db).allowed(coded)
