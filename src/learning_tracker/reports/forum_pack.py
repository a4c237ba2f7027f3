"""The Practice Improvement Forum's pack for a meeting, and its Word rendering.

A pack holds, for one meeting:

* **open learning** (learning points neither embedded nor closed) by service area and theme, and
  their improvement actions, **overdue first**; overdue is judged on the meeting's date (today for a
  meeting still to come), statuses are the current ones;
* **what is new or changed since the previous meeting**: learning points created and action updates
  made after the previous meeting's date, up to and including this meeting's date (four weeks back
  when there is no earlier meeting);
* **learning gaps** (``learning_and_actions.learning_gaps``);
* the **decisions** recorded at the meeting.

Every list is selected, sorted and cut to ``limit`` rows in SQL, with its full count, so a pack stays
quick on a large register; the counts say when a list is longer than the pack shows. The queries are
the read side's (``read.forum``, ``read.learning_and_actions``); this module assembles the pack,
lists what the forum can decide about and writes the Word document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from ..read import forum, learning_and_actions
from ..read.forum import Meeting, decisions, meeting, previous_meeting, short
from ..read.forum import meetings as meetings  # the page lists the meetings through the pack
from ..rules.periods import as_date, local_time, long_date
from ..rules.vocabulary import OPEN_LEARNING_POINT_STATUSES
from . import render

FIRST_MEETING_LOOKBACK = timedelta(days=28)
DEFAULT_LIMIT = 200


@dataclass
class ForumPack:
    """Everything the forum reviews at one meeting. Each frame has its columns in the users' words;
    ``*_total`` counts every row that matched, of which the frame holds at most ``limit``."""

    meeting: Meeting
    previous: Meeting | None
    since: date
    until: date
    as_of: date
    summary: pd.DataFrame
    learning_points: pd.DataFrame
    learning_points_total: int
    actions: pd.DataFrame
    actions_total: int
    overdue_actions: int
    new_learning_points: pd.DataFrame
    new_learning_points_total: int
    action_updates: pd.DataFrame
    action_updates_total: int
    gaps: pd.DataFrame
    gaps_total: int
    gaps_by_area: pd.DataFrame
    decisions: pd.DataFrame
    limit: int = DEFAULT_LIMIT
    service_area_ids: tuple[int, ...] = ()
    themes: tuple[str, ...] = ()
    filtered_by: list[str] = field(default_factory=list)


# --- the pack ------------------------------------------------------------------------------------


def _latest_decisions(decided: pd.DataFrame, kind: str) -> dict[int, str]:
    """item id -> the latest decision recorded on it at this meeting."""
    rows = decided[decided["item"] == kind]
    return {int(i): d for i, d in zip(rows["item_id"], rows["Decision"])}


def build(
    db: sqlite_utils.Database,
    meeting_id: int,
    *,
    today: date,
    service_area_ids: tuple[int, ...] = (),
    themes: tuple[str, ...] = (),
    limit: int = DEFAULT_LIMIT,
) -> ForumPack:
    """The pack for a meeting; ``service_area_ids`` and ``themes`` narrow its learning, actions and gaps."""
    this = meeting(db, meeting_id)
    if this is None:
        from ..errors import NotFound

        raise NotFound(f"Forum meeting {meeting_id} does not exist.")
    previous = previous_meeting(db, this)
    since = previous.held_on if previous else this.held_on - FIRST_MEETING_LOOKBACK
    until = this.held_on
    as_of = min(this.held_on, today)
    decided = decisions(db, meeting_id)

    summary = forum.open_learning_summary(db, as_of, service_area_ids, themes)
    points, learning_points_total = forum.open_learning_points(db, as_of, service_area_ids, themes, limit=limit)
    lp_decisions = _latest_decisions(decided, "learning point")
    learning_points = pd.DataFrame({
        "Learning point": points["id"], "Service area": points["service_area"], "Theme": points["theme"],
        "Description": points["description"], "Status": points["status"], "Complaints": points["complaints"],
        "Open actions": points["open_actions"], "Overdue actions": points["overdue_actions"],
        "Created on": points["created_on"],
        "Decision at this meeting": [lp_decisions.get(int(i), "") for i in points["id"]],
        "version": points["version"],
    })  # fmt: skip

    action_filters = learning_and_actions.Filters(service_area_ids=service_area_ids, themes=themes, learning_statuses=OPEN_LEARNING_POINT_STATUSES)
    found, actions_total = learning_and_actions.actions(db, action_filters, as_of, limit=limit)
    overdue_total = learning_and_actions.action_counts(db, action_filters, as_of)["overdue"] if actions_total else 0
    action_decisions = _latest_decisions(decided, "action")
    actions = pd.DataFrame({
        "Action": found["id"], "Learning point": found["learning_point_id"], "Service area": found["service_area"],
        "Theme": found["theme"], "Description": found["description"], "Owner": found["owner"], "Due": found["due_on"],
        "Status": found["status"], "Days overdue": found["days_overdue"],
        "Decision at this meeting": [action_decisions.get(int(i), "") for i in found["id"]],
    })  # fmt: skip

    new_points, new_total = forum.new_learning_points(db, since, until, service_area_ids, themes, limit=limit)
    updates, updates_total = forum.action_updates(db, since, until, service_area_ids, themes, limit=limit)

    found_gaps, gaps_total = learning_and_actions.learning_gaps(db, service_area_ids=service_area_ids, limit=limit)
    gap_ids = forum.complaint_ids(db, list(found_gaps["reference"]))
    gap_decisions = _latest_decisions(decided, "learning gap")
    gaps = pd.DataFrame({
        "Complaint": found_gaps["reference"], "Service area": found_gaps["service_area"],
        "Received": found_gaps["received_on"], "Procedure": found_gaps["procedure"], "Outcome": found_gaps["outcome"],
        "Decision at this meeting": [gap_decisions.get(gap_ids.get(r, 0), "") for r in found_gaps["reference"]],
        "complaint_id": [gap_ids.get(r) for r in found_gaps["reference"]],
    })  # fmt: skip
    gaps_by_area = learning_and_actions.learning_gaps_by_area(db, service_area_ids).rename(
        columns={"service_area": "Service area", "gaps": "Learning gaps", "oldest_received_on": "Oldest received"})

    filtered_by = []
    if service_area_ids:
        filtered_by.append("service areas: " + ", ".join(forum.area_names(db, service_area_ids)))
    if themes:
        filtered_by.append("themes: " + ", ".join(themes))

    return ForumPack(
        meeting=this, previous=previous, since=since, until=until, as_of=as_of, summary=summary,
        learning_points=learning_points, learning_points_total=learning_points_total,
        actions=actions, actions_total=actions_total, overdue_actions=overdue_total,
        new_learning_points=new_points, new_learning_points_total=new_total,
        action_updates=updates, action_updates_total=updates_total,
        gaps=gaps, gaps_total=gaps_total, gaps_by_area=gaps_by_area, decisions=decided, limit=limit,
        service_area_ids=service_area_ids, themes=themes, filtered_by=filtered_by,
    )  # fmt: skip


# --- what the forum can decide about ---------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing in the pack the forum can record a decision about."""

    kind: str  # "learning point", "action" or "learning gap"
    id: int
    label: str
    version: int | None = None  # a learning point's version, for closing it
    name: str = ""  # short: "learning point 12", "action 34", "the learning gap of complaint CS-2122-0001"


def decision_items(pack: ForumPack) -> list[Item]:
    """The pack's items in pack order: open learning points, then actions (overdue first), then learning gaps."""
    items = [
        Item("learning point", int(r["Learning point"]),
             f"Learning point {int(r['Learning point'])} ({r['Service area']}, {r['Theme']}, {r['Status']}): {short(r['Description'])}",
             int(r["version"]), f"learning point {int(r['Learning point'])}")
        for r in pack.learning_points.to_dict("records")
    ]
    for r in pack.actions.to_dict("records"):
        late = f", {int(r['Days overdue'])} days overdue" if r["Days overdue"] else ""
        items.append(Item("action", int(r["Action"]),
                          f"Action {int(r['Action'])} ({r['Service area']}, {r['Status']}{late}): {short(r['Description'])}",
                          name=f"action {int(r['Action'])}"))
    for r in pack.gaps.to_dict("records"):
        if r["complaint_id"] is not None and pd.notna(r["complaint_id"]):
            items.append(Item("learning gap", int(r["complaint_id"]),
                              f"Learning gap: complaint {r['Complaint']} ({r['Service area']}, {r['Outcome']}, received {long_date(r['Received'])})",
                              name=f"the learning gap of complaint {r['Complaint']}"))
    return items


# --- the Word document -----------------------------------------------------------------------------


def count_caption(count: int, total: int, what: str) -> str:
    """'What: total', or how many of them a list shows (worded so that one reads as well as many)."""
    what = what[0].upper() + what[1:]
    if total == count:
        return f"{what}: {total:,}."
    return f"{what}: the first {count:,} of {total:,} are listed; narrow the pack to see the others."


def to_docx(pack: ForumPack) -> bytes:
    """The pack as a Word document: headings per section, a table per list."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    # Landscape: the pack's tables are wide.
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.name = "Arial"  # as the reports; the tables' column widths are measured in it
    doc.styles["Normal"].font.size = Pt(FONT_SIZE)

    doc.add_heading(f"Practice Improvement Forum: {pack.meeting.title}", level=0)
    doc.add_paragraph(f"Attendees: {', '.join(pack.meeting.attendees) or 'not recorded'}.")
    previous = f"the previous meeting on {pack.previous.title}" if pack.previous else "four weeks before (no earlier meeting)"
    doc.add_paragraph(
        f"New or changed: from the day after {previous} up to {long_date(pack.until)}. "
        f"Overdue: as of {long_date(pack.as_of)}. Statuses are as they stood when this pack was made."
    )
    if pack.filtered_by:
        doc.add_paragraph("This pack covers only " + "; ".join(pack.filtered_by) + ".")

    doc.add_heading("Decisions", level=1)
    if pack.decisions.empty:
        doc.add_paragraph("No decisions recorded yet.")
    else:
        _table(doc, pack.decisions, ["Item", "Service area", "Decision", "Note", "Recorded by"])

    doc.add_heading("Open learning by service area and theme", level=1)
    if pack.summary.empty:
        doc.add_paragraph("No open learning points.")
    else:
        _table(doc, pack.summary, list(pack.summary.columns))

    doc.add_heading("Open learning points", level=1)
    doc.add_paragraph(count_caption(len(pack.learning_points), pack.learning_points_total, "open learning points (those with overdue actions first)"))
    if not pack.learning_points.empty:
        _table(doc, pack.learning_points, ["Learning point", "Service area", "Theme", "Description", "Status",
                                           "Open actions", "Overdue actions", "Decision at this meeting"])

    doc.add_heading("Improvement actions, overdue first", level=1)
    doc.add_paragraph(count_caption(len(pack.actions), pack.actions_total, f"actions of open learning points ({pack.overdue_actions:,} overdue)"))
    if not pack.actions.empty:
        _table(doc, pack.actions, ["Action", "Learning point", "Service area", "Description", "Owner", "Due", "Status",
                                   "Days overdue", "Decision at this meeting"])

    doc.add_heading("New or changed since the previous meeting", level=1)
    doc.add_heading("New learning points", level=2)
    doc.add_paragraph(count_caption(len(pack.new_learning_points), pack.new_learning_points_total, "new learning points"))
    if not pack.new_learning_points.empty:
        _table(doc, pack.new_learning_points, list(pack.new_learning_points.columns))
    doc.add_heading("Action updates", level=2)
    doc.add_paragraph(count_caption(len(pack.action_updates), pack.action_updates_total, "action updates (newest first)"))
    if not pack.action_updates.empty:
        # A moved due date's from and to values are dates.
        moved = pack.action_updates["What changed"] == "due date"
        updates = pack.action_updates.assign(**{
            column: [as_date(v) if due_date else v for v, due_date in zip(pack.action_updates[column], moved)]
            for column in ("From", "To")})
        _table(doc, updates, ["When", "Action", "Service area", "Description", "What changed", "From", "To", "Note", "By"])

    doc.add_heading("Learning gaps", level=1)
    doc.add_paragraph(
        count_caption(len(pack.gaps), pack.gaps_total, "upheld or partly upheld complaints with no learning and no "
                                                "\"no learning identified\" decision")
    )
    if not pack.gaps_by_area.empty:
        _table(doc, pack.gaps_by_area, list(pack.gaps_by_area.columns))
    if not pack.gaps.empty:
        _table(doc, pack.gaps, ["Complaint", "Service area", "Received", "Procedure", "Outcome", "Decision at this meeting"])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


#: The pack's columns of dates (ISO text from the read side), of UTC times, and of record numbers (shown
#: as they are, with no thousands separator).
DATE_COLUMNS = frozenset({"Created on", "Due", "Received", "Oldest received"})
TIME_COLUMNS = frozenset({"When"})
NUMBER_COLUMNS = frozenset({"Learning point", "Action"})
FONT_SIZE = 10


def _cell(column: str, value: Any) -> Any:
    """A frame's value as a table cell for ``render.show``: dates as dates (06/04/2021), times in the
    council's time, record numbers as text, counts as ints, nothing as None (a dash)."""
    if not isinstance(value, (str, date)) and pd.isna(value):
        return None
    if column in DATE_COLUMNS:
        return as_date(value)
    if column in TIME_COLUMNS:
        return local_time(value)
    if column in NUMBER_COLUMNS:
        return str(int(value))
    value = value.item() if hasattr(value, "item") else value  # numpy's numbers as Python's
    # A count column with a blank in it reads back as floats: 32.0 days overdue is 32.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _table(doc, frame: pd.DataFrame, columns: list[str]) -> None:
    rows = [[_cell(c, v) for c, v in zip(columns, row)] for row in frame[columns].itertuples(index=False)]
    render.add_docx_table(doc, render.Table("", "", columns, rows), FONT_SIZE)
    doc.add_paragraph()
