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
    StageDate,
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
    STEPS,
    WITHDRAWAL,
)
from learning_tracker.rules import periods
from learning_tracker.rules.periods import long_date
from learning_tracker.escaping import md_escape
from learning_tracker.models import Advocacy, Declining, TimeLimit
from learning_tracker.rules import procedures
from learning_tracker.services import circumstances
from learning_tracker.services.permissions import ADVOCACY, DECLINE
from learning_tracker.models import Adjudication, Investigation, PanelRecommendations, PanelResponse
from learning_tracker.read import investigations as investigation_read
from learning_tracker.read.learning_and_actions import possible_owners
from learning_tracker.services import investigations
from learning_tracker.services.permissions import ADJUDICATION, INVESTIGATION, PANEL

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
        acknowledged_on = left.date_input("Acknowledged on (if already)", value=None, max_value=today,
                                          key=form.field("new_acknowledged_on"), format="DD/MM/YYYY",
                                          help="Leave blank until the complainant is told the complaint was received.")
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
                    "service_area": area or "", "acknowledged_on": acknowledged_on, "received_via": via, "complainant_type": who,
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


def advocacy_words(complaint: dict) -> str:
    """Advocacy as recorded: 'offered 3 April 2026, accepted'; 'not yet offered'."""
    if not complaint["advocacy_offered_on"]:
        return "not yet offered"
    accepted = {1: "accepted", 0: "not accepted"}.get(complaint["advocacy_accepted"], "acceptance not yet known")
    return f"offered {long_date(complaint['advocacy_offered_on'])}, {accepted}"


def time_limit_words(complaint: dict) -> str:
    """When the grounds arose and, for a late complaint, the decision: 'grounds arose 2 January 2025; late,
    considered: the delay was the council's'."""
    words = f"grounds arose {long_date(complaint['grounds_arose_on'])}"
    if complaint["late_decision"]:
        return words + f"; late, {complaint['late_decision']}: {complaint['late_decision_reason']}"
    late = procedures.is_late(date.fromisoformat(complaint["grounds_arose_on"]),
                              date.fromisoformat(complaint["received_on"]))
    return words + ("; late, no decision recorded" if late else "; within the time limit")


# Advocacy (a child's right to an advocate), the time limit and a declining: services/circumstances.py.
for_a_child = procedures.for_a_child(detail["complainant_type"], detail["procedure"])
facts["Advocacy"] = advocacy_words(detail)
if detail["grounds_arose_on"]:
    facts["Time limit"] = time_limit_words(detail)
if detail["outcome"] == procedures.DECLINED:
    facts["Why declined"] = detail["declined_reason"] or "no reason recorded"
if detail["lgsco_referred_on"] or detail["lgsco_decision"] or detail["remedy_pence"]:
    facts["Ombudsman"] = (f"referred {long_date(detail['lgsco_referred_on'])}" if detail["lgsco_referred_on"] else "") + (
        f", decision: {detail['lgsco_decision']}" if detail["lgsco_decision"] else "")
    facts["Remedy paid"] = f"£{detail['remedy_pounds']:,.2f}"
widgets.table([{"Detail": key, "Recorded": value} for key, value in facts.items()],
              {"Recorded": widgets.Column("Recorded", "text")}, alt=f"The complaint {detail['reference']}")
if for_a_child and not detail["advocacy_offered_on"]:
    st.warning("Advocacy not yet offered: a complaint made by or for a child carries the child's right to an "
               "advocate (Children Act 1989, section 26A), and the council must offer one.",
               icon=":material/record_voice_over:")

def step_words(step: dict) -> str:
    """One step of a stage in words: 'Acknowledgement due 7 April 2026: done 3 April 2026, within'."""
    due = f" due {long_date(step['due_on'])}" if step["due_on"] else ""
    state = {
        "done": lambda: f"done {long_date(step['done_on'])}, {step['timeliness']} timescale",
        "open": lambda: f"open · :{rag_rule.RAG_MARKDOWN_COLOURS[step['rag']]}[**{step['rag']}**]",
        "waiting": lambda: "waiting for the step before",
        "not needed": lambda: "not recorded before the stage ended",
    }[step["state"]]()
    return f"{step['step'].capitalize()}{due}: {state}"


def show_investigation(found: dict) -> None:
    """A stage's investigation (or review panel) under the stage: who, when, the points with their findings, the
    recommendations with their decisions and the actions they became."""
    people = []
    for role, who, reported in (("Investigating Officer", found["investigating_officer"], found["investigation_report_on"]),
                                ("Independent Person", found["independent_person"], found["independent_person_report_on"])):
        if who:
            people.append(f"{role}: {md_escape(who)}" + (f", reported {long_date(reported)}" if reported else ""))
    if found["adjudicated_on"]:
        people.append(f"adjudicated {long_date(found['adjudicated_on'])} by the {md_escape(found['adjudicator'])}")
    if people:
        st.markdown(" · ".join(people))
    if found["points"]:
        gives = f" (the points give: {found['derived_outcome']})" if found["derived_outcome"] else ""
        st.markdown(f"Points of complaint{gives}:\n\n" + "\n".join(
            f"{p['number']}. {md_escape(p['summary'])} — *{p['finding'] or 'no finding yet'}*" for p in found["points"]))
        if found["outcome_reason"]:
            st.caption(f"Outcome {found['outcome']}, because: " + md_escape(found["outcome_reason"]))
    if found["recommendations"]:
        lines = []
        for r in found["recommendations"]:
            about = f" (point {r['point']})" if r["point"] else ""
            if r["action_id"]:
                decided = (f"accepted: action {r['action_id']}, {r['action_status']}, owner {md_escape(r['action_owner'])}, "
                           f"due {long_date(r['action_due_on'])}")
            elif r["decision"]:
                decided = f"{r['decision']}: {md_escape(r['reason'] or '')}"
            else:
                decided = "not decided yet"
            lines.append(f"{r['number']}. {md_escape(r['text'])}{about} — *{decided}*")
        st.markdown("Recommendations:\n\n" + "\n".join(lines))


st.markdown("#### Stages")
for number, stage in enumerate(detail["stages"], start=1):
    with st.container(border=True):
        extended = stage["extended_due_on"]
        due = f"due {long_date(stage['due_on'])}" + (f", extended to {long_date(extended)}" if extended else "")
        if stage["responded_on"]:
            closed_by_withdrawal = detail["outcome"] == WITHDRAWN and stage["responded_on"] == detail["outcome_on"]
            closed_by_declining = (detail["outcome"] == procedures.DECLINED
                                   and stage["responded_on"] == detail["outcome_on"])
            ended = ("withdrawn on " if closed_by_withdrawal else "answered on ") + long_date(stage["responded_on"])
            state = (f"{ended} after {stage['working_days_taken']} working days, "
                     f"{'within' if stage['timeliness'] == 'within' else 'over'} timescale")
            if closed_by_declining:  # no response was due: no timescale to meet
                state = (f"declined on {long_date(stage['responded_on'])} "
                         f"({md_escape(detail['declined_reason'] or 'no reason recorded')})")
        else:
            left = stage["working_days_remaining"]
            rag_now = stage["rag"]
            state = "open: " + (f"{-left} working days overdue" if left < 0 else f"{left} working days left") + (
                f" · :{rag_rule.RAG_MARKDOWN_COLOURS[rag_now]}[**{rag_now}**]" if rag_now else "")
        st.markdown(f"**{number}. {stage['label'].capitalize()}** · clock started {long_date(stage['clock_started_on'])}"
                    f" · {due} · {state}")
        st.markdown(f"{stage['label'].capitalize()}: {md_escape(stage['outcome_words'])}")
        # The response is the stage's own line above; the other steps each have their line here.
        other_steps = [step_words(step) for step in stage["steps"] if step["step"] not in procedures.RESPONSE_STEPS]
        if other_steps:
            st.markdown(" · ".join(other_steps))
        if stage["extension_reason"]:
            st.caption("Extension reason: " + md_escape(stage["extension_reason"]))
        if stage["investigation"]:
            show_investigation(stage["investigation"])

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

if STEPS in panes:
    with panes[STEPS], widgets.form(f"steps-{key}") as form:
        st.caption(f"When a step of the {open_stage['label']} happened. The due dates that follow from it move "
                   "with it: the response clock starts at the acknowledgement under the Complaint Handling Code, "
                   "and a review panel's report and the council's response count from the step before.")
        what = st.selectbox("What happened", permissions.stage_dates(actor, detail), index=None,
                            key=form.field(f"step-what-{key}"), placeholder="Choose what happened")
        happened_on = st.date_input("On", value=today, max_value=today, key=form.field(f"step-on-{key}"),
                                    format="DD/MM/YYYY")
        if st.form_submit_button("Record the date", type="primary"):
            widgets.save(lambda: complaints.record_stage_date(db, actor, complaint_id, read_version, parse(
                StageDate, {"what": what or "", "on": happened_on})),
                f"{reference_text}: {what} on {widgets.long_date(happened_on)} recorded.", form)

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

if ADVOCACY in panes:
    answers = {"yes": True, "no": False, "not yet known": None}
    with panes[ADVOCACY]:
        with widgets.form(f"advocacy-{key}") as form:
            st.caption("A child making a complaint has a right to an advocate, and the council must offer one "
                       "(Children Act 1989, section 26A). Accepted advocacy also marks the complaint as supported "
                       "by an advocate.")
            offered_on = st.date_input(
                "Advocacy offered on", max_value=today, key=form.field(f"advocacy-offered-{key}"), format="DD/MM/YYYY",
                value=date.fromisoformat(detail["advocacy_offered_on"]) if detail["advocacy_offered_on"] else today)
            accepted = st.selectbox("Accepted", list(answers), key=form.field(f"advocacy-accepted-{key}"),
                                    index=list(answers.values()).index(
                                        None if detail["advocacy_accepted"] is None else bool(detail["advocacy_accepted"])))
            if st.form_submit_button("Save the advocacy", type="primary"):
                widgets.save(lambda: circumstances.record_advocacy(db, actor, complaint_id, read_version, parse(
                    Advocacy, {"offered_on": offered_on, "accepted": answers[accepted]})),
                    f"{reference_text}: advocacy offered on {periods.long_date(offered_on)} is recorded.", form)
        with widgets.form(f"time-limit-{key}") as form:
            st.caption("A complaint received a year or more after the matter it is about arose is late: decide "
                       "whether to consider or to decline it, and why. Declining it closes its open stage on the "
                       "day of the decision.")
            grounds_on = st.date_input(
                "The grounds of the complaint arose on", max_value=today, key=form.field(f"grounds-{key}"),
                format="DD/MM/YYYY",
                value=date.fromisoformat(detail["grounds_arose_on"]) if detail["grounds_arose_on"] else None)
            late_decision = st.selectbox(
                "Decision on a late complaint", procedures.LATE_DECISIONS, key=form.field(f"late-decision-{key}"),
                placeholder="not late: no decision", index=procedures.LATE_DECISIONS.index(detail["late_decision"])
                if detail["late_decision"] in procedures.LATE_DECISIONS else None)
            late_reason = st.text_input("Reason for the decision", key=form.field(f"late-reason-{key}"),
                                        value=detail["late_decision_reason"] or "")
            decided_on = st.date_input("Decided on (closes the complaint when declining it)", value=today,
                                       max_value=today, key=form.field(f"late-decided-{key}"), format="DD/MM/YYYY")
            if st.form_submit_button("Save the time limit", type="primary"):
                widgets.save(lambda: circumstances.record_time_limit(db, actor, complaint_id, read_version, parse(
                    TimeLimit, {"grounds_arose_on": grounds_on, "decision": late_decision, "reason": late_reason,
                                "decided_on": decided_on})),
                    f"{reference_text} is declined as late; its open stage closed on {periods.long_date(decided_on)}."
                    if late_decision == procedures.DECLINE_LATE else f"{reference_text}: the time limit is recorded.",
                    form, free_text={"Reason for the decision": late_reason})

if DECLINE in panes:
    with panes[DECLINE], widgets.form(f"decline-{key}") as form:
        st.caption("Declining (refusing) a complaint closes it and its open stage with the outcome 'declined': it "
                   "is counted in the reports by its reason, never in the timescale figures.")
        declined_on = st.date_input("Declined on", value=today, max_value=today, key=form.field(f"declined-{key}"),
                                    format="DD/MM/YYYY")
        declined_reason = st.selectbox("Reason", permissions.decline_reasons(db), index=None,
                                       key=form.field(f"declined-reason-{key}"), placeholder="Choose the reason")
        note = st.text_input("Note (optional, no personal details)", key=form.field(f"decline-note-{key}"))
        if st.form_submit_button("Decline the complaint"):
            widgets.save(lambda: circumstances.decline(db, actor, complaint_id, read_version, parse(
                Declining, {"declined_on": declined_on, "reason": declined_reason, "note": note})),
                f"{reference_text} is declined ({declined_reason}); its open stage closed on "
                f"{periods.long_date(declined_on)}.", form, free_text={"Note": note})


# --- statutory stage 2: the investigation and its adjudication; stage 3: the review panel ------------------

ROWS = 8  # points of complaint and recommendations a form offers (blank ones are left out)
NEW_LEARNING = "new"


def decision_fields(recommendations: list[dict], form: widgets.Form, prefix: str) -> list[dict]:
    """A decision on each recommendation and, for an accepted one, the improvement action it becomes."""
    owners = {email: f"{name} ({email})" for email, name in possible_owners(db, detail["service_area_id"])}
    decisions = []
    for r in recommendations:
        n = r["number"]
        st.markdown(f"**Recommendation {n}**" + (f" (point {r['point']})" if r["point"] else "") + f": {md_escape(r['text'])}")
        left, right = st.columns(2)
        decision = left.selectbox(f"Decision on recommendation {n}", procedures.RECOMMENDATION_DECISIONS, index=None,
                                  key=form.field(f"{prefix}-decision-{key}-{n}"), placeholder="Choose the decision")
        reason = right.text_input(f"Why recommendation {n} is not accepted", key=form.field(f"{prefix}-reason-{key}-{n}"))
        action = st.text_input(f"Improvement action for recommendation {n}", value=r["text"],
                               key=form.field(f"{prefix}-action-{key}-{n}"))
        left, right = st.columns(2)
        owner = left.selectbox(f"Action owner for recommendation {n}", list(owners), format_func=owners.get, index=None,
                               key=form.field(f"{prefix}-owner-{key}-{n}"), placeholder="Choose the owner")
        due = right.date_input(f"Action due on for recommendation {n}", value=None,
                               key=form.field(f"{prefix}-due-{key}-{n}"), format="DD/MM/YYYY")
        decisions.append({"decision": decision or "", "reason": reason, "action": action, "owner_email": owner,
                          "due_on": due})
    return decisions


def learning_fields(form: widgets.Form, prefix: str) -> dict:
    """The learning point of the complaint's area the accepted recommendations' actions go on."""
    choices = {NEW_LEARNING: "A new learning point", **dict(investigation_read.learning_points_for_actions(db, complaint_id))}
    which = st.selectbox("Learning point for the actions", list(choices), format_func=choices.get,
                         index=1 if len(choices) > 1 else 0, key=form.field(f"{prefix}-learning-{key}"),
                         help="One already linked to this complaint, or a new one of its service area.")
    left, right = st.columns([1, 2])
    theme = left.selectbox("Theme of a new learning point", config.concern_categories(db), index=None,
                           key=form.field(f"{prefix}-theme-{key}"), placeholder="Choose the theme")
    about = right.text_input("What was learnt (a new learning point)", key=form.field(f"{prefix}-learnt-{key}"))
    if which != NEW_LEARNING:
        return {"learning_point_id": which}
    return {"new_learning_point": {"theme": theme or "", "description": about} if (theme or about.strip()) else None}


def day_of(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def accepted_count(decisions: list[dict]) -> str:
    accepted = sum(d["decision"] == procedures.ACCEPTED for d in decisions)
    if accepted == 1:
        return "1 accepted recommendation became an improvement action"
    return f"{accepted} accepted recommendations became improvement actions" if accepted else "no recommendation was accepted"


if INVESTIGATION in panes:
    found = detail["current_stage"]["investigation"] or {}
    stored_points, stored_recommendations = found.get("points", []), found.get("recommendations", [])
    with panes[INVESTIGATION], widgets.form(f"investigation-{key}") as form:
        st.caption("Who investigated and who oversaw the investigation, by role and organisation: never a name or "
                   "contact details. The points of complaint and recommendations can change until the adjudication.")
        left, right = st.columns(2)
        officer = left.text_input("Investigating Officer (role and organisation)", key=form.field(f"io-{key}"),
                                  value=found.get("investigating_officer") or "",
                                  placeholder="e.g. Independent investigator, Coram Voice")
        independent = right.text_input("Independent Person (role and organisation)", key=form.field(f"ip-{key}"),
                                       value=found.get("independent_person") or "",
                                       placeholder="e.g. Independent person, NYAS")
        io_report = left.date_input("Investigation report on", max_value=today, format="DD/MM/YYYY",
                                    key=form.field(f"io-report-{key}"), value=day_of(found.get("investigation_report_on")))
        ip_report = right.date_input("Independent Person's report on", max_value=today, format="DD/MM/YYYY",
                                     key=form.field(f"ip-report-{key}"), value=day_of(found.get("independent_person_report_on")))
        st.markdown("**Points of complaint** and the Investigating Officer's finding on each")
        rows = []
        for n in range(1, ROWS + 1):
            stored = stored_points[n - 1] if n <= len(stored_points) else {}
            left, right = st.columns([3, 1])
            summary = left.text_input(f"Point {n}", value=stored.get("summary", ""), key=form.field(f"point-{key}-{n}"))
            finding = right.selectbox(f"Finding on point {n}", procedures.FINDINGS, key=form.field(f"finding-{key}-{n}"),
                                      index=procedures.FINDINGS.index(stored["finding"]) if stored.get("finding") else None,
                                      placeholder="no finding yet")
            rows.append((n, summary, finding))
        st.markdown("**Recommendations**")
        recommendation_rows = []
        for n in range(1, ROWS + 1):
            stored = stored_recommendations[n - 1] if n <= len(stored_recommendations) else {}
            left, right = st.columns([3, 1])
            text = left.text_input(f"Recommendation {n}", value=stored.get("text", ""),
                                   key=form.field(f"recommendation-{key}-{n}"))
            point = right.selectbox(f"Recommendation {n} is about point", list(range(1, ROWS + 1)),
                                    key=form.field(f"recommendation-point-{key}-{n}"), placeholder="no one point",
                                    index=stored["point"] - 1 if stored.get("point") else None)
            recommendation_rows.append((text, point))
        if st.form_submit_button("Save the investigation", type="primary"):
            # Blank rows are left out; a recommendation names its point by the number it is saved as.
            kept = [(n, summary, finding) for n, summary, finding in rows if summary.strip()]
            numbers = {n: number for number, (n, _, _) in enumerate(kept, start=1)}
            points = [{"summary": summary, "finding": finding} for _, summary, finding in kept]
            recommendations = [{"text": text, "point": numbers.get(point, point)}
                               for text, point in recommendation_rows if text.strip()]
            widgets.save(lambda: investigations.record_investigation(db, actor, complaint_id, read_version, parse(
                Investigation, {"investigating_officer": officer, "independent_person": independent,
                                "investigation_report_on": io_report, "independent_person_report_on": ip_report,
                                "points": points, "recommendations": recommendations})),
                f"{reference_text}: the stage 2 investigation is saved ({len(points)} points of complaint, "
                f"{len(recommendations)} recommendations).", form,
                free_text={**{f"Point {n}": p["summary"] for n, p in enumerate(points, start=1)},
                           **{f"Recommendation {n}": r["text"] for n, r in enumerate(recommendations, start=1)}})

if ADJUDICATION in panes:
    found = detail["current_stage"]["investigation"]
    with panes[ADJUDICATION]:
        if not found or not found["points"]:
            st.info("Record the investigation's points of complaint and their findings first, on the Investigation tab.")
        elif found["adjudicated_on"]:
            st.info(f"Adjudicated on {long_date(found['adjudicated_on'])} by the {md_escape(found['adjudicator'])}: its "
                    "decisions are shown under the stage above, and their actions are on My actions.")
        else:
            with widgets.form(f"adjudication-{key}") as form:
                derived = found["derived_outcome"]
                st.markdown(f"The points give: **{derived}**" if derived else
                            "A point of complaint has no finding yet: record it on the Investigation tab first.")
                left, right = st.columns(2)
                adjudicated_on = left.date_input("Adjudicated on", value=today, max_value=today, format="DD/MM/YYYY",
                                                 key=form.field(f"adjudicated-{key}"))
                adjudicator = right.text_input("Adjudicator (role)", key=form.field(f"adjudicator-{key}"),
                                               placeholder="e.g. Head of Service")
                outcome = left.selectbox("Stage 2 outcome", outcomes, key=form.field(f"adjudication-outcome-{key}"),
                                         index=outcomes.index(derived) if derived in outcomes else None,
                                         help="The outcome the points give, unless the adjudication decided otherwise.")
                outcome_reason = right.text_input("Reason for a different outcome", key=form.field(f"outcome-reason-{key}"),
                                                  help="Required when the outcome is not the one the points give.")
                decisions = decision_fields(found["recommendations"], form, "adjudication")
                learning = learning_fields(form, "adjudication") if found["recommendations"] else {}
                if st.form_submit_button("Record the adjudication", type="primary"):
                    widgets.save(lambda: investigations.adjudicate(db, actor, complaint_id, read_version, parse(
                        Adjudication, {"adjudicated_on": adjudicated_on, "adjudicator": adjudicator, "outcome": outcome,
                                       "outcome_reason": outcome_reason, "decisions": decisions, **learning})),
                        f"{reference_text}: the stage 2 adjudication is recorded; {accepted_count(decisions)}.", form,
                        free_text={"Reason for a different outcome": outcome_reason,
                                   **{f"Improvement action {n}": d["action"] for n, d in enumerate(decisions, start=1)}})

if PANEL in panes:
    panel_stage = detail["current_stage"]
    found = panel_stage["investigation"] or {}
    recommendations = found.get("recommendations", [])
    decided = found.get("decided", False)
    with panes[PANEL]:
        if decided:
            st.info("The council has responded to the panel: its decisions are shown under the stage above.")
        else:
            with widgets.form(f"panel-{key}") as form:
                st.caption("The review panel's recommendations, as its report makes them.")
                texts = [st.text_input(f"Panel recommendation {n}", key=form.field(f"panel-{key}-{n}"),
                                       value=recommendations[n - 1]["text"] if n <= len(recommendations) else "")
                         for n in range(1, ROWS + 1)]
                if st.form_submit_button("Save the panel's recommendations", type="primary"):
                    kept = [text for text in texts if text.strip()]
                    widgets.save(lambda: investigations.record_panel_recommendations(
                        db, actor, complaint_id, read_version, parse(PanelRecommendations, {"recommendations": kept})),
                        f"{reference_text}: the panel's {len(kept)} recommendations are saved.", form,
                        free_text={f"Panel recommendation {n}": t for n, t in enumerate(kept, start=1)})
            st.markdown("**The council's response**")
            if not panel_stage["panel_report_on"]:
                st.info("The council responds to the panel's report: record the date of the report first, on the Steps tab.")
            else:
                with widgets.form(f"panel-response-{key}") as form:
                    st.caption(f"The panel reported on {long_date(panel_stage['panel_report_on'])}. The response date "
                               "is the stage 3 response.")
                    left, right = st.columns(2)
                    decided_on = left.date_input("Council response on", value=today, max_value=today,
                                                 format="DD/MM/YYYY", key=form.field(f"panel-decided-{key}"))
                    outcome = right.selectbox("Stage 3 outcome", outcomes, index=None, placeholder="no outcome",
                                              key=form.field(f"panel-outcome-{key}"))
                    decisions = decision_fields(recommendations, form, "panel")
                    learning = learning_fields(form, "panel") if recommendations else {}
                    if st.form_submit_button("Record the council's response", type="primary"):
                        widgets.save(lambda: investigations.respond_to_panel(db, actor, complaint_id, read_version, parse(
                            PanelResponse, {"decided_on": decided_on, "outcome": outcome, "decisions": decisions,
                                            **learning})),
                            f"{reference_text}: the council's response to the panel is recorded; "
                            f"{accepted_count(decisions)}.", form,
                            free_text={f"Improvement action {n}": d["action"] for n, d in enumerate(decisions, start=1)})
