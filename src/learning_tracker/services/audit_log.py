"""Reading the audit log, the complaints officer's alone: one page of it at a time, filtered by person,
kind of record, record number, dates and outcome; every matching event as CSV (safe to open in a
spreadsheet); and the choices of its filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from .core import Actor, require_officer
from ..escaping import csv_bytes


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to; a field left empty does not filter."""

    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    outcome: str | None = None


AUDIT_COLUMNS = ["id", "at", "user_id", "user_email", "event", "entity", "entity_id", "outcome", "message", "before", "after"]


def _audit_where(filters: AuditFilter) -> tuple[str, list[Any]]:
    conditions, params = [], []
    if filters.user_id is not None:
        conditions.append("user_id = ?")
        params.append(filters.user_id)
    if filters.entity:
        conditions.append("entity = ?")
        params.append(filters.entity)
    if filters.entity_id is not None:
        conditions.append("entity_id = ?")
        params.append(filters.entity_id)
    # Times are stored as ISO strings in UTC, so a date range is a string range.
    if filters.date_from:
        conditions.append("at >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        conditions.append("at < ?")
        params.append((filters.date_to + timedelta(days=1)).isoformat())
    if filters.outcome:
        conditions.append("outcome = ?")
        params.append(filters.outcome)
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", params


def audit_log(db: sqlite_utils.Database, actor: Actor, filters: AuditFilter, *, limit: int = 50,
              offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of the audit log, newest first, and how many events match in all."""
    require_officer(actor, "read the audit log")
    where, params = _audit_where(filters)
    total = db.execute(f"SELECT COUNT(*) FROM audit_events{where}", params).fetchone()[0]
    rows = [dict(r) for r in db.query(
        f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_events{where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset])]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS), total


def audit_csv(db: sqlite_utils.Database, actor: Actor, filters: AuditFilter) -> bytes:
    """Every audit event matching ``filters``, oldest first, as CSV (streamed from SQL, not via a DataFrame;
    UTF-8 with a byte-order mark, and safe to open in a spreadsheet, like every CSV file of the app)."""
    require_officer(actor, "export the audit log")
    where, params = _audit_where(filters)
    rows = db.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_events{where} ORDER BY id", params)
    return csv_bytes(AUDIT_COLUMNS, rows)


def audit_choices(db: sqlite_utils.Database) -> dict[str, list]:
    """The choices of the audit log's filters: users (id, label) and the kinds of record."""
    people = [(r[0], f"{r[1]} ({r[2]})") for r in db.execute("SELECT id, name, email FROM users ORDER BY name")]
    entities = [r[0] for r in db.execute("SELECT DISTINCT entity FROM audit_events ORDER BY entity")]
    return {"users": people, "entities": entities}
