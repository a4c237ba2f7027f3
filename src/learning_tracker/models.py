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
