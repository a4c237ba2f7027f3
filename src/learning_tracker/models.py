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
            words = _FIELD_WORDS.get(item["type"], item["msg"].lower())
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
    """How many working days a stage of a procedure has, and how far it may be extended."""

    due_working_days: int = Field(ge=1, le=365)
    max_working_days: int | None = Field(default=None, ge=1, le=365)
