"""The default configuration (DESIGN.md section 3) and reading configuration back.

Vocabularies, concern codes, timescales and settings live in the database so the complaints officer
can change them; these are only the values a new database starts with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlite_utils

from .rules import personal_data, procedures, vocabulary

VOCABULARIES: dict[str, list[str]] = {
    "procedure": ["statutory", "corporate", "informal"],
    "outcome": list(vocabulary.OUTCOMES),
    "received_via": ["email", "online form", "letter", "telephone", "in person", "other"],
    "complainant_type": [
        procedures.CHILD_COMPLAINANT,
        "parent or carer",
        "other family member",
        "foster carer",
        "professional",
        "member of the public",
        "other",
    ],
    "compliment_source": [
        "professional",
        "parent or carer",
        "young person or child",
        "police judge or legal",
        "school or education",
        "foster carer",
        "adopter",
        "other",
    ],
    "compliment_category": [
        "standard of service",
        "good communication",
        "standard of practice",
        "good child focus",
        "good partnership working",
    ],
    "gender": ["male", "female", "other", "not recorded"],
    "age_band": ["under 16", "16-24", "25-34", "35-49", "50-64", "65 and over", "not recorded"],
    # The ONS 2011 census categories for England, in the census's order.
    "ethnicity": [
        "White British",
        "White Irish",
        "Gypsy or Irish Traveller",
        "Any other White background",
        "White and Black Caribbean",
        "White and Black African",
        "White and Asian",
        "Any other Mixed background",
        "Indian",
        "Pakistani",
        "Bangladeshi",
        "Chinese",
        "Any other Asian background",
        "African",
        "Caribbean",
        "Any other Black, African or Caribbean background",
        "Arab",
        "Any other ethnic group",
        "not recorded",
    ],
    "disability": ["yes", "no", "not recorded"],
    "lgsco_decision": ["upheld", "not upheld", "closed after initial enquiries", "not for the Ombudsman"],
    "priority": ["high", "medium", "low"],
    "forum_decision": ["noted", "escalate to senior leadership", "close the learning point", "new action needed"],
    # Why a complaint was declined or refused (regulation 8; the Code's refusals): the annual report counts them.
    "declined_reason": [
        procedures.LATE_REASON,  # the first: declining a late complaint gives it (services/circumstances.py)
        "outside the complaints procedure",
        "would prejudice legal or other proceedings",
        "already considered under the procedure",
        "unreasonably persistent or vexatious",
        "other",
    ],
}

CONCERN_CODES: list[tuple[str, str]] = [
    ("Communication", ""),
    ("Standards of service", ""),
    ("Standards of service", "service level / care plan dispute"),
    ("Standards of service", "lack of / access to / eligibility for service"),
    ("Standards of service", "delay in receiving service"),
    ("Alleged staff conduct", ""),
    ("Child protection issues", ""),
    ("Breach of confidentiality", ""),
    ("Standard of environment", ""),
    ("Finance", ""),
]


@dataclass(frozen=True)
class Timescale:
    """How long a stage of a procedure may take, in working days: the response after its clock starts
    (``clock_starts``, one of ``rules.procedures.CLOCK_STARTS``) and at most after an extension; the
    acknowledgement after the stage began; and, for the review panel, its meeting after the request and its
    report after the meeting (the response being the council's, after the report)."""

    procedure: str
    stage: int
    clock_starts: str
    due_working_days: int
    max_working_days: int | None
    acknowledge_working_days: int | None = None
    panel_meeting_working_days: int | None = None
    panel_report_working_days: int | None = None

    @property
    def working_days_to_response(self) -> int:
        """Working days from the stage's start to its response if every step takes its full time."""
        return self.due_working_days + (self.panel_meeting_working_days or 0) + (self.panel_report_working_days or 0)


# The stage 2 clock of the statutory procedure starts at the request by default; a council that starts it
# when the statement of complaint is agreed chooses that on the settings page.
TIMESCALES: list[Timescale] = [
    Timescale("statutory", 1, procedures.RECEIPT, 10, 20, 5),
    Timescale("statutory", 2, procedures.REQUEST, 25, 65, 5),
    Timescale("statutory", 3, procedures.PANEL_REPORTED, 15, None, 5, 30, 5),
    Timescale("corporate", 1, procedures.ACKNOWLEDGED, 10, 20, 5),
    Timescale("corporate", 2, procedures.ACKNOWLEDGED, 20, 40, 5),
    Timescale("informal", 1, procedures.RECEIPT, 10, None, 5),
]
# The columns of the first timescales table; migration 0009 added the acknowledgement and panel columns.
_FIRST_TIMESCALE_COLUMNS = ("procedure", "stage", "clock_starts", "due_working_days", "max_working_days")

SETTINGS: dict[str, str] = {
    # An open stage due within this many working days (today included) is Amber.
    "rag_amber_working_days": "3",
    # Evidence files stored with an action may be at most this large.
    "evidence_max_bytes": str(5 * 1024 * 1024),
    # Every complaint reference must match this regular expression (the council's case system's references),
    # so that a name or a date of birth is never recorded where a reference belongs.
    "complaint_reference_pattern": personal_data.DEFAULT_REFERENCE_PATTERN,
    # A closed complaint is anonymised this many whole years after it closed (UK GDPR storage limitation).
    "retention_years_after_closure": str(personal_data.DEFAULT_RETENTION_YEARS),
    # Corporate complaints received from this day follow the Complaint Handling Code: their response clocks
    # start at the acknowledgement. Councils have been expected to apply it from 1 April 2026.
    "code_applies_from": "2026-04-01",
}

# The statutory stages a complaint may move to next (escalation), by procedure and current stage.
ESCALATIONS: dict[tuple[str, int], list[tuple[str, int]]] = {
    ("statutory", 1): [("statutory", 2)],
    ("statutory", 2): [("statutory", 3)],
    ("corporate", 1): [("corporate", 2)],
    ("informal", 1): [("statutory", 1), ("corporate", 1)],
}


def seed_defaults(db: sqlite_utils.Database) -> None:
    """Write the default vocabularies, concern codes, timescales and settings into a new database."""
    db["vocabularies"].insert_all(
        {"field": field, "value": value, "position": position}
        for field, values in VOCABULARIES.items()
        for position, value in enumerate(values)
    )
    db["concern_codes"].insert_all(
        {"category": category, "subcategory": sub, "position": position}
        for position, (category, sub) in enumerate(CONCERN_CODES)
    )
    db["timescales"].insert_all({c: getattr(t, c) for c in _FIRST_TIMESCALE_COLUMNS} for t in TIMESCALES)
    db["settings"].insert_all({"key": key, "value": value} for key, value in SETTINGS.items())


def vocabulary(db: sqlite_utils.Database, field: str) -> list[str]:
    """The allowed values of a field, in their configured order."""
    return [r[0] for r in db.execute("SELECT value FROM vocabularies WHERE field = ? ORDER BY position", [field])]


def concern_categories(db: sqlite_utils.Database) -> list[str]:
    """The main concern categories, in their configured order."""
    rows = db.execute(
        "SELECT category FROM concern_codes WHERE active GROUP BY category ORDER BY MIN(position)"
    ).fetchall()
    return [r[0] for r in rows]


def timescales(db: sqlite_utils.Database) -> dict[tuple[str, int], Timescale]:
    """Every configured timescale, keyed by (procedure, stage)."""
    rows = db.execute(
        "SELECT procedure, stage, clock_starts, due_working_days, max_working_days, acknowledge_working_days,"
        " panel_meeting_working_days, panel_report_working_days FROM timescales"
    ).fetchall()
    return {(r[0], r[1]): Timescale(*r) for r in rows}


def setting(db: sqlite_utils.Database, key: str) -> str:
    """One configured setting, falling back to its default."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else SETTINGS[key]


def code_applies_from(db: sqlite_utils.Database) -> date:
    """The first day of receipt from which corporate complaints follow the Complaint Handling Code."""
    return date.fromisoformat(setting(db, "code_applies_from"))


def amber_threshold(db: sqlite_utils.Database) -> int:
    """Working days (today included) within which an open stage is Amber."""
    return int(setting(db, "rag_amber_working_days"))


def reference_pattern(db: sqlite_utils.Database) -> str:
    """The regular expression every complaint reference must match (``rules.personal_data``)."""
    return setting(db, "complaint_reference_pattern")


def retention_years(db: sqlite_utils.Database) -> int:
    """How many whole years after it closed a complaint keeps what identifies it."""
    return int(setting(db, "retention_years_after_closure"))
