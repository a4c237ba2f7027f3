"""Subject access (UK GDPR article 15): everything the app holds about one complaint, gathered into one
JSON file for the council's data protection response.

The file holds the complaint's record, its stages, concerns, the learning points drawn from it with their
improvement actions (each with its history, and its evidence described: a file's name, size and who
added it, not the file itself, which is the service's document and is downloaded from the action if the
response needs it), the forum's decisions about it, and every audit event about it (``read.retention``).

The complaints officer's alone, and audited: the request is itself a record of who saw what.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import sqlite_utils

from ..db import now_utc
from ..errors import NotFound
from ..read import retention as held
from .core import Actor, audited, require_officer

ABOUT = ("Everything this app holds about one complaint: its record, stages, concerns, the learning points "
         "drawn from it with their improvement actions, the forum's decisions about it, and every audit event "
         "about it. Evidence files are described, not included: download them from the action if needed. "
         "The complainant's name and contact details are not held here: they are in the case system.")


def subject_access_file(db: sqlite_utils.Database, actor: Actor, reference: str) -> tuple[str, bytes]:
    """Everything held about the complaint with ``reference``, as (file name, JSON bytes). Complaints
    officer only (a refusal is audited); the request is audited, naming the complaint and what was given."""
    with audited(db, actor, "subject access", "complaint") as change:
        require_officer(actor, "gather what is held about a complaint (subject access)")
        complaint = held.complaint_record(db, reference)
        if complaint is None:
            raise NotFound(f"No complaint has the reference '{(reference or '').strip()}'. A complaint anonymised "
                           "after its retention period no longer has its reference: nothing identifying it is held.")
        found = held.held_about_complaint(db, complaint)
        filename = f"subject-access-{re.sub(r'[^A-Za-z0-9-]+', '-', complaint['reference'])}-{date.today().isoformat()}.json"
        document = {
            "subject_access": {"reference": complaint["reference"], "produced_at": now_utc(),
                               "produced_by": f"{actor.name} ({actor.email})", "about": ABOUT},
            "complaint": _complaint(complaint),
            **found,
        }
        change.entity_id = complaint["id"]
        # What was given, by count; the file's name holds the reference, which retention must be able to remove.
        change.after = {"stages": len(found["stages"]), "learning_points": len(found["learning_points"]),
                        "forum_decisions": len(found["forum_decisions"]), "audit_events": len(found["audit_events"])}
    return filename, json.dumps(document, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _complaint(row: dict[str, Any]) -> dict[str, Any]:
    """The complaint as its file shows it: names rather than ids, the remedy in pounds."""
    shown = {key: value for key, value in row.items()
             if key not in ("service_area_id", "no_learning_recorded_by", "remedy_pence", "no_learning_recorded_by_name")}
    shown["advocate"] = bool(row["advocate"])
    shown["remedy_gbp"] = row["remedy_pence"] / 100
    shown["no_learning_recorded_by"] = row["no_learning_recorded_by_name"]
    return shown
