"""Demo mode: the demo database, marked as such, and its picker of one user per role.

Only a database built by the demo command is ever opened in demo mode, so the user picker can never
be offered on a council's real records.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlite_utils

from . import db as database

MARK = "demo_database"


def create(path: Path, *, today: date, scale: int | None = None) -> None:
    """Build the demo database (or a synthetic one of ``scale`` complaints) at ``path`` and mark it as demo."""
    from . import demo

    db = database.connect(path)
    try:
        if scale:
            demo.build_scale(db, scale, today)
        else:
            demo.build_demo(db, today)
        with database.transaction(db):
            db["settings"].upsert({"key": MARK, "value": "yes", "version": 1}, pk="key")
    finally:
        db.close()


def is_demo(db: sqlite_utils.Database) -> bool:
    """True only for a database built by ``learning-tracker demo``."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [MARK]).fetchone()
    return bool(row and row[0] == "yes")


def demo_users(db: sqlite_utils.Database) -> list[tuple[int, str, str]]:
    """The picker's users: (id, name, role), one per role, in the order of the roles."""
    from .demo import DEMO_USERS_BY_ROLE

    people = []
    for role, email in DEMO_USERS_BY_ROLE.items():
        row = db.execute("SELECT id, name, role FROM users WHERE email = ? AND active", [email]).fetchone()
        if row:
            people.append(tuple(row))
    return people
