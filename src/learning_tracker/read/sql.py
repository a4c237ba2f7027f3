"""The read side's one way of building a query: conditions gathered filter by filter with their
parameters, and a query's rows as tuples, dicts or a DataFrame.

Values from users always travel as parameters; only the rules' own constants (``rules.sql``) and ids
that are integers are written into the SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlite_utils


def in_list(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """``column IN (?, ?)`` and its parameters."""
    values = list(values)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def in_ids(column: str, ids: Iterable[int]) -> str:
    """``column IN (1, 2)`` with the ids written in, for queries whose other parameters are named."""
    return f"{column} IN ({', '.join(str(int(i)) for i in ids)})"


def where(conditions: list[str]) -> str:
    """``WHERE a AND b``, or nothing when there are no conditions."""
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


def and_all(conditions: list[str]) -> str:
    """`` AND a AND b``, to add conditions to a query that has its WHERE already."""
    return "".join(f" AND {c}" for c in conditions)


def contains(text: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[tuple]:
    """The query's rows as tuples."""
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


def dicts(cursor) -> list[dict[str, Any]]:
    """An executed query's rows as dicts keyed by column name."""
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def frame(db: sqlite_utils.Database, sql: str, params: Any = ()) -> pd.DataFrame:
    """The query's rows as a DataFrame with its column names (only ever a page or an aggregate)."""
    cursor = db.execute(sql, params)
    return pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])
