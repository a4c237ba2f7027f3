"""Writing an import: the rows a plan (``checking.plan_import``) found good, all in one transaction with
one audit event naming the file and its counts. Any problem in any row writes nothing.

``import_file`` is the use case the page and the command share: the complaints officer's alone (a
refusal is audited), it reads the file, maps it, checks every row outside the write lock (so that nobody
else's sign-in or save waits behind the check), then takes the lock, confirms the records the check read
have not changed meanwhile (``records_fingerprint``; if they have, it checks again) and writes.
New records take the next free ids; an update bumps the record's version; a stage keeps its row (its
points and recommendations with it) and its due dates, unless what they follow from moved; an action's
history and its learning point's status follow as when an action is changed on the page
(``services.actions.refresh_learning_point_status``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlite_utils

from ...db import now_utc
from ...errors import InvalidInput, Problem
from ...read import sql as query
from ...read.templates import (
    ACTIONS,
    COMPLAINTS,
    COMPLIMENTS,
    LEARNING,
    SERVICE_AREAS,
    STAGE_STEP_COLUMNS,
    USERS,
    template,
)
from ...rules.roles import COMPLAINTS_OFFICER
from ..actions import refresh_learning_point_status
from ..core import Actor, record_audit, refusal_audited, require_officer
from .checking import Checker, ImportPlan, plan_import
from .mapping import Mapping, guess_mapping
from .reading import read_table


def _apply_service_areas(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    db.conn.executemany("INSERT INTO service_areas (name, active) VALUES (?, ?)",
                        [(p["name"], p["active"]) for p in plan.to_add])
    db.conn.executemany("UPDATE service_areas SET name = ?, active = ?, version = version + 1 WHERE id = ?",
                        [(p["name"], p["active"], id_) for id_, p, _ in plan.to_update])


def _apply_users(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    for p in plan.to_add:
        user_id = db.execute("INSERT INTO users (email, name, role, active) VALUES (?, ?, ?, ?)",
                             [p["email"], p["name"], p["role"], p["active"]]).lastrowid
        db.conn.executemany("INSERT INTO user_service_areas (user_id, service_area_id) VALUES (?, ?)",
                            [(user_id, a) for a in p["areas"]])
    for user_id, p, _ in plan.to_update:
        db.execute("UPDATE users SET email = ?, name = ?, role = ?, active = ?, version = version + 1 WHERE id = ?",
                   [p["email"], p["name"], p["role"], p["active"], user_id])
        db.execute("DELETE FROM user_service_areas WHERE user_id = ?", [user_id])
        db.conn.executemany("INSERT INTO user_service_areas (user_id, service_area_id) VALUES (?, ?)",
                            [(user_id, a) for a in p["areas"]])
    officers = db.execute("SELECT COUNT(*) FROM users WHERE role = ? AND active", [COMPLAINTS_OFFICER]).fetchone()[0]
    if not officers and c.look.users:
        raise InvalidInput([Problem("role", None, "changes would leave no active complaints officer; someone must "
                                    "always be able to administer the app")])


_COMPLAINT_COLUMNS = (
    "reference", "received_on", "procedure", "service_area_id", "received_via", "complainant_type", "advocate",
    "gender", "age_band", "ethnicity", "disability", "outcome", "outcome_on", "lgsco_referred_on", "lgsco_decision",
    "remedy_pence", "no_learning_reason", "no_learning_recorded_by", "no_learning_recorded_on",
    "advocacy_offered_on", "advocacy_accepted", "grounds_arose_on", "late_decision", "late_decision_reason",
    "declined_reason",
)
# The dates a stage's clocks give it: those set when it opens, from its start, and those its recorded steps
# move (the acknowledgement, the statement of complaint agreed, the panel's meeting and report).
_OPENING_DATES = ("acknowledgement_due_on", "panel_meeting_due_on")
_MOVED_DATES = ("due_on", "response_clock_started_on", "panel_report_due_on")
_CLOCK_EVENTS = ("clock_started_on", "acknowledged_on", "statement_agreed_on", "panel_met_on", "panel_report_on")
_STAGE_COLUMNS = ("procedure", "stage", "clock_started_on", "due_on", "extended_due_on", "extension_reason",
                  "responded_on", "outcome", "outcome_on", *_OPENING_DATES, *_MOVED_DATES[1:],
                  *dict.fromkeys(step for steps in STAGE_STEP_COLUMNS.values() for step in steps))


def _apply_complaints(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    conn = db.conn
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM complaints").fetchone()[0]
    complaint_rows, stage_rows, concern_rows = [], [], []
    for offset, p in enumerate(plan.to_add):
        complaint_id = next_id + offset
        complaint_rows.append((complaint_id, *(p["complaint"][k] for k in _COMPLAINT_COLUMNS)))
        stage_rows += [(complaint_id, *(s[k] for k in _STAGE_COLUMNS)) for s in p["stages"]]
        concern_rows += [(complaint_id, code) for code in p["concerns"]]
    conn.executemany(
        f"INSERT INTO complaints (id, {', '.join(_COMPLAINT_COLUMNS)}) VALUES ({', '.join('?' * (len(_COMPLAINT_COLUMNS) + 1))})",
        complaint_rows)
    _insert_stages(conn, stage_rows)
    conn.executemany("INSERT INTO concerns (complaint_id, concern_code_id) VALUES (?, ?)", concern_rows)

    assignments = ", ".join(f"{k} = ?" for k in _COMPLAINT_COLUMNS)
    for complaint_id, p, _ in plan.to_update:
        conn.execute(f"UPDATE complaints SET {assignments}, version = version + 1 WHERE id = ?",
                     [*(p["complaint"][k] for k in _COMPLAINT_COLUMNS), complaint_id])
        _update_stages(conn, complaint_id, p["stages"])
        held = [r[0] for r in conn.execute("SELECT concern_code_id FROM concerns WHERE complaint_id = ?", [complaint_id])]
        if Counter(held) != Counter(p["concerns"]):
            conn.execute("DELETE FROM concerns WHERE complaint_id = ?", [complaint_id])
            conn.executemany("INSERT INTO concerns (complaint_id, concern_code_id) VALUES (?, ?)",
                             [(complaint_id, code) for code in p["concerns"]])


def _insert_stages(conn, stage_rows: list[tuple]) -> None:
    conn.executemany(
        f"INSERT INTO complaint_stages (complaint_id, {', '.join(_STAGE_COLUMNS)})"
        f" VALUES ({', '.join('?' * (len(_STAGE_COLUMNS) + 1))})",
        stage_rows)


def _update_stages(conn, complaint_id: int, stages: list[dict[str, Any]]) -> None:
    """Bring a complaint's stage rows in line with the file, keeping each row (so that its id, version history,
    points and recommendations stay) and its due dates, unless what they are worked out from moved: a stage
    opened before the acknowledgement was tracked keeps having no acknowledgement due date."""
    columns = _STAGE_COLUMNS[2:]
    cursor = conn.execute(f"SELECT id, procedure, stage, {', '.join(columns)} FROM complaint_stages WHERE complaint_id = ?",
                          [complaint_id])
    names = [c[0] for c in cursor.description]
    held = {(r[1], r[2]): dict(zip(names, r)) for r in cursor.fetchall()}
    wanted = {(s["procedure"], s["stage"]): s for s in stages}
    for key, row in held.items():
        if key not in wanted:
            conn.execute("DELETE FROM complaint_stages WHERE id = ?", [row["id"]])
    for key, s in wanted.items():
        row = held.get(key)
        if row is None:
            _insert_stages(conn, [(complaint_id, *(s[k] for k in _STAGE_COLUMNS))])
            continue
        new = {k: s[k] for k in columns}
        if row["clock_started_on"] == s["clock_started_on"]:
            new.update({k: row[k] for k in _OPENING_DATES})
            if all(row[k] == s[k] for k in _CLOCK_EVENTS):
                new.update({k: row[k] for k in _MOVED_DATES})
        if any(row[k] != new[k] for k in columns):
            conn.execute(f"UPDATE complaint_stages SET {', '.join(f'{k} = ?' for k in columns)}, version = version + 1"
                         " WHERE id = ?", [*new.values(), row["id"]])


def _next_ids(db: sqlite_utils.Database, table: str, payloads: list[dict[str, Any]]) -> None:
    """Give new records without an id the next free ones, after any id the file gives."""
    highest = db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
    highest = max([highest, *(p["id"] for p in payloads if p["id"])])
    for p in payloads:
        if not p["id"]:
            highest += 1
            p["id"] = highest


def _apply_compliments(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    _next_ids(db, "compliments", plan.to_add)
    db.conn.executemany(
        "INSERT INTO compliments (id, received_on, service_area_id, source, summary) VALUES (?, ?, ?, ?, ?)",
        [(p["id"], p["received_on"], p["service_area_id"], p["source"], p["summary"]) for p in plan.to_add])
    db.conn.executemany("INSERT INTO compliment_categories (compliment_id, category) VALUES (?, ?)",
                        [(p["id"], cat) for p in plan.to_add for cat in p["categories"]])
    for record_id, p, _ in plan.to_update:
        db.execute("UPDATE compliments SET received_on = ?, service_area_id = ?, source = ?, summary = ?,"
                   " version = version + 1 WHERE id = ?",
                   [p["received_on"], p["service_area_id"], p["source"], p["summary"], record_id])
        db.execute("DELETE FROM compliment_categories WHERE compliment_id = ?", [record_id])
        db.conn.executemany("INSERT INTO compliment_categories (compliment_id, category) VALUES (?, ?)",
                            [(record_id, cat) for cat in p["categories"]])


_LEARNING_COLUMNS = ("service_area_id", "theme", "description", "source", "status", "created_by", "created_on")


def _apply_learning(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    _next_ids(db, "learning_points", plan.to_add)
    db.conn.executemany(
        f"INSERT INTO learning_points (id, {', '.join(_LEARNING_COLUMNS)}) VALUES ({', '.join('?' * 8)})",
        [(p["id"], *(p[k] for k in _LEARNING_COLUMNS)) for p in plan.to_add])
    links = [(p["id"], complaint_id) for p in plan.to_add for complaint_id in p["complaints"]]
    for record_id, p, _ in plan.to_update:
        db.execute(f"UPDATE learning_points SET {', '.join(f'{k} = ?' for k in _LEARNING_COLUMNS)}, version = version + 1"
                   " WHERE id = ?", [*(p[k] for k in _LEARNING_COLUMNS), record_id])
        held = {r[0] for r in db.execute(
            "SELECT complaint_id FROM learning_point_complaints WHERE learning_point_id = ?", [record_id])}
        gone = held - set(p["complaints"])
        if gone:
            db.execute("DELETE FROM learning_point_complaints WHERE learning_point_id = ? AND "
                       f"{query.in_ids('complaint_id', gone)}", [record_id])
        links += [(record_id, complaint_id) for complaint_id in p["complaints"] if complaint_id not in held]
    db.conn.executemany("INSERT INTO learning_point_complaints (learning_point_id, complaint_id) VALUES (?, ?)", links)
    # Learning now exists for these complaints, so a "no learning identified" decision no longer stands.
    linked = sorted({complaint_id for _, complaint_id in links})
    for start in range(0, len(linked), 1000):
        db.execute(
            "UPDATE complaints SET no_learning_reason = NULL, no_learning_recorded_by = NULL, "
            "no_learning_recorded_on = NULL, version = version + 1 "
            f"WHERE no_learning_reason IS NOT NULL AND {query.in_ids('id', linked[start:start + 1000])}")


_ACTION_COLUMNS = ("learning_point_id", "description", "owner_id", "service_area_id", "due_on", "priority", "status",
                   "cancel_reason", "completed_on", "verified_on", "created_on")


def _apply_actions(db: sqlite_utils.Database, plan: ImportPlan, c: Checker) -> None:
    _next_ids(db, "actions", plan.to_add)
    at, note = now_utc(), f"Imported from {plan.filename}."
    db.conn.executemany(
        f"INSERT INTO actions (id, {', '.join(_ACTION_COLUMNS)}) VALUES ({', '.join('?' * 12)})",
        [(p["id"], *(p[k] for k in _ACTION_COLUMNS)) for p in plan.to_add])
    history = [(p["id"], at, c.actor.id, "created", None, p["status"], note) for p in plan.to_add]
    for record_id, p, changes in plan.to_update:
        db.execute(f"UPDATE actions SET {', '.join(f'{k} = ?' for k in _ACTION_COLUMNS)}, version = version + 1"
                   " WHERE id = ?", [*(p[k] for k in _ACTION_COLUMNS), record_id])
        described = "; ".join(f"{ch.field}: {ch.before or '(blank)'} -> {ch.after or '(blank)'}" for ch in changes)
        history.append((record_id, at, c.actor.id, "imported", None, None, f"{note} {described}"))
    db.conn.executemany(
        "INSERT INTO action_updates (action_id, at, user_id, kind, from_value, to_value, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
        history)
    # A learning point's status follows its actions, as when an action is added on the page.
    for learning_point_id in sorted({p["learning_point_id"] for p in plan.to_add}
                                    | {p["learning_point_id"] for _, p, _ in plan.to_update}):
        refresh_learning_point_status(db, learning_point_id)


_APPLIERS: dict[str, Callable[[sqlite_utils.Database, ImportPlan, Checker], None]] = {
    SERVICE_AREAS: _apply_service_areas,
    USERS: _apply_users,
    COMPLAINTS: _apply_complaints,
    COMPLIMENTS: _apply_compliments,
    LEARNING: _apply_learning,
    ACTIONS: _apply_actions,
}


def _records_changed(kind: str, plan: ImportPlan) -> dict[str, list[dict[str, Any]]]:
    """Each record an import wrote, for its audit event, so that the log says what changed and not only how
    much ("a viewer made complaints officer", not "2 updated"): ``added_records`` with their fields, and
    ``updated_records`` field by field as [before, after], each named by the key the import matched it on.
    (``added`` and ``updated`` stay the counts they always were.) Called after writing, when every new
    record of a kind numbered by id has its id."""
    tpl = template(kind)
    record = tpl.label.removesuffix("s")
    added = []
    for (row, fields), payload in zip(plan.added, plan.to_add):
        key = fields.get(tpl.key) or (payload.get("id") if isinstance(payload, dict) else None)
        added.append({"record": record, "key": key, "row": row,
                      "fields": {name: value for name, value in fields.items() if value not in ("", None)}})
    updated = [{"record": record, "key": update.key, "id": update.record_id, "row": update.row,
                "changes": {change.field: [change.before, change.after] for change in update.changes}}
               for update in plan.updated]
    return {"added_records": added, "updated_records": updated}


# The tables a plan is worked out from (``checking.plan_import`` reads these and no others; the lookups,
# the records it updates, the identical records it matches): the ones whose changes make a plan stale.
PLANNED_FROM = (
    "service_areas", "users", "user_service_areas", "vocabularies", "concern_codes", "timescales", "settings",
    "complaints", "complaint_stages", "concerns", "compliments", "compliment_categories", "learning_points",
    "learning_point_complaints", "actions", "complaint_points", "recommendations",
)
# How many times a file is checked outside the write lock when others keep changing records meanwhile.
_CHECKS_OUTSIDE_THE_LOCK = 3
_HASHED_UP_TO_ROWS = 10_000  # a table without versions this small is hashed whole, in milliseconds


def records_fingerprint(db: sqlite_utils.Database) -> tuple:
    """What the tables a plan reads hold now, cheaply, to tell whether a plan is still the one to write.

    A table with versions is summed (rows, ids, versions): every service bumps a record's version when it
    changes it (a sign-in's count of wrong passwords is not a change a plan reads, and bumps nothing), so
    a change, an addition or a removal changes the sums. A table without versions is hashed whole when it
    is small (the configuration, who works in which area); the large ones are links that are only ever
    added or removed with their record's version bumped, so their sums (rows, ids, every column) are enough.
    """
    prints: list[Any] = []
    for table in PLANNED_FROM:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info([{table}])")]
        if "version" in columns:
            prints.append(tuple(db.execute(
                f"SELECT COUNT(*), TOTAL(rowid), MAX(rowid), TOTAL(version) FROM [{table}]").fetchone()))
            continue
        sums = ", ".join(f"TOTAL(CASE typeof([{c}]) WHEN 'integer' THEN [{c}] ELSE length([{c}]) END)" for c in columns)
        counted = tuple(db.execute(f"SELECT COUNT(*), TOTAL(rowid), MAX(rowid), {sums} FROM [{table}]").fetchone())
        if counted[0] > _HASHED_UP_TO_ROWS:
            prints.append(counted)
            continue
        digest = hashlib.sha256()
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY rowid"):
            digest.update(repr(row).encode())
        prints.append(digest.hexdigest())
    return tuple(prints)


def _checked_then_locked(db: sqlite_utils.Database, check: Callable[[], ImportPlan]) -> ImportPlan:
    """The import's plan, worked out outside the write lock, with the lock (``BEGIN IMMEDIATE``) held on
    return unless the plan has problems.

    Checking 100,000 rows takes seconds; inside the lock, everyone else's writes (a sign-in, a saved form)
    would wait behind it and fail with "database is locked". So the lock is taken only to confirm that the
    records the check read are as they were (``records_fingerprint``), and to write. When someone changed
    one meanwhile, the file is checked again against theirs; when records keep changing, the last check
    is made inside the lock, so a plan is never written over records it was not checked against.
    """
    for _ in range(_CHECKS_OUTSIDE_THE_LOCK):
        read_as = records_fingerprint(db)
        plan = check()
        if plan.problems:
            return plan
        db.execute("BEGIN IMMEDIATE")
        try:
            unchanged = records_fingerprint(db) == read_as
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if unchanged:
            return plan
        db.execute("ROLLBACK")
    db.execute("BEGIN IMMEDIATE")
    try:
        plan = check()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if plan.problems:
        db.execute("ROLLBACK")
    return plan


@contextmanager
def _held_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Commit the write transaction already begun (``BEGIN IMMEDIATE``), or roll it back on any error."""
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def import_file(
    db: sqlite_utils.Database,
    actor: Actor,
    kind: str,
    filename: str,
    content: bytes,
    mapping: Mapping | None = None,
    *,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportPlan:
    """Import a file of ``kind`` records: check every row, then (unless ``dry_run`` or any row has a
    problem) write them all in one transaction with one audit event naming the file and its counts.

    Complaints officer only (a refusal is audited). ``mapping`` defaults to the obvious one for a file
    in the template. A file that cannot be read, or lacks a required column, raises ``UnreadableFile``;
    problems in rows come back in ``plan.problems`` and nothing is written.
    """
    event = f"import {kind}"
    with refusal_audited(db, actor, event, "import"):
        require_officer(actor, "import records")
    template(kind)
    table = read_table(filename, content, kind=kind)
    mapping = mapping or guess_mapping(kind, table.headers)
    if mapping.kind != kind:
        raise InvalidInput([Problem("mapping", mapping.name, f"is for {template(mapping.kind).label}, "
                                    f"not {template(kind).label}")])
    if dry_run:
        return plan_import(db, actor, table, mapping, today=today)
    plan = _checked_then_locked(db, lambda: plan_import(db, actor, table, mapping, today=today))
    if plan.problems:
        return plan
    with _held_transaction(db):
        _APPLIERS[kind](db, plan, plan.checker)
        counts = plan.counts()
        record_audit(db, actor, event, "import", None, after={
            "file": table.filename, "sheet": table.sheet, "mapping": mapping.name,
            **{k: counts[k] for k in ("rows", "added", "updated", "unchanged")}, **_records_changed(kind, plan)},
            message=f"Imported {table.filename}: {counts['added']} added, {counts['updated']} updated, "
                    f"{counts['unchanged']} unchanged")
        plan.written = True
    return plan
