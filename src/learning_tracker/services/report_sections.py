"""Writing the annual report's sections of prose: the summary, each service area's learning and the
progress of last year's actions, saved once per financial year (``save_text``), marked reviewed by the
service (``mark_reviewed``) and approved (``approve``).

Who: the complaints officer writes every section and alone approves; a service manager writes, and marks
reviewed, the learning section of their own service areas only; forum members and viewers write nothing
(``permissions.writes_report_section``, ``reviews_report_section`` and ``approves_report_sections`` answer
the pages with the same rules).

The steps: draft, then reviewed (by a service manager of the area), then approved (by the complaints
officer). The officer, who is accountable for the report, may approve a draft without the service's
review; the summary and last year's actions have no area and so no review step. Saving new text makes a
reviewed or approved section a draft again. A section not written yet may be reviewed or approved as
the draft computed from the figures (``draft``): that text is then saved as the section's.

Every change is version-checked against the version the user read (a section never saved is version
0), runs in one transaction with its audit event, and keeps the version it made in
``report_section_versions``, so no text is overwritten without trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..db import now_utc
from ..errors import Conflict, InvalidInput, NotFound, Problem, Refused
from ..rules import periods
from ..rules.roles import AREA_BOUND_ROLES
from ..rules.vocabulary import (
    LEARNING_SECTION,
    PREVIOUS_ACTIONS_SECTION,
    REPORT_SECTION_STEPS,
    REPORT_SECTIONS,
    SECTION_APPROVED,
    SECTION_DRAFT,
    SECTION_REVIEWED,
    SUMMARY_SECTION,
)
from . import permissions
from .core import Actor, audited, fetch_row, require_area, require_officer, require_role, update_versioned

#: The longest text a section takes: several pages, far more than a section of the report needs.
MAX_TEXT_LENGTH = 20_000


@dataclass(frozen=True)
class SectionSaved:
    """What a change left: the section's version and status now, and a sentence saying so."""

    version: int
    status: str
    message: str


def section_title(db: sqlite_utils.Database, section: str, service_area_id: int | None) -> str:
    """A section in the users' words: "the summary", "the learning section of Team East"."""
    if section == LEARNING_SECTION and service_area_id is not None:
        return f"the learning section of {_area_name(db, service_area_id)}"
    return {SUMMARY_SECTION: "the summary", PREVIOUS_ACTIONS_SECTION: "the progress of last year's actions"}.get(
        section, f"the section '{section}'")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _area_name(db: sqlite_utils.Database, service_area_id: int) -> str:
    return fetch_row(db, "service_areas", service_area_id, "service area")["name"]


def _check_section(db: sqlite_utils.Database, year: str, section: str, service_area_id: int | None) -> None:
    """Refuse a year, section or service area that is not one of the report's, in the users' words."""
    try:
        periods.financial_year_bounds(year)
    except ValueError as error:
        raise InvalidInput([Problem(field="financial year", value=None, message=str(error))]) from None
    if section not in REPORT_SECTIONS:
        raise InvalidInput([Problem(field="section", value=section,
                                    message="is not a section of the annual report; its sections are "
                                            + ", ".join(f"'{s}'" for s in REPORT_SECTIONS))])  # fmt: skip
    if (section == LEARNING_SECTION) != (service_area_id is not None):
        raise InvalidInput([Problem(field="service area", value=None, message=(
            "is needed for a learning section, which belongs to one service area" if service_area_id is None
            else "belongs only to a learning section; the summary and last year's actions are the whole report's"))])
    if service_area_id is not None:
        _area_name(db, service_area_id)  # NotFound for an area that does not exist


def _row(db: sqlite_utils.Database, year: str, section: str, service_area_id: int | None) -> dict[str, Any] | None:
    cursor = db.execute(
        "SELECT * FROM report_sections WHERE financial_year = ? AND section = ? AND IFNULL(service_area_id, 0) = ?",
        [year, section, service_area_id or 0],
    )
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row)) if row else None


def _current(db: sqlite_utils.Database, year: str, section: str, service_area_id: int | None,
             read_version: int) -> dict[str, Any] | None:
    """The section's row, checked to be the version the user read (0: they saw it not yet written)."""
    row = _row(db, year, section, service_area_id)
    if row is None:
        if read_version:
            raise NotFound(f"No text is saved for {section_title(db, section, service_area_id)} of {year}.")
        return None
    if row["version"] != read_version:  # checked before any rule, like core.ensure_version
        raise Conflict(f"Someone else saved {section_title(db, section, service_area_id)} after you opened it, so "
                       "your change was not saved: their text is the one saved now.")
    return row


def _text(text: str | None, what: str) -> str:
    """The text as saved (without surrounding blank lines and spaces), or a clear refusal."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput([Problem(field=what, value=None, message=(
            "cannot be empty: a section of the report needs its text. The text saved before stands; write "
            "the section (the draft computed from the figures is a start)"))])
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput([Problem(field=what, value=None, message=(
            f"is {len(text):,} characters long; a section takes at most {MAX_TEXT_LENGTH:,}"))])
    return text


def _keep_version(db: sqlite_utils.Database, section_id: int, actor: Actor, at: str) -> None:
    """Keep the section as it now stands as one of its versions."""
    db.execute(
        "INSERT INTO report_section_versions (report_section_id, version, text, status, based_on, saved_by, saved_at)"
        " SELECT id, version, text, status, based_on, ?, ? FROM report_sections WHERE id = ?",
        [actor.id, at, section_id],
    )


def _insert(db: sqlite_utils.Database, actor: Actor, year: str, section: str, service_area_id: int | None,
            text: str, based_on: str, status: str, at: str) -> int:
    values = {"financial_year": year, "section": section, "service_area_id": service_area_id, "text": text,
              "status": status, "based_on": based_on, "written_by": actor.id, "written_at": at}
    if status in (SECTION_REVIEWED, SECTION_APPROVED):
        values.update({f"{status}_by": actor.id, f"{status}_at": at})
    return db["report_sections"].insert(values).last_pk


def _require_writer(db: sqlite_utils.Database, actor: Actor, section: str, service_area_id: int | None) -> None:
    if service_area_id is None:
        require_officer(actor, f"write {section_title(db, section, None)} of the annual report")
    else:
        require_area(db, actor, service_area_id, doing="write the annual report's learning sections")


def _about(year: str, section: str, service_area_id: int | None, row: dict[str, Any]) -> dict[str, Any]:
    """A saved section as its audit event's ``before`` names it."""
    return {"financial_year": year, "section": section, "service_area_id": service_area_id, "status": row["status"],
            "version": row["version"]}


def save_text(db: sqlite_utils.Database, actor: Actor, year: str, section: str, service_area_id: int | None,
              text: str, read_version: int, based_on: str = "") -> SectionSaved:
    """Save the text of a section of financial ``year``'s annual report (``section`` one of
    ``REPORT_SECTIONS``; ``service_area_id`` the area of a learning section, else None), written on the
    draft computed from the figures ``based_on``. ``read_version`` is the section's version the user read
    (0: not yet written); a section saved by someone else since is a ``Conflict``. A reviewed or approved
    section becomes a draft again. Text the same as the saved text changes nothing."""
    row = _row(db, year, section, service_area_id)
    if (row is not None and row["version"] == read_version and row["text"] == (text or "").strip()
            and permissions.writes_report_section(actor, service_area_id)):
        return SectionSaved(row["version"], row["status"], "Nothing to save: the text is as saved.")
    with audited(db, actor, "save report section", "report_section") as change:
        _check_section(db, year, section, service_area_id)
        _require_writer(db, actor, section, service_area_id)
        title = section_title(db, section, service_area_id)
        text = _text(text, f"The text of {title}")
        row = _current(db, year, section, service_area_id, read_version)
        at = now_utc()
        if row is None:
            change.entity_id = _insert(db, actor, year, section, service_area_id, text, based_on, SECTION_DRAFT, at)
            version, message = 1, f"Saved {title}."
        else:
            change.entity_id = row["id"]
            update_versioned(db, "report_sections", row["id"], read_version, {
                "text": text, "status": SECTION_DRAFT, "based_on": based_on, "written_by": actor.id, "written_at": at,
                "reviewed_by": None, "reviewed_at": None, "approved_by": None, "approved_at": None,
            }, "section of the report")  # fmt: skip
            version, message = read_version + 1, f"Saved {title}."
            if row["status"] != SECTION_DRAFT:
                again = "reviewed and approved" if service_area_id is not None else "approved"
                message += f" It was {row['status']}, so it is a draft again: it needs to be {again} again."
            change.before = {**_about(year, section, service_area_id, row), "text": row["text"]}
        _keep_version(db, change.entity_id, actor, at)
        change.after = {"financial_year": year, "section": section, "service_area_id": service_area_id,
                        "status": SECTION_DRAFT, "version": version, "text": text}
    return SectionSaved(version, SECTION_DRAFT, message)


def _step(db: sqlite_utils.Database, actor: Actor, year: str, section: str, service_area_id: int | None,
          read_version: int, draft: str | None, status: str, change, based_on: str | None) -> SectionSaved:
    """Move a section to ``status`` (reviewed or approved); a section not yet written takes ``draft`` (written
    from ``based_on``, by default the draft itself), and the audit event keeps that text."""
    title = section_title(db, section, service_area_id)
    row = _current(db, year, section, service_area_id, read_version)
    at = now_utc()
    if row is None:
        text = _text(draft, f"The draft of {title}")
        change.entity_id = _insert(db, actor, year, section, service_area_id, text,
                                   text if based_on is None else based_on, status, at)
        version, saved_text = 1, {"text": text}
    else:
        change.entity_id = row["id"]
        if status not in REPORT_SECTION_STEPS[row["status"]]:
            raise InvalidInput([Problem(field=_capital(title), value=None, message=(
                f"is {row['status']} already" if row["status"] == status
                else f"is {row['status']}, so it cannot be marked {status}"))])
        update_versioned(db, "report_sections", row["id"], read_version,
                         {"status": status, f"{status}_by": actor.id, f"{status}_at": at}, "section of the report")
        version, saved_text = read_version + 1, {}
        change.before = _about(year, section, service_area_id, row)
    _keep_version(db, change.entity_id, actor, at)
    change.after = {"financial_year": year, "section": section, "service_area_id": service_area_id,
                    "status": status, "version": version, **saved_text}
    return SectionSaved(version, status, f"{_capital(title)} is {status}.")


def mark_reviewed(db: sqlite_utils.Database, actor: Actor, year: str, section: str, service_area_id: int | None,
                  read_version: int, draft: str | None = None, based_on: str | None = None) -> SectionSaved:
    """Mark a learning section reviewed by the service: a service manager of its area, on a draft (or, not
    yet written, on the computed ``draft``, which is saved as its text). The summary and last year's
    actions have no review step: the complaints officer approves them."""
    with audited(db, actor, "mark report section reviewed", "report_section") as change:
        _check_section(db, year, section, service_area_id)
        require_role(actor, *AREA_BOUND_ROLES, doing="mark a section of the annual report as reviewed "
                                                     "(the complaints officer approves sections instead)")
        if service_area_id is None:
            raise Refused(f"{_capital(section_title(db, section, None))} has no review by a service: the complaints "
                          "officer writes and approves it.")
        require_area(db, actor, service_area_id, doing="mark the annual report's learning sections as reviewed")
        return _step(db, actor, year, section, service_area_id, read_version, draft, SECTION_REVIEWED, change, based_on)


def approve(db: sqlite_utils.Database, actor: Actor, year: str, section: str, service_area_id: int | None,
            read_version: int, draft: str | None = None, based_on: str | None = None) -> SectionSaved:
    """Approve a section of the report: the complaints officer, on a draft or a reviewed section (or, not
    yet written, on the computed ``draft``, which is saved as its text)."""
    with audited(db, actor, "approve report section", "report_section") as change:
        _check_section(db, year, section, service_area_id)
        require_officer(actor, "approve a section of the annual report")
        return _step(db, actor, year, section, service_area_id, read_version, draft, SECTION_APPROVED, change, based_on)
