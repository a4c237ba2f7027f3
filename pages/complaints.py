"""Complaints: the register (filtered, a page at a time), one complaint's record with its stages as a
timeline, and the forms the user's role allows: the complaints officer records everything; a service
manager records the stage 1 response and the outcome of their own areas' complaints."""

from datetime import date

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from learning_tracker import config, navigation, ui, widgets
from learning_tracker.read import register
from learning_tracker.errors import NotFound
from learning_tracker.models import (
    ConcernCoding,
    Escalation,
    NewComplaint,
    OmbudsmanRecord,
    OutcomeDecision,
    StageExtension,
    StageResponse,
    Withdrawal,
    parse,
)
from learning_tracker.read.register import RegisterFilter
from learning_tracker.reports import rag
from learning_tracker.rules import rag as rag_rule
from learning_tracker.rules.vocabulary import WITHDRAWN, stage_label
from learning_tracker.services import complaints, permissions
from learning_tracker.services.permissions import (
    CONCERNS,
    ESCALATION,
    EXTENSION,
    OMBUDSMAN,
    OUTCOME,
    RESPONSE,
    WITHDRAWAL,
)
from learning_tracker.rules import periods
from learning_tracker.rules.periods import long_date
from learning_tracker.escaping import md_escape

ALL = "All"
LEARNING_PAGE = "record_learning.py"

db, actor = ui.page_context()
st.title("Complaints")
widgets.show_flash()
today = date.today()
options = register.register_options(db)
area_names = dict(options["service_areas"])
codes = register.concern_codes(db)


# --- recording a complaint (complaints officer) ----------------------------------------------------------

if permissions.records_complaints(actor):
    with st.expander("Record a new complaint", icon=":material/add:"), widgets.form("new_complaint") as form:
        st.caption("A complaint is a reference into the council's case system: no names, addresses or "
                   "contact details.")
        left, middle, right = st.columns(3)
        reference = left.text_input("Reference", key=form.field("new_reference"), max_chars=200)
        received_on = middle.date_input("Received on", value=today, max_value=today, key=form.field("new_received_on"),
                                        format="DD/MM/YYYY")
        procedure = right.selectbox("Procedure", options["procedures"], key=form.field("new_procedure"))
        area = left.selectbox("Service area", list(area_names.values()), key=form.field("new_area"), index=None,
                              placeholder="Choose a service area")
        via = middle.selectbox("How it was received", config.vocabulary(db, "received_via"), index=None,
                               key=form.field("new_via"), placeholder="not recorded")
        who = right.selectbox("Who complained", config.vocabulary(db, "complainant_type"), index=None,
                              key=form.field("new_who"), placeholder="not recorded")
        concerns = st.multiselect("Concerns raised", codes, key=form.field("new_concerns"),
                                  help="Each concern the complaint raises. One raised more than once: record how "
                                       "many times on the complaint's Concerns tab.")
        advocate = st.checkbox("Supported by an advocate", key=form.field("new_advocate"))
        st.caption("Equality monitoring (optional)")
        equality = {}
        for column, field in zip(st.columns(4), ("gender", "age_band", "ethnicity", "disability")):
            equality[field] = column.selectbox(field.replace("_", " ").capitalize(), config.vocabulary(db, field),
                                               index=None, key=form.field(f"new_{field}"), placeholder="not recorded")
        if st.form_submit_button("Record the complaint", type="primary"):
            def create():
                new = parse(NewComplaint, {
                    "reference": reference, "received_on": received_on, "procedure": procedure,
                    "service_area": area or "", "received_via": via, "complainant_type": who,
                    "advocate": advocate, "concerns": concerns, **equality})
                complaints.create_complaint(db, actor, new)
                st.session_state["complaint_reference"] = new.reference
            widgets.save(create, f"Complaint {reference.strip()} recorded; its stage 1 clock started on "
                         f"{periods.long_date(received_on)}.", form)


# --- the register ----------------------------------------------------------------------------------------

st.header("Register")
row1 = st.columns(4)
year = row1[0].selectbox("Financial year", [ALL, *options["financial_years"]], key="register_year",
                         format_func=periods.year_label)
procedure_filter = row1[1].selectbox("Procedure", [ALL, *options["procedures"]], key="register_procedure")
stage_filter = row1[2].selectbox("Current stage", [ALL, *options["stages"]], key="register_stage")
outcome_filter = row1[3].selectbox("Outcome", [ALL, *options["outcomes"]], key="register_outcome",
                                   format_func=lambda o: "open (no outcome yet)" if o == register.OPEN else o)
row2 = st.columns(4)
if "register_areas" not in st.session_state and permissions.own_service_areas(actor):
    st.session_state["register_areas"] = list(permissions.own_service_areas(actor))
areas = row2[0].multiselect("Service areas", list(area_names), key="register_areas", format_func=area_names.get,
                            placeholder="All service areas")
category = row2[1].selectbox("Concern", [ALL, *options["concern_categories"]], key="register_category")
rag_filter = row2[2].selectbox("RAG", [ALL, *options["rag"]], key="register_rag",
                               help="The RAG, on the as-of date, of the stage open on that date.")
as_of = row2[3].date_input("As of", value=today, key="register_as_of", format="DD/MM/YYYY",
                           help="The date the RAG column and filter are worked out for.")
search = st.text_input("Reference contains", key="register_search", placeholder="e.g. CS-2122")

filters = RegisterFilter(
    financial_year=None if year == ALL else year,
    procedure=None if procedure_filter == ALL else procedure_filter,
    stage=None if stage_filter == ALL else int(stage_filter),
    service_area_ids=tuple(areas),
    outcome=None if outcome_filter == ALL else outcome_filter,
    concern_category=None if category == ALL else category,
    rag=None if rag_filter == ALL else rag_filter,
    reference=search or None,
)
# New filters start again at page 1; so does a return to this page, since Streamlit drops a widget's state
# (the pager's) when another page runs, while the remembered filters stay.
if st.session_state.get("register_filters") != filters or "register_page" not in st.session_state:
    st.session_state["register_filters"] = filters
    st.session_state["register_page"] = 1
page_number = int(st.session_state["register_page"])
result = register.complaints_register(db, filters, as_of=as_of, page=page_number)
if not result.total:
    st.info("No complaints match these filters." if any(vars(filters).values()) else
            "No complaints are recorded yet.")
else:
    references = list(result.rows["Reference"])

    def pick() -> None:
        if st.session_state["register_pick"]:
            st.session_state["complaint_reference"] = st.session_state["register_pick"]

    widgets.table(result.rows, {"Received": widgets.date_column("Received"), "Due": widgets.date_column("Due"),
                                "Answered": widgets.date_column("Answered")},
                  alt="Complaints register", style=rag.styled)
    widgets.pager(result.total, result.page_size, "register_page", "complaints")
    # A select box, not a click on a row: it works from the keyboard and with a screen reader.
    if st.session_state.get("register_pick") not in references:
        st.session_state.pop("register_pick", None)
    st.selectbox("Open a complaint of this page", references, index=None, key="register_pick", on_change=pick,
                 placeholder="Choose a reference from the register")


# --- one complaint ---------------------------------------------------------------------------------------

st.header("Complaint")
chosen = st.text_input("Open the complaint with reference", key="complaint_reference").strip()
if not chosen:
    st.caption("Choose a complaint in the register, or type its reference.")
    st.stop()
try:
    complaint_id = complaints.complaint_id_by_reference(db, chosen)
except NotFound as error:
    ui.show_error(error)
    st.stop()
detail = register.complaint_detail(db, complaint_id, as_of=today)
read_version = widgets.version_read(f"complaint:{complaint_id}", detail["version"])

st.subheader(md_escape(detail["reference"]))
facts = {
    "Received": long_date(detail["received_on"]),
    "Procedure": detail["procedure"],
    "Service area": detail["service_area"],
    "Outcome": (f"{detail['outcome']} ({long_date(detail['outcome_on'])})" if detail["outcome"]
                else "open (no outcome yet)"),
    "How received": detail["received_via"] or "not recorded",
    "Who complained": detail["complainant_type"] or "not recorded",
    "Advocate": "yes" if detail["advocate"] else "no",
    "Concerns": "; ".join(f"{code} ×{n}" if n > 1 else code for code, n in detail["concern_counts"].items())
                or "not coded yet",
}
if detail["lgsco_referred_on"] or detail["lgsco_decision"] or detail["remedy_pence"]:
    facts["Ombudsman"] = (f"referred {long_date(detail['lgsco_referred_on'])}" if detail["lgsco_referred_on"] else "") + (
        f", decision: {detail['lgsco_decision']}" if detail["lgsco_decision"] else "")
    facts["Remedy paid"] = f"£{detail['remedy_pounds']:,.2f}"
widgets.table([{"Detail": key, "Recorded": value} for key, value in facts.items()],
              {"Recorded": widgets.Column("Recorded", "text")}, alt=f"The complaint {detail['reference']}")

st.markdown("#### Stages")
for number, stage in enumerate(detail["stages"], start=1):
    with st.container(border=True):
        extended = stage["extended_due_on"]
        due = f"due {long_date(stage['due_on'])}" + (f", extended to {long_date(extended)}" if extended else "")
        if stage["responded_on"]:
            closed_by_withdrawal = detail["outcome"] == WITHDRAWN and stage["responded_on"] == detail["outcome_on"]
            ended = ("withdrawn on " if closed_by_withdrawal else "answered on ") + long_date(stage["responded_on"])
            state = (f"{ended} after {stage['working_days_taken']} working days, "
                     f"{'within' if stage['timeliness'] == 'within' else 'over'} timescale")
        else:
            left = stage["working_days_remaining"]
            rag_now = stage["rag"]
            state = "open: " + (f"{-left} working days overdue" if left < 0 else f"{left} working days left") + (
                f" · :{rag_rule.RAG_MARKDOWN_COLOURS[rag_now]}[**{rag_now}**]" if rag_now else "")
        st.markdown(f"**{number}. {stage['label'].capitalize()}** · clock started {long_date(stage['clock_started_on'])}"
                    f" · {due} · {state}")
        st.markdown(f"{stage['label'].capitalize()}: {md_escape(stage['outcome_words'])}")
        if stage["extension_reason"]:
            st.caption("Extension reason: " + md_escape(stage["extension_reason"]))

if detail["learning"]:
    st.markdown("#### Learning recorded from this complaint")
    widgets.table([{"Learning point": lp["id"], "Theme": lp["theme"], "Status": lp["status"],
                    "Description": lp["description"]} for lp in detail["learning"]],
                  {"Learning point": widgets.number_column("Learning point"), "Description": widgets.Column("Description", "text")})
if permissions.records_learning(actor) and (navigation.ROOT / "pages" / LEARNING_PAGE).exists():
    try:
        st.page_link(f"pages/{LEARNING_PAGE}", label="Record learning from this complaint", icon=":material/edit_note:",
                     query_params={"complaint": detail["reference"]})
    except StreamlitPageNotFoundError:  # this page run on its own, outside the app's navigation
        pass


# --- the forms this user may use on this complaint ----------------------------------------------------------

open_stage = detail["open_stage"]
outcomes = [o for o in config.vocabulary(db, "outcome") if o != WITHDRAWN]
key = f"c{complaint_id}"

allowed = permissions.complaint_forms(actor, detail)
if not allowed.forms:
    st.caption(allowed.why_none)
    st.stop()

st.markdown("#### Record")
panes = dict(zip(allowed.forms, st.tabs(list(allowed.forms))))
reference_text = detail["reference"]

if RESPONSE in panes:
    with panes[RESPONSE], widgets.form(f"response-{key}") as form:
        st.caption(f"The response to the {open_stage['label']}, and the outcome it gave, if any.")
        responded_on = st.date_input("Responded on", value=today, max_value=today, key=form.field(f"responded-{key}"),
                                     format="DD/MM/YYYY")
        outcome = st.selectbox("Outcome", outcomes, index=None, key=form.field(f"response-outcome-{key}"),
                               placeholder="no outcome yet")
        if st.form_submit_button("Record the response", type="primary"):
            widgets.save(lambda: complaints.record_response(db, actor, complaint_id, read_version, parse(
                StageResponse, {"responded_on": responded_on, "outcome": outcome})),
                f"{reference_text}: the {open_stage['label']} response is recorded.", form)

if OUTCOME in panes:
    with panes[OUTCOME], widgets.form(f"outcome-{key}") as form:
        outcome = st.selectbox("Outcome", outcomes, index=None, key=form.field(f"outcome-{key}"), placeholder="Choose the outcome")
        outcome_on = st.date_input("Decided on", value=today, max_value=today, key=form.field(f"outcome-on-{key}"),
                                   format="DD/MM/YYYY")
        if st.form_submit_button("Record the outcome", type="primary"):
            widgets.save(lambda: complaints.record_outcome(db, actor, complaint_id, read_version, parse(
                OutcomeDecision, {"outcome": outcome or "", "outcome_on": outcome_on})),
                f"{reference_text}: outcome recorded.", form)

if EXTENSION in panes:
    with panes[EXTENSION], widgets.form(f"extension-{key}") as form:
        cap = open_stage["cap_on"]
        st.caption(f"Due {long_date(open_stage['effective_due_on'])}. " + (
            f"The {open_stage['label']} timescale allows an extension to {long_date(cap)} at the latest."
            if cap else f"The {open_stage['label']} timescale allows no extension."))
        extended_on = st.date_input("Extended due date", value=None, key=form.field(f"extended-{key}"), format="DD/MM/YYYY")
        reason = st.text_input("Reason for the extension", key=form.field(f"extension-reason-{key}"))
        if st.form_submit_button("Extend", type="primary"):
            widgets.save(lambda: complaints.extend_stage(db, actor, complaint_id, read_version, parse(
                StageExtension, {"extended_due_on": extended_on, "reason": reason})),
                f"{reference_text}: the {open_stage['label']} is now due on {widgets.long_date(extended_on)}.",
                form, free_text={"Reason for the extension": reason})

if ESCALATION in panes:
    with panes[ESCALATION], widgets.form(f"escalation-{key}") as form:
        target = st.selectbox("Escalate to", detail["escalations"], key=form.field(f"escalate-to-{key}"),
                              format_func=lambda t: stage_label(*t))
        requested_on = st.date_input("The complainant asked on", value=today, max_value=today,
                                     key=form.field(f"requested-{key}"), format="DD/MM/YYYY",
                                     help="The new stage's clock starts on this day.")
        if st.form_submit_button("Escalate", type="primary"):
            widgets.save(lambda: complaints.escalate(db, actor, complaint_id, read_version, parse(
                Escalation, {"procedure": target[0], "stage": target[1], "requested_on": requested_on})),
                f"{reference_text} is now at {stage_label(*target)}.", form)

if WITHDRAWAL in panes:
    with panes[WITHDRAWAL], widgets.form(f"withdrawal-{key}") as form:
        withdrawn_on = st.date_input("Withdrawn on", value=today, max_value=today, key=form.field(f"withdrawn-{key}"),
                                     format="DD/MM/YYYY")
        note = st.text_input("Note (optional, no personal details)", key=form.field(f"withdrawal-note-{key}"))
        if st.form_submit_button("Withdraw the complaint"):
            widgets.save(lambda: complaints.withdraw(db, actor, complaint_id, read_version, parse(
                Withdrawal, {"withdrawn_on": withdrawn_on, "note": note})),
                f"{reference_text} is withdrawn; its open stage closed on {periods.long_date(withdrawn_on)}.", form,
                free_text={"Note": note})

if CONCERNS in panes:
    with panes[CONCERNS], widgets.form(f"concerns-{key}") as form:
        st.caption("How many times the complaint raises each concern: the reports count concerns by the number "
                   "of times raised.")
        grid = st.columns(2)
        times = {
            code: grid[index % 2].number_input(md_escape(code), min_value=0, max_value=20, step=1, key=form.field(f"concern-{key}-{index}"),
                                               value=detail["concern_counts"].get(code, 0))
            for index, code in enumerate(codes)
        }
        if st.form_submit_button("Save the concerns", type="primary"):
            raised = [code for code in codes for _ in range(int(times[code]))]
            widgets.save(lambda: complaints.code_concerns(db, actor, complaint_id, read_version, parse(
                ConcernCoding, {"concerns": raised})), f"{reference_text}: concerns saved.", form)

if OMBUDSMAN in panes:
    with panes[OMBUDSMAN], widgets.form(f"ombudsman-{key}") as form:
        decisions = config.vocabulary(db, "lgsco_decision")
        referred = st.date_input(
            "Referred to the Ombudsman on", key=form.field(f"referred-{key}"), format="DD/MM/YYYY", max_value=today,
            value=date.fromisoformat(detail["lgsco_referred_on"]) if detail["lgsco_referred_on"] else None)
        decision = st.selectbox("Ombudsman's decision", decisions, key=form.field(f"decision-{key}"), placeholder="no decision yet",
                                index=decisions.index(detail["lgsco_decision"]) if detail["lgsco_decision"] in decisions
                                else None)
        remedy = st.number_input("Remedy paid (£)", min_value=0.0, step=50.0, format="%.2f", key=form.field(f"remedy-{key}"),
                                 value=float(detail["remedy_pounds"]))
        if st.form_submit_button("Save", type="primary"):
            widgets.save(lambda: complaints.record_ombudsman(db, actor, complaint_id, read_version, parse(
                OmbudsmanRecord, {"referred_on": referred, "decision": decision, "remedy_pounds": f"{remedy:.2f}"})),
                f"{reference_text}: Ombudsman and remedy saved.", form)
