"""The RAG rule of a complaint stage still waiting for its response.

Red once its (extended) due date has passed on the as-of date; Amber when it is due within the
configured number of working days counting the as-of date itself as the first (so fewer than that many
working days remain); Green otherwise. ``rag`` is the rule in Python, ``rag_sql`` the same rule in SQL.
"""

from __future__ import annotations

from datetime import date

from .. import workdays

RED, AMBER, GREEN = RAG_ORDER = ("Red", "Amber", "Green")
# One palette everywhere: the Excel cells, the pages' RAG text and the dashboard's bars (readable on white).
RAG_COLOURS = {RED: "C00000", AMBER: "B35C00", GREEN: "2E7D32"}
# The nearest of Streamlit's Markdown colours, for ``:red[...]`` text.
RAG_MARKDOWN_COLOURS = {RED: "red", AMBER: "orange", GREEN: "green"}


def rag(due_on: date, as_of: date, amber_working_days: int = 3) -> str:
    """Red when an open stage is past due on ``as_of``; Amber when due within ``amber_working_days``
    working days counting ``as_of`` itself as the first; Green otherwise."""
    if due_on < as_of:
        return RED
    if workdays.working_days_between(as_of, due_on) < amber_working_days:
        return AMBER
    return GREEN


def rag_sql(due_on: str, as_of: str = ":as_of", amber: str = ":amber") -> str:
    """``rag`` as a SQL CASE over the due-date expression ``due_on``, the as-of date and the Amber threshold
    (parameters or expressions); the working days come from the store's ``working_days`` function."""
    return (f"CASE WHEN {due_on} < {as_of} THEN '{RED}'"
            f" WHEN working_days({as_of}, {due_on}) < {amber} THEN '{AMBER}'"
            f" ELSE '{GREEN}' END")


def rag_rank_sql(rag_column: str) -> str:
    """SQL ranking a RAG value in ``RAG_ORDER``: Red 0, Amber 1, Green 2."""
    return f"CASE {rag_column} WHEN '{RED}' THEN 0 WHEN '{AMBER}' THEN 1 ELSE 2 END"
