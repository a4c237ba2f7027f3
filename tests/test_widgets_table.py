"""``widgets.table``: every table of the app as an HTML table a screen reader can read, its values written
for people (dates 07/04/2021, times in UK time, counts 1,234, nothing as a blank) and shown as written."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import widgets

from . import tables


@pytest.mark.parametrize("value,kind,shown", [
    (None, "auto", ""),
    (float("nan"), "auto", ""),
    (pd.NaT, "auto", ""),
    (pd.NA, "auto", ""),
    ("  ", "auto", ""),
    (date(2021, 4, 7), "auto", "07/04/2021"),
    ("2021-04-07", "auto", "07/04/2021"),  # the store keeps dates as ISO text
    ("2021-04-07", "text", "2021-04-07"),  # a value typed into a file, shown as typed
    (pd.Timestamp("2021-04-07"), "auto", "07/04/2021"),  # a date column pandas read as times
    ("2021-04-07", "date", "07/04/2021"),
    ("2021-06-07 13:05:00", "time", "07/06/2021 14:05"),  # stored in UTC, read in UK (summer) time
    ("2021-12-07T13:05:00+00:00", "time", "07/12/2021 13:05"),  # winter: UK time is UTC
    (datetime(2021, 6, 7, 13, 5, tzinfo=timezone.utc), "auto", "07/06/2021 14:05"),
    (1234, "auto", "1,234"),
    (np.int64(1234567), "count", "1,234,567"),
    (12.0, "auto", "12"),  # a count column with a blank in it comes as floats
    (-1205, "count", "-1,205"),
    (1234, "number", "1234"),  # an action's number is no count
    (np.float64(173.0), "number", "173"),
    (12.34, "decimal", "12.3"),
    (7.0, "decimal", "7.0"),
    (0.456, "percent", "46%"),
    (True, "auto", "yes"),
    (np.bool_(False), "auto", "no"),
    ("Standards of service > delay", "auto", "Standards of service > delay"),
])
def test_a_cell_is_written_as_people_read_it(value, kind, shown):
    assert widgets.cell_text(value, kind) == shown


def test_the_table_keeps_the_frames_columns_in_order_with_the_users_headings():
    frame = pd.DataFrame({
        "id": [173, 417], "due_on": ["2023-06-02", None], "owner": ["Service Manager, Team West", None],
        "days": [1279, np.nan],
    })
    shown = widgets.table_frame(frame, {"id": widgets.number_column("No."), "due_on": widgets.date_column("Due"),
                                        "owner": "Owner"})
    assert shown.to_dict("records") == [
        {"No.": "173", "Due": "02/06/2023", "Owner": "Service Manager, Team West", "days": "1,279"},
        {"No.": "417", "Due": "", "Owner": "", "days": ""},
    ]


def test_a_named_index_is_a_column_of_the_table():
    frame = pd.DataFrame({"Period": ["2020/21", "2021/22"], "Communication": [150, 190]}).set_index("Period")
    assert widgets.table_frame(frame).to_dict("records") == [
        {"Period": "2020/21", "Communication": "150"}, {"Period": "2021/22", "Communication": "190"}]


def _draw():
    import pandas as pd
    import streamlit as st

    from learning_tracker import widgets

    st.title("Tables")
    widgets.table(pd.DataFrame({
        "reference": ["[click](http://evil.invalid)", "CS-1|2"], "received_on": ["2021-04-07", None],
        "times": [1234, 5], "note": ["**bold** _it_", "-12 days"],
    }), {"reference": "Reference", "received_on": widgets.date_column("Received"), "times": "Times raised",
         "note": widgets.Column("Note", "text")}, alt="A trial table")


def test_the_table_is_an_html_table_of_escaped_text_with_its_figures_on_the_right():
    at = AppTest.from_function(_draw, default_timeout=30).run()
    assert not at.exception, at.exception
    [table] = at.table
    assert not at.dataframe, "no canvas"
    assert table.proto.alt == "A trial table"
    # st.table reads every cell as Markdown: what is typed shows as typed, never as a link or bold text.
    assert table.value["Reference"].tolist() == ["\\[click\\](http:\u2060//evil.invalid)", r"CS-1\|2"]
    assert table.value["Note"].tolist() == [r"\*\*bold\*\* \_it\_", "-12 days"]
    assert tables.rows(table) == [
        {"Reference": "[click](http://evil.invalid)", "Received": "07/04/2021", "Times raised": "1,234",
         "Note": "**bold** _it_"},
        {"Reference": "CS-1|2", "Received": "", "Times raised": "5", "Note": "-12 days"},
    ]
    styles = table.proto.arrow_data.styler.styles
    assert "text-align: right !important" in styles
    # Only the counts line up on the right: the third column (col2), its heading and its cells.
    right = [rule for rule in styles.split("}") if "right" in rule]
    assert right and all("col2" in rule and "col0" not in rule and "col1" not in rule and "col3" not in rule
                         for rule in right)
