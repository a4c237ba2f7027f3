"""Pydantic models: the validated boundary of every write.

They check shape and simple rules (required text, dates, positive amounts). Rules that need the
database (a known service area, a configured code, a timescale cap) are the services' job.
``parse`` turns pydantic's errors into one ``InvalidInput`` whose message a complaints officer reads.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from .errors import InvalidInput, Problem

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=4000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class NewComplaint(Model):
    """A complaint as the complaints officer records it: a reference into the council's case system, no names."""

    reference: ShortText
    received_on: date
    procedure: ShortText
    service_area: ShortText
    acknowledged_on: date | None = None
    received_via: ShortText | None = None
    complainant_type: ShortText | None = None
    advocate: bool = False
    concerns: list[ShortText] = Field(default_factory=list, description="'Category' or 'Category > Subcategory'")
    gender: ShortText | None = None
    age_band: ShortText | None = None
    ethnicity: ShortText | None = None
    disability: ShortText | None = None

    _blanks = field_validator(
        "received_via", "complainant_type", "gender", "age_band", "ethnicity", "disability", mode="before"
    )(_blank_to_none)


class NewLearningPoint(Model):
    """A learning point drawn from one or more complaints."""

    service_area: ShortText
    theme: ShortText
    description: Text
    complaint_references: list[ShortText] = Field(default_factory=list)


class NewAction(Model):
    """An improvement action on a learning point."""

    learning_point_id: int
    description: Text
    owner_email: ShortText
    service_area: ShortText
    due_on: date
    priority: ShortText = "medium"


class StatusChange(Model):
    """Moving an action to another status; a note is required when cancelling or sending back."""

    status: ShortText
    note: OptionalText = None

    _blank = field_validator("note", mode="before")(_blank_to_none)


class DueDateChange(Model):
    """Moving an action's due date: the reason is kept in its history."""

    due_on: date
    reason: Text


class Evidence(Model):
    """Evidence of completion: a description and a link or an uploaded file."""

    description: Text
    link: OptionalText = None
    filename: ShortText | None = None
    content: bytes | None = None

    _blank = field_validator("link", "filename", mode="before")(_blank_to_none)


M = TypeVar("M", bound=BaseModel)

_FIELD_WORDS = {
    "string_too_short": "is required",
    "missing": "is required",
    "date_from_datetime_parsing": "must be a date such as 2021-04-06",
    "date_parsing": "must be a date such as 2021-04-06",
    "date_type": "must be a date such as 2021-04-06",
    "int_parsing": "must be a whole number",
    "bool_parsing": "must be yes or no",
    "extra_forbidden": "is not a field of this form",
}


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` as ``model``, or raise ``InvalidInput`` listing each field in plain words."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "form"
            # A choice left unmade (a select box with nothing picked) arrives as None: it is required.
            unchosen = item.get("input", "") is None and item["type"] in ("string_type", "literal_error", "int_type")
            words = "is required" if unchosen else _FIELD_WORDS.get(item["type"], item["msg"].lower())
            value = item.get("input") if item["type"] != "missing" else None
            problems.append(Problem(field=field.replace("_", " "), value=value, message=words))
        raise InvalidInput(problems) from None


class NoLearningDecision(Model):
    """The recorded decision that a complaint left no learning, with the reason (kept on the complaint)."""

    reason: Text


# --- complaints: stages, outcomes, concerns, the Ombudsman; compliments ---------------------------

from decimal import Decimal  # kept beside the models that use it: other engineers append to this file too


class StageResponse(Model):
    """The answer to a complaint's open stage, with the outcome it decided when there is one."""

    responded_on: date
    outcome: ShortText | None = None

    _blank = field_validator("outcome", mode="before")(_blank_to_none)


class OutcomeDecision(Model):
    """The complaint's outcome (upheld, partly upheld, not upheld) and the date it was decided."""

    outcome: ShortText
    outcome_on: date


class StageExtension(Model):
    """A later due date for the open stage, within the timescale's cap; the reason is required."""

    extended_due_on: date
    reason: Text


class StageDate(Model):
    """A date recorded on the open stage as one of its steps happens (``rules.procedures.STAGE_DATES``)."""

    what: ShortText
    on: date


class Escalation(Model):
    """The complainant asked for the next stage (or a formal procedure after an informal one)."""

    procedure: ShortText
    stage: int = Field(ge=1, le=3)
    requested_on: date


class Withdrawal(Model):
    """The complainant withdrew the complaint; the open stage closes on that date."""

    withdrawn_on: date
    note: OptionalText = None

    _blank = field_validator("note", mode="before")(_blank_to_none)


# --- statutory stage 2 investigations and adjudications; stage 3 panels (services/investigations) ------


class PointOfComplaint(Model):
    """One point of complaint of a stage 2 investigation and the Investigating Officer's finding on it
    (``rules.procedures.FINDINGS``), or None while it has none."""

    summary: Text
    finding: ShortText | None = None

    _blank = field_validator("finding", mode="before")(_blank_to_none)


class InvestigationRecommendation(Model):
    """A recommendation of the investigation, about one of its points (by number, from 1) or about none."""

    text: Text
    point: int | None = Field(default=None, ge=1)

    _blank = field_validator("point", mode="before")(_blank_to_none)


class Investigation(Model):
    """The statutory stage 2 investigation: who investigated and who oversaw it, by role and organisation
    (never a person's contact details), their reports' dates, the points of complaint with their findings
    and the recommendations. Points and recommendations replace those recorded, until the adjudication."""

    investigating_officer: ShortText
    independent_person: ShortText
    investigation_report_on: date | None = None
    independent_person_report_on: date | None = None
    points: list[PointOfComplaint] = Field(default_factory=list)
    recommendations: list[InvestigationRecommendation] = Field(default_factory=list)

    _blanks = field_validator("investigation_report_on", "independent_person_report_on", mode="before")(_blank_to_none)


class RecommendationDecision(Model):
    """The decision on one recommendation: accepted, with the improvement action it becomes (its description,
    by default the recommendation's text, its owner and due date), or not accepted, with the reason."""

    decision: ShortText
    reason: OptionalText = None
    action: OptionalText = None
    owner_email: ShortText | None = None
    due_on: date | None = None

    _blanks = field_validator("reason", "action", "owner_email", "due_on", mode="before")(_blank_to_none)


class LearningForActions(Model):
    """A new learning point for the actions of accepted recommendations: its theme and description."""

    theme: ShortText
    description: Text


class RecommendationDecisions(Model):
    """A decision on each recommendation, in their order, and the learning point of the complaint's area the
    accepted ones' actions go on: one linked to the complaint already (``learning_point_id``) or a new one."""

    decisions: list[RecommendationDecision] = Field(default_factory=list)
    learning_point_id: int | None = None
    new_learning_point: LearningForActions | None = None

    _blank = field_validator("learning_point_id", mode="before")(_blank_to_none)


class Adjudication(RecommendationDecisions):
    """The stage 2 adjudication: when, by whom (a role), the decisions on the recommendations, and the
    outcome when it differs from the one the points' findings give (then with the reason)."""

    adjudicated_on: date
    adjudicator: ShortText
    outcome: ShortText | None = None
    outcome_reason: OptionalText = None

    _blanks = field_validator("outcome", "outcome_reason", mode="before")(_blank_to_none)


class PanelRecommendations(Model):
    """The review panel's recommendations (statutory stage 3), replacing those recorded until the council responds."""

    recommendations: list[Text] = Field(default_factory=list)


class PanelResponse(RecommendationDecisions):
    """The council's response to the review panel: its date, the decisions on the panel's recommendations,
    and the stage 3 outcome, if the response gives one."""

    decided_on: date
    outcome: ShortText | None = None

    _blank_outcome = field_validator("outcome", mode="before")(_blank_to_none)


class Advocacy(Model):
    """Advocacy offered to the complainant (a child's right: Children Act 1989 s26A) and whether it was
    accepted: ``None`` while not yet known."""

    offered_on: date
    accepted: bool | None = None


class TimeLimit(Model):
    """When the grounds of the complaint arose and, for a late complaint (a year or more before it was
    received), the decision to consider or decline it, with the reason; a late complaint declined closes
    on ``decided_on``."""

    grounds_arose_on: date
    decision: ShortText | None = None
    reason: OptionalText = None
    decided_on: date | None = None

    _blanks = field_validator("decision", "reason", mode="before")(_blank_to_none)


class Declining(Model):
    """The council declined (refused) the complaint, for a configured reason; the open stage closes that day."""

    declined_on: date
    reason: ShortText
    note: OptionalText = None

    _blank = field_validator("note", mode="before")(_blank_to_none)


class ConcernCoding(Model):
    """The complaint's concerns, each 'Category' or 'Category > Subcategory', one per concern raised (so a
    code may repeat); replaces the list held."""

    concerns: list[ShortText] = Field(default_factory=list)


class OmbudsmanRecord(Model):
    """A referral to the Local Government and Social Care Ombudsman, its decision, and any remedy paid."""

    referred_on: date | None = None
    decision: ShortText | None = None
    remedy_pounds: Decimal = Field(default=Decimal(0), ge=0, decimal_places=2)

    _blanks = field_validator("referred_on", "decision", mode="before")(_blank_to_none)


class NewCompliment(Model):
    """A compliment: when, which service area, from whom, what about, and a short summary without names."""

    received_on: date
    service_area: ShortText
    source: ShortText
    categories: list[ShortText] = Field(default_factory=list)
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


# --- administration: users, service areas, concern codes, timescales ------------------------------


class NewUser(Model):
    """A person who may use the app: their work email, name, role and (for a service manager) service areas.

    ``password`` is for local accounts only; with single sign-on it stays empty.
    """

    email: ShortText
    name: ShortText
    role: ShortText
    service_areas: list[ShortText] = Field(default_factory=list)
    password: str | None = Field(default=None, repr=False)

    _blank = field_validator("password", mode="before")(_blank_to_none)


class UserChange(Model):
    """A user's name, role and service areas as the complaints officer edits them."""

    name: ShortText
    role: ShortText
    service_areas: list[ShortText] = Field(default_factory=list)


class TimescaleChange(Model):
    """How many working days a stage of a procedure has, and how far it may be extended; and, when given (else
    unchanged), what starts its clock, its acknowledgement's working days and a review panel's steps'."""

    due_working_days: int = Field(ge=1, le=365)
    max_working_days: int | None = Field(default=None, ge=1, le=365)
    clock_starts: ShortText | None = None
    acknowledge_working_days: int | None = Field(default=None, ge=1, le=365)
    panel_meeting_working_days: int | None = Field(default=None, ge=1, le=365)
    panel_report_working_days: int | None = Field(default=None, ge=1, le=365)


# --- imports: the rows of the spreadsheet templates (services/importing) --------------------------------
# A spreadsheet cell is text (or, from Excel, a date, a number or a boolean). These parsers turn one
# cell into a value or raise ValueError with the words the error report shows; they are pure, so that
# they are tested on their own (tests/test_import_parsers.py).

import re as _re  # noqa: E402  (kept beside the parsers: other engineers append to this file too)
from datetime import datetime as _datetime  # noqa: E402
from decimal import InvalidOperation as _InvalidOperation  # noqa: E402

from pydantic import BeforeValidator, model_validator  # noqa: E402

DATE_HINT = "must be a date such as 2021-04-06 or 06/04/2021"
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO_DATE = _re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_UK_DATE = _re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})" + _TIME)
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def parse_sheet_date(value: Any) -> date | None:
    """A date from a cell: ISO (2021-04-06) or UK day-first (06/04/2021, 6.4.2021), a trailing time of
    day ignored, or an Excel date; None for a blank cell."""
    if value is None:
        return None
    if isinstance(value, _datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _UK_DATE.fullmatch(text):
        day, month = int(match[1]), int(match[2])
        if len(match[3]) == 2:
            raise ValueError(f"{DATE_HINT}, with the year in full")
        year = int(match[3])
    else:
        raise ValueError(DATE_HINT)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"is not a date in the calendar; {DATE_HINT}") from None


def parse_yes_no(value: Any) -> bool | None:
    """yes/no, y/n, true/false or 1/0 in any case (or an Excel boolean) as a bool; None for a blank cell."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError("must be yes or no (y/n and true/false are read too)")


def parse_pence(value: Any) -> int:
    """An amount in pounds ('1250', '£1,250.50') as whole pence; 0 for a blank cell."""
    if value is None:
        return 0
    text = str(value).strip().replace("£", "").replace(",", "").replace(" ", "")
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except _InvalidOperation:
        raise ValueError("must be an amount in pounds, such as 250 or 250.00") from None
    if not amount.is_finite():
        raise ValueError("must be an amount in pounds, such as 250 or 250.00")
    if amount < 0:
        raise ValueError("must not be negative")
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError("has more than two decimal places (whole pence)")
    if amount > 10_000_000:
        raise ValueError("is more than £10,000,000; check the amount")
    return int(pence)


def split_list(value: Any) -> list[str]:
    """A semicolon-separated cell as its non-blank items, each stripped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [item.strip() for item in str(value).split(";") if item.strip()]


SheetDate = Annotated[date | None, BeforeValidator(parse_sheet_date)]
YesNo = Annotated[bool | None, BeforeValidator(parse_yes_no)]
Pence = Annotated[int, BeforeValidator(parse_pence)]
SheetList = Annotated[list[str], BeforeValidator(split_list)]
SheetText = Annotated[str | None, Field(default=None, max_length=4000)]
SheetShort = Annotated[str | None, Field(default=None, max_length=200)]


class SheetRow(Model):
    """One row of an import template: text cells stripped, a blank cell is None. Which values are allowed
    (a known service area, a configured code) is the import's job (services/importing), with lookups loaded once per file."""

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
        return data


class ServiceAreaRow(SheetRow):
    name: Annotated[str, Field(max_length=200)]
    active: YesNo = None


class UserRow(SheetRow):
    email: Annotated[str, Field(max_length=200)]
    name: Annotated[str, Field(max_length=200)]
    role: Annotated[str, Field(max_length=200)]
    service_areas: SheetList = Field(default_factory=list)
    active: YesNo = None


class ComplaintRow(SheetRow):
    reference: Annotated[str, Field(max_length=200)]
    received_on: date
    procedure: Annotated[str, Field(max_length=200)]
    service_area: Annotated[str, Field(max_length=200)]
    received_via: SheetShort = None
    complainant_type: SheetShort = None
    advocate: YesNo = None
    concerns: SheetList = Field(default_factory=list)
    outcome: SheetShort = None
    stage1_completed_on: SheetDate = None
    stage1_extended: YesNo = None
    stage1_extension_reason: SheetText = None
    stage2_requested_on: SheetDate = None
    stage2_completed_on: SheetDate = None
    stage2_extended: YesNo = None
    stage2_extension_reason: SheetText = None
    stage3_requested_on: SheetDate = None
    stage3_completed_on: SheetDate = None
    lgsco_referred_on: SheetDate = None
    lgsco_decision: SheetShort = None
    remedy_gbp: Pence = 0
    gender: SheetShort = None
    age_band: SheetShort = None
    ethnicity: SheetShort = None
    disability: SheetShort = None
    outcome_on: SheetDate = None
    informal_completed_on: SheetDate = None
    stage1_requested_on: SheetDate = None
    stage1_extended_to: SheetDate = None
    stage2_extended_to: SheetDate = None
    informal_outcome: SheetShort = None
    informal_outcome_on: SheetDate = None
    stage1_outcome: SheetShort = None
    stage1_outcome_on: SheetDate = None
    stage2_outcome: SheetShort = None
    stage2_outcome_on: SheetDate = None
    no_learning_reason: SheetText = None
    no_learning_recorded_by: SheetShort = None
    no_learning_recorded_on: SheetDate = None
    # The procedures in full (all optional: a file without them imports as before).
    advocacy_offered_on: SheetDate = None
    advocacy_accepted: YesNo = None
    grounds_arose_on: SheetDate = None
    late_decision: SheetShort = None
    late_decision_reason: SheetText = None
    declined_on: SheetDate = None
    declined_reason: SheetShort = None
    informal_acknowledged_on: SheetDate = None
    stage1_acknowledged_on: SheetDate = None
    stage2_acknowledged_on: SheetDate = None
    stage2_statement_agreed_on: SheetDate = None
    stage2_investigating_officer: SheetShort = None
    stage2_independent_person: SheetShort = None
    stage2_investigation_report_on: SheetDate = None
    stage2_independent_person_report_on: SheetDate = None
    stage2_adjudicated_on: SheetDate = None
    stage2_adjudicator: SheetShort = None
    stage3_acknowledged_on: SheetDate = None
    stage3_panel_met_on: SheetDate = None
    stage3_panel_report_on: SheetDate = None

    _received = field_validator("received_on", mode="before")(parse_sheet_date)


class ComplimentRow(SheetRow):
    id: int | None = Field(default=None, ge=1)
    received_on: date
    service_area: Annotated[str, Field(max_length=200)]
    source: Annotated[str, Field(max_length=200)]
    categories: SheetList = Field(default_factory=list)
    summary: Annotated[str | None, Field(default=None, max_length=500)] = None

    _received = field_validator("received_on", mode="before")(parse_sheet_date)


class LearningRow(SheetRow):
    id: int | None = Field(default=None, ge=1)
    service_area: Annotated[str, Field(max_length=200)]
    theme: Annotated[str, Field(max_length=200)]
    description: Annotated[str, Field(max_length=4000)]
    complaints: SheetList = Field(default_factory=list)
    status: SheetShort = None
    source: SheetShort = None
    created_on: SheetDate = None
    created_by: SheetShort = None


class ActionRow(SheetRow):
    id: int | None = Field(default=None, ge=1)
    learning_point_id: int = Field(ge=1)
    description: Annotated[str, Field(max_length=4000)]
    owner_email: Annotated[str, Field(max_length=200)]
    service_area: Annotated[str, Field(max_length=200)]
    due_on: date
    priority: SheetShort = None
    status: SheetShort = None
    created_on: SheetDate = None
    completed_on: SheetDate = None
    verified_on: SheetDate = None
    cancel_reason: SheetText = None

    _due = field_validator("due_on", mode="before")(parse_sheet_date)


from typing import Literal as _Literal  # noqa: E402  (kept beside the forum models: other engineers append here too)


class NewForumMeeting(Model):
    """A Practice Improvement Forum meeting: its date and who attended, by role title (no names needed)."""

    held_on: date
    attendees: list[ShortText] = Field(default_factory=list)


class ForumDecision(Model):
    """What the forum decided about one item of its pack: a learning point, an improvement action, or a
    learning gap (an upheld complaint with no learning recorded, named by its complaint's id).

    ``read_version`` is the version of the learning point the forum read; closing it needs it.
    """

    item: _Literal["learning point", "action", "learning gap"]
    item_id: int = Field(ge=1)
    decision: ShortText
    note: OptionalText = None
    read_version: int | None = Field(default=None, ge=1)
