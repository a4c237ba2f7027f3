"""The demo dataset, and a large synthetic register for benchmarks.

``build_demo(db, today)`` fills a new, empty database with a believable council's records, the same
every time for the same ``today``:

* **2021-22** (1 April 2021 to 31 March 2022) reproduces, record by record, the published tables of
  ``reference/childrens-complaints-annual-report-2021-22.txt`` (``report-2021-22-tables.json``), so
  that ``queries.annual_figures(db, "2021-22", ...)`` gives them back. Where the original does not add
  up, these choices were made:

  - **ethnicity** adds up to 227 of the 235 complaints: the 8 missing are recorded as
    ``not recorded`` (31 instead of 23);
  - **children and young people** are given as both 22 and 23, with 8 or 14 supported by an advocate:
    23 complaints come from children and young people and 14 had an advocate (13 of the children's
    and young people's, and the one made by a parent with an advocate for them and their child);
  - **2020-21** statutory complaints are given as both 141 and 157: 157 complaints of which 141 are
    statutory;
  - the stage timescale table is headed calendar days while the text says working days: working days;
  - **Ombudsman**: the 15 referrals are complaints of the year (by date received), 2 of them upheld
    after investigation; the other 13 closed after initial enquiries or not for the Ombudsman;
  - service areas are the names of the "statutory complaints by team" table; the compliments table's
    names map onto them (``REPORT_TEAM_NAMES``); the LADO and Child Protection Conference Chair
    services are part of Quality & Assurance; Placements' complaint (from a member of the public) is
    a corporate one.

  The learning of 2021-22 is the report's "Specific service area improvements/learning", condensed,
  and every upheld or partly upheld complaint of the year has learning or a recorded "no learning
  identified" decision.

* **2018-19 to 2020-21** hold the report's comparison figures (complaints, statutory stages and their
  average working days, advocates, children and young people, compliments) with the rest plausible.

* The years from 2022-23 up to the current one are synthetic and complete; the **current financial
  year** (up to ``today``) has open stages that are Red, Amber and Green on ``today``, overdue actions,
  learning gaps and two Practice Improvement Forum meetings.

No complainant is named anywhere: a complaint is a reference. Users are named by their role title
and their addresses are at the reserved domain ``demo.invalid``.

``build_scale(db, n, today)`` writes ``n`` synthetic complaints over ten financial years, with their
stages, concerns, compliments, learning and actions, for benchmarks.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

import sqlite_utils

from . import config, workdays
from .db import transaction
from .rules import rag as rag_rule
from .rules import vocabulary
from .rules.vocabulary import CANCELLED, COMPLETED, IN_PROGRESS, NOT_STARTED, PARTLY_UPHELD, VERIFIED

SEED = 2122
BATCH_SIZE = 5000

# --------------------------------------------------------------------------------------------------
# Service areas and users
# --------------------------------------------------------------------------------------------------

#: The service areas: the report's "statutory complaints by team" names, then the compliments table's
#: teams that are not the same as one of them.
SERVICE_AREAS: list[str] = [
    "Through Care",
    "Team West",
    "Children's Disability Team",
    "Looked After Children",
    "Team South",
    "Team East",
    "Team Central",
    "Fostering & Adoption",
    "MASH",
    "Quality & Assurance",
    "Social Work Academy",
    "Early Help (Team Central)",
    "Early Help (Team East)",
    "Youth Offending Services",
    "Responsive Services",
    "Edge of Care",
    "Placements",
    "Safeguarding",
    "Children's Champion",
]

#: The report's team names (both the statutory complaints table and the compliments table) -> area.
REPORT_TEAM_NAMES: dict[str, str] = {
    **{name: name for name in SERVICE_AREAS[:14]},
    "Responsive Services": "Responsive Services",
    "Youth Offending": "Youth Offending Services",
    "Edge of Care": "Edge of Care",
    "LAC & Permanency": "Looked After Children",
    "Fostering and Adoption": "Fostering & Adoption",
    "Placements": "Placements",
    "Safeguarding": "Safeguarding",
    "Quality Assurance": "Quality & Assurance",
    "Children's Champion": "Children's Champion",
}

#: One service manager per main area; the first area names the user, the others are also theirs.
MANAGED_AREAS: list[list[str]] = [
    ["Through Care"],
    ["Team West"],
    ["Children's Disability Team"],
    ["Looked After Children", "Edge of Care"],
    ["Team South"],
    ["Team East", "Early Help (Team East)"],
    ["Team Central", "Early Help (Team Central)"],
    ["Fostering & Adoption", "Placements"],
    ["MASH", "Responsive Services"],
    ["Quality & Assurance", "Safeguarding", "Children's Champion"],
    ["Social Work Academy"],
    ["Youth Offending Services"],
]

COMPLAINTS_OFFICER = "complaints.officer@demo.invalid"
FORUM_CHAIR = "forum.chair@demo.invalid"
DIRECTOR = "director@demo.invalid"


def _slug(text: str) -> str:
    text = text.lower().replace("&", "and").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def manager_email(area: str) -> str:
    """The demo address of the service manager whose main area is ``area``."""
    return f"service.manager.{_slug(area)}@demo.invalid"


#: The user the app's demo picker offers for each role.
DEMO_USERS_BY_ROLE: dict[str, str] = {
    "complaints_officer": COMPLAINTS_OFFICER,
    "service_manager": manager_email("Through Care"),
    "forum_member": FORUM_CHAIR,
    "viewer": DIRECTOR,
}

# --------------------------------------------------------------------------------------------------
# The 2021-22 report, transcribed (reference/report-2021-22-tables.json)
# --------------------------------------------------------------------------------------------------

STATUTORY_BY_AREA_2122 = {
    "Through Care": 29, "Team West": 30, "Children's Disability Team": 5, "Looked After Children": 30,
    "Team South": 14, "Team East": 23, "Team Central": 20, "Fostering & Adoption": 2, "MASH": 10,
    "Quality & Assurance": 5, "Social Work Academy": 5, "Early Help (Team Central)": 1,
    "Early Help (Team East)": 3, "Youth Offending Services": 0,
}  # fmt: skip
RECEIVED_VIA_2122 = {"email": 141, "online form": 89, "letter": 4, "telephone": 1}
EQUALITY_2122 = {
    "gender": {"male": 111, "female": 103, "not recorded": 21},
    "age_band": {"under 16": 176, "16-24": 34, "25-34": 2, "35-49": 1, "50-64": 2, "not recorded": 20},
    "ethnicity": {
        "White British": 131, "White and Black Caribbean": 20, "Pakistani": 12, "African": 9, "Indian": 6,
        "White and Black African": 6, "Any other Asian background": 4, "White and Asian": 4,
        "Any other Black, African or Caribbean background": 3, "Any other ethnic group": 3,
        "Any other Mixed background": 3, "Caribbean": 2, "White Irish": 1,
        "not recorded": 31,  # 23 in the report, whose table adds up to 227 of 235
    },
    "disability": {"yes": 14, "no": 198, "not recorded": 23},
}  # fmt: skip
CONCERNS_2122 = {
    ("Communication", ""): 190,
    ("Standards of service", ""): 34,
    ("Standards of service", "service level / care plan dispute"): 41,
    ("Standards of service", "lack of / access to / eligibility for service"): 36,
    ("Standards of service", "delay in receiving service"): 28,
    ("Alleged staff conduct", ""): 48,
    ("Child protection issues", ""): 19,
    ("Breach of confidentiality", ""): 2,
    ("Standard of environment", ""): 2,
    ("Finance", ""): 0,
}
COMPLIMENT_SOURCES_2122 = {
    "professional": 191, "parent or carer": 179, "young person or child": 43, "police judge or legal": 42,
    "school or education": 25, "foster carer": 18, "adopter": 3, "other": 1,
}  # fmt: skip
COMPLIMENT_CATEGORIES_2122 = {
    "standard of service": 284, "good communication": 128, "standard of practice": 113,
    "good child focus": 98, "good partnership working": 85,
}  # fmt: skip
COMPLIMENTS_BY_TEAM_2122 = {
    "Team Central": 92, "Team East": 44, "Team South": 37, "Team West": 40, "Responsive Services": 8,
    "Social Work Academy": 4, "Youth Offending": 64, "Through Care": 84, "Edge of Care": 3,
    "LAC & Permanency": 73, "Fostering and Adoption": 22, "Placements": 3, "Children's Disability Team": 23,
    "Safeguarding": 0, "Quality Assurance": 2, "Children's Champion": 3,
}  # fmt: skip


@dataclass
class _YearSpec:
    """What a fixed past year must add up to; anything not given is drawn plausibly."""

    label: str
    statutory: int
    corporate: int
    informal: int
    final_stages: dict[int, int]  # statutory complaints by final stage
    over: dict[int, int]  # of them over timescale (the open ones included)
    averages: dict[int, float]  # average working days of the answered final stages
    open_stage1: int = 0  # statutory complaints still open at stage 1, long past due
    stage1_extended_within: int = 3
    stage2_extended: int = 4
    escalated_from_informal: int = 3
    corporate_stage2: int = 2
    children: int = 15
    advocate: int = 10  # complaints with an advocate ...
    advocate_adults: int = 0  # ... of which this many not made by a child or young person
    compliments: int = 400
    lgsco_referred: int = 8
    lgsco_upheld: int = 1
    statutory_remedy_pence: int = 0
    corporate_remedy_pence: int = 0
    quarter_counts: tuple[int, int, int, int] | None = None  # answered statutory final stage 1
    quarter_averages: tuple[float, float, float, float] | None = None
    outcomes: dict[str, int] | None = None  # statutory, "open" included
    areas: dict[str, int] | None = None
    via: dict[str, int] | None = None
    equality: dict[str, dict[str, int]] | None = None
    concerns: dict[tuple[str, str], int] | None = None
    compliment_sources: dict[str, int] | None = None
    compliment_categories: dict[str, int] | None = None
    compliment_areas: dict[str, int] | None = None


YEAR_2021_22 = _YearSpec(
    label="2021-22",
    statutory=177,
    corporate=18,
    informal=40,
    final_stages={1: 163, 2: 13, 3: 1},
    over={1: 41, 2: 1, 3: 0},
    averages={1: 7.0, 2: 34.0, 3: 35.0},
    open_stage1=4,
    stage1_extended_within=6,
    stage2_extended=8,
    escalated_from_informal=5,
    corporate_stage2=3,
    children=23,
    advocate=14,
    advocate_adults=1,
    compliments=502,
    lgsco_referred=15,
    lgsco_upheld=2,
    statutory_remedy_pence=20000,
    corporate_remedy_pence=30000,
    # n1 = n3 + n4 makes the year's average 7.0 from quarters of 8, 7, 6 and 6.
    quarter_counts=(50, 59, 26, 24),
    quarter_averages=(8.0, 7.0, 6.0, 6.0),
    outcomes={"upheld": 11, "partly upheld": 56, "not upheld": 41, "withdrawn": 65, "open": 4},
    areas=STATUTORY_BY_AREA_2122,
    via=RECEIVED_VIA_2122,
    equality=EQUALITY_2122,
    concerns=CONCERNS_2122,
    compliment_sources=COMPLIMENT_SOURCES_2122,
    compliment_categories=COMPLIMENT_CATEGORIES_2122,
    compliment_areas={REPORT_TEAM_NAMES[team]: n for team, n in COMPLIMENTS_BY_TEAM_2122.items()},
)

PREVIOUS_YEARS = [
    _YearSpec(
        label="2018-19", statutory=142, corporate=12, informal=20,
        final_stages={1: 133, 2: 8, 3: 1}, over={1: 55, 2: 1, 3: 0}, averages={1: 11.0, 2: 30.0, 3: 45.0},
        children=14, advocate=11, compliments=361, lgsco_referred=9,
    ),
    _YearSpec(
        label="2019-20", statutory=212, corporate=15, informal=28,
        final_stages={1: 197, 2: 13, 3: 2}, over={1: 50, 2: 1, 3: 0}, averages={1: 10.0, 2: 24.0, 3: 40.0},
        children=19, advocate=13, compliments=398, lgsco_referred=12,
    ),
    _YearSpec(
        label="2020-21", statutory=141, corporate=9, informal=7,
        final_stages={1: 131, 2: 9, 3: 1}, over={1: 35, 2: 0, 3: 0}, averages={1: 9.0, 2: 20.0, 3: 26.0},
        stage2_extended=2, corporate_stage2=3, children=17, advocate=8, compliments=445, lgsco_referred=10,
    ),
]  # fmt: skip

# The report's "Specific service area improvements/learning", condensed: (area, theme, description,
# [(action, priority, status)]). Learning from Placements came from a corporate complaint.
LEARNING_2122: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("Children's Disability Team", "Communication",
     ("Families were not kept updated consistently: calls were not returned in good time and the outcome of "
      "assessments and the reasons for short-breaks panel decisions were not explained."),
     [("Share the learning on consistent communication with all team members.", "high", "verified"),
      ("Explain the outcome of short-breaks panel, and the reasons for its decision, to every family.",
       "medium", "verified")]),
    ("Children's Disability Team", "Standards of service",
     ("Families need clear information at the outset about the short-break hours they may be entitled to, "
      "and packages of support that start in good time and are of good quality."),
     [("Produce short-breaks information for families and share it at the start of involvement.", "high",
       "verified"),
      ("Agree quality assurance of short-breaks providers with the Commissioning team.", "medium",
       "verified")]),
    ("Fostering & Adoption", "Standards of service",
     ("A complaint about the training offer showed that fostering applicants and foster carers need more "
      "support to complete their training, support and development standards."),
     [("Review how applicants and foster carers are supported to complete their induction standards.",
       "high", "verified"),
      ("Offer group support, and the workbook online or on paper.", "medium", "verified"),
      ("Consult foster carers on the training offer.", "low", "verified"),
      ("Explore routes for foster carers to gain a recognised qualification.", "low", "in progress")]),
    ("Looked After Children", "Communication",
     ("Changes of social worker meant information was not always passed on to families; more stable, "
      "permanent staffing improves communication."),
     [("Increase staffing stability by recruiting permanent social workers.", "high", "verified"),
      ("Share the learning from complaints across the service.", "medium", "verified")]),
    ("MASH", "Communication",
     ("Parents and children should feel involved and listened to, with their views clearly recorded in all "
      "contacts and referrals."),
     [("Check in case audits that family views are recorded in contacts and referrals.", "medium",
       "verified")]),
    ("Quality & Assurance", "Alleged staff conduct",
     ("A young person did not feel listened to or valued by a child protection conference chair and was not "
      "offered time alone with the chair before conference."),
     [("Offer every young person the chance to meet the CP Chair alone before conference.", "high",
       "verified"),
      ("Explain fully the reasons when an outcome differs from the young person's wishes.", "medium",
       "verified"),
      ("Build this learning into the CP Chair practice standards.", "medium", "verified")]),
    ("Quality & Assurance", "Communication",
     ("People subject to LADO and Position of Trust processes did not understand the process, referrals to "
      "regulatory bodies or the support available, and responses to their complaints were slow."),
     [("Keep tight management oversight of LADO-related complaints with the Complaints Service.", "high",
       "verified"),
      ("Agree roles and timeframes early when a complaint involves more than one area.", "medium",
       "verified"),
      ("Strengthen LADO tracking of employers' actions from Position of Trust meetings.", "medium",
       "verified"),
      ("Review the LADO referral form and POT agenda for additional needs.", "low", "cancelled"),
      ("Devise an information guide for those subject to LADO and POT processes.", "high", "verified")]),
    ("Placements", "Alleged staff conduct",
     "A member of the public saw a staff member appear angry and stern with a child in the community.",
     [("Continue embedding restorative and relationship-based practice in the team.", "medium",
       "verified")]),
    ("Social Work Academy", "Standards of service",
     ("Newly qualified social workers need support with relational practice and face-to-face visits after "
      "the pandemic, and with professional standards on social media."),
     [("Develop the Academy's learning offer alongside relational and restorative practice.", "medium",
       "verified"),
      ("Run a session on social media and professional standards.", "medium", "verified")]),
    ("Team Central", "Communication",
     ("Families were not told about the assessment process at the start, and fathers were not always "
      "involved or kept up to date."),
     [("Use an introduction pack on every first visit to a family.", "high", "verified"),
      ("Provide training on engaging fathers as part of induction.", "medium", "verified"),
      ("Keep learning from complaints on the agenda of supervision and team meetings.", "low", "verified")]),
    ("Team Central", "Alleged staff conduct",
     ("The conduct of social workers and the timeliness of assessments were common themes of upheld "
      "complaints."),
     [("Embed practice standards and recording guidance on what is expected of social workers.", "medium",
       "verified")]),
    ("Team East", "Communication",
     ("The language of reports was social-work-centric, at times perceived as rude, with factual "
      "inaccuracies; families did not always understand the legal basis of their care plans."),
     [("Run bespoke workshops on language and relational, restorative practice.", "high", "verified"),
      ("Explain to families the legal basis of their child's plan.", "medium", "verified")]),
    ("Team East", "Standards of service",
     ("Families perceived a lack of support with housing, missed home visits and poor attendance at core "
      "groups."),
     [("Strengthen the approach to families who are homeless or at risk of homelessness.", "medium",
       "verified"),
      ("Audit attendance and participation in core groups for children on child protection plans.",
       "medium", "verified")]),
    ("Team South", "Communication",
     "Families want to feel involved, listened to and respected; records should use restorative language.",
     [("Seek service user feedback every month and discuss its themes in the team.", "medium", "verified"),
      ("Improve recording so that records use professional, restorative language.", "medium", "verified")]),
    ("Team West", "Communication",
     ("Upheld complaints showed unprofessional communication, data protection errors and families not "
      "listened to or responded to restoratively."),
     [("Discuss the learning in supervision with the practitioners involved.", "medium", "verified"),
      ("Restorative Practice lead to reflect with the practitioner and meet the family.", "medium",
       "verified"),
      ("Refresh data protection training for the team.", "high", "verified")]),
    ("Through Care", "Standards of service",
     ("Young people were not always told their full entitlements, and communication with parents and young "
      "people needed to improve."),
     [("Design a welcome pack with full details of entitlements for every young person.", "high",
       "verified"),
      ("Set up a group supervision session on communication with young people and parents.", "medium",
       "verified"),
      ("Review feedback from complaints weekly in the management team.", "low", "verified")]),
]  # fmt: skip

EVIDENCE_2122 = {
    "Produce short-breaks information for families": ("Short breaks information for families", "cdt/short-breaks"),
    "Build this learning into the CP Chair": ("CP Chair practice standards", "quality-assurance/cp-chair-standards"),
    "Devise an information guide": ("LADO information guide", "quality-assurance/lado-guide"),
    "Use an introduction pack": ("Team Central introduction pack", "team-central/introduction-pack"),
    "Run bespoke workshops on language": ("Team East language workshop materials", "team-east/language"),
    "Design a welcome pack": ("Through Care welcome pack", "through-care/welcome-pack"),
    "Review how applicants and foster carers": ("Fostering training review", "fostering/training-review"),
}  # fmt: skip

# --------------------------------------------------------------------------------------------------
# Words for the synthetic records
# --------------------------------------------------------------------------------------------------

LEARNING_BANK = {
    "Communication": [
        "Families were not told in good time when their social worker changed.",
        "Calls and emails from families were not returned promptly.",
        "The reasons for a decision were not explained to the family in writing.",
        "Families were not kept updated on the progress of an assessment.",
    ],
    "Standards of service": [
        "The assessment was not shared with the family within the agreed timescale.",
        "Support agreed in the plan started later than promised.",
        "The family was not told what help they were entitled to.",
    ],
    "Alleged staff conduct": [
        "The family found a worker's tone in a meeting dismissive.",
        "The language of a report was felt to be blaming rather than restorative.",
    ],
    "Child protection issues": ["Parents did not understand the child protection process or what would happen next."],
    "Breach of confidentiality": ["A report was sent out with another family's details in it."],
    "Standard of environment": ["The family time room was not comfortable or private enough."],
    "Finance": ["Allowances were paid late and the reasons were not explained."],
}  # fmt: skip
ACTION_BANK = {
    "Communication": [
        "Share the learning at the next team meeting.",
        "Agree a standard for returning families' calls within two working days.",
        "Write to families when their social worker changes, naming a contact.",
        "Add communication with families to group supervision.",
    ],
    "Standards of service": [
        "Audit a sample of assessments for timeliness.",
        "Check that support starts on the date agreed in the plan.",
        "Review the information leaflet given to families.",
    ],
    "Alleged staff conduct": [
        "Reflect on the complaint in supervision with the worker.",
        "Run a restorative language session for the team.",
    ],
    "Child protection issues": ["Give parents the child protection leaflet at the first visit."],
    "Breach of confidentiality": ["Refresh data protection training for the team.", "Add a second check before reports are sent."],
    "Standard of environment": ["Review the family time rooms with families' feedback."],
    "Finance": ["Explain allowances in writing when they are agreed."],
}  # fmt: skip
NO_LEARNING_REASONS = [
    "Individual practice issue addressed in supervision; no wider learning.",
    "Resolved by explanation and apology; no service learning identified.",
    "Internal investigation outcome form completed: no learning identified.",
    "Already covered by an existing learning point for the service.",
]
NO_LEARNING_MASH = (
    "No identifiable themes across the service's complaints; findings considered for continuous improvement."
)
CANCEL_REASONS = [
    "Superseded by a service-wide action.",
    "No longer needed after the team restructure.",
    "Merged into another action on this learning point.",
]
PROGRESS_NOTES = [
    "Discussed at the team meeting; work under way.",
    "Draft shared with the management team for comments.",
    "Waiting for feedback from families before finalising.",
    "Session booked with the team.",
]
EXTENSION_REASONS = {
    1: ["Complainant sent further information; extension agreed.", "Manager on leave; complainant agreed an extension."],
    2: [
        "Complex investigation across several service areas; complainant agreed.",
        "Independent investigator needed more time to interview staff; complainant agreed.",
        "Complainant asked for more time to provide documents.",
    ],
}  # fmt: skip
COMPLIMENT_WHO = {
    "professional": "A partner professional",
    "parent or carer": "A parent",
    "young person or child": "A young person",
    "police judge or legal": "A judge",
    "school or education": "A school",
    "foster carer": "A foster carer",
    "adopter": "An adopter",
    "other": "A member of the public",
}
COMPLIMENT_WHAT = {
    "standard of service": "praised the service the team gave",
    "good communication": "thanked the worker for keeping them informed",
    "standard of practice": "praised the worker's professional practice",
    "good child focus": "said the worker always put the child first",
    "good partnership working": "valued the worker's joint working with partners",
}

# Plausible mixes for the records that no published table fixes.
STATUTORY_AREA_WEIGHTS = {**STATUTORY_BY_AREA_2122, "Youth Offending Services": 1}
OTHER_AREA_WEIGHTS = {
    **STATUTORY_BY_AREA_2122, "Youth Offending Services": 3, "Responsive Services": 3, "Edge of Care": 1,
    "Placements": 1, "Safeguarding": 1, "Children's Champion": 1,
}  # fmt: skip
COMPLIMENT_AREA_WEIGHTS = {REPORT_TEAM_NAMES[t]: n or 1 for t, n in COMPLIMENTS_BY_TEAM_2122.items()}
VIA_WEIGHTS = {"email": 55, "online form": 35, "letter": 4, "telephone": 4, "in person": 2}
TYPE_WEIGHTS = {
    "statutory": {"parent or carer": 75, "other family member": 12, "foster carer": 5, "professional": 3, "other": 2},
    "corporate": {"member of the public": 45, "professional": 20, "other family member": 20, "other": 15},
    "informal": {"parent or carer": 70, "other family member": 15, "foster carer": 5, "member of the public": 10},
}  # fmt: skip
OUTCOME_WEIGHTS = {"upheld": 8, "partly upheld": 32, "not upheld": 27, "withdrawn": 33}
CORPORATE_OUTCOME_WEIGHTS = {"upheld": 10, "partly upheld": 35, "not upheld": 40, "withdrawn": 15}
INFORMAL_OUTCOME_WEIGHTS = {"upheld": 8, "partly upheld": 30, "not upheld": 35, "withdrawn": 27}
CONCERN_WEIGHTS = {code: n or 1 for code, n in CONCERNS_2122.items()}
PROCEDURE_WEIGHTS = {"statutory": 75, "corporate": 8, "informal": 17}


def _weights_of(counts: dict) -> dict:
    return {key: n for key, n in counts.items() if n}


EQUALITY_WEIGHTS = {name: _weights_of(values) for name, values in EQUALITY_2122.items()}

# --------------------------------------------------------------------------------------------------
# In-memory records, written out at the end
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Stage:
    procedure: str
    stage: int
    clock_started_on: date
    due_on: date
    extended_due_on: date | None = None
    extension_reason: str | None = None
    responded_on: date | None = None


@dataclass(slots=True, eq=False)
class _Complaint:
    received_on: date
    procedure: str
    area: str = ""
    stages: list[_Stage] = field(default_factory=list)
    received_via: str | None = None
    complainant_type: str | None = None
    advocate: int = 0
    gender: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    outcome: str | None = None
    outcome_on: date | None = None
    lgsco_referred_on: date | None = None
    lgsco_decision: str | None = None
    remedy_pence: int = 0
    no_learning: tuple[str, str, date] | None = None  # reason, recorded by (email), on
    concerns: list[tuple[str, str]] = field(default_factory=list)
    linked: bool = False
    id: int = 0

    @property
    def closed_on(self) -> date | None:
        return self.stages[-1].responded_on if self.stages else None


@dataclass(slots=True, eq=False)
class _Action:
    description: str
    owner: str
    area: str
    due_on: date
    priority: str
    status: str
    created_on: date
    cancel_reason: str | None = None
    completed_on: date | None = None
    verified_on: date | None = None
    updates: list[tuple] = field(default_factory=list)  # (at, email, kind, from, to, note)
    evidence: list[tuple] = field(default_factory=list)  # (description, link, email, at)
    id: int = 0


@dataclass(slots=True, eq=False)
class _LearningPoint:
    area: str
    theme: str
    description: str
    created_on: date
    created_by: str
    complaints: list[_Complaint] = field(default_factory=list)
    actions: list[_Action] = field(default_factory=list)
    source: str = "complaint"
    id: int = 0


@dataclass(slots=True)
class _Compliment:
    received_on: date
    area: str
    source: str
    categories: list[str]
    summary: str



def _spread(total: int, weights: dict) -> dict:
    """``total`` split in proportion to ``weights`` (largest remainder, ties in the given order)."""
    weight_sum = sum(weights.values())
    exact = {key: total * w / weight_sum for key, w in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[:short]:
        counts[key] += 1
    return counts


def _deal(tokens: list, sizes: list[int]) -> list[list]:
    """Deal ``tokens`` (equal ones next to each other) round by round into hands of the given sizes,
    the biggest hands first, so that a hand gets the same token twice only when a run of equal tokens is
    longer than a round."""
    assert sum(sizes) == len(tokens)
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    hands: list[list] = [[] for _ in sizes]
    stream = iter(tokens)
    for round_number in range(max(sizes, default=0)):
        for i in order:
            if sizes[i] > round_number:
                hands[i].append(next(stream))
    return hands


def _hand_sizes(n: int, total: int) -> list[int]:
    """``n`` sizes of one to three adding up to ``total``: mostly twos, some ones and threes."""
    extra = total - 2 * n
    threes, ones = max(0, extra), max(0, -extra)
    pairs = (n - threes - ones) // 4  # a one and a three keep the total of two twos
    return [3] * (threes + pairs) + [2] * (n - threes - ones - 2 * pairs) + [1] * (ones + pairs)


def _at(day: date, rng: random.Random) -> str:
    """A timestamp in office hours on ``day``, as the app stores them (UTC, to the second)."""
    return f"{day.isoformat()}T{rng.randint(8, 16):02d}:{rng.choice((0, 10, 15, 20, 30, 40, 45, 50)):02d}:00+00:00"


def _reference(procedure_year_start: int, number: int) -> str:
    return f"CS-{procedure_year_start % 100:02d}{(procedure_year_start + 1) % 100:02d}-{number:04d}"


def _fy_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


class _Builder:
    """Collects the records in memory, then writes them with bulk inserts."""

    def __init__(self, db: sqlite_utils.Database, seed: int) -> None:
        self.db = db
        self.rng = random.Random(seed)
        self.timescales = config.timescales(db)
        self.complaints: list[_Complaint] = []
        self.compliments: list[_Compliment] = []
        self.learning_points: list[_LearningPoint] = []
        self.meetings: list[tuple[date, str, list[tuple]]] = []
        self.area_ids = {name: i for i, name in enumerate(SERVICE_AREAS, start=1)}
        self.manager = {area: manager_email(areas[0]) for areas in MANAGED_AREAS for area in areas}
        self.users: list[dict] = []
        self.user_areas: list[dict] = []
        self.user_ids: dict[str, int] = {}
        self.code_ids = {
            (category, sub): id_
            for id_, category, sub in db.execute("SELECT id, category, subcategory FROM concern_codes")
        }
        self._choosers: dict[int, tuple[dict, list, list]] = {}
        self._add_users()

    # -- helpers ---------------------------------------------------------------------------------

    def choose(self, weights: dict):
        """One key of ``weights`` drawn in proportion to its weight."""
        # Cached by identity; the dict is kept in the cache so that its id cannot be reused.
        cached = self._choosers.get(id(weights))
        if cached is None or cached[0] is not weights:
            cached = (weights, list(weights), list(accumulate(weights.values())))
            self._choosers[id(weights)] = cached
        return self.rng.choices(cached[1], cum_weights=cached[2])[0]

    def tokens(self, counts: dict) -> list:
        """Every key repeated by its count, shuffled."""
        values = [key for key, n in counts.items() for _ in range(n)]
        self.rng.shuffle(values)
        return values

    def fit(self, bounds: list[tuple[int, int]], total: int) -> list[int]:
        """Whole numbers within ``bounds`` that add up to exactly ``total``."""
        low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
        if not low <= total <= high:
            raise ValueError(f"cannot make {len(bounds)} durations add up to {total} within {bounds}")
        values = [self.rng.randint(lo, hi) for lo, hi in bounds]
        difference = total - sum(values)
        while difference:
            step = 1 if difference > 0 else -1
            movable = [i for i, (lo, hi) in enumerate(bounds) if lo <= values[i] + step <= hi]
            values[self.rng.choice(movable)] += step
            difference -= step
        return values

    def working_day_in(self, start: date, end: date) -> date:
        """A random working day from ``start`` to ``end``."""
        for _ in range(50):
            day = start + timedelta(days=self.rng.randint(0, (end - start).days))
            if workdays.is_working_day(day):
                return day
        return workdays.add_working_days(start, 1)

    def stage(
        self,
        procedure: str,
        number: int,
        start: date,
        took: int | None = None,
        extended_to: int | None = None,
        reason: str | None = None,
    ) -> _Stage:
        """A stage whose clock starts on ``start``, answered ``took`` working days later (or open)."""
        timescale = self.timescales[(procedure, number)]
        return _Stage(
            procedure,
            number,
            start,
            workdays.add_working_days(start, timescale.due_working_days),
            workdays.add_working_days(start, extended_to) if extended_to else None,
            reason if extended_to else None,
            workdays.add_working_days(start, took) if took is not None else None,
        )

    def request_after(self, day: date) -> date:
        """The day a complainant asks for the next stage, some working days after a response."""
        return workdays.add_working_days(day, self.rng.randint(3, 12))

    def set_outcome(self, complaint: _Complaint, outcome: str | None) -> None:
        complaint.outcome = outcome
        complaint.outcome_on = complaint.closed_on if outcome else None

    # -- users -----------------------------------------------------------------------------------

    def _add_users(self) -> None:
        people = [(COMPLAINTS_OFFICER, "Complaints Officer", "complaints_officer", [])]
        people += [(manager_email(a[0]), f"Service Manager, {a[0]}", "service_manager", a) for a in MANAGED_AREAS]
        people += [
            (FORUM_CHAIR, "Practice Improvement Forum Chair", "forum_member", []),
            (DIRECTOR, "Director of Children's Services", "viewer", []),
        ]
        for id_, (email, name, role, areas) in enumerate(people, start=1):
            self.user_ids[email] = id_
            self.users.append({"id": id_, "email": email, "name": name, "role": role})
            self.user_areas += [{"user_id": id_, "service_area_id": self.area_ids[a]} for a in areas]

    # -- per-complaint details -------------------------------------------------------------------

    def random_details(self, complaint: _Complaint) -> None:
        """The details no published table fixes: how received, who complained, equality, concerns."""
        choose = self.choose
        complaint.received_via = choose(VIA_WEIGHTS)
        complaint.complainant_type = choose(TYPE_WEIGHTS[complaint.procedure])
        if complaint.procedure == "statutory" and self.rng.random() < 0.1:
            complaint.complainant_type = "child or young person"
            complaint.advocate = int(self.rng.random() < 0.6)
        public = complaint.complainant_type == "member of the public"
        for name in ("gender", "age_band", "ethnicity", "disability"):
            value = "not recorded" if public else choose(EQUALITY_WEIGHTS[name])
            setattr(complaint, name, None if value == "not recorded" else value)
        complaint.concerns = [choose(CONCERN_WEIGHTS) for _ in range(self.rng.choice((1, 2, 2, 3)))]

    # -- learning --------------------------------------------------------------------------------

    def action(
        self, lp: _LearningPoint, description: str, priority: str, status: str, due_on: date, as_of: date
    ) -> _Action:
        """An action with its history, consistent with its status, nothing dated after ``as_of``."""
        rng, owner = self.rng, self.manager[lp.area]
        created = lp.created_on
        action = _Action(description, owner, lp.area, due_on, priority, status, created)
        action.updates.append((_at(created, rng), COMPLAINTS_OFFICER, "created", None, NOT_STARTED, "Action agreed."))
        if status == NOT_STARTED:
            return action
        started = min(as_of, workdays.add_working_days(created, rng.randint(2, 10)))
        if status == CANCELLED:
            action.cancel_reason = rng.choice(CANCEL_REASONS)
            action.updates.append((_at(started, rng), owner, "status", NOT_STARTED, CANCELLED, action.cancel_reason))
            return action
        action.updates.append((_at(started, rng), owner, "status", NOT_STARTED, IN_PROGRESS, None))
        noted = min(as_of, workdays.add_working_days(started, rng.randint(3, 15)))
        action.updates.append((_at(noted, rng), owner, "note", None, None, rng.choice(PROGRESS_NOTES)))
        if status == IN_PROGRESS:
            return action
        completed = min(as_of, max(noted, workdays.add_working_days(due_on, -rng.randint(0, 10))))
        action.completed_on = completed
        action.updates.append((_at(completed, rng), owner, "status", IN_PROGRESS, COMPLETED, None))
        if status == VERIFIED:
            verified = min(as_of, workdays.add_working_days(completed, rng.randint(2, 10)))
            action.verified_on = verified
            action.updates.append(
                (_at(verified, rng), COMPLAINTS_OFFICER, "verified", COMPLETED, VERIFIED, "Evidence seen.")
            )
        return action

    def learning_point(
        self, area: str, theme: str, description: str, complaints: list[_Complaint], as_of: date
    ) -> _LearningPoint:
        latest = max(c.outcome_on for c in complaints)
        created = min(as_of, latest + timedelta(days=self.rng.randint(3, 20)))
        lp = _LearningPoint(area, theme, description, created, self.manager[area], list(complaints))
        for c in complaints:
            c.linked = True
        self.learning_points.append(lp)
        return lp

    def no_learning(self, complaint: _Complaint, as_of: date, reason: str | None = None) -> None:
        day = min(as_of, complaint.outcome_on + timedelta(days=self.rng.randint(2, 15)))
        complaint.no_learning = (reason or self.rng.choice(NO_LEARNING_REASONS), self.manager[complaint.area], day)

    def generic_learning(
        self, complaints: list[_Complaint], as_of: date, *, share: float = 0.4, gap_share: float = 0.0
    ) -> None:
        """Learning for about ``share`` of the upheld or partly upheld complaints, a "no learning" decision
        for most others and (with ``gap_share``) a few gaps; actions with statuses that fit their age."""
        rng = self.rng
        for c in complaints:
            if not vocabulary.is_upheld(c.outcome) or c.linked or c.no_learning:
                continue
            draw = rng.random()
            if draw < gap_share:
                continue
            if draw >= share + gap_share:
                self.no_learning(c, as_of)
                continue
            theme = c.concerns[0][0] if c.concerns else "Communication"
            lp = self.learning_point(c.area, theme, rng.choice(LEARNING_BANK[theme]), [c], as_of)
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                due = workdays.add_working_days(lp.created_on, rng.randint(20, 60))
                if due < as_of - timedelta(days=365):
                    weights = {VERIFIED: 92, CANCELLED: 8}
                elif due < as_of - timedelta(days=120):
                    weights = {VERIFIED: 80, CANCELLED: 5, COMPLETED: 5, IN_PROGRESS: 10}
                elif due < as_of:
                    weights = {VERIFIED: 25, COMPLETED: 25, IN_PROGRESS: 35, NOT_STARTED: 15}
                else:
                    weights = {NOT_STARTED: 45, IN_PROGRESS: 45, COMPLETED: 10}
                status = self.choose(weights)
                priority = rng.choice(("high", "medium", "medium", "low"))
                lp.actions.append(self.action(lp, rng.choice(ACTION_BANK[theme]), priority, status, due, as_of))

    # -- compliments -----------------------------------------------------------------------------

    def compliment(self, day: date, area: str, source: str, categories: list[str]) -> None:
        summary = f"{COMPLIMENT_WHO[source]} {COMPLIMENT_WHAT[categories[0]]}."
        self.compliments.append(_Compliment(day, area, source, categories, summary))

    def random_compliments(self, start: date, end: date, n: int) -> None:
        rng, choose = self.rng, self.choose
        span = (end - start).days
        categories = config.VOCABULARIES["compliment_category"]
        category_weights = dict(zip(categories, (284, 128, 113, 98, 85)))
        for _ in range(n):
            first = choose(category_weights)
            chosen = [first]
            if rng.random() < 0.35:
                second = choose(category_weights)
                if second != first:
                    chosen.append(second)
            day = start + timedelta(days=rng.randint(0, span))
            self.compliment(day, choose(COMPLIMENT_AREA_WEIGHTS), choose(COMPLIMENT_SOURCES_2122), chosen)

    # -- the synthetic register ------------------------------------------------------------------

    def synthetic(self, start: date, end: date, n: int, as_of: date, *, gaps: bool) -> list[_Complaint]:
        """``n`` plausible complaints received from ``start`` to ``end``; a stage whose response would
        fall after ``as_of`` is left open."""
        rng, choose = self.rng, self.choose
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        days = [d for d in days if workdays.is_working_day(d)]
        received = sorted(rng.choice(days) for _ in range(n))
        add = workdays.add_working_days
        made = []
        for day in received:
            procedure = choose(PROCEDURE_WEIGHTS)
            # Only complaints old enough for the informal answer and the request to lie before as_of.
            escalated_informal = procedure == "informal" and rng.random() < 0.03 and day <= as_of - timedelta(days=45)
            c = _Complaint(day, "statutory" if escalated_informal else procedure)
            c.area = choose(STATUTORY_AREA_WEIGHTS if c.procedure == "statutory" else OTHER_AREA_WEIGHTS)
            self.random_details(c)
            start_on = day
            if escalated_informal:
                first = self.stage("informal", 1, day, rng.randint(2, 8))
                c.stages.append(first)
                start_on = add(first.responded_on, rng.randint(1, 3))
            if c.procedure == "informal":
                plan = [("informal", 1, rng.randint(2, 12), None)]
            else:
                took = rng.randint(2, 14)
                extended = 20 if took > 10 and rng.random() < 0.3 else None
                plan = [(c.procedure, 1, took, extended)]
                if c.procedure == "statutory" and rng.random() < 0.08:
                    took2 = rng.randint(15, 60)
                    extended = min(65, took2 + 5) if took2 > 25 and rng.random() < 0.85 else None
                    plan.append(("statutory", 2, took2, extended))
                    if rng.random() < 0.0625:
                        plan.append(("statutory", 3, rng.randint(20, 50), None))
                elif c.procedure == "corporate" and rng.random() < 0.15:
                    took2 = rng.randint(10, 35)
                    plan.append(("corporate", 2, took2, min(40, took2 + 3) if took2 > 20 else None))
            for procedure_, number, took, extended in plan:
                reason = rng.choice(EXTENSION_REASONS[min(number, 2)]) if extended else None
                s = self.stage(procedure_, number, start_on, took, extended, reason)
                if s.responded_on > as_of:
                    s.responded_on = None
                c.stages.append(s)
                if s.responded_on is None:
                    break
                start_on = self.request_after(s.responded_on)
                if start_on > as_of:
                    break
            if c.stages[-1].responded_on is not None:
                weights = {"statutory": OUTCOME_WEIGHTS, "corporate": CORPORATE_OUTCOME_WEIGHTS}
                outcome = choose(weights.get(c.procedure, INFORMAL_OUTCOME_WEIGHTS))
                if outcome == "withdrawn" and len(c.stages) > 1:
                    outcome = PARTLY_UPHELD
                self.set_outcome(c, outcome)
                final = sum(1 for s in c.stages if s.procedure == c.procedure)
                if outcome != "withdrawn" and rng.random() < (0.25 if final > 1 else 0.01):
                    referred = c.outcome_on + timedelta(days=rng.randint(20, 120))
                    if referred <= as_of:
                        c.lgsco_referred_on = referred
                        c.lgsco_decision = choose(
                            {"upheld": 2, "not upheld": 2, "closed after initial enquiries": 5, "not for the Ombudsman": 3}
                        )
            made.append(c)
        self.complaints += made
        self.generic_learning(made, as_of, gap_share=0.15 if gaps else 0.0)
        return made

    # -- the fixed past years --------------------------------------------------------------------

    def exact_year(self, spec: _YearSpec) -> list[_Complaint]:
        """A past year whose records add up exactly to ``spec``."""
        rng, add = self.rng, workdays.add_working_days
        y = int(spec.label[:4])
        quarters = [
            (date(y, 4, 1), date(y, 6, 30)),
            (date(y, 7, 1), date(y, 9, 30)),
            (date(y, 10, 1), date(y, 12, 31)),
            (date(y + 1, 1, 1), date(y + 1, 3, 31)),
        ]
        year_start, year_end = quarters[0][0], quarters[3][1]

        # Statutory outcomes: the open ones stay at stage 1; stage 2 and 3 complaints are not withdrawn.
        outcomes = spec.outcomes or {
            **_spread(spec.statutory - spec.open_stage1, OUTCOME_WEIGHTS),
            "open": spec.open_stage1,
        }
        pool = self.tokens({k: n for k, n in outcomes.items() if k != "open"})
        escalated = spec.final_stages.get(2, 0) + spec.final_stages.get(3, 0)
        higher_outcomes = []
        for token in list(pool):
            if len(higher_outcomes) == escalated:
                break
            if token != "withdrawn":
                higher_outcomes.append(token)
                pool.remove(token)

        statutory: list[_Complaint] = []

        # Final stage 1, answered: durations that meet the averages (by quarter when given).
        answered = spec.final_stages[1] - spec.open_stage1
        if spec.quarter_counts:
            groups = [(q, n, avg) for q, n, avg in zip(quarters, spec.quarter_counts, spec.quarter_averages)]
        else:
            groups = [((year_start, year_end), answered, spec.averages[1])]
        assert sum(n for _, n, _ in groups) == answered
        over = _spread(spec.over[1] - spec.open_stage1, {i: n * max(avg - 3, 1) for i, (_, n, avg) in enumerate(groups)})
        extended = _spread(spec.stage1_extended_within, {i: n for i, (_, n, _) in enumerate(groups)})
        for i, ((q_start, q_end), n, average) in enumerate(groups):
            kinds = ["over"] * over[i] + ["extended"] * extended[i]
            kinds += ["within"] * (n - len(kinds))
            rng.shuffle(kinds)
            bounds = {"within": (1, 10), "extended": (11, 15), "over": (11, 20)}
            took = self.fit([bounds[k] for k in kinds], round(n * average))
            for kind, days in zip(kinds, took):
                c = _Complaint(self.working_day_in(q_start, q_end), "statutory")
                extended_to = 15 if kind == "extended" else None
                reason = rng.choice(EXTENSION_REASONS[1])
                c.stages.append(self.stage("statutory", 1, c.received_on, days, extended_to, reason))
                self.set_outcome(c, pool.pop())
                statutory.append(c)

        # Some statutory complaints were first handled informally: they keep that stage.
        for c in rng.sample([c for c in statutory if c.stages[0].extended_due_on is None], spec.escalated_from_informal):
            took = workdays.working_days_between(c.stages[0].clock_started_on, c.stages[0].responded_on)
            informal = self.stage("informal", 1, c.received_on, rng.randint(2, 5))
            restart = add(informal.responded_on, rng.randint(1, 3))
            c.stages = [informal, self.stage("statutory", 1, restart, took)]
            self.set_outcome(c, c.outcome)

        # Still open at stage 1, received late in the year and long past due.
        for _ in range(spec.open_stage1):
            c = _Complaint(self.working_day_in(year_end - timedelta(days=50), year_end - timedelta(days=20)), "statutory")
            c.stages.append(self.stage("statutory", 1, c.received_on))
            statutory.append(c)

        # Final stage 2: most extended, the over ones past even their extension.
        n2 = spec.final_stages.get(2, 0)
        if n2:
            kinds = ["over"] * spec.over[2] + ["extended"] * spec.stage2_extended
            kinds += ["within"] * (n2 - len(kinds))
            rng.shuffle(kinds)
            bounds = {"within": (12, 25), "extended": (20, 62), "over": (66, 72)}
            took = self.fit([bounds[k] for k in kinds], round(n2 * spec.averages[2]))
            for kind, days in zip(kinds, took):
                c = _Complaint(self.working_day_in(year_start, quarters[2][1]), "statutory")
                first = self.stage("statutory", 1, c.received_on, rng.randint(4, 10))
                if kind == "over":
                    extended_to, reason = 65, "Exceptional circumstances with the independent investigating officer."
                elif kind == "extended":
                    extended_to, reason = max(30, min(65, days + rng.randint(0, 10))), rng.choice(EXTENSION_REASONS[2])
                else:
                    extended_to, reason = None, None
                second = self.stage("statutory", 2, self.request_after(first.responded_on), days, extended_to, reason)
                c.stages += [first, second]
                self.set_outcome(c, higher_outcomes.pop())
                statutory.append(c)

        # Final stage 3: the review panel.
        n3 = spec.final_stages.get(3, 0)
        if n3:
            took = self.fit([(20, 50)] * (n3 - spec.over[3]) + [(51, 60)] * spec.over[3], round(n3 * spec.averages[3]))
            for days in took:
                c = _Complaint(self.working_day_in(year_start, quarters[0][1]), "statutory")
                first = self.stage("statutory", 1, c.received_on, rng.randint(5, 10))
                second = self.stage(
                    "statutory", 2, self.request_after(first.responded_on), rng.randint(30, 50), 55,
                    rng.choice(EXTENSION_REASONS[2]),
                )
                third = self.stage("statutory", 3, self.request_after(second.responded_on), days)
                c.stages += [first, second, third]
                self.set_outcome(c, higher_outcomes.pop())
                statutory.append(c)

        # Service areas, then every area with learning gets upheld complaints to learn from.
        areas = self.tokens(spec.areas or _spread(spec.statutory, STATUTORY_AREA_WEIGHTS))
        for c, area in zip(statutory, areas):
            c.area = area
        if spec.label == "2021-22":
            needed: dict[str, int] = {}
            for area, *_ in LEARNING_2122:
                if area in STATUTORY_BY_AREA_2122:
                    needed[area] = needed.get(area, 0) + 1
            self._ensure_upheld(statutory, needed)

        corporate = self._corporate(spec, year_start, year_end)
        informal = self._informal(spec, year_start, year_end)
        year = statutory + corporate + informal
        self._people(spec, year)
        self._concerns(spec, statutory, corporate + informal)
        self._ombudsman(spec, statutory)
        self._year_compliments(spec, year_start, year_end)
        self.complaints += year
        return year

    def _ensure_upheld(self, complaints: list[_Complaint], needed: dict[str, int]) -> None:
        """Swap areas (keeping each area's count) until each area in ``needed`` has that many
        upheld or partly upheld complaints."""

        def upheld(c: _Complaint) -> bool:
            return vocabulary.is_upheld(c.outcome)

        def count(area: str) -> int:
            return sum(1 for c in complaints if c.area == area and upheld(c))

        for area, n in needed.items():
            while count(area) < n:
                donors = [
                    c for c in complaints if upheld(c) and c.area != area and count(c.area) > needed.get(c.area, 0)
                ]
                takers = [c for c in complaints if c.area == area and not upheld(c)]
                answered = [c for c in takers if c.outcome] or takers
                donor, taker = self.rng.choice(donors), self.rng.choice(answered)
                donor.area, taker.area = taker.area, donor.area

    def _corporate(self, spec: _YearSpec, year_start: date, year_end: date) -> list[_Complaint]:
        rng = self.rng
        outcomes = self.tokens(_spread(spec.corporate, CORPORATE_OUTCOME_WEIGHTS))
        made = []
        for i in range(spec.corporate):
            c = _Complaint(self.working_day_in(year_start, year_end - timedelta(days=30)), "corporate")
            c.area = self.choose(OTHER_AREA_WEIGHTS)
            took = rng.randint(3, 13)
            c.stages.append(self.stage("corporate", 1, c.received_on, took))
            outcome = outcomes[i]
            if i < spec.corporate_stage2:
                if outcome == "withdrawn":
                    outcome = PARTLY_UPHELD
                took2 = rng.randint(12, 30)
                extended_to = min(40, took2 + rng.randint(0, 5)) if took2 > 20 else None
                reason = rng.choice(EXTENSION_REASONS[2])
                c.stages.append(
                    self.stage("corporate", 2, self.request_after(c.stages[0].responded_on), took2, extended_to, reason)
                )
            self.set_outcome(c, outcome)
            made.append(c)
        if spec.corporate_remedy_pence:
            paid = made[0]
            if not vocabulary.is_upheld(paid.outcome):
                self.set_outcome(paid, PARTLY_UPHELD)
            paid.remedy_pence = spec.corporate_remedy_pence
        if spec.label == "2021-22":
            # The Placements complaint, from a member of the public who saw a staff member with a child.
            placement = made[-1]
            placement.area, placement.complainant_type = "Placements", "member of the public"
            self.set_outcome(placement, PARTLY_UPHELD)
        return made

    def _informal(self, spec: _YearSpec, year_start: date, year_end: date) -> list[_Complaint]:
        outcomes = self.tokens(_spread(spec.informal, INFORMAL_OUTCOME_WEIGHTS))
        made = []
        for outcome in outcomes:
            c = _Complaint(self.working_day_in(year_start, year_end - timedelta(days=20)), "informal")
            c.area = self.choose(OTHER_AREA_WEIGHTS)
            c.stages.append(self.stage("informal", 1, c.received_on, self.rng.randint(2, 12)))
            self.set_outcome(c, outcome)
            made.append(c)
        return made

    def _people(self, spec: _YearSpec, year: list[_Complaint]) -> None:
        """How each complaint came, who made it, whether an advocate helped, and the equality fields."""
        rng = self.rng
        via = self.tokens(spec.via or _spread(len(year), VIA_WEIGHTS))
        for c, way in zip(year, via):
            c.received_via = way
        # Who complained: children and young people (statutory complaints), the rest by procedure.
        statutory = [c for c in year if c.procedure == "statutory"]
        children = rng.sample(statutory, spec.children)
        for c in year:
            if c.complainant_type is None:
                c.complainant_type = self.choose(TYPE_WEIGHTS[c.procedure])
        for c in children:
            c.complainant_type = "child or young person"
        for c in children[: spec.advocate - spec.advocate_adults]:
            c.advocate = 1
        adults = [c for c in statutory if c.complainant_type == "parent or carer"]
        for c in adults[: spec.advocate_adults]:
            c.advocate = 1
        # Equality: not recorded first for members of the public, then corporate and informal complaints.
        def rank(c: _Complaint) -> int:
            if c.complainant_type == "member of the public":
                return 0
            return {"corporate": 1, "informal": 2}.get(c.procedure, 3)

        ordered = sorted(year, key=lambda c: (rank(c), rng.random()))
        for name in ("gender", "age_band", "ethnicity", "disability"):
            counts = (spec.equality or {}).get(name) or _spread(len(year), EQUALITY_WEIGHTS[name])
            unknown = counts.get("not recorded", 0)
            values = ["not recorded"] * unknown + self.tokens({k: n for k, n in counts.items() if k != "not recorded"})
            for c, value in zip(ordered, values):
                setattr(c, name, None if value == "not recorded" else value)
        # A child or young person is under 25: swap ages with another complaint where needed.
        young = ("under 16", "16-24")
        for c in children:
            if c.age_band not in young:
                other = next(o for o in year if o.age_band == "under 16" and o.complainant_type != "child or young person")
                c.age_band, other.age_band = other.age_band, c.age_band

    def _concerns(self, spec: _YearSpec, statutory: list[_Complaint], others: list[_Complaint]) -> None:
        rng = self.rng
        if spec.concerns:
            tokens = [code for code, n in spec.concerns.items() for _ in range(n)]
            hands = _deal(tokens, _hand_sizes(len(statutory), len(tokens)))
            rng.shuffle(hands)
            for c, hand in zip(statutory, hands):
                c.concerns = hand
        else:
            for c in statutory:
                c.concerns = [self.choose(CONCERN_WEIGHTS) for _ in range(rng.choice((1, 2, 2, 3)))]
        for c in others:
            c.concerns = [self.choose(CONCERN_WEIGHTS) for _ in range(rng.choice((1, 1, 2)))]

    def _ombudsman(self, spec: _YearSpec, statutory: list[_Complaint]) -> None:
        rng = self.rng
        decided = [c for c in statutory if c.outcome and c.outcome != "withdrawn"]
        higher = [c for c in decided if len([s for s in c.stages if s.procedure == "statutory"]) > 1]
        higher.sort(key=lambda c: -len(c.stages))  # the review panel's complaints first
        upheld = [c for c in higher if vocabulary.is_upheld(c.outcome)][: spec.lgsco_upheld]
        rest = [c for c in higher if c not in upheld][:5]
        rest += rng.sample([c for c in decided if c not in higher], spec.lgsco_referred - len(upheld) - len(rest))
        for c in upheld + rest:
            c.lgsco_referred_on = c.outcome_on + timedelta(days=rng.randint(20, 120))
        for c in upheld:
            c.lgsco_decision = "upheld"
        for i, c in enumerate(rest):
            c.lgsco_decision = ("closed after initial enquiries", "not for the Ombudsman")[i % 2]
        if spec.statutory_remedy_pence and upheld:
            upheld[-1].remedy_pence = spec.statutory_remedy_pence

    def _year_compliments(self, spec: _YearSpec, year_start: date, year_end: date) -> None:
        if not spec.compliment_sources:
            self.random_compliments(year_start, year_end, spec.compliments)
            return
        rng = self.rng
        n = spec.compliments
        categories = [k for k, m in spec.compliment_categories.items() for _ in range(m)]
        twos = len(categories) - n
        hands = _deal(categories, [2] * twos + [1] * (n - twos))
        assert all(len(set(hand)) == len(hand) for hand in hands), "a compliment got a category twice"
        rng.shuffle(hands)
        sources = self.tokens(spec.compliment_sources)
        areas = self.tokens(spec.compliment_areas)
        days = sorted(year_start + timedelta(days=rng.randint(0, (year_end - year_start).days)) for _ in range(n))
        for day, source, area, hand in zip(days, sources, areas, hands):
            self.compliment(day, area, source, hand)

    def learning_2122(self, year: list[_Complaint], as_of: date) -> None:
        """The report's learning, linked to the upheld and partly upheld complaints of each area; every
        other upheld or partly upheld complaint of the year gets a "no learning identified" decision."""
        rng = self.rng
        upheld = [c for c in year if vocabulary.is_upheld(c.outcome)]
        by_area: dict[str, list[_Complaint]] = {}
        for c in upheld:
            by_area.setdefault(c.area, []).append(c)
        specs_by_area: dict[str, list] = {}
        for spec in LEARNING_2122:
            specs_by_area.setdefault(spec[0], []).append(spec)
        for area, specs in specs_by_area.items():
            candidates = [c for c in by_area.get(area, []) if c.procedure != "informal"]
            links: list[list[_Complaint]] = [[] for _ in specs]
            for i, c in enumerate(candidates):
                if i < len(specs):
                    links[i].append(c)
                elif rng.random() < 0.7:
                    links[rng.randrange(len(specs))].append(c)
            for (_, theme, description, actions), linked in zip(specs, links):
                lp = self.learning_point(area, theme, description, linked, as_of)
                for j, (text, priority, status) in enumerate(actions):
                    due = workdays.add_working_days(lp.created_on, 30 + 10 * j + rng.randint(0, 15))
                    action = self.action(lp, text, priority, status, due, as_of)
                    if status == IN_PROGRESS:
                        self._move_due_date(action, as_of)
                    for prefix, (title, path) in EVIDENCE_2122.items():
                        if text.startswith(prefix) and action.completed_on:
                            action.evidence.append(
                                (title, f"https://intranet.demo.invalid/{path}", action.owner, _at(action.completed_on, rng))
                            )
                    lp.actions.append(action)
        for c in upheld:
            if not c.linked:
                self.no_learning(c, as_of, NO_LEARNING_MASH if c.area == "MASH" else None)

    def _move_due_date(self, action: _Action, as_of: date) -> None:
        """A long-running action whose due date has been moved, with the reason kept in its history."""
        new_due = workdays.add_working_days(as_of, 40)
        moved_on = workdays.add_working_days(action.due_on, -2)
        action.updates.append(
            (_at(moved_on, self.rng), action.owner, "due date", action.due_on.isoformat(), new_due.isoformat(),
             "Depends on the council's training budget for next year.")
        )  # fmt: skip
        action.due_on = new_due

    # -- the current year ------------------------------------------------------------------------

    def open_stage_start(self, colour: str, due_days: int, today: date, candidates: range) -> date:
        """A clock start such that a stage due ``due_days`` later is ``colour`` on ``today``."""
        for k in candidates:
            start = workdays.add_working_days(today, -k)
            if rag_rule.rag(workdays.add_working_days(start, due_days), today) == colour:
                return start
        raise AssertionError(f"no clock start makes a stage {colour} on {today}")

    def current_year(self, today: date, window_start: date) -> list[_Complaint]:
        """Complaints received from ``window_start`` to ``today``: open stages Red, Amber and Green,
        answered ones, escalations, learning with actions due around today, and learning gaps."""
        rng, add = self.rng, workdays.add_working_days
        made: list[_Complaint] = []
        red, amber, green = rag_rule.RED, rag_rule.AMBER, rag_rule.GREEN

        def new(received: date, procedure: str, area: str) -> _Complaint:
            c = _Complaint(received, procedure, area)
            self.random_details(c)
            made.append(c)
            return c

        # Open stage 1s (and one informal, one corporate).
        for procedure, colour, area, ks in [
            ("statutory", red, "Through Care", range(14, 40)),
            ("statutory", red, "Team West", range(12, 40)),
            ("statutory", red, "Team East", range(18, 40)),
            ("statutory", amber, "Through Care", range(8, 12)),
            ("statutory", amber, "Looked After Children", range(9, 12)),
            ("corporate", amber, "MASH", range(10, 12)),
            ("statutory", green, "Team South", range(1, 7)),
            ("statutory", green, "Children's Disability Team", range(3, 7)),
            ("statutory", green, "Through Care", range(2, 7)),
            ("informal", green, "Team Central", range(1, 7)),
        ]:
            start = self.open_stage_start(colour, self.timescales[(procedure, 1)].due_working_days, today, ks)
            new(start, procedure, area).stages.append(self.stage(procedure, 1, start))
        # Open stage 2s: one past due, one within its extension.
        for colour, area, extended_to in [(red, "Team Central", None), (green, "Looked After Children", 65)]:
            start = self.open_stage_start(colour, extended_to or 25, today, range(30, 45))
            received = add(start, -rng.randint(14, 20))
            c = new(received, "statutory", area)
            first = self.stage("statutory", 1, received, workdays.working_days_between(received, start) - 4)
            reason = rng.choice(EXTENSION_REASONS[2]) if extended_to else None
            c.stages += [first, self.stage("statutory", 2, start, None, extended_to, reason)]

        # Answered complaints: the first few are set so that each main area has learning to follow up.
        n = max(40, min(90, 40 + round(50 * (today - window_start).days / 365)))
        last = add(today, -12)
        scripted = [
            ("Through Care", "partly upheld"),
            ("Through Care", "upheld"),
            ("Team East", "partly upheld"),
            ("Team West", "partly upheld"),
            ("Looked After Children", "upheld"),
            ("Team Central", "partly upheld"),
            ("Children's Disability Team", "partly upheld"),
            ("Team South", "partly upheld"),
        ]
        early_end = window_start + (last - window_start) * 2 // 5
        answered = []
        for i in range(n - len(made)):
            if i < len(scripted):
                area, outcome = scripted[i]
                c = new(self.working_day_in(window_start, early_end), "statutory", area)
            else:
                procedure = self.choose(PROCEDURE_WEIGHTS)
                area = self.choose(STATUTORY_AREA_WEIGHTS if procedure == "statutory" else OTHER_AREA_WEIGHTS)
                c = new(self.working_day_in(window_start, last), procedure, area)
                weights = {"statutory": OUTCOME_WEIGHTS, "corporate": CORPORATE_OUTCOME_WEIGHTS}
                outcome = self.choose(weights.get(procedure, INFORMAL_OUTCOME_WEIGHTS))
            procedure = c.procedure
            took = min(rng.randint(3, 13), max(1, workdays.working_days_between(c.received_on, today) - 1))
            c.stages.append(self.stage(procedure, 1, c.received_on, took))
            request = self.request_after(c.stages[0].responded_on)
            if (
                procedure == "statutory"
                and outcome != "withdrawn"
                and i >= len(scripted)
                and rng.random() < 0.15
                and workdays.working_days_between(request, today) > 45
            ):
                took2 = rng.randint(20, 45)
                extended_to = min(65, took2 + 5) if took2 > 25 else None
                reason = rng.choice(EXTENSION_REASONS[2])
                c.stages.append(self.stage("statutory", 2, request, took2, extended_to, reason))
            self.set_outcome(c, outcome)
            answered.append(c)

        # Learning: gaps for the latest few, "no learning" for some, learning points for the rest.
        upheld = [c for c in answered if vocabulary.is_upheld(c.outcome)]
        forced = upheld[: len(scripted)]
        others = sorted(upheld[len(scripted) :], key=lambda c: c.outcome_on)
        gaps = others[-4:]
        for c in others[:-4]:
            if rng.random() < 0.3:
                self.no_learning(c, today)
        # The scripted complaints' learning points come first, so that the first patterns (with
        # overdue actions) fall on learning agreed early in the year, Through Care's first of all.
        groups: dict[tuple[bool, str], list[_Complaint]] = {}
        for c in forced:
            groups.setdefault((True, c.area), []).append(c)
        for c in others[:-4]:
            if not c.no_learning:
                groups.setdefault((False, c.area), []).append(c)
        patterns = [
            [("in progress", -8, "high"), ("not started", -3, "medium")],
            [("completed", 5, "medium"), ("in progress", -12, "high")],
            [("not started", 15, "medium")],
            [("verified", -20, "high"), ("verified", -5, "medium")],
            [("in progress", 8, "medium"), ("cancelled", 20, "low"), ("completed", -2, "medium")],
            [],
            [("not started", -4, "high"), ("not started", 30, "low")],
            [("in progress", 2, "medium")],
        ]
        current_points = []
        yesterday = today - timedelta(days=1)
        for (_, area), complaints in groups.items():
            for j in range(0, len(complaints), 3):
                chunk = complaints[j : j + 3]
                theme = chunk[0].concerns[0][0] if chunk[0].concerns else "Communication"
                lp = self.learning_point(area, theme, rng.choice(LEARNING_BANK[theme]), chunk, yesterday)
                current_points.append(lp)
        for i, lp in enumerate(current_points):
            for status, offset, priority in patterns[i % len(patterns)]:
                due = max(add(today, offset), add(lp.created_on, 10))
                text = rng.choice(ACTION_BANK[lp.theme])
                action = self.action(lp, text, priority, status, due, yesterday)
                if status == "verified":
                    action.evidence.append(
                        ("Team meeting minutes showing the learning shared",
                         f"https://intranet.demo.invalid/{_slug(lp.area)}/team-meeting-minutes", action.owner,
                         _at(action.completed_on, rng))
                    )  # fmt: skip
                lp.actions.append(action)

        # The Practice Improvement Forum met twice.
        with_actions = [lp for lp in current_points if lp.actions]
        overdue = [
            a for lp in current_points for a in lp.actions if vocabulary.action_is_overdue(a.status, a.due_on, today)
        ]
        first_meeting, second_meeting = add(today, -23), add(today, -3)
        self.meetings.append(
            (first_meeting, "Practice Improvement Forum Chair; Complaints Officer; Service Managers", [
                ("learning_point", with_actions[0], "noted", "Forum asked for an update at the next meeting."),
                ("action", overdue[0], "escalate to senior leadership", "Overdue; raise at the senior leadership meeting."),
            ])
        )  # fmt: skip
        self.meetings.append(
            (second_meeting, "Practice Improvement Forum Chair; Complaints Officer; Service Managers", [
                ("learning_point", with_actions[1], "new action needed", "Add an audit of the change in three months."),
                ("complaint", gaps[0], "noted", "Service manager to complete the internal investigation outcome form."),
            ])
        )  # fmt: skip

        self.random_compliments(window_start, today, max(20, round(n * 0.55)))
        self.complaints += made
        return made

    # -- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        """Give every record its id and reference, then insert them all, parents first."""
        db, area_ids, user_ids = self.db, self.area_ids, self.user_ids

        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        db["service_areas"].insert_all(
            ({"id": i, "name": name} for name, i in area_ids.items()), batch_size=BATCH_SIZE
        )
        db["users"].insert_all(self.users, batch_size=BATCH_SIZE)
        db["user_service_areas"].insert_all(self.user_areas, batch_size=BATCH_SIZE)

        self.complaints.sort(key=lambda c: c.received_on)
        numbers: dict[int, int] = {}
        complaints, stages, concerns = [], [], []
        for id_, c in enumerate(self.complaints, start=1):
            c.id = id_
            year = _fy_start(c.received_on).year
            numbers[year] = numbers.get(year, 0) + 1
            reason, by, on = c.no_learning or (None, None, None)
            complaints.append({
                "id": id_, "reference": _reference(year, numbers[year]), "received_on": iso(c.received_on),
                "procedure": c.procedure, "service_area_id": area_ids[c.area], "received_via": c.received_via,
                "complainant_type": c.complainant_type, "advocate": c.advocate, "gender": c.gender,
                "age_band": c.age_band, "ethnicity": c.ethnicity, "disability": c.disability,
                "outcome": c.outcome, "outcome_on": iso(c.outcome_on), "lgsco_referred_on": iso(c.lgsco_referred_on),
                "lgsco_decision": c.lgsco_decision, "remedy_pence": c.remedy_pence, "no_learning_reason": reason,
                "no_learning_recorded_by": user_ids[by] if by else None, "no_learning_recorded_on": iso(on),
            })  # fmt: skip
            for s in c.stages:
                stages.append({
                    "complaint_id": id_, "procedure": s.procedure, "stage": s.stage,
                    "clock_started_on": iso(s.clock_started_on), "due_on": iso(s.due_on),
                    "extended_due_on": iso(s.extended_due_on), "extension_reason": s.extension_reason,
                    "responded_on": iso(s.responded_on),
                })  # fmt: skip
            for code in c.concerns:
                concerns.append({"complaint_id": id_, "concern_code_id": self.code_ids[code]})
        db["complaints"].insert_all(complaints, batch_size=BATCH_SIZE)
        db["complaint_stages"].insert_all(stages, batch_size=BATCH_SIZE)
        db["concerns"].insert_all(concerns, batch_size=BATCH_SIZE)

        self.compliments.sort(key=lambda m: m.received_on)
        db["compliments"].insert_all(
            (
                {"id": i, "received_on": iso(m.received_on), "service_area_id": area_ids[m.area], "source": m.source,
                 "summary": m.summary}
                for i, m in enumerate(self.compliments, start=1)
            ),
            batch_size=BATCH_SIZE,
        )  # fmt: skip
        db["compliment_categories"].insert_all(
            ({"compliment_id": i, "category": cat} for i, m in enumerate(self.compliments, start=1) for cat in m.categories),
            batch_size=BATCH_SIZE,
        )

        points, links, actions, updates, evidence = [], [], [], [], []
        action_id = 0
        self.learning_points.sort(key=lambda lp: lp.created_on)
        for lp_id, lp in enumerate(self.learning_points, start=1):
            lp.id = lp_id
            points.append({
                "id": lp_id, "service_area_id": area_ids[lp.area], "theme": lp.theme, "description": lp.description,
                "source": lp.source, "status": vocabulary.learning_point_status(a.status for a in lp.actions),
                "created_by": user_ids[lp.created_by], "created_on": iso(lp.created_on),
            })  # fmt: skip
            links += [{"learning_point_id": lp_id, "complaint_id": c.id} for c in lp.complaints]
            for a in lp.actions:
                action_id += 1
                a.id = action_id
                actions.append({
                    "id": action_id, "learning_point_id": lp_id, "description": a.description,
                    "owner_id": user_ids[a.owner], "service_area_id": area_ids[a.area], "due_on": iso(a.due_on),
                    "priority": a.priority, "status": a.status, "cancel_reason": a.cancel_reason,
                    "completed_on": iso(a.completed_on), "verified_on": iso(a.verified_on),
                    "created_on": iso(a.created_on),
                })  # fmt: skip
                updates += [
                    {"action_id": action_id, "at": at, "user_id": user_ids[by], "kind": kind, "from_value": old,
                     "to_value": new, "note": note}
                    for at, by, kind, old, new, note in a.updates
                ]  # fmt: skip
                evidence += [
                    {"action_id": action_id, "description": text, "link": link, "added_by": user_ids[by], "added_at": at}
                    for text, link, by, at in a.evidence
                ]  # fmt: skip
        db["learning_points"].insert_all(points, batch_size=BATCH_SIZE)
        db["learning_point_complaints"].insert_all(links, batch_size=BATCH_SIZE)
        db["actions"].insert_all(actions, batch_size=BATCH_SIZE)
        db["action_updates"].insert_all(updates, batch_size=BATCH_SIZE)
        db["action_evidence"].insert_all(evidence, batch_size=BATCH_SIZE)

        chair = user_ids[FORUM_CHAIR]
        for meeting_id, (held_on, attendees, decisions) in enumerate(self.meetings, start=1):
            db["forum_meetings"].insert(
                {"id": meeting_id, "held_on": iso(held_on), "attendees": attendees, "created_by": chair}
            )
            rows = []
            for kind, record, decision, note in decisions:
                rows.append({
                    "meeting_id": meeting_id, "learning_point_id": record.id if kind == "learning_point" else None,
                    "action_id": record.id if kind == "action" else None,
                    "complaint_id": record.id if kind == "complaint" else None, "decision": decision, "note": note,
                    "recorded_by": chair, "recorded_at": _at(held_on, self.rng),
                })  # fmt: skip
            db["forum_decisions"].insert_all(rows)


def _check_empty(db: sqlite_utils.Database) -> None:
    for table in ("service_areas", "users", "complaints", "compliments"):
        if db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            raise ValueError(f"The demo data goes into a new, empty database, but this one already has {table}.")


def build_demo(db: sqlite_utils.Database, today: date) -> None:
    """Fill a new, empty, migrated database with the demo dataset as it stands on ``today``.

    The same ``today`` always gives the same database. ``today`` must be on or after 1 April 2023,
    so that the 2021-22 year and its learning lie in the past.
    """
    if today < date(2023, 4, 1):
        raise ValueError("The demo needs a date on or after 1 April 2023: its 2021-22 records must lie in the past.")
    _check_empty(db)
    builder = _Builder(db, SEED)
    # The current year's scenario covers at least four months, reaching back before 1 April if needed.
    window_start = min(_fy_start(today), today - timedelta(days=120))
    with transaction(db):
        for spec in PREVIOUS_YEARS:
            builder.generic_learning(builder.exact_year(spec), date(2023, 3, 31))
        year = builder.exact_year(YEAR_2021_22)
        builder.learning_2122(year, date(2023, 3, 31))
        between = date(2022, 4, 1)
        if window_start > between:
            days = (window_start - between).days
            builder.synthetic(between, window_start - timedelta(days=1), round(days * 215 / 365), today, gaps=False)
            builder.random_compliments(between, window_start - timedelta(days=1), round(days * 470 / 365))
        builder.current_year(today, window_start)
        builder.write()


def build_scale(db: sqlite_utils.Database, n: int, today: date) -> None:
    """Fill a new, empty, migrated database with ``n`` synthetic complaints received over the ten
    financial years ending with the current one (about twice as many compliments), for benchmarks."""
    _check_empty(db)
    builder = _Builder(db, SEED + n)
    start = date(_fy_start(today).year - 9, 4, 1)
    with transaction(db):
        builder.synthetic(start, today, n, today, gaps=True)
        builder.random_compliments(start, today, 2 * n)
        # Two forum meetings, so the forum's pack has a "since the last meeting" at scale too.
        attendees = "Practice Improvement Forum Chair; Complaints Officer; Service Managers"
        builder.meetings += [(workdays.add_working_days(today, -23), attendees, []),
                             (workdays.add_working_days(today, -3), attendees, [])]
        builder.write()
