"""The spreadsheet templates of imports and exports: one per record type, one row per record.

An export is a file in its template and importing it into an empty database gives the same records, so
the template columns are the register's words, and the few columns beyond the canonical ones (the
"no learning identified" decision, an extension to an earlier date than the longest allowed, an
informal stage before the formal procedure, the outcome of a stage the complaint went on from, and the
procedures' steps: advocacy, the time limit, a declined complaint, each stage's acknowledgement, the stage 2
investigation and the review panel) are optional: a file without them imports as if they were blank.
Values are written as the configured vocabularies spell them, dates as ISO dates (2021-04-06), yes/no
fields as yes or no (blank for not known where that is allowed), lists (concerns, categories, complaint
references) separated by semicolons.

The definitions are pure (no database): the read side writes records into these rows
(``read.records``), and the import and export services (``services.importing``,
``services.exporting``) read and write files in them, so they live here, below both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from .. import models
from ..rules.vocabulary import PARTLY_UPHELD

SERVICE_AREAS, USERS, COMPLAINTS, COMPLIMENTS, LEARNING, ACTIONS = (
    "service-areas", "users", "complaints", "compliments", "learning", "actions",
)


@dataclass(frozen=True)
class Column:
    """One column of a template.

    ``coded`` names the list of allowed values the column takes (a vocabulary, or ``service_area``,
    ``concern``, ``theme``, ``role``, ``learning_status``, ``action_status``, ``priority``,
    ``late_decision``); those
    are the columns whose values an import may map (a file's "Partially Upheld" to partly upheld).
    ``many`` marks a semicolon-separated list.
    """

    name: str
    help: str
    required: bool = False
    coded: str | None = None
    many: bool = False
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """A record type's columns, in file order, and what identifies a record that exists already; ``notes``
    say what the file does not hold and how it is read (the Excel template's "About the columns" sheet)."""

    kind: str
    label: str
    columns: tuple[Column, ...]
    key: str
    model: type[models.SheetRow]
    notes: tuple[str, ...] = ()

    @cached_property
    def fields(self) -> list[str]:
        return [c.name for c in self.columns]

    @cached_property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def filename(self) -> str:
        return f"{self.kind}-template"


# The steps of each stage a complaint's row holds, as ``stageN_<column>`` (``informal_acknowledged_on`` for
# an informal stage before the formal procedure), each the complaint_stages column of the same name.
STAGE_STEP_COLUMNS: dict[int, tuple[str, ...]] = {
    1: ("acknowledged_on",),
    2: ("acknowledged_on", "statement_agreed_on", "investigating_officer", "independent_person",
        "investigation_report_on", "independent_person_report_on", "adjudicated_on", "adjudicator"),
    3: ("acknowledged_on", "panel_met_on", "panel_report_on"),
}
# The stage 2 columns only statutory stage 2 has: the statement of complaint, the investigation and its
# adjudication (``rules.procedures.is_investigation_stage``); a corporate stage 2 has none of them.
INVESTIGATION_COLUMNS = STAGE_STEP_COLUMNS[2][1:]

_ID = Column("id", "this app's number for the record: blank for a new record; a number that exists updates it",
             synonyms=("number", "record_id"))
_AREA = Column("service_area", "a service area of this app", required=True, coded="service_area",
               synonyms=("team", "service", "area", "team_name", "service_area_name", "department"))

TEMPLATES: dict[str, Template] = {
    SERVICE_AREAS: Template(
        SERVICE_AREAS, "service areas",
        (
            Column("name", "the service area's name", required=True,
                   synonyms=("service_area", "team", "service", "area", "team_name")),
            Column("active", "yes (default) or no for a service area that no longer takes new records",
                   coded="yes_no", synonyms=("in_use", "current")),
        ),
        key="name", model=models.ServiceAreaRow,
    ),
    USERS: Template(
        USERS, "users",
        (
            Column("email", "the person's work email", required=True, synonyms=("email_address", "e_mail")),
            Column("name", "their name", required=True, synonyms=("full_name", "user_name")),
            Column("role", "complaints officer, service manager, forum member or viewer", required=True,
                   coded="role"),
            Column("service_areas", "a service manager's service areas, separated by semicolons",
                   coded="service_area", many=True, synonyms=("areas", "teams")),
            Column("active", "yes (default) or no for someone who no longer uses the app", coded="yes_no"),
        ),
        key="email", model=models.UserRow,
    ),
    COMPLAINTS: Template(
        COMPLAINTS, "complaints",
        (
            Column("reference", "the complaint's reference in the council's case system (no names)", required=True,
                   synonyms=("ref", "case_ref", "case_reference", "complaint_ref", "complaint_reference",
                             "complaint_number", "case_number", "case_no", "complaint_id")),
            Column("received_on", "the date the complaint was received", required=True,
                   synonyms=("date_received", "received", "received_date", "date_of_receipt", "date_logged",
                             "receipt_date", "date")),
            Column("procedure", "statutory, corporate or informal", required=True, coded="procedure",
                   synonyms=("complaint_type", "type", "procedure_type")),
            _AREA,
            Column("received_via", "how it was received: email, online form, letter, ...", coded="received_via",
                   synonyms=("how_received", "method", "channel", "received_by", "contact_method")),
            Column("complainant_type", "who complained: child or young person, parent or carer, ...",
                   coded="complainant_type", synonyms=("complainant", "who_complained", "complainant_category")),
            Column("advocate", "yes when an advocate supported the complaint", coded="yes_no",
                   synonyms=("advocacy", "advocate_involved", "with_advocate", "advocate_used")),
            Column("concerns", "each 'Category' or 'Category > Subcategory', separated by semicolons",
                   coded="concern", many=True,
                   synonyms=("concern", "concern_codes", "nature_of_complaint", "categories", "issues", "themes")),
            Column("outcome", "upheld, partly upheld, not upheld or withdrawn; blank while open", coded="outcome",
                   synonyms=("result", "finding", "overall_outcome", "decision")),
            Column("stage1_completed_on", "the date stage 1 was answered; blank while open",
                   synonyms=("stage1_response", "stage1_responded_on", "stage1_response_date", "stage1_completed",
                             "responded_on", "response_date", "date_responded", "date_closed", "closed_on")),
            Column("stage1_extended", "yes when stage 1 was extended (to the longest allowed, unless "
                   "stage1_extended_to says otherwise)", coded="yes_no", synonyms=("stage1_extension",)),
            Column("stage1_extension_reason", "why stage 1 was extended (required when extended)"),
            Column("stage2_requested_on", "the date the complainant asked for stage 2",
                   synonyms=("stage2_requested", "stage2_request_date", "stage2_started_on")),
            Column("stage2_completed_on", "the date stage 2 was answered",
                   synonyms=("stage2_response", "stage2_responded_on", "stage2_response_date", "stage2_completed")),
            Column("stage2_extended", "yes when stage 2 was extended", coded="yes_no",
                   synonyms=("stage2_extension",)),
            Column("stage2_extension_reason", "why stage 2 was extended (required when extended)"),
            Column("stage3_requested_on", "the date the complainant asked for a review panel (stage 3)",
                   synonyms=("stage3_requested", "stage3_request_date", "panel_requested_on")),
            Column("stage3_completed_on", "the date the council's response to the review panel was sent",
                   synonyms=("stage3_response", "stage3_responded_on", "stage3_response_date", "stage3_completed")),
            Column("lgsco_referred_on", "the date the complaint went to the Ombudsman",
                   synonyms=("ombudsman_referred_on", "lgsco_referral_date", "ombudsman_referral_date")),
            Column("lgsco_decision", "the Ombudsman's decision", coded="lgsco_decision",
                   synonyms=("ombudsman_decision", "lgsco_outcome", "ombudsman_outcome")),
            Column("remedy_gbp", "remedy paid, in pounds", synonyms=("remedy", "remedy_payment", "remedy_amount",
                                                                 "compensation", "payment")),
            Column("gender", "male, female, other or not recorded", coded="gender", synonyms=("sex",)),
            Column("age_band", "under 16, 16-24, 25-34, 35-49, 50-64, 65 and over or not recorded",
                   coded="age_band", synonyms=("age", "age_group", "age_range")),
            Column("ethnicity", "an ONS 2011 census category or not recorded", coded="ethnicity",
                   synonyms=("ethnic_origin", "ethnic_group")),
            Column("disability", "yes, no or not recorded", coded="disability", synonyms=("disabled",)),
            # Optional: what the register also holds, so that an export imports back unchanged.
            Column("outcome_on", "the date of the outcome; blank means the day the last stage was answered",
                   synonyms=("outcome_date", "date_of_outcome")),
            Column("informal_completed_on", "for a complaint first handled informally, then under a formal "
                   "procedure: the date the informal stage was answered"),
            Column("stage1_requested_on", "when stage 1 of the formal procedure started after an informal stage; "
                   "blank means the day received"),
            Column("stage1_extended_to", "the extended due date of stage 1, when earlier than the longest allowed"),
            Column("stage2_extended_to", "the extended due date of stage 2, when earlier than the longest allowed"),
            # A stage the complaint went on from keeps its outcome; the last stage's is the outcome column.
            Column("informal_outcome", "the outcome of the informal stage before the formal procedure",
                   coded="outcome"),
            Column("informal_outcome_on", "the date of that outcome; blank means the day the informal stage was "
                   "answered"),
            Column("stage1_outcome", "the outcome of stage 1, when the complaint went on to stage 2", coded="outcome"),
            Column("stage1_outcome_on", "the date of that outcome; blank means the day stage 1 was answered"),
            Column("stage2_outcome", "the outcome of stage 2, when the complaint went on to stage 3", coded="outcome"),
            Column("stage2_outcome_on", "the date of that outcome; blank means the day stage 2 was answered"),
            Column("no_learning_reason", "why no learning was identified from an upheld complaint"),
            Column("no_learning_recorded_by", "the email of who recorded that no learning was identified"),
            Column("no_learning_recorded_on", "the date that was recorded"),
            # Optional: the procedures in full. A file without them imports as before (nothing is assumed).
            Column("advocacy_offered_on", "the date an advocate was offered (a child's right); blank: not recorded",
                   synonyms=("advocacy_offered", "date_advocacy_offered")),
            Column("advocacy_accepted", "yes or no: whether the advocacy offered was accepted; blank: not known",
                   coded="yes_no",
                   synonyms=("advocacy_taken_up",)),
            Column("grounds_arose_on", "the date the matter complained about arose (the time limit: a complaint "
                   "received a year or more after it is late)", synonyms=("grounds_arose", "date_grounds_arose")),
            Column("late_decision", "for a late complaint: considered or declined (blank: not recorded)",
                   coded="late_decision"),
            Column("late_decision_reason", "why the late complaint was considered or declined (required with "
                   "late_decision)"),
            Column("declined_on", "the date the council declined (refused) the complaint; its last stage closes "
                   "that day and outcome is left blank", synonyms=("refused_on", "date_declined", "date_refused")),
            Column("declined_reason", "why it was declined: one of the configured reasons (required with "
                   "declined_on; blank for a late complaint declined means 'matter more than a year old')",
                   coded="declined_reason", synonyms=("refused_reason", "reason_declined", "refusal_reason")),
            Column("informal_acknowledged_on", "the date the informal stage before the formal procedure was "
                   "acknowledged"),
            Column("stage1_acknowledged_on", "the date stage 1 was acknowledged; blank: not recorded",
                   synonyms=("acknowledged_on", "date_acknowledged", "acknowledgement_date", "stage1_acknowledged")),
            Column("stage2_acknowledged_on", "the date the stage 2 request was acknowledged",
                   synonyms=("stage2_acknowledged",)),
            Column("stage2_statement_agreed_on", "statutory stage 2: the date the statement of complaint was agreed "
                   "with the complainant", synonyms=("statement_agreed_on", "stage2_statement_agreed")),
            Column("stage2_investigating_officer", "statutory stage 2: the Investigating Officer by role and "
                   "organisation (never a name or contact details), e.g. 'Independent investigator, Coram Voice'",
                   synonyms=("investigating_officer",)),
            Column("stage2_independent_person", "statutory stage 2: the Independent Person by role and "
                   "organisation", synonyms=("independent_person",)),
            Column("stage2_investigation_report_on", "statutory stage 2: the date of the Investigating Officer's "
                   "report", synonyms=("investigation_report_on",)),
            Column("stage2_independent_person_report_on", "statutory stage 2: the date of the Independent "
                   "Person's report", synonyms=("independent_person_report_on",)),
            Column("stage2_adjudicated_on", "statutory stage 2: the date of the adjudication, the council's "
                   "stage 2 response (a blank stage2_completed_on is taken as this day)",
                   synonyms=("adjudicated_on", "adjudication_date")),
            Column("stage2_adjudicator", "statutory stage 2: who adjudicated, by role (e.g. Head of Service)",
                   synonyms=("adjudicator",)),
            Column("stage3_acknowledged_on", "the date the review panel request was acknowledged",
                   synonyms=("stage3_acknowledged",)),
            Column("stage3_panel_met_on", "the date the review panel met", synonyms=("panel_met_on", "panel_date")),
            Column("stage3_panel_report_on", "the date of the review panel's report (stage3_completed_on is the "
                   "council's response to it)", synonyms=("panel_report_on",)),
        ),
        key="reference", model=models.ComplaintRow,
        notes=(
            "Points of complaint and recommendations (the stage 2 investigation's, the review panel's) are many "
            "to a stage, so this file does not hold them: record them on the complaint's page. Importing a "
            "complaint leaves those recorded as they are.",
            "Due dates are worked out as the app works them out: each stage's acknowledgement, response and "
            "review panel steps from the configured timescales and the dates given (an acknowledgement, an "
            "agreed statement of complaint, the panel's meeting and report).",
            "A declined (refused) complaint has declined_on and declined_reason, and outcome blank; its last "
            "stage closes on declined_on.",
            "Blank optional columns record nothing: no acknowledgement, advocacy or time limit is assumed.",
        ),
    ),
    COMPLIMENTS: Template(
        COMPLIMENTS, "compliments",
        (
            _ID,
            Column("received_on", "the date the compliment was received", required=True,
                   synonyms=("date_received", "received", "date")),
            _AREA,
            Column("source", "who paid it: professional, parent or carer, ...", required=True,
                   coded="compliment_source", synonyms=("from", "compliment_from", "who")),
            Column("categories", "standard of service, good communication, ... separated by semicolons",
                   required=True, coded="compliment_category", many=True, synonyms=("category", "about")),
            Column("summary", "a short description without names or contact details",
                   synonyms=("description", "details", "comment", "notes")),
        ),
        key="id", model=models.ComplimentRow,
    ),
    LEARNING: Template(
        LEARNING, "learning points",
        (
            _ID,
            _AREA,
            Column("theme", "a main concern category", required=True, coded="theme",
                   synonyms=("category", "concern_category")),
            Column("description", "what was learnt", required=True,
                   synonyms=("learning", "learning_point", "what_was_learnt", "details")),
            Column("complaints", "the references of the complaints it was drawn from, separated by semicolons",
                   required=True, many=True,
                   synonyms=("complaint_references", "complaint_reference", "references", "reference",
                             "complaint_refs")),
            Column("status", "open, actions agreed, in progress, embedded or closed", coded="learning_status"),
            Column("source", "where the learning came from (default: complaint)"),
            Column("created_on", "the date the learning was recorded", synonyms=("recorded_on", "date")),
            Column("created_by", "the email of who recorded it", synonyms=("recorded_by",)),
        ),
        key="id", model=models.LearningRow,
    ),
    ACTIONS: Template(
        ACTIONS, "improvement actions",
        (
            _ID,
            Column("learning_point_id", "the number of the learning point the action belongs to", required=True,
                   synonyms=("learning_point", "learning_point_number", "learning_id")),
            Column("description", "what will be done", required=True, synonyms=("action", "details")),
            Column("owner_email", "the email of the user who owns it", required=True,
                   synonyms=("owner", "email", "assigned_to", "owner_e_mail")),
            _AREA,
            Column("due_on", "the date it is due", required=True, synonyms=("due", "due_date", "deadline")),
            Column("priority", "high, medium (default) or low", coded="priority"),
            Column("status", "not started (default), in progress, completed, verified or cancelled",
                   coded="action_status"),
            Column("created_on", "the date it was agreed", synonyms=("agreed_on", "created")),
            Column("completed_on", "the date it was completed (required when completed or verified)",
                   synonyms=("completed", "date_completed")),
            Column("verified_on", "the date the complaints officer verified it (required when verified)",
                   synonyms=("verified", "date_verified")),
            Column("cancel_reason", "why it was cancelled (required when cancelled)",
                   synonyms=("cancellation_reason", "reason_cancelled")),
        ),
        key="id", model=models.ActionRow,
    ),
}

#: The order in which record types are imported into an empty database: each needs the ones before it.
IMPORT_ORDER = [SERVICE_AREAS, USERS, COMPLAINTS, COMPLIMENTS, LEARNING, ACTIONS]


def template(kind: str) -> Template:
    """The template of a record type, or a clear ValueError naming the types there are."""
    try:
        return TEMPLATES[kind]
    except KeyError:
        raise ValueError(f"'{kind}' is not a record type; choose one of {', '.join(TEMPLATES)}.") from None


# --- column names --------------------------------------------------------------------------------


def squash(name: str) -> str:
    """A column name reduced to lower-case letters and digits, so 'Stage 1 completed on',
    'stage1_completed_on' and 'STAGE1 COMPLETED-ON' compare equal."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def guess_column(field: Column, headers: list[str]) -> str | None:
    """The file column that obviously holds ``field``: the same name, else a usual other name for it."""
    by_squashed = {}
    for header in headers:
        by_squashed.setdefault(squash(header), header)
    for candidate in (field.name, *field.synonyms):
        found = by_squashed.get(squash(candidate))
        if found is not None:
            return found
    return None


# --- values as the templates write them ----------------------------------------------------------


def fmt_date(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def fmt_yes_no(value: bool | int | None) -> str:
    return "yes" if value else "no"


def fmt_yes_no_blank(value: bool | int | None) -> str:
    """yes or no, blank for not known."""
    return "" if value is None else fmt_yes_no(value)


def fmt_pence(pence: int | None) -> str:
    """Pounds with pence ('1250.00'), blank for none."""
    return f"{pence / 100:.2f}" if pence else ""


def join_list(values: list[str]) -> str:
    return "; ".join(values)


def fmt_text(value: str | None) -> str:
    return "" if value is None else str(value)


#: Other spellings of coded values that are close in meaning but not in letters, for the value mapping.
VALUE_SYNONYMS: dict[str, str] = {
    "partially upheld": PARTLY_UPHELD,
    "part upheld": PARTLY_UPHELD,
    "upheld in part": PARTLY_UPHELD,
    "partial": PARTLY_UPHELD,
    "e-mail": "email",
    "web form": "online form",
    "webform": "online form",
    "online": "online form",
    "website": "online form",
    "phone": "telephone",
    "face to face": "in person",
    "young person": "child or young person",
    "child": "child or young person",
    "parent": "parent or carer",
    "carer": "parent or carer",
    "m": "male",
    "f": "female",
    "unknown": "not recorded",
    "not known": "not recorded",
    "prefer not to say": "not recorded",
    "blank": "not recorded",
}
