"""Checking an import's rows: every row against the template's pydantic model, then the domain rules
against lookups loaded once per file (``read.records.Lookups``), and the plan of what the import would
add, update (field by field) and leave unchanged. Nothing here writes.

A record that exists already is updated: a complaint by its reference, a service area by its name, a
user by their email, anything else by its ``id`` column. A row without an id (compliments, learning,
actions) is matched to an identical record, so importing the same file twice changes nothing the
second time. A column the file does not have leaves that field of an existing record as it is.

The rules the services also check are theirs: a date that happened (``services.checks``), personal
details in a compliment's summary and the shape of a new complaint's reference (``rules.personal_data``),
role keys, concern codes, statuses and outcomes (``rules``). Each kind's check gives the row as the read
side writes the record (``read.records``), which is what an update is compared with, and what ``writing``
stores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from ... import config, workdays
from ...errors import NotFound, Problem, unknown_value
from ...escaping import csv_bytes
from ...models import DATE_HINT
from ...read import records
from ...read import sql as query
from ...read.records import Lookups, norm
from ...read.templates import (
    ACTIONS,
    COMPLAINTS,
    COMPLIMENTS,
    INVESTIGATION_COLUMNS,
    LEARNING,
    SERVICE_AREAS,
    STAGE_STEP_COLUMNS,
    USERS,
    Template,
    fmt_yes_no,
    template,
)
from ...rules import procedures, vocabulary
from ...rules.personal_data import personal_details_in, reference_problem, role_field_problem
from ...rules.roles import SERVICE_MANAGER
from ...rules.vocabulary import CANCELLED, COMPLETED, VERIFIED
from ..checks import not_before, not_in_future
from ..actions import owner_problem
from ..core import Actor, load_actor
from .cells import date_or, id_from
from .mapping import Mapping, check_columns, ignored_columns, mapped_rows
from .reading import Table

MAX_PROBLEMS_SHOWN = 1000


@dataclass
class FieldChange:
    """One field of an existing record that an import would change."""

    field: str
    before: str
    after: str


@dataclass
class RowUpdate:
    """A row that updates an existing record: which, and its changes field by field."""

    row: int
    key: str
    record_id: int
    changes: list[FieldChange]


@dataclass
class ImportPlan:
    """What an import would do (or did): rows to add, records to update, rows that change nothing, and
    every problem. ``written`` is True once it was written."""

    kind: str
    filename: str
    rows: int = 0
    added: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    updated: list[RowUpdate] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    mapping_name: str | None = None
    written: bool = False
    # What ``writing`` writes: the checked rows to add, and (record id, checked row, changes) to update.
    to_add: list[Any] = field(default_factory=list, repr=False)
    to_update: list[Any] = field(default_factory=list, repr=False)
    checker: Any = field(default=None, repr=False)  # the lookups the checks loaded, for writing

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "added": len(self.added), "updated": len(self.updated),
                "unchanged": self.unchanged, "errors": len(self.problems)}

    def summary(self) -> str:
        """One line in the users' words."""
        label = template(self.kind).label
        if self.problems:
            return (f"{self.filename}: {len(self.problems)} error{'s' if len(self.problems) != 1 else ''} in "
                    f"{self.rows} rows, so nothing was imported.")
        verb = "imported" if self.written else "would import"
        return (f"{self.filename}: {self.rows} rows; {verb} {len(self.added)} new {label}, "
                f"{len(self.updated)} updated, {self.unchanged} unchanged.")


def problems_csv(problems: list[Problem]) -> bytes:
    """The error report: one line per problem with its row, column, value and what is allowed."""
    return csv_bytes(["row", "column", "value", "problem"],
                     ([p.row, p.field, None if p.value is None else str(p.value), p.message] for p in problems))


class Checker:
    """The rules of one record type's rows, with the lookups and the problems of one file."""

    def __init__(self, db: sqlite_utils.Database, mapping: Mapping, actor: Actor, today: date):
        self.db, self.mapping, self.actor, self.today = db, mapping, actor, today
        self.tpl: Template = template(mapping.kind)
        self.look = Lookups(db)
        self.problems: list[Problem] = []
        self.row = 0

    # -- problems in the file's words --------------------------------------------------------------

    def label(self, field_name: str) -> str:
        """The file's name for a template field's column (the template name when unmapped)."""
        return self.mapping.columns.get(field_name) or field_name

    def problem(self, field_name: str, value: Any, message: str) -> None:
        shown = value.isoformat() if isinstance(value, date) else value
        self.problems.append(Problem(self.label(field_name), shown, message, row=self.row))

    def validate(self, data: dict[str, Any]):
        """The row as the template's pydantic model, or None with its problems recorded."""
        try:
            return self.tpl.model.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else "row"
                value = data.get(name)
                if item["type"] == "value_error":
                    message = str(item["ctx"]["error"])
                elif value is None or (isinstance(value, str) and not value.strip()):
                    message = "is required"
                elif item["type"] in ("date_type", "date_parsing", "date_from_datetime_parsing"):
                    message = DATE_HINT
                elif item["type"] in ("int_parsing", "int_from_float", "int_type"):
                    message = "must be a whole number"
                elif item["type"] == "string_too_long":
                    message = f"is too long: at most {item['ctx']['max_length']} characters"
                elif item["type"] == "greater_than_equal":
                    message = "must be 1 or more"
                else:
                    message = item["msg"].lower()
                self.problem(name, value, message)
            return None

    # -- values -----------------------------------------------------------------------------------

    def coded(self, field_name: str, value: str | None, coded: str | None = None) -> str | None:
        """The allowed spelling of a coded value, or None with a 'did you mean' problem."""
        if value is None:
            return None
        coded = coded or self.tpl.column(field_name).coded
        found = self.look.vocabulary_index.get(coded, {}).get(norm(value))
        if found is None:
            self.problems.append(unknown_value(self.label(field_name), value, self.look.allowed(coded), row=self.row))
        return found

    def area(self, field_name: str, value: str | None) -> tuple[int, str] | None:
        if value is None:
            return None
        found = self.look.areas.get(norm(value))
        if found is None:
            self.problems.append(unknown_value(self.label(field_name), value, self.look.area_names, row=self.row))
        return found

    def user(self, field_name: str, email: str | None) -> int | None:
        if email is None:
            return None
        found = self.look.users.get(email.strip().lower())
        if found is None:
            self.problem(field_name, email, "is not a user of this app; import the users first, or add them")
        return found

    def happened(self, field_name: str, day: date | None, *, after: date | None = None, what: str = "") -> None:
        """A date something happened on: not in the future and not before ``after`` (``what`` it is), as the
        services check a date (``checks.not_in_future``, ``checks.not_before``), and in the app's calendar."""
        if day is None:
            return
        found: list[Problem] = []
        not_in_future(found, self.label(field_name), day, self.today)
        if not found and day.year < workdays.FIRST_YEAR:
            self.problem(field_name, day, f"is before {workdays.FIRST_YEAR}, where the app's calendar starts")
        elif not found and after is not None:
            not_before(found, self.label(field_name), day, after.isoformat(), what)
        self.problems += [replace(problem, row=self.row) for problem in found]


def _changes(before: dict[str, str], after: dict[str, str]) -> list[FieldChange]:
    return [FieldChange(f, before.get(f, ""), value) for f, value in after.items() if before.get(f, "") != value]


# An optional column that qualifies another: when the file has the other column but not this one, this
# one is blank (its default applies) rather than the record's, e.g. a file that says stage 1 was extended
# but not to when extends it to the longest allowed.
_FOLLOWS = {
    "stage1_extended_to": "stage1_extended",
    "stage2_extended_to": "stage2_extended",
    "outcome_on": "outcome",
    "informal_outcome_on": "informal_outcome",
    "stage1_outcome_on": "stage1_outcome",
    "stage2_outcome_on": "stage2_outcome",
    "no_learning_recorded_by": "no_learning_reason",
    "no_learning_recorded_on": "no_learning_reason",
    "advocacy_accepted": "advocacy_offered_on",
    "late_decision_reason": "late_decision",
    "declined_reason": "declined_on",
}


def _with_existing(raw: dict[str, str], existing: dict[str, str] | None) -> dict[str, str]:
    """A row over the record it updates: a column the file lacks keeps the record's value."""
    if not existing:
        return raw
    merged = {**existing, **raw}
    for qualifier, primary in _FOLLOWS.items():
        if qualifier in existing and qualifier not in raw and primary in raw:
            merged[qualifier] = ""
    return merged


# --- service areas -----------------------------------------------------------------------------------


def _plan_service_areas(c: Checker, rows, plan: ImportPlan) -> None:
    existing = {norm(name): (id_, records.service_area_template_row({"name": name, "active": active}))
                for id_, name, active in c.db.execute("SELECT id, name, active FROM service_areas")}
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = norm(raw.get("name") or "")
        found = existing.get(key)
        merged = _with_existing(raw, found[1] if found else None)
        row = c.validate(merged)
        if row is None:
            continue
        if key in seen:
            c.problem("name", row.name, f"is also on row {seen[key]}; each service area once")
            continue
        seen[key] = number
        active = row.active if row.active is not None else (found[1]["active"] == "yes" if found else True)
        after = records.service_area_template_row({"name": row.name, "active": active})
        payload = {"name": row.name, "active": int(active)}
        _place(plan, number, row.name, found[0] if found else None, found[1] if found else None, after, payload)


def _place(plan: ImportPlan, number: int, key: str, record_id: int | None, before: dict[str, str] | None,
           after: dict[str, str], payload: Any) -> None:
    """File a checked row as an addition, an update (field by field) or no change."""
    if record_id is None:
        plan.added.append((number, after))
        plan.to_add.append(payload)
        return
    changes = _changes(before or {}, after)
    if changes:
        plan.updated.append(RowUpdate(number, key, record_id, changes))
        plan.to_update.append((record_id, payload, changes))
    else:
        plan.unchanged += 1

# --- users ------------------------------------------------------------------------------------------


def _plan_users(c: Checker, rows, plan: ImportPlan) -> None:
    existing = {r["email"].lower(): (id_, r) for id_, r in _existing_users(c.db).items()}
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = (raw.get("email") or "").strip().lower()
        found = existing.get(key)
        row = c.validate(_with_existing(raw, found[1] if found else None))
        if row is None:
            continue
        if "@" not in row.email or " " in row.email:
            c.problem("email", row.email, "is not an email address")
            continue
        if key in seen:
            c.problem("email", row.email, f"is also on row {seen[key]}; each user once")
            continue
        seen[key] = number
        role = c.look.role(row.role)
        if role is None:
            c.problems.append(unknown_value(c.label("role"), row.role, c.look.allowed("role"), row=number))
        areas = [c.area("service_areas", name) for name in row.service_areas]
        if role == SERVICE_MANAGER and not row.service_areas:
            c.problem("service_areas", None, "are required for a service manager: name at least one")
        if role is None or None in areas:
            continue
        active = row.active if row.active is not None else (found[1]["active"] == "yes" if found else True)
        area_ids = list(dict.fromkeys(a[0] for a in areas))
        after = records.user_template_row(
            {"email": row.email, "name": row.name, "role": role, "active": active}, [a[1] for a in areas])
        payload = {"email": row.email, "name": row.name, "role": role, "active": int(active), "areas": area_ids}
        _place(plan, number, row.email, found[0] if found else None, found[1] if found else None, after, payload)


def _existing_users(db: sqlite_utils.Database) -> dict[int, dict[str, str]]:
    rows = {}
    users = list(records.rows(db, USERS))
    ids = [r[0] for r in db.execute("SELECT id FROM users ORDER BY id")]
    for id_, row in zip(ids, users):
        rows[id_] = row
    return rows


# --- complaints -------------------------------------------------------------------------------------

def _plan_complaints(c: Checker, rows, plan: ImportPlan) -> None:
    rows = list(rows)
    ids = [c.look.complaints[k][0] for k in {(r.get("reference") or "").strip().lower() for _, r in rows}
           if k in c.look.complaints]
    existing = records.complaint_rows_for(c.db, ids)
    listed = _stages_with_listings(c.db, ids)
    user_emails = c.look.user_emails
    pattern = config.reference_pattern(c.db)
    seen: dict[str, int] = {}
    for number, raw in rows:
        c.row = number
        key = (raw.get("reference") or "").strip().lower()
        found = c.look.complaints.get(key)
        before = existing.get(found[0]) if found else None
        row = c.validate(_with_existing(raw, before))
        if row is None:
            continue
        if key in seen:
            c.problem("reference", row.reference, f"is also on row {seen[key]}; each complaint once")
            continue
        seen[key] = number
        if before is not None:
            # References are matched without regard to case: it is the same complaint, spelt as recorded.
            row.reference = before["reference"]
        elif wrong_shape := reference_problem(row.reference, pattern):
            # A new complaint only: one recorded before the pattern was set or changed keeps its reference.
            c.problem("reference", row.reference, wrong_shape)
            continue
        result = _check_complaint(c, row, before, user_emails, kept=listed.get(found[0], {}) if found else {})
        if result is None:
            continue
        after, payload = result
        _place(plan, number, row.reference, found[0] if found else None, before, after, payload)


def _stages_with_listings(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[tuple[str, int], bool]]:
    """The stages of these complaints holding points of complaint or recommendations (which the file does
    not hold, so an import may not remove their stage), by complaint id; each with whether its
    recommendations were decided (so an import may not blank its adjudication either)."""
    found: dict[int, dict[tuple[str, int], bool]] = {}
    for start in range(0, len(ids), records.BATCH):
        for complaint_id, procedure, number, decided in db.execute(
            f"""SELECT s.complaint_id, s.procedure, s.stage,
                       EXISTS (SELECT 1 FROM recommendations r WHERE r.stage_id = s.id AND r.decision IS NOT NULL)
                FROM complaint_stages s
                WHERE {query.in_ids("s.complaint_id", ids[start:start + records.BATCH])}
                  AND (EXISTS (SELECT 1 FROM complaint_points p WHERE p.stage_id = s.id)
                       OR EXISTS (SELECT 1 FROM recommendations r WHERE r.stage_id = s.id))"""
        ):
            found.setdefault(complaint_id, {})[(procedure, number)] = bool(decided)
    return found


def _check_complaint(c: Checker, row, before: dict[str, str] | None, user_emails: dict[int, str],
                     kept: dict[tuple[str, int], bool] | None = None):
    """A complaint row against the domain rules: its template row as it will be stored, and what to store.
    ``kept``: the complaint's stages that hold points or recommendations, which the row may not remove, each
    with whether its recommendations were decided, whose adjudication the row may not blank."""
    count = len(c.problems)
    received = row.received_on
    c.happened("received_on", received)
    if len(c.problems) > count:
        return None  # the stage clock cannot start from a date outside the app's calendar
    procedure = c.coded("procedure", row.procedure)
    area = c.area("service_area", row.service_area)
    values = {name: c.coded(name, getattr(row, name)) for name in
              ("received_via", "complainant_type", "gender", "age_band", "ethnicity", "disability")}
    concerns = []
    for text in row.concerns:
        code = c.look.concern(text)
        if code is None:
            c.problems.append(unknown_value(c.label("concerns"), text, c.look.code_texts, row=c.row))
        else:
            concerns.append(code)
    outcome = _outcome(c, row)
    lgsco_decision = c.coded("lgsco_decision", row.lgsco_decision)
    checked = len(c.problems)
    stages = _check_stages(c, row, procedure) if procedure else []
    # A stage left out of a row that has its stages right (not one cut short by a problem already reported).
    for gone in sorted(set(kept or {}) - {(s["procedure"], s["stage"]) for s in stages}
                       if procedure and len(c.problems) == checked else ()):
        c.problem("procedure" if gone[1] == 1 else f"stage{gone[1]}_requested_on", None,
                  f"leaves out {_stage_words({'procedure': gone[0], 'stage': gone[1]})} of the {gone[0]} procedure, "
                  "which has points of complaint or recommendations recorded; give that stage's dates to keep it")
    for stage in stages:
        key = (stage["procedure"], stage["stage"])
        if (kept or {}).get(key) and procedures.is_investigation_stage(*key) and not stage["adjudicated_on"]:
            c.problem(f"stage{key[1]}_adjudicated_on", None, "is blank, but the adjudication decided this stage's "
                      "recommendations and they became actions; give its date to keep it")
    advocacy = _check_advocacy(c, row, received)
    time_limit = _check_time_limit(c, row, received)
    declined_reason = _check_declined(c, row, stages, time_limit["late_decision"])
    if row.declined_on is not None:
        outcome = procedures.DECLINED
    if outcome and stages and stages[-1]["responded_on"] is None:
        c.problem("outcome", outcome, f"is given but {_stage_words(stages[-1])} has no completed date; a complaint "
                  "is open, with no outcome, until its last stage is answered")
    outcome_on = None
    if outcome == procedures.DECLINED:
        outcome_on = row.declined_on
    elif outcome:
        outcome_on = row.outcome_on or (stages[-1]["responded_on"] if stages else None)
        c.happened("outcome_on", outcome_on, after=received, what="the complaint was received")
    elif row.outcome_on:
        c.problem("outcome_on", row.outcome_on, "is given but the complaint has no outcome")
    _check_stage_outcomes(c, row, stages, outcome, outcome_on)
    c.happened("lgsco_referred_on", row.lgsco_referred_on, after=received, what="the complaint was received")
    if lgsco_decision and row.lgsco_referred_on is None:
        c.problem("lgsco_referred_on", None, "is required when the Ombudsman's decision is given")
    no_learning = _check_no_learning(c, row, before, user_emails)
    if len(c.problems) > count:
        return None

    complaint = {
        "reference": row.reference, "received_on": received.isoformat(), "procedure": procedure,
        "service_area_id": area[0], **values, "advocate": int(bool(row.advocate)), **advocacy, **time_limit,
        "declined_reason": declined_reason, "outcome": outcome,
        "outcome_on": outcome_on.isoformat() if outcome_on else None,
        "lgsco_referred_on": row.lgsco_referred_on.isoformat() if row.lgsco_referred_on else None,
        "lgsco_decision": lgsco_decision, "remedy_pence": row.remedy_gbp, **no_learning,
    }
    concerns.sort(key=lambda code: code[2])
    for stage in stages:
        for name, value in stage.items():
            if isinstance(value, date):
                stage[name] = value.isoformat()
    after = records.complaint_template_row(
        {**complaint, "service_area": area[1],
         "no_learning_recorded_by": user_emails.get(complaint["no_learning_recorded_by"])},
        stages, [code[1] for code in concerns])
    return after, {"complaint": complaint, "stages": stages, "concerns": [code[0] for code in concerns]}


def _outcome(c: Checker, row) -> str | None:
    """The outcome column: a vocabulary outcome, or blank; "declined" only beside ``declined_on``, since a
    declined complaint is recorded by its date and reason (``_check_declined``), and has no other outcome."""
    if row.outcome and norm(row.outcome) == procedures.DECLINED:
        if row.declined_on is None:
            c.problem("outcome", row.outcome, "is given but declined_on is blank: a declined complaint needs the day "
                      "it was declined and why (declined_on and declined_reason)")
        return None
    outcome = c.coded("outcome", row.outcome)
    if outcome and row.declined_on is not None:
        c.problem("outcome", outcome, f"is given but the complaint was declined on {row.declined_on.isoformat()}; a "
                  "declined complaint has no other outcome: leave outcome blank")
    return outcome


def _check_declined(c: Checker, row, stages: list[dict[str, Any]], late_decision: str | None) -> str | None:
    """A declined (refused) complaint: its reason, one of the configured ones, and its last stage closed the
    day it was declined, as declining it on the page closes it. A late complaint declined by its time limit
    decision may leave the reason blank: it is ``procedures.LATE_REASON``, as on the page."""
    on, reason = row.declined_on, row.declined_reason
    if on is None:
        if reason:
            c.problem("declined_reason", reason, "is given but declined_on is blank: give the day the complaint was "
                      "declined")
        return None
    if reason is None and late_decision == procedures.DECLINE_LATE:
        reason = procedures.LATE_REASON
    if reason is None:
        c.problem("declined_reason", None, "is required when the complaint was declined (declined_on)")
    value = c.coded("declined_reason", reason)
    if row.outcome_on and row.outcome_on != on:
        c.problem("outcome_on", row.outcome_on, f"is given but the complaint was declined on {on.isoformat()}, "
                  "which is its outcome's date")
    if not stages:
        return value
    last = stages[-1]
    c.happened("declined_on", on, after=last["clock_started_on"], what=f"{_stage_words(last)} started")
    if last["responded_on"] is None:
        last["responded_on"] = on
    elif last["responded_on"] != on:
        # The last stage is of the complaint's procedure (an informal stage before it never is last).
        c.problem(f"stage{last['stage']}_completed_on", last["responded_on"], f"is not the day the complaint was declined ({on.isoformat()}): a "
                  "declined complaint's last stage closes the day it is declined; leave it blank or give that day")
    return value


def _check_advocacy(c: Checker, row, received: date) -> dict[str, Any]:
    """Advocacy offered (the day) and accepted (yes, no, or blank while not known)."""
    offered, accepted = row.advocacy_offered_on, row.advocacy_accepted
    c.happened("advocacy_offered_on", offered, after=received, what="the complaint was received")
    if accepted is not None and offered is None:
        c.problem("advocacy_accepted", fmt_yes_no(accepted), "is given but advocacy_offered_on is blank: give the "
                  "day advocacy was offered")
    return {"advocacy_offered_on": offered.isoformat() if offered else None,
            "advocacy_accepted": None if accepted is None else int(accepted)}


def _check_time_limit(c: Checker, row, received: date) -> dict[str, Any]:
    """When the grounds arose, and for a late complaint (``procedures.is_late``) the decision to consider or
    decline it with its reason; blank, nothing is recorded (a late complaint's decision may be unrecorded
    in older files)."""
    grounds, given, reason = row.grounds_arose_on, row.late_decision, row.late_decision_reason
    if grounds is not None and grounds > received:
        c.problem("grounds_arose_on", grounds, f"is after the complaint was received ({received.isoformat()}); the "
                  "grounds of a complaint arise before it is made")
    decision = None
    if given:
        decision = next((d for d in procedures.LATE_DECISIONS if norm(d) == norm(given)), None)
        if decision is None:
            c.problems.append(unknown_value(c.label("late_decision"), given, list(procedures.LATE_DECISIONS),
                                            row=c.row))
        elif grounds is None:
            c.problem("late_decision", given, "is given but grounds_arose_on is blank: a decision is made on a "
                      "complaint received a year or more after the grounds arose")
        elif not procedures.is_late(grounds, received):
            c.problem("late_decision", given, f"is given but the complaint is not late: it was received on "
                      f"{received.isoformat()}, less than a year after the grounds arose ({grounds.isoformat()})")
        elif decision == procedures.DECLINE_LATE and row.declined_on is None:
            c.problem("late_decision", given, "is declined but declined_on is blank: give the day the late "
                      "complaint was declined")
        if not reason:
            c.problem("late_decision_reason", None, "is required when late_decision is given")
    elif reason:
        c.problem("late_decision_reason", reason, "is given but late_decision is blank: say whether the late "
                  "complaint was considered or declined")
    return {"grounds_arose_on": grounds.isoformat() if grounds else None, "late_decision": decision,
            "late_decision_reason": reason if decision else None}


def _check_stage_outcomes(c: Checker, row, stages: list[dict[str, Any]], outcome: str | None,
                          outcome_on: date | None) -> None:
    """Each stage's outcome: the last stage's is the complaint's (the outcome column); a stage the complaint
    went on from takes its own column (``informal_outcome``, ``stage1_outcome``, ``stage2_outcome``), dated
    the day it was answered unless its ``..._outcome_on`` says otherwise, or stays unknown when blank."""
    for stage in stages:
        stage["outcome"], stage["outcome_on"] = None, None
    if stages and outcome:
        stages[-1]["outcome"], stages[-1]["outcome_on"] = outcome, outcome_on
    went_on_from = {("informal" if s["procedure"] == vocabulary.INFORMAL else f"stage{s['stage']}"): s
                    for s in stages[:-1]}
    for prefix, words in (("informal", "the informal stage"), ("stage1", "stage 1"), ("stage2", "stage 2")):
        given, on = getattr(row, f"{prefix}_outcome"), getattr(row, f"{prefix}_outcome_on")
        stage = went_on_from.get(prefix)
        if stage is None:
            if given or on:
                c.problem(f"{prefix}_outcome" if given else f"{prefix}_outcome_on", given or on,
                          f"is given but the complaint did not go on from {words} to a later stage; the outcome of "
                          "its last stage is the outcome column")
            continue
        value = c.coded(f"{prefix}_outcome", given)
        if value == vocabulary.WITHDRAWN:
            c.problem(f"{prefix}_outcome", given, f"cannot be withdrawn: the complaint went on from {words} to a "
                      "later stage, and a withdrawn complaint is not escalated")
        elif on and not given:
            c.problem(f"{prefix}_outcome_on", on, f"is given but {words} has no outcome")
        elif value:
            c.happened(f"{prefix}_outcome_on", on, after=stage["clock_started_on"], what=f"{words} started")
            stage["outcome"], stage["outcome_on"] = value, on or stage["responded_on"]


def _stage_words(stage: dict[str, Any]) -> str:
    return "the informal stage" if stage["procedure"] == vocabulary.INFORMAL else f"stage {stage['stage']}"


def _check_stages(c: Checker, row, procedure: str) -> list[dict[str, Any]]:
    """The complaint's stage rows from its stage columns, due dates from the configured timescales."""
    timescales = c.look.timescales
    received = row.received_on
    stages: list[dict[str, Any]] = []
    clock = received
    if row.informal_acknowledged_on and not row.informal_completed_on:
        c.problem("informal_acknowledged_on", row.informal_acknowledged_on, "is given but informal_completed_on is "
                  "blank: it is for a complaint first handled informally, then under a formal procedure")
    if row.informal_completed_on:
        if procedure == vocabulary.INFORMAL:
            c.problem("informal_completed_on", row.informal_completed_on, "is only for a complaint first handled "
                      "informally and then under the statutory or corporate procedure; this one is informal")
        elif (vocabulary.INFORMAL, 1) not in timescales:
            c.problem("informal_completed_on", row.informal_completed_on, "cannot be used: no informal timescale "
                      "is configured")
        else:
            c.happened("informal_completed_on", row.informal_completed_on, after=received,
                       what="the complaint was received")
            acknowledged = row.informal_acknowledged_on
            c.happened("informal_acknowledged_on", acknowledged, after=received, what="the complaint was received")
            _not_after_answered(c, "informal_acknowledged_on", acknowledged, row.informal_completed_on,
                                "the informal stage")
            stages.append(_stage_row(c, row, vocabulary.INFORMAL, 1, received, row.informal_completed_on,
                                     {"acknowledged_on": acknowledged}))
            if row.stage1_requested_on is None:
                c.problem("stage1_requested_on", None, "is required when informal_completed_on is given: the day "
                          f"the complainant asked for the {procedure} procedure")
            else:
                c.happened("stage1_requested_on", row.stage1_requested_on, after=row.informal_completed_on,
                           what="the informal stage was answered")
                clock = row.stage1_requested_on
    elif row.stage1_requested_on:
        c.happened("stage1_requested_on", row.stage1_requested_on, after=received, what="the complaint was received")
        clock = row.stage1_requested_on
    if (procedure, 1) not in timescales:
        c.problem("procedure", procedure, "has no stage 1 timescale configured")
        return stages
    previous = _stage(c, row, procedure, 1, clock, row.stage1_completed_on, row.stage1_extended,
                      row.stage1_extension_reason, row.stage1_extended_to,
                      started="the complaint was received" if clock == received else "stage 1 started")
    stages.append(previous)
    for number in (2, 3):
        requested = getattr(row, f"stage{number}_requested_on")
        completed = getattr(row, f"stage{number}_completed_on")
        extended = getattr(row, f"stage{number}_extended", None)
        reason = getattr(row, f"stage{number}_extension_reason", None)
        extended_to = getattr(row, f"stage{number}_extended_to", None)
        steps = [(f"stage{number}_{step}", getattr(row, f"stage{number}_{step}"))
                 for step in STAGE_STEP_COLUMNS[number]]
        given = [(n, v) for n, v in ((f"stage{number}_requested_on", requested),
                                     (f"stage{number}_completed_on", completed),
                                     (f"stage{number}_extended", True if extended else None),
                                     (f"stage{number}_extension_reason", reason),
                                     (f"stage{number}_extended_to", extended_to), *steps) if v]
        if not given:
            break
        if (procedure, number) not in timescales:
            c.problem(given[0][0], given[0][1], f"is given but a {procedure} complaint has no stage {number}")
            break
        if requested is None:
            c.problem(f"stage{number}_requested_on", None, f"is required when stage {number} details are given")
            break
        if previous["responded_on"] is None:
            c.problem(f"stage{number}_requested_on", requested, f"is given but stage {number - 1} has no completed "
                      f"date; stage {number} starts after stage {number - 1} is answered")
            break
        c.happened(f"stage{number}_requested_on", requested, after=previous["responded_on"],
                   what=f"stage {number - 1} was answered")
        previous = _stage(c, row, procedure, number, requested, completed, extended, reason, extended_to,
                          started=f"stage {number} was requested")
        stages.append(previous)
    return stages


# Every step column of a stage (complaint_stages), and the dates the clocks give it.
_STEPS = tuple(dict.fromkeys(step for steps in STAGE_STEP_COLUMNS.values() for step in steps))
_CLOCK_DATES = ("clock_started_on", "due_on", "acknowledgement_due_on", "panel_meeting_due_on",
                "response_clock_started_on", "panel_report_due_on")


def _stage_row(c: Checker, row, procedure: str, number: int, clock: date, responded: date | None,
               steps: dict[str, Any]) -> dict[str, Any]:
    """A stage as it will be stored (dates as dates), its due dates worked out as the app works them out when
    a stage opens (``procedures.opening_dates``) and its steps are recorded (``procedures.moved_dates``)."""
    timescale = c.look.timescales[(procedure, number)]
    stage: dict[str, Any] = {"procedure": procedure, "stage": number, **dict.fromkeys(_STEPS), **steps,
                             "extended_due_on": None, "extension_reason": None, "responded_on": responded}
    stage.update(procedures.opening_dates(timescale, clock))
    stage.update(procedures.moved_dates(timescale, stage, row.received_on, c.look.code_applies_from))
    for name in _CLOCK_DATES:
        stage[name] = date.fromisoformat(stage[name]) if stage[name] else None
    return stage


def _not_after_answered(c: Checker, field_name: str, day: date | None, answered: date | None, words: str) -> None:
    if day is not None and answered is not None and day > answered:
        c.problem(field_name, day, f"is after {words} was answered ({answered.isoformat()})")


def _contact_details(c: Checker, field_name: str, text: str | None) -> None:
    """A role and organisation, never a person's details (as the investigation's page refuses them)."""
    problem = role_field_problem(text)
    if problem:
        c.problem(field_name, text, problem)


def _check_steps(c: Checker, procedure: str, number: int, clock: date, completed: date | None,
                 steps: dict[str, Any], *, started: str) -> date | None:
    """A stage's steps in order (acknowledged after the stage started; the investigation's and the panel's
    dates after what they follow, and before the stage was answered); the day the stage was answered, which
    is the adjudication's when only that is given (the adjudication is the council's stage 2 response)."""
    prefix, words = f"stage{number}_", f"stage {number}"
    acknowledged = steps["acknowledged_on"]
    c.happened(prefix + "acknowledged_on", acknowledged, after=clock, what=started)
    _not_after_answered(c, prefix + "acknowledged_on", acknowledged, completed, words)
    if number == 2:
        given = [(step, steps[step]) for step in INVESTIGATION_COLUMNS if steps[step]]
        if given and not procedures.is_investigation_stage(procedure, number):
            c.problem(prefix + given[0][0], given[0][1], "is only for the statutory procedure's stage 2 investigation; "
                      f"this complaint is {procedure}")
            return completed
        agreed = steps["statement_agreed_on"]
        c.happened(prefix + "statement_agreed_on", agreed, after=clock, what=started)
        _not_after_answered(c, prefix + "statement_agreed_on", agreed, completed, words)
        for step in ("investigating_officer", "independent_person", "adjudicator"):
            _contact_details(c, prefix + step, steps[step])
        for step in ("investigation_report_on", "independent_person_report_on"):
            c.happened(prefix + step, steps[step], after=agreed or clock,
                       what="the statement of complaint was agreed" if agreed else started)
        reports = [(day, what) for day, what in (
            (steps["investigation_report_on"], "the Investigating Officer's report"),
            (steps["independent_person_report_on"], "the Independent Person's report")) if day]
        latest = max(reports, default=(agreed or clock, "the statement of complaint was agreed" if agreed else started))
        adjudicated = steps["adjudicated_on"]
        c.happened(prefix + "adjudicated_on", adjudicated, after=latest[0], what=latest[1])
        if steps["adjudicator"] and adjudicated is None:
            c.problem(prefix + "adjudicator", steps["adjudicator"], "is given but stage2_adjudicated_on is blank: "
                      "give the date of the adjudication too")
        if completed is None and adjudicated is not None:
            return adjudicated
    if number == 3:
        met, report = steps["panel_met_on"], steps["panel_report_on"]
        c.happened(prefix + "panel_met_on", met, after=clock, what=started)
        _not_after_answered(c, prefix + "panel_met_on", met, completed, words)
        if report is not None and met is None:
            c.problem(prefix + "panel_report_on", report, "is given but stage3_panel_met_on is blank: the panel "
                      "reports after it meets")
        else:
            c.happened(prefix + "panel_report_on", report, after=met, what="the panel met")
        if completed is not None and report is not None and completed < report:
            c.problem(prefix + "completed_on", completed, f"is before the panel's report ({report.isoformat()}); "
                      "the council responds to the panel's report")
    return completed


def _stage(c: Checker, row, procedure: str, number: int, clock: date, completed, extended, reason, extended_to, *,
           started: str):
    timescale = c.look.timescales[(procedure, number)]
    prefix = f"stage{number}_"
    steps = {step: getattr(row, prefix + step) for step in STAGE_STEP_COLUMNS[number]}
    stage = _stage_row(c, row, procedure, number, clock, completed, steps)
    due = stage["due_on"]
    extended_on = None
    if extended or reason or extended_to:
        if timescale.max_working_days is None:
            c.problem(prefix + "extended", "yes" if extended else reason or extended_to,
                      f"is not possible: the {procedure} stage {number} timescale allows no extension")
        elif not extended:
            c.problem(prefix + "extended", "no" if extended is False else None,
                      "must be yes when an extension reason or date is given")
        else:
            # The cap counts from the response clock's start (the acknowledgement under the Code, an agreed
            # statement of complaint), as the due date does and as ``complaints.extend_stage`` counts it.
            cap = workdays.add_working_days(stage["response_clock_started_on"] or clock, timescale.max_working_days)
            extended_on = extended_to or cap
            if not reason:
                c.problem(prefix + "extension_reason", None, f"is required when stage {number} was extended")
            if extended_to and extended_to <= due:
                c.problem(prefix + "extended_to", extended_to, f"must be after the due date ({due.isoformat()})")
            elif extended_to and extended_to > cap:
                c.problem(prefix + "extended_to", extended_to, f"is beyond the longest extension allowed: "
                          f"{timescale.max_working_days} working days after the clock started, {cap.isoformat()}")
    c.happened(prefix + "completed_on", completed, after=clock, what=started)
    stage["responded_on"] = _check_steps(c, procedure, number, clock, completed, steps, started=started)
    stage["extended_due_on"], stage["extension_reason"] = extended_on, reason if extended_on else None
    return stage


def _check_no_learning(c: Checker, row, before: dict[str, str] | None, user_emails: dict[int, str]) -> dict[str, Any]:
    """The "no learning identified" decision; who and when default to the record's, else to the importer today."""
    if not row.no_learning_reason:
        return {"no_learning_reason": None, "no_learning_recorded_by": None, "no_learning_recorded_on": None}
    by = c.user("no_learning_recorded_by", row.no_learning_recorded_by)
    if by is None and row.no_learning_recorded_by is None:
        previous = (before or {}).get("no_learning_recorded_by")
        by = c.look.users.get(previous.lower()) if previous else c.actor.id
    on = row.no_learning_recorded_on
    c.happened("no_learning_recorded_on", on)
    if on is None:
        previous_on = (before or {}).get("no_learning_recorded_on")
        on = date.fromisoformat(previous_on) if previous_on else c.today
    return {"no_learning_reason": row.no_learning_reason, "no_learning_recorded_by": by,
            "no_learning_recorded_on": on.isoformat()}

# --- records with an id: compliments, learning points, actions ---------------------------------------


class _Matcher:
    """Finds the existing record a row updates: by its id, else an identical record (counted, so that two
    identical rows match two identical records and a third is added)."""

    def __init__(self, existing: dict[int, dict[str, str]], identity: Callable[[dict[str, str]], tuple]):
        self.existing = existing
        self.identity = identity
        self.pool: dict[tuple, list[int]] = {}
        for record_id in sorted(existing):
            self.pool.setdefault(identity(existing[record_id]), []).append(record_id)
        self.used: set[int] = set()

    def by_id(self, record_id: int | None) -> dict[str, str] | None:
        return self.existing.get(record_id) if record_id is not None else None

    def take(self, after: dict[str, str]) -> int | None:
        for record_id in self.pool.get(self.identity(after), []):
            if record_id not in self.used:
                self.used.add(record_id)
                return record_id
        return None


def _plan_with_ids(c: Checker, rows, plan: ImportPlan, existing_rows: Callable, identity, check) -> None:
    """The planning loop of a record type whose key is its id."""
    rows = list(rows)
    table = {COMPLIMENTS: "compliments", LEARNING: "learning_points", ACTIONS: "actions"}[c.tpl.kind]
    given_ids = [i for i in (id_from(r) for _, r in rows) if i is not None]
    if any(id_from(r) is None for _, r in rows):
        ids = [r[0] for r in c.db.execute(f"SELECT id FROM {table}")]
    else:
        ids = [r[0] for r in c.db.execute(f"SELECT id FROM {table} WHERE {query.in_ids('id', given_ids or [0])}")]
    matcher = _Matcher(existing_rows(c.db, ids), identity)
    seen: dict[int, int] = {}
    for number, raw in rows:
        c.row = number
        record_id = id_from(raw)
        before = matcher.by_id(record_id)
        row = c.validate(_with_existing(raw, before))
        if row is None:
            continue
        if record_id is not None:
            if record_id in seen:
                c.problem("id", record_id, f"is also on row {seen[record_id]}; each record once")
                continue
            seen[record_id] = number
        result = check(c, row, before)
        if result is None:
            continue
        after, payload = result
        if record_id is None:
            matched = matcher.take(after)
            if matched is not None:
                before, record_id = matcher.existing[matched], matched
                after = {**after, "id": str(matched)}
                # A defaulted field left blank keeps the record's value (see the check functions).
                again = check(c, row, before)
                if again is not None:
                    after, payload = {**again[0], "id": str(matched)}, again[1]
            else:
                payload["id"] = None
        else:
            matcher.used.add(record_id)
            payload["id"] = record_id
        _place(plan, number, str(record_id or ""), record_id if before is not None else None, before, after, payload)


def _check_compliment(c: Checker, row, before):
    count = len(c.problems)
    c.happened("received_on", row.received_on)
    area = c.area("service_area", row.service_area)
    source = c.coded("source", row.source)
    categories = [c.coded("categories", text) for text in row.categories]
    if not row.categories:
        c.problem("categories", None, "need at least one category")
    summary = row.summary or ""
    found = personal_details_in(summary)
    if found:
        c.problem("summary", None, f"seems to hold {' and '.join(found)}; describe the compliment without names "
                  "or contact details")
    if len(c.problems) > count:
        return None
    order = {v: i for i, v in enumerate(c.look.vocabularies.get("compliment_category", []))}
    unique = sorted(dict.fromkeys(categories), key=lambda v: order.get(v, len(order)))
    values = {"received_on": row.received_on.isoformat(), "service_area_id": area[0], "source": source,
              "summary": summary}
    after = records.compliment_template_row({**values, "id": row.id, "service_area": area[1]}, unique)
    return after, {**values, "categories": unique}


def _compliment_identity(r: dict[str, str]) -> tuple:
    return (r["received_on"], r["service_area"].lower(), r["source"], r["categories"], r["summary"])


def _check_learning(c: Checker, row, before):
    count = len(c.problems)
    area = c.area("service_area", row.service_area)
    theme = None
    for option in c.look.themes:
        if norm(option) == norm(row.theme):
            theme = option
    if theme is None:
        c.problems.append(unknown_value(c.label("theme"), row.theme, c.look.themes, row=c.row))
    complaints = []
    for reference in dict.fromkeys(r.lower() for r in row.complaints):
        found = c.look.complaints.get(reference)
        if found is None:
            c.problem("complaints", reference, "is not the reference of a complaint in this app; import the "
                      "complaints first")
        else:
            complaints.append(found)
    if not row.complaints:
        c.problem("complaints", None, "must name at least one complaint the learning comes from")
    status = row.status or (before or {}).get("status") or vocabulary.OPEN
    if status not in vocabulary.LEARNING_POINT_STATUSES:
        status = next((s for s in vocabulary.LEARNING_POINT_STATUSES if norm(s) == norm(status)), None)
        if status is None:
            c.problems.append(unknown_value(c.label("status"), row.status, vocabulary.LEARNING_POINT_STATUSES, row=c.row))
    created_on = row.created_on or date_or((before or {}).get("created_on"), c.today)
    c.happened("created_on", created_on)
    created_by = c.user("created_by", row.created_by)
    if row.created_by is None:
        previous = (before or {}).get("created_by")
        created_by = c.look.users.get(previous.lower()) if previous else c.actor.id
    if len(c.problems) > count:
        return None
    values = {"service_area_id": area[0], "theme": theme, "description": row.description,
              "source": row.source or (before or {}).get("source") or "complaint", "status": status,
              "created_by": created_by, "created_on": created_on.isoformat()}
    references = sorted((ref for _, ref in complaints), key=str.lower)
    after = records.learning_template_row(
        {**values, "id": row.id, "service_area": area[1], "created_by": c.look.user_emails.get(created_by)},
        references)
    return after, {**values, "complaints": [id_ for id_, _ in complaints]}


def _learning_identity(r: dict[str, str]) -> tuple:
    return (r["service_area"].lower(), r["theme"], r["description"], r["complaints"].lower())


def _check_action(c: Checker, row, before):
    count = len(c.problems)
    if row.learning_point_id not in c.learning_points:
        c.problem("learning_point_id", row.learning_point_id, "is not the number of a learning point in this app; "
                  "import the learning first")
    owner = c.user("owner_email", row.owner_email)
    area = c.area("service_area", row.service_area)
    before = before or {}
    priority = c.coded("priority", row.priority or before.get("priority") or "medium")
    status = row.status or before.get("status") or vocabulary.NOT_STARTED
    if norm(status) not in {norm(s) for s in vocabulary.ACTION_STATUSES}:
        c.problems.append(unknown_value(c.label("status"), status, vocabulary.ACTION_STATUSES, row=c.row))
    status = next((s for s in vocabulary.ACTION_STATUSES if norm(s) == norm(status)), status)
    # An action without its date agreed was agreed by the time it was completed, if it was.
    created_on = row.created_on or date_or(before.get("created_on"), min(c.today, row.completed_on or c.today))
    c.happened("created_on", created_on)
    c.happened("completed_on", row.completed_on, after=created_on, what="the action was agreed")
    c.happened("verified_on", row.verified_on, after=row.completed_on, what="it was completed")
    if status in (COMPLETED, VERIFIED) and row.completed_on is None:
        c.problem("completed_on", None, f"is required for a {status} action")
    if status not in (COMPLETED, VERIFIED) and row.completed_on is not None:
        c.problem("completed_on", row.completed_on, f"is given but the action is {status}")
    if status == VERIFIED and row.verified_on is None:
        c.problem("verified_on", None, "is required for a verified action")
    if status != VERIFIED and row.verified_on is not None:
        c.problem("verified_on", row.verified_on, f"is given but the action is {status}")
    if status == CANCELLED and not row.cancel_reason:
        c.problem("cancel_reason", None, "is required for a cancelled action")
    if status != CANCELLED and row.cancel_reason:
        c.problem("cancel_reason", row.cancel_reason, f"is given but the action is {status}")
    if owner is not None and area is not None and status in vocabulary.UNFINISHED_ACTION_STATUSES:
        # An action still to be finished needs an owner who can update it, as on the page; a finished
        # one keeps the owner it had (history, perhaps someone since moved or deactivated).
        problem = _owner_problem(c, owner, area[0])
        if problem:
            c.problem("owner_email", row.owner_email, problem)
    if len(c.problems) > count:
        return None
    values = {"learning_point_id": row.learning_point_id, "description": row.description, "owner_id": owner,
              "service_area_id": area[0], "due_on": row.due_on.isoformat(), "priority": priority, "status": status,
              "cancel_reason": row.cancel_reason if status == CANCELLED else None,
              "completed_on": row.completed_on.isoformat() if row.completed_on else None,
              "verified_on": row.verified_on.isoformat() if row.verified_on else None,
              "created_on": created_on.isoformat()}
    after = records.action_template_row(
        {**values, "id": row.id, "owner_email": c.look.user_emails[owner], "service_area": area[1]})
    return after, values


def _owner_problem(c: Checker, owner_id: int, service_area_id: int) -> str | None:
    """``services.actions.owner_problem`` for an action's owner, each owner and area asked once per file."""
    key = (owner_id, service_area_id)
    if key not in c.owner_problems:
        try:
            owner = load_actor(c.db, owner_id)
        except NotFound:
            owner = None  # deactivated
        c.owner_problems[key] = owner_problem(c.db, owner, service_area_id)
    return c.owner_problems[key]


def _action_identity(r: dict[str, str]) -> tuple:
    return (r["learning_point_id"], r["description"])



# --- planning --------------------------------------------------------------------------------------


def _plan_actions(c: Checker, rows, plan: ImportPlan) -> None:
    c.learning_points = {r[0] for r in c.db.execute("SELECT id FROM learning_points")}
    c.owner_problems = {}
    _plan_with_ids(c, rows, plan, records.action_rows_for, _action_identity, _check_action)


_PLANNERS: dict[str, Callable[..., None]] = {
    SERVICE_AREAS: _plan_service_areas,
    USERS: _plan_users,
    COMPLAINTS: _plan_complaints,
    COMPLIMENTS: lambda c, rows, plan: _plan_with_ids(
        c, rows, plan, records.compliment_rows_for, _compliment_identity, _check_compliment),
    LEARNING: lambda c, rows, plan: _plan_with_ids(
        c, rows, plan, records.learning_rows_for, _learning_identity, _check_learning),
    ACTIONS: _plan_actions,
}


def plan_import(
    db: sqlite_utils.Database, actor: Actor, table: Table, mapping: Mapping, *, today: date | None = None,
) -> ImportPlan:
    """Check every row of ``table`` read through ``mapping``; what would be added, updated and left
    unchanged, and every problem. Writes nothing."""
    check_columns(mapping, table)
    checker = Checker(db, mapping, actor, today or date.today())
    plan = ImportPlan(mapping.kind, table.filename, rows=len(table.rows) + len(table.problems),
                      ignored_columns=ignored_columns(mapping, table.headers), mapping_name=mapping.name)
    _PLANNERS[mapping.kind](checker, mapped_rows(table, mapping), plan)
    plan.problems = sorted(table.problems + checker.problems, key=lambda p: (p.row or 0))
    plan.checker = checker
    return plan
