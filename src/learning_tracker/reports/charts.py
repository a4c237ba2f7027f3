"""The report's charts: pure functions from a small, aggregated DataFrame to an Altair chart.

Each chart has a fixed width so that its PNG fits a Word page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH = 480
BAR_COLOUR = "#1F4E79"


def by_year_chart(frame: pd.DataFrame, value: str, title: str) -> alt.Chart:
    """A bar per financial year (column ``Financial year``), oldest on the left, of column ``value``."""
    years = list(frame["Financial year"])
    return (
        alt.Chart(frame, title=title, width=WIDTH, height=220)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=alt.X("Financial year:N", sort=years, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=["Financial year", value],
        )
    )


def breakdown_chart(frame: pd.DataFrame, label: str, value: str, title: str) -> alt.Chart:
    """A horizontal bar per row of ``frame`` in its order (column ``label``), of column ``value``."""
    order = list(frame[label])
    return (
        alt.Chart(frame, title=title, width=WIDTH, height=max(80, 24 * len(order)))
        .mark_bar(color=BAR_COLOUR)
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"{value}:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=[label, value],
        )
    )


def quarters_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Average working days by quarter (column ``Quarter``), a bar per stage side by side
    (columns ``Stage`` and ``Average working days``)."""
    return (
        alt.Chart(frame, title=title, width=WIDTH, height=220)
        .mark_bar()
        .encode(
            x=alt.X("Quarter:N", title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Stage:N"),
            y=alt.Y("Average working days:Q", title="Average working days"),
            color=alt.Color("Stage:N", title="Stage", scale=alt.Scale(range=[BAR_COLOUR, "#8FAADC"])),
            tooltip=["Quarter", "Stage", "Average working days"],
        )
    )
