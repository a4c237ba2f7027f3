"""The demo's records as they are built, in memory, before ``writer`` gives them ids and writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True)
class Stage:
    procedure: str
    stage: int
    clock_started_on: date
    due_on: date
    extended_due_on: date | None = None
    extension_reason: str | None = None
    responded_on: date | None = None
    # The steps of the procedures (``rules.procedures``), filled in by ``steps`` once every other record is drawn.
    acknowledgement_due_on: date | None = None
    acknowledged_on: date | None = None
    response_clock_started_on: date | None = None
    statement_agreed_on: date | None = None
    investigating_officer: str | None = None
    independent_person: str | None = None
    investigation_report_on: date | None = None
    independent_person_report_on: date | None = None
    adjudicated_on: date | None = None
    adjudicator: str | None = None
    outcome_reason: str | None = None
    panel_meeting_due_on: date | None = None
    panel_met_on: date | None = None
    panel_report_due_on: date | None = None
    panel_report_on: date | None = None
    points: list[Point] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    id: int = 0


@dataclass(slots=True, eq=False)
class Point:
    """A point of complaint investigated at stage 2, with its finding (``None`` while under investigation)."""

    summary: str
    finding: str | None = None
    id: int = 0


@dataclass(slots=True, eq=False)
class Recommendation:
    """An investigation's or a review panel's recommendation, the decision on it and the action it became."""

    text: str
    point: Point | None = None
    decision: str | None = None
    decision_reason: str | None = None
    decided_on: date | None = None
    action: Action | None = None


@dataclass(slots=True, eq=False)
class Complaint:
    received_on: date
    procedure: str
    area: str = ""
    stages: list[Stage] = field(default_factory=list)
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
    advocacy_offered_on: date | None = None
    advocacy_accepted: int | None = None  # 1 accepted, 0 not, None not yet known
    grounds_arose_on: date | None = None
    late_decision: str | None = None
    late_decision_reason: str | None = None
    declined_reason: str | None = None
    id: int = 0

    @property
    def closed_on(self) -> date | None:
        return self.stages[-1].responded_on if self.stages else None

    @property
    def final_stage(self) -> int:
        """How many stages of its own procedure it reached (an informal stage before them not counted)."""
        return sum(1 for s in self.stages if s.procedure == self.procedure)

    @property
    def theme(self) -> str:
        """What learning from it is about: the category of its first concern."""
        return self.concerns[0][0] if self.concerns else "Communication"


@dataclass(slots=True, eq=False)
class Action:
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
class LearningPoint:
    area: str
    theme: str
    description: str
    created_on: date
    created_by: str
    complaints: list[Complaint] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    source: str = "complaint"
    id: int = 0


@dataclass(slots=True)
class Compliment:
    received_on: date
    area: str
    source: str
    categories: list[str]
    summary: str
