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
quick on a large register; the counts say when a list is longer than the pack shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from ..read import learning_and_actions
from ..rules.vocabulary import OPEN_ACTION_SQL, OPEN_LEARNING_POINT_SQL, OPEN_LEARNING_POINT_STATUSES

FIRST_MEETING_LOOKBACK = timedelta(days=28)
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class Meeting:
    """A forum meeting as the pack shows it."""

    id: int
    held_on: date
    attendees: list[str]
    version: int = 1

    @property
    def title(self) -> str:
        return f"{self.held_on:%-d %B %Y}"


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


def _frame(db: sqlite_utils.Database, sql: str, params: Any) -> pd.DataFrame:
    cursor = db.execute(sql, params)
    return pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])


def _in(column: str, values: tuple) -> tuple[str, list]:
    return f"{column} IN ({', '.join('?' for _ in values)})", list(values)


def _short(text: str, length: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- meetings ------------------------------------------------------------------------------------


def _meeting(row) -> Meeting:
    attendees = [a.strip() for a in (row[2] or "").split(";") if a.strip()]
    return Meeting(id=row[0], held_on=date.fromisoformat(row[1]), attendees=attendees, version=row[3])


def meetings(db: sqlite_utils.Database) -> pd.DataFrame:
    """Every meeting, newest first: id, held_on, attendees, decisions (how many were recorded)."""
    return _frame(
        db,
        """SELECT m.id, m.held_on, m.attendees,
                  (SELECT COUNT(*) FROM forum_decisions d WHERE d.meeting_id = m.id) AS decisions
           FROM forum_meetings m ORDER BY m.held_on DESC, m.id DESC""",
        [],
    )


def meeting(db: sqlite_utils.Database, meeting_id: int) -> Meeting | None:
    """One meeting, or None."""
    row = db.execute("SELECT id, held_on, attendees, version FROM forum_meetings WHERE id = ?", [meeting_id]).fetchone()
    return _meeting(row) if row else None


def previous_meeting(db: sqlite_utils.Database, of: Meeting) -> Meeting | None:
    """The latest meeting held before ``of``, or None for the first one."""
    row = db.execute(
        "SELECT id, held_on, attendees, version FROM forum_meetings WHERE held_on < ? ORDER BY held_on DESC, id DESC LIMIT 1",
        [of.held_on.isoformat()],
    ).fetchone()
    return _meeting(row) if row else None


def decisions(db: sqlite_utils.Database, meeting_id: int) -> pd.DataFrame:
    """The decisions recorded at a meeting, in the order they were recorded.

    Columns: Item (in words), Service area, Decision, Note, Recorded by, Recorded at, and the item's
    kind and id (``item``, ``item_id``) for matching decisions to the pack's rows.
    """
    frame = _frame(
        db,
        """SELECT d.learning_point_id, d.action_id, d.complaint_id, d.decision, d.note, u.name AS recorded_by,
                  d.recorded_at, lp.description AS lp_description, a.description AS action_description,
                  c.reference, COALESCE(lsa.name, asa.name, csa.name) AS service_area
           FROM forum_decisions d
           LEFT JOIN users u ON u.id = d.recorded_by
           LEFT JOIN learning_points lp ON lp.id = d.learning_point_id
           LEFT JOIN service_areas lsa ON lsa.id = lp.service_area_id
           LEFT JOIN actions a ON a.id = d.action_id
           LEFT JOIN service_areas asa ON asa.id = a.service_area_id
           LEFT JOIN complaints c ON c.id = d.complaint_id
           LEFT JOIN service_areas csa ON csa.id = c.service_area_id
           WHERE d.meeting_id = ? ORDER BY d.recorded_at, d.id""",
        [meeting_id],
    )
    records = []
    for r in frame.itertuples(index=False):
        if pd.notna(r.learning_point_id):
            kind, item_id, label = "learning point", int(r.learning_point_id), f"Learning point {int(r.learning_point_id)}: {_short(r.lp_description)}"
        elif pd.notna(r.action_id):
            kind, item_id, label = "action", int(r.action_id), f"Action {int(r.action_id)}: {_short(r.action_description)}"
        else:
            kind, item_id, label = "learning gap", int(r.complaint_id), f"Learning gap: complaint {r.reference}"
        records.append({"Item": label, "Service area": r.service_area, "Decision": r.decision, "Note": r.note,
                        "Recorded by": r.recorded_by, "Recorded at": str(r.recorded_at).replace("T", " ")[:16],
                        "item": kind, "item_id": item_id})
    return pd.DataFrame(records, columns=["Item", "Service area", "Decision", "Note", "Recorded by", "Recorded at", "item", "item_id"])


# --- the pack ------------------------------------------------------------------------------------


def _lp_conditions(service_area_ids: tuple[int, ...], themes: tuple[str, ...]) -> tuple[str, list]:
    where, params = [], []
    if service_area_ids:
        sql, values = _in("lp.service_area_id", service_area_ids)
        where.append(sql)
        params += values
    if themes:
        sql, values = _in("lp.theme", themes)
        where.append(sql)
        params += values
    return "".join(f" AND {w}" for w in where), params


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
    lp_where, lp_params = _lp_conditions(service_area_ids, themes)
    as_of_text = as_of.isoformat()

    summary = _frame(
        db,
        f"""SELECT sa.name AS "Service area", lp.theme AS "Theme", COUNT(*) AS "Open learning points",
                   COALESCE(SUM(a.open), 0) AS "Open actions", COALESCE(SUM(a.overdue), 0) AS "Overdue actions"
            FROM learning_points lp
            JOIN service_areas sa ON sa.id = lp.service_area_id
            LEFT JOIN (SELECT learning_point_id, SUM(status IN {OPEN_ACTION_SQL}) AS open,
                              SUM(status IN {OPEN_ACTION_SQL} AND due_on < ?) AS overdue
                       FROM actions GROUP BY learning_point_id) a ON a.learning_point_id = lp.id
            WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}
            GROUP BY sa.name, lp.theme
            ORDER BY "Overdue actions" DESC, sa.name, lp.theme""",
        [as_of_text, *lp_params],
    )

    learning_points_total = db.execute(
        f"SELECT COUNT(*) FROM learning_points lp WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}", lp_params
    ).fetchone()[0]
    points = _frame(
        db,
        f"""SELECT p.id, sa.name AS service_area, p.theme, p.description, p.status, p.created_on, p.version,
                   p.open_actions, p.overdue_actions,
                   (SELECT COUNT(*) FROM learning_point_complaints lpc WHERE lpc.learning_point_id = p.id) AS complaints
            FROM (SELECT lp.*,
                         (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = lp.id AND a.status IN {OPEN_ACTION_SQL}) AS open_actions,
                         (SELECT COUNT(*) FROM actions a WHERE a.learning_point_id = lp.id AND a.status IN {OPEN_ACTION_SQL}
                              AND a.due_on < ?) AS overdue_actions
                  FROM learning_points lp WHERE lp.status IN {OPEN_LEARNING_POINT_SQL}{lp_where}) p
            JOIN service_areas sa ON sa.id = p.service_area_id
            ORDER BY p.overdue_actions DESC, sa.name, p.theme, p.created_on, p.id
            LIMIT ?""",
        [as_of_text, *lp_params, limit],
    )
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

    window = [since.isoformat(), until.isoformat()]
    new_where = f"lp.created_on > ? AND lp.created_on <= ?{lp_where}"
    new_total = db.execute(f"SELECT COUNT(*) FROM learning_points lp WHERE {new_where}", [*window, *lp_params]).fetchone()[0]
    new_points = _frame(
        db,
        f"""SELECT lp.id AS "Learning point", sa.name AS "Service area", lp.theme AS "Theme",
                   lp.description AS "Description", lp.status AS "Status", lp.created_on AS "Created on"
            FROM learning_points lp JOIN service_areas sa ON sa.id = lp.service_area_id
            WHERE {new_where} ORDER BY lp.created_on DESC, lp.id DESC LIMIT ?""",
        [*window, *lp_params, limit],
    )

    # Timestamps are ISO strings: "~" sorts after any time of day, so "> since~" is "after that day".
    update_where = f"au.at > ? AND au.at < ?{lp_where}"
    update_params = [since.isoformat() + "~", until.isoformat() + "~", *lp_params]
    update_from = """FROM action_updates au JOIN actions a ON a.id = au.action_id
                     JOIN learning_points lp ON lp.id = a.learning_point_id"""
    updates_total = db.execute(f"SELECT COUNT(*) {update_from} WHERE {update_where}", update_params).fetchone()[0]
    updates = _frame(
        db,
        f"""SELECT substr(replace(au.at, 'T', ' '), 1, 16) AS "When", a.id AS "Action", lp.id AS "Learning point",
                   sa.name AS "Service area", a.description AS "Description", au.kind AS "What changed",
                   au.from_value AS "From", au.to_value AS "To", au.note AS "Note", u.name AS "By"
            {update_from}
            JOIN service_areas sa ON sa.id = a.service_area_id
            LEFT JOIN users u ON u.id = au.user_id
            WHERE {update_where} ORDER BY au.at DESC, au.id DESC LIMIT ?""",
        [*update_params, limit],
    )

    found_gaps, gaps_total = learning_and_actions.learning_gaps(db, service_area_ids=service_area_ids, limit=limit)
    gap_ids = _complaint_ids(db, list(found_gaps["reference"]))
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
        names = [r[0] for r in db.execute(f"SELECT name FROM service_areas WHERE {_in('id', service_area_ids)[0]} ORDER BY name",
                                          list(service_area_ids))]
        filtered_by.append("service areas: " + ", ".join(names))
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


def _complaint_ids(db: sqlite_utils.Database, references: list[str]) -> dict[str, int]:
    if not references:
        return {}
    sql, params = _in("reference", tuple(references))
    return {r[0]: r[1] for r in db.execute(f"SELECT reference, id FROM complaints WHERE {sql}", params)}


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
             f"Learning point {int(r['Learning point'])} ({r['Service area']}, {r['Theme']}, {r['Status']}): {_short(r['Description'])}",
             int(r["version"]), f"learning point {int(r['Learning point'])}")
        for r in pack.learning_points.to_dict("records")
    ]
    for r in pack.actions.to_dict("records"):
        late = f", {int(r['Days overdue'])} days overdue" if r["Days overdue"] else ""
        items.append(Item("action", int(r["Action"]),
                          f"Action {int(r['Action'])} ({r['Service area']}, {r['Status']}{late}): {_short(r['Description'])}",
                          name=f"action {int(r['Action'])}"))
    for r in pack.gaps.to_dict("records"):
        if r["complaint_id"] is not None and pd.notna(r["complaint_id"]):
            items.append(Item("learning gap", int(r["complaint_id"]),
                              f"Learning gap: complaint {r['Complaint']} ({r['Service area']}, {r['Outcome']}, received {r['Received']})",
                              name=f"the learning gap of complaint {r['Complaint']}"))
    return items


# --- the Word document -----------------------------------------------------------------------------


def count_caption(count: int, total: int, what: str) -> str:
    """'What: total', or how many of them a list shows (worded so that one reads as well as many)."""
    what = what[0].upper() + what[1:]
    if total == count:
        return f"{what}: {total}."
    return f"{what}: the first {count} of {total} are listed; narrow the pack to see the others."


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
    doc.styles["Normal"].font.size = Pt(10)

    doc.add_heading(f"Practice Improvement Forum: {pack.meeting.title}", level=0)
    doc.add_paragraph(f"Attendees: {', '.join(pack.meeting.attendees) or 'not recorded'}.")
    previous = f"the previous meeting on {pack.previous.title}" if pack.previous else "four weeks before (no earlier meeting)"
    doc.add_paragraph(
        f"New or changed: from the day after {previous} up to {pack.until:%-d %B %Y}. "
        f"Overdue: as of {pack.as_of:%-d %B %Y}. Statuses are as they stood when this pack was made."
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
    doc.add_paragraph(count_caption(len(pack.actions), pack.actions_total, f"actions of open learning points ({pack.overdue_actions} overdue)"))
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
        _table(doc, pack.action_updates, ["When", "Action", "Service area", "Description", "What changed", "From", "To", "Note", "By"])

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


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _table(doc, frame: pd.DataFrame, columns: list[str]) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for row in frame[columns].itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = _text(value)
    doc.add_paragraph()
