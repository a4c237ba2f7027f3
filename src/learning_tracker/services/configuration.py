"""The configuration the complaints officer administers: the concern codes complaints are coded with
(add, deactivate, reactivate), the timescales of each stage, and settings (the RAG report's Amber
threshold, the pattern of complaint references).

Every write follows the house pattern: permission check, validation, one audited transaction, and a
version check on the row the officer read. Concern codes are never deleted, only deactivated, so the
complaints coded with them keep their codes; a changed timescale applies to stages opened after it.
"""

from __future__ import annotations

import pandas as pd
import sqlite_utils

from .. import config
from ..errors import Conflict, InvalidInput, NotFound, Problem, unknown_value
from ..models import TimescaleChange
from .checks import raise_problems
from .core import (
    Actor,
    audited,
    fetch_row,
    require_officer,
    update_versioned,
)
from ..rules import personal_data, procedures, vocabulary


MAX_AMBER_WORKING_DAYS = 20


# --- concern codes ---------------------------------------------------------------------------------


def code_text(category: str, subcategory: str) -> str:
    """A concern code as the users write it: 'Category' or 'Category > Subcategory'."""
    return vocabulary.concern_code_text(category, subcategory)


def add_concern_code(db: sqlite_utils.Database, actor: Actor, category: str, subcategory: str = "") -> int:
    """Add a main concern category, or a subcategory of an active one; return its id."""
    with audited(db, actor, "add concern code", "concern_code") as change:
        require_officer(actor, "add concern codes")
        category, subcategory = (category or "").strip(), (subcategory or "").strip()
        problems = []
        if not category:
            problems.append(Problem("category", None, "is required"))
        for field, text in (("category", category), ("subcategory", subcategory)):
            if len(text) > 200 or ">" in text:
                problems.append(Problem(field, text[:40], "may be at most 200 characters and may not contain '>'"))
        if problems:
            raise InvalidInput(problems)
        existing = db.execute(
            "SELECT active FROM concern_codes WHERE category = ? COLLATE NOCASE AND subcategory = ? COLLATE NOCASE",
            [category, subcategory]).fetchone()
        if existing:
            hint = " (deactivated: reactivate it instead)" if not existing[0] else ""
            raise InvalidInput([Problem("concern code", code_text(category, subcategory), f"already exists{hint}")])
        if subcategory:
            main = db.execute("SELECT category, position FROM concern_codes WHERE category = ? COLLATE NOCASE"
                              " AND subcategory = '' AND active", [category]).fetchone()
            if main is None:
                raise InvalidInput([unknown_value("category", category, config.concern_categories(db))])
            category = main[0]
            # Keep a category's subcategories together, after its last one.
            position = db.execute("SELECT MAX(position) FROM concern_codes WHERE category = ?", [category]).fetchone()[0] + 1
            db.execute("UPDATE concern_codes SET position = position + 1 WHERE position >= ?", [position])
        else:
            position = (db.execute("SELECT MAX(position) FROM concern_codes").fetchone()[0] or 0) + 1
        change.entity_id = db["concern_codes"].insert(
            {"category": category, "subcategory": subcategory, "position": position, "active": 1}).last_pk
        change.after = {"code": code_text(category, subcategory), "active": True, "version": 1}
    return change.entity_id


def deactivate_concern_code(db: sqlite_utils.Database, actor: Actor, code_id: int, read_version: int) -> int:
    """Stop a concern code being chosen for new complaints (complaints coded with it keep it).

    A main category takes its subcategories with it. Return how many codes were deactivated.
    """
    with audited(db, actor, "deactivate concern code", "concern_code", code_id) as change:
        require_officer(actor, "deactivate concern codes")
        code = fetch_row(db, "concern_codes", code_id, "concern code")
        text = code_text(code["category"], code["subcategory"])
        if not code["active"]:
            raise InvalidInput([Problem("concern code", text, "is already deactivated")])
        update_versioned(db, "concern_codes", code_id, read_version, {"active": 0}, "concern code")
        also = []
        if not code["subcategory"]:
            also = [r[0] for r in db.execute("SELECT id FROM concern_codes WHERE category = ? AND subcategory != '' AND active",
                                             [code["category"]])]
            db.execute("UPDATE concern_codes SET active = 0, version = version + 1 WHERE category = ? AND subcategory != '' AND active",
                       [code["category"]])
        change.before = {"code": text, "active": True, "version": read_version}
        change.after = {"active": False, "version": read_version + 1, "subcategories_deactivated": also}
    return 1 + len(also)


def reactivate_concern_code(db: sqlite_utils.Database, actor: Actor, code_id: int, read_version: int) -> None:
    """Offer a deactivated concern code again (a subcategory needs its main category active)."""
    with audited(db, actor, "reactivate concern code", "concern_code", code_id) as change:
        require_officer(actor, "reactivate concern codes")
        code = fetch_row(db, "concern_codes", code_id, "concern code")
        text = code_text(code["category"], code["subcategory"])
        if code["active"]:
            raise InvalidInput([Problem("concern code", text, "is already active")])
        if code["subcategory"]:
            main = db.execute("SELECT active FROM concern_codes WHERE category = ? AND subcategory = ''", [code["category"]]).fetchone()
            if main is not None and not main[0]:
                raise InvalidInput([Problem("concern code", text, f"belongs to '{code['category']}', which is deactivated; reactivate that first")])
        update_versioned(db, "concern_codes", code_id, read_version, {"active": 1}, "concern code")
        change.before = {"code": text, "active": False, "version": read_version}
        change.after = {"active": True, "version": read_version + 1}


def concern_codes(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every concern code in its configured order, with how often complaints raised it."""
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT k.id, k.category, k.subcategory, k.active, k.version,"
            " (SELECT COUNT(*) FROM concerns c WHERE c.concern_code_id = k.id) AS times_raised"
            " FROM concern_codes k ORDER BY k.position")],
        columns=["id", "category", "subcategory", "active", "version", "times_raised"],
    )


# --- timescales and the RAG threshold --------------------------------------------------------------


def clock_start_choices(procedure: str, stage: int, current: str) -> list[str]:
    """What may start the response clock of a stage: the configured choices, else its current start alone."""
    return list(procedures.CLOCK_START_CHOICES.get((procedure, stage), (current,)))


def change_timescale(
    db: sqlite_utils.Database, actor: Actor, procedure: str, stage: int, read_version: int, edit: TimescaleChange
) -> None:
    """Change the working days a stage has and the most it may be extended to; and, when given, what starts its
    clock (only where ``rules.procedures.CLOCK_START_CHOICES`` offers a choice), the working days to acknowledge
    it, and a review panel's days to meet and to report.

    Stages already open keep the due dates they were given; the new timescale applies to stages opened after.
    """
    with audited(db, actor, "change timescale", "timescale") as change:
        require_officer(actor, "change timescales")
        current = config.timescales(db).get((procedure, stage))
        row = db.execute("SELECT version FROM timescales WHERE procedure = ? AND stage = ?", [procedure, stage]).fetchone()
        if current is None or row is None:
            raise NotFound(f"There is no timescale for {procedure} stage {stage}.")
        problems: list[Problem] = []
        if edit.max_working_days is not None and edit.max_working_days < edit.due_working_days:
            problems.append(Problem("extended at most to", edit.max_working_days,
                                    f"must be at least the {edit.due_working_days} working days due"))
        choices = clock_start_choices(procedure, stage, current.clock_starts)
        if edit.clock_starts is not None and edit.clock_starts not in choices:
            problems.append(Problem("clock starts", edit.clock_starts, f"must be one of: {', '.join(choices)}"))
        panel_days = (edit.panel_meeting_working_days, edit.panel_report_working_days)
        if not procedures.is_panel_stage(procedure, stage) and any(d is not None for d in panel_days):
            problems.append(Problem("panel working days", None, "apply only to the statutory stage 3 review panel"))
        raise_problems(problems)

        values = {"due_working_days": edit.due_working_days, "max_working_days": edit.max_working_days}
        for field in ("clock_starts", "acknowledge_working_days", "panel_meeting_working_days",
                      "panel_report_working_days"):
            if getattr(edit, field) is not None:
                values[field] = getattr(edit, field)
        cursor = db.execute(
            f"UPDATE timescales SET {', '.join(f'{k} = ?' for k in values)}, version = version + 1"
            " WHERE procedure = ? AND stage = ? AND version = ?",
            [*values.values(), procedure, stage, read_version])
        if cursor.rowcount == 0:
            raise Conflict("Someone else changed this timescale after you opened it, so your change was not saved. "
                           "Reload to see their change, then make yours again.")
        change.before = {"procedure": procedure, "stage": stage, **{k: getattr(current, k) for k in values},
                         "version": read_version}
        change.after = {"procedure": procedure, "stage": stage, **values, "version": read_version + 1}


def timescales(db: sqlite_utils.Database) -> pd.DataFrame:
    """The configured timescales with their versions."""
    return pd.DataFrame(
        [dict(r) for r in db.query(
            "SELECT procedure, stage, clock_starts, due_working_days, max_working_days, acknowledge_working_days,"
            " panel_meeting_working_days, panel_report_working_days, version FROM timescales"
            " ORDER BY CASE procedure WHEN 'statutory' THEN 0 WHEN 'corporate' THEN 1 ELSE 2 END, stage")],
        columns=["procedure", "stage", "clock_starts", "due_working_days", "max_working_days",
                 "acknowledge_working_days", "panel_meeting_working_days", "panel_report_working_days", "version"],
    )


def amber_setting(db: sqlite_utils.Database) -> tuple[int, int]:
    """The RAG report's Amber threshold in working days, and the version of the setting."""
    row = db.execute("SELECT value, version FROM settings WHERE key = 'rag_amber_working_days'").fetchone()
    return (int(row[0]), row[1]) if row else (config.amber_threshold(db), 0)


def change_amber_threshold(db: sqlite_utils.Database, actor: Actor, read_version: int, working_days: int) -> None:
    """Change how many working days before its due date an open stage turns Amber on the RAG report."""
    with audited(db, actor, "change setting", "setting") as change:
        require_officer(actor, "change the RAG threshold")
        if not isinstance(working_days, int) or not 0 <= working_days <= MAX_AMBER_WORKING_DAYS:
            raise InvalidInput([Problem("amber threshold", working_days,
                                        f"must be a whole number of working days from 0 to {MAX_AMBER_WORKING_DAYS}")])
        before, _ = amber_setting(db)
        cursor = db.execute("UPDATE settings SET value = ?, version = version + 1 WHERE key = 'rag_amber_working_days' AND version = ?",
                            [str(working_days), read_version])
        if cursor.rowcount == 0:
            raise Conflict("Someone else changed the RAG threshold after you opened it, so your change was not saved. "
                           "Reload to see their change, then make yours again.")
        change.before = {"key": "rag_amber_working_days", "value": before, "version": read_version}
        change.after = {"key": "rag_amber_working_days", "value": working_days, "version": read_version + 1}


# --- the complaint reference pattern ---------------------------------------------------------------


def describe_reference_pattern(pattern: str) -> str:
    """What a reference of ``pattern`` may hold, in words (``rules.personal_data``), for the settings page."""
    return personal_data.describe_reference_pattern(pattern)


def reference_pattern_setting(db: sqlite_utils.Database) -> tuple[str, int]:
    """The complaint reference pattern and the version of the setting (0 while the default applies)."""
    row = db.execute("SELECT value, version FROM settings WHERE key = 'complaint_reference_pattern'").fetchone()
    return (row[0], row[1]) if row else (config.reference_pattern(db), 0)


def change_reference_pattern(db: sqlite_utils.Database, actor: Actor, read_version: int, pattern: str) -> None:
    """Change the regular expression every new complaint reference must match (recorded or imported).

    Complaints recorded already keep their references. ``read_version`` 0 is the default, not yet saved.
    """
    with audited(db, actor, "change setting", "setting") as change:
        require_officer(actor, "change the complaint reference pattern")
        pattern = (pattern or "").strip()
        problem = personal_data.reference_pattern_problem(pattern)
        if problem:
            raise InvalidInput([Problem("reference pattern", pattern, problem)])
        before, _ = reference_pattern_setting(db)
        if read_version == 0:
            # A database made before the setting existed holds no row for it: the first save adds one.
            cursor = db.execute("INSERT OR IGNORE INTO settings (key, value, version) VALUES ('complaint_reference_pattern', ?, 1)",
                                [pattern])
        else:
            cursor = db.execute("UPDATE settings SET value = ?, version = version + 1"
                                " WHERE key = 'complaint_reference_pattern' AND version = ?", [pattern, read_version])
        if cursor.rowcount == 0:
            raise Conflict("Someone else changed the reference pattern after you opened it, so your change was not "
                           "saved. Reload to see their change, then make yours again.")
        change.before = {"key": "complaint_reference_pattern", "value": before, "version": read_version}
        change.after = {"key": "complaint_reference_pattern", "value": pattern, "version": read_version + 1,
                        "in_words": personal_data.describe_reference_pattern(pattern)}
