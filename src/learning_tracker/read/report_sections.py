"""The annual report's written sections as saved (``services.report_sections`` writes them): for a
financial year, each section's text, status, the computed draft it was based on, who wrote, reviewed and
approved it and when, and its version; and the versions a section has been saved in.

A learning section is stored by its service area's id and read back under the area's current name, so
the key (``rules.vocabulary.report_section_key``) matches the report's, which also shows current names.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from ..rules.periods import LOCAL_TIME
from ..rules.vocabulary import report_section_key

_SECTIONS_SQL = """
SELECT s.id, s.section, s.service_area_id, sa.name, s.text, s.status, s.based_on, s.version,
       writer.name, s.written_at, reviewer.name, s.reviewed_at, approver.name, s.approved_at
FROM report_sections s
LEFT JOIN service_areas sa ON sa.id = s.service_area_id
JOIN users writer ON writer.id = s.written_by
LEFT JOIN users reviewer ON reviewer.id = s.reviewed_by
LEFT JOIN users approver ON approver.id = s.approved_by
WHERE s.financial_year = ?
ORDER BY s.id
"""


def local_day(moment: str | None) -> str | None:
    """The council's day (ISO date) of a stored UTC time: a save at 00:30 on 7 April in summer is stored as
    23:30 on 6 April (UTC) but was made on 7 April."""
    if not moment:
        return None
    when = datetime.fromisoformat(moment)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(ZoneInfo(LOCAL_TIME)).date().isoformat()


def saved_sections(db: sqlite_utils.Database, year: str) -> dict[str, dict[str, Any]]:
    """The saved sections of financial ``year`` (like ``"2021-22"``) by their key in the report
    (``"summary"``, ``"previous-actions"``, ``"learning:<service area>"``): ``{id, section, service_area_id,
    service_area, text, status, based_on, version, written_by, written_on, reviewed_by, reviewed_on,
    approved_by, approved_on}``, with people by name and days (ISO) in the council's time. A section not
    saved is not there."""
    sections = {}
    for (section_id, section, area_id, area, text, status, based_on, version, writer, written_at, reviewer,
         reviewed_at, approver, approved_at) in db.execute(_SECTIONS_SQL, [year]).fetchall():
        sections[report_section_key(section, area)] = {
            "id": section_id, "section": section, "service_area_id": area_id, "service_area": area,
            "text": text, "status": status, "based_on": based_on, "version": version,
            "written_by": writer, "written_on": local_day(written_at),
            "reviewed_by": reviewer, "reviewed_on": local_day(reviewed_at),
            "approved_by": approver, "approved_on": local_day(approved_at),
        }  # fmt: skip
    return sections


def section_versions(db: sqlite_utils.Database, section_id: int) -> list[dict[str, Any]]:
    """Every version of a saved section, oldest first: ``{version, text, status, based_on, saved_by,
    saved_at}`` (the saver by name; the time as stored, in UTC)."""
    cursor = db.execute(
        "SELECT v.version, v.text, v.status, v.based_on, u.name, v.saved_at FROM report_section_versions v"
        " JOIN users u ON u.id = v.saved_by WHERE v.report_section_id = ? ORDER BY v.version",
        [section_id],
    )
    return [dict(zip(("version", "text", "status", "based_on", "saved_by", "saved_at"), row)) for row in cursor]
