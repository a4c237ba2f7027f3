"""The monitoring dashboard's charts: pure functions from an aggregated DataFrame (``monitoring``) to an
Altair chart. RAG colours are fixed so that Red is always red whatever the data holds."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .reports.rag import RAG_COLOURS, RAG_ORDER

RAG_SCALE = alt.Scale(domain=RAG_ORDER, range=[f"#{RAG_COLOURS[rag]}" for rag in RAG_ORDER])


def open_by_stage_chart(frame: pd.DataFrame) -> alt.Chart:
    """Open stages by stage, stacked by RAG (Red first)."""
    stages = list(dict.fromkeys(frame["Stage"]))
    return (
        alt.Chart(frame, title="Open stages by stage and RAG")
        .mark_bar()
        .encode(
            y=alt.Y("Stage:N", sort=stages, title=None),
            x=alt.X("Open stages:Q", title="Open stages"),
            color=alt.Color("RAG:N", scale=RAG_SCALE, sort=RAG_ORDER, title="RAG"),
            order=alt.Order("rag_rank:Q"),
            tooltip=["Stage", "RAG", "Open stages"],
        )
        .transform_calculate(rag_rank=f"indexof({RAG_ORDER!r}, datum.RAG)")
    )


def overdue_by_area_chart(frame: pd.DataFrame) -> alt.Chart:
    """Overdue stages by service area, most first."""
    return (
        alt.Chart(frame, title="Overdue stages by service area")
        .mark_bar(color="#C00000")
        .encode(
            y=alt.Y("Service area:N", sort="-x", title=None),
            x=alt.X("Overdue:Q", title="Overdue stages", axis=alt.Axis(tickMinStep=1)),
            tooltip=["Service area", "Overdue"],
        )
    )


def average_days_chart(frame: pd.DataFrame, stage: str, target: int | None = None) -> alt.LayerChart | alt.Chart:
    """Average working days to answer ``stage`` by quarter, a bar per financial year, with the timescale
    as a dashed line when ``target`` is given."""
    data = frame[frame["Stage"] == stage]
    bars = (
        alt.Chart(data, title=f"{stage}: average working days to answer")
        .mark_bar()
        .encode(
            x=alt.X("Quarter:N", title="Quarter of the response"),
            xOffset=alt.XOffset("Financial year:N"),
            y=alt.Y("Average working days:Q", title="Working days"),
            color=alt.Color("Financial year:N", title="Financial year"),
            tooltip=["Financial year", "Quarter", "Answered", "Average working days"],
        )
    )
    if target is None:
        return bars
    rule = (
        alt.Chart(pd.DataFrame({"Timescale": [target]}))
        .mark_rule(strokeDash=[6, 4], color="#555555")
        .encode(y="Timescale:Q", tooltip=["Timescale"])
    )
    return alt.layer(bars, rule)


def counts_chart(frame: pd.DataFrame, label: str, title: str) -> alt.Chart:
    """A bar per row of a two-column count frame (``label``, Compliments), largest first."""
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X(f"{frame.columns[1]}:Q", title=frame.columns[1]),
            tooltip=list(frame.columns),
        )
    )
