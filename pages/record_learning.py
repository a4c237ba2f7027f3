"""Record learning: the internal investigation outcome form. Pick a complaint by its reference (or open
this page with ``?complaint=REF``), see the learning already recorded for it, then add a new learning
point, link an existing one, or record that no learning was identified; and add improvement actions."""

from datetime import date, timedelta

import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.read import learning_and_actions
from learning_tracker.models import NewAction, NewLearningPoint, NoLearningDecision, parse
from learning_tracker.escaping import md_escape
from learning_tracker.services import actions as action_services
from learning_tracker.services import learning_points, permissions

REFERENCE_KEY = "record_learning_reference"
QUERY_SEEN_KEY = "_record_learning_query"
GAPS_PAGE_SIZE = 25

db, actor = ui.page_context()
st.title("Record learning")
st.caption("The internal investigation outcome form: what the complaint taught the service, and what will change.")
widgets.show_flash()
today = date.today()

if not permissions.records_learning(actor):
    st.info("Learning is recorded by the complaints officer and service managers. "
            "You can read it on the Learning and actions page.")
    st.stop()

my_areas = permissions.own_service_areas(actor) or ()

# A link from another page (?complaint=REF) picks the complaint, once per link followed.
linked = st.query_params.get("complaint")
if linked is not None and linked != st.session_state.get(QUERY_SEEN_KEY):
    st.session_state[QUERY_SEEN_KEY] = linked
    st.session_state[REFERENCE_KEY] = linked


def pick_gap() -> None:
    st.session_state[REFERENCE_KEY] = st.session_state["record_learning_gap"]


reference = st.text_input("Complaint reference", key=REFERENCE_KEY, placeholder="e.g. CS-2122-0147").strip()
if reference:
    st.query_params["complaint"] = reference
    st.session_state[QUERY_SEEN_KEY] = reference
elif "complaint" in st.query_params:
    del st.query_params["complaint"]
    st.session_state[QUERY_SEEN_KEY] = None

if not reference:
    total = learning_and_actions.learning_gap_count(db, service_area_ids=my_areas)
    where = "your service areas" if my_areas else "any service area"
    if not total:
        st.success(f"Every upheld or partly upheld complaint in {where} has its learning recorded.")
        st.stop()
    st.header("Waiting for a learning decision")
    st.caption(f"{total:,} upheld or partly upheld complaint{'s' if total != 1 else ''} in {where} "
               "with no learning point and no \u201cno learning identified\u201d decision, oldest first.")
    offset = widgets.pager(total, GAPS_PAGE_SIZE, "record_learning_gaps_page", "complaints")
    gaps = learning_and_actions.learning_gap_page(db, service_area_ids=my_areas, limit=GAPS_PAGE_SIZE, offset=offset)
    st.selectbox("Pick one", gaps["reference"].tolist(), index=None, key="record_learning_gap", on_change=pick_gap,
                 placeholder="Choose a complaint awaiting its learning")
    widgets.table(gaps, {
        "reference": "Complaint", "service_area": "Service area", "received_on": widgets.date_column("Received"),
        "procedure": "Procedure", "outcome": "Outcome", "outcome_on": widgets.date_column("Outcome on")},
        alt="Complaints waiting for a learning decision, oldest first")
    st.stop()

complaint = learning_and_actions.complaint_learning(db, reference)
if complaint is None:
    # The reference may come from the address (?complaint=): shown as written, never as a link or image.
    st.error(f"No complaint has the reference '{md_escape(reference)}'. Check it in the council's case system.")
    st.stop()

read_version = widgets.version_read(f"complaint:{complaint['id']}", complaint["version"])
ref = complaint["reference"]
st.header(f"Complaint {md_escape(ref)}")
facts = st.columns(4)
received = date.fromisoformat(complaint["received_on"][:10])
facts[0].metric("Received", widgets.short_date(received))  # as in the tables: a long date would be cut short here
facts[1].metric("Service area", md_escape(complaint["service_area"]))
facts[2].metric("Procedure", complaint["procedure"])
facts[3].metric("Outcome", complaint["outcome"] or "open")
if complaint["outcome"] is None:
    st.info("This complaint has no outcome yet. Learning is expected once it is upheld or partly upheld; "
            "you may record it now.")
elif not complaint["learning_expected"]:
    st.info(f"This complaint was {complaint['outcome']}. Learning is expected from upheld and partly upheld "
            "complaints, but you may still record it.")
if my_areas and complaint["service_area_id"] not in my_areas:
    st.warning(f"This complaint belongs to {md_escape(complaint['service_area'])}: you can record learning only for your own "
               "service areas.")

points = complaint["learning_points"]
st.subheader("Learning recorded")
if not points.empty:
    widgets.table(points, {
        "id": widgets.number_column("Learning point"), "service_area": "Service area",
        "theme": "Theme", "description": widgets.Column("Learning", "text"),
        "status": "Status", "actions": "Actions"})
elif complaint["no_learning_reason"]:
    st.info(f"No learning identified (recorded by {md_escape(complaint['no_learning_recorded_by'] or '')} on "
            f"{widgets.long_date(complaint['no_learning_recorded_on'])}): {md_escape(complaint['no_learning_reason'])}")
else:
    st.warning("Nothing recorded yet." + (f" This {complaint['outcome']} complaint is a learning gap."
                                          if complaint["learning_expected"] else ""))


areas = learning_and_actions.service_area_names(db, my_areas)
themes = config.concern_categories(db)

new_tab, link_tab, none_tab, action_tab = st.tabs(
    ["Add a new learning point", "Link an existing learning point", "No learning identified", "Add an improvement action"])

with new_tab, widgets.form("new_learning_point") as form:
    area = st.selectbox("Service area", areas, key=form.field("new_point_area"),
                        index=areas.index(complaint["service_area"]) if complaint["service_area"] in areas else None,
                        placeholder="Choose a service area")
    theme = st.selectbox("Theme", themes, index=None, key=form.field("new_point_theme"), placeholder="Choose a theme")
    description = st.text_area("What was learnt", key=form.field("new_point_description"),
                               help="In the service's words, e.g. 'Tell families in writing when their social worker changes.'")
    others = st.text_input("Also from complaints (references, comma-separated; optional)",
                           key=form.field("new_point_others"))
    if st.form_submit_button("Save learning point", type="primary"):
        references = [ref, *(r.strip() for r in others.split(",") if r.strip())]
        widgets.save(lambda: learning_points.add_learning_point(
            db, actor, parse(NewLearningPoint, {"service_area": area, "theme": theme, "description": description,
                                                "complaint_references": references}), {ref: read_version}),
             f"Learning point recorded for {', '.join(references)}. Add its improvement actions next.", form,
             free_text={"What was learnt": description})

with link_tab:
    link = widgets.Form("link_learning_point")
    search = st.text_input("Find a learning point (words from it, its theme or service area)",
                           key=link.field("link_search"))
    choices = dict(learning_and_actions.learning_point_choices(db, service_area_ids=my_areas, search=search))
    already = {int(i) for i in points["id"]}
    options = [i for i in choices if i not in already]
    with st.form(link.key):
        chosen = st.selectbox("Learning point", options, format_func=choices.get, index=None,
                              key=link.field("link_point"),
                              placeholder="Choose a learning point" if options else "No learning points found")
        if st.form_submit_button("Link this complaint", type="primary"):
            if chosen is None:
                st.error("Nothing was saved. Please correct:\n\n- learning point is required")
            else:
                widgets.save(lambda: learning_points.link_complaint(db, actor, chosen, ref, read_version),
                     f"Complaint {ref} is linked to learning point {chosen}.", link)

with none_tab:
    if not points.empty:
        st.info("This complaint already has learning recorded, so \u201cno learning identified\u201d does not apply.")
    with widgets.form("no_learning") as form:
        # Keyed by complaint, so the box shows each complaint's own recorded reason.
        reason = st.text_area("Why no learning was identified", key=form.field(f"no_learning_reason-{complaint['id']}"),
                              value=complaint["no_learning_reason"] or "")
        if st.form_submit_button("Record no learning identified", type="primary"):
            widgets.save(lambda: learning_points.record_no_learning(
                db, actor, ref, read_version, parse(NoLearningDecision, {"reason": reason})),
                 f"Recorded for {ref}: no learning identified.", form,
                 free_text={"Why no learning was identified": reason})

with action_tab:
    if points.empty:
        st.info("Record or link a learning point first; its improvement actions are added here.")
    else:
        labels = {int(r.id): f"{r.id}: {r.theme}: {r.description[:80]}" for r in points.itertuples()}
        new_action = widgets.Form("new_action")
        # Outside the form, so that the owners offered are always those of the area chosen.
        action_area = st.selectbox("Service area of the action", areas, key=new_action.field("action_area"),
                                   index=areas.index(complaint["service_area"]) if complaint["service_area"] in areas else None,
                                   placeholder="Choose a service area")
        area_id = next(iter(learning_and_actions.service_area_ids(db, [action_area] if action_area else [])), None)
        owners = dict(learning_and_actions.possible_owners(db, area_id))
        # The area's service managers come first: the owner is one of them unless the user picks otherwise (a
        # service manager of the area is offered themself).
        default_owner = list(owners).index(actor.email) if my_areas and actor.email in owners else 0
        with st.form(new_action.key):
            point_id = st.selectbox("Learning point", list(labels), format_func=labels.get,
                                    key=new_action.field("action_point"))
            description = st.text_area("Improvement action", key=new_action.field("action_description"))
            owner = st.selectbox("Owner", list(owners), format_func=lambda e: f"{owners[e]} ({e})",
                                 key=new_action.field("action_owner"), index=default_owner)
            due_on = st.date_input("Due", value=today + timedelta(days=28), key=new_action.field("action_due"),
                                   format="DD/MM/YYYY")
            priority = st.selectbox("Priority", config.vocabulary(db, "priority"), index=1,
                                    key=new_action.field("action_priority"))
            if st.form_submit_button("Add action", type="primary"):
                widgets.save(lambda: action_services.create_action(db, actor, parse(NewAction, {
                    "learning_point_id": point_id, "description": description, "owner_email": owner,
                    "service_area": action_area, "due_on": due_on, "priority": priority})),
                     f"Action added to learning point {point_id}.", new_action,
                     free_text={"Improvement action": description})
