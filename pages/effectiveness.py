"""Did it work? For each embedded learning point (every action verified or cancelled), the complaints of its
theme in its service area before it was recorded and after it was embedded (``read.effectiveness``), reviews
due first; a chosen one's months on a chart; where the same theme is rising elsewhere; and the review of
whether it worked, by the complaints officer or a forum member. Read by every role."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from learning_tracker import charts, config, ui, widgets
from learning_tracker.escaping import md_escape
from learning_tracker.models import EffectivenessReview, parse
from learning_tracker.read import effectiveness as recurrence
from learning_tracker.read import learning_and_actions, register
from learning_tracker.rules import effectiveness as rules
from learning_tracker.rules import periods, vocabulary
from learning_tracker.services import effectiveness, permissions

PAGE_SIZE = 25
AREAS_KEY = "effectiveness_areas"
CHOSEN_KEY = "effectiveness_chosen"
RECORDED, EMBEDDED = "Learning recorded", "Embedded (last action verified)"
COLUMNS = {
    "learning_point_id": widgets.number_column("Learning point"), "service_area": "Service area", "theme": "Theme",
    "embedded_on": widgets.date_column("Embedded on"), "before": widgets.Column("Complaints before", "count"),
    "after": widgets.Column("Complaints after", "count"), "p_value": widgets.Column("p-value", "text"),
    "after_window_complete": "After window complete", "review": "Review",
}

db, actor = ui.page_context()
st.title("Did it work?")
widgets.show_flash()
today = date.today()
months = config.effectiveness_window_months(db)
st.caption(
    f"A learning point is embedded once every action on it is verified or cancelled (one at least verified). "
    f"Its theme's complaints in its service area are counted in the {months} months before it was recorded and "
    f"the {months} months after it was embedded; once those have passed, whether it worked is reviewed. The "
    "p-value is the chance of a change at least this large were the learning to have made no difference: the "
    "smaller it is, the less likely the change is chance.")


def p_value_text(p: float | None) -> str:
    """A p-value to three places (0.125), a very small one as "< 0.001"; blank when there were no complaints."""
    if p is None:
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def review_text(row: dict) -> str:
    if row["review"]:
        return row["review"]
    return "due" if row["review_due"] else "not yet due"


# --- which service areas ----------------------------------------------------------------------------
area_names = dict(register.service_areas(db))
if AREAS_KEY not in st.session_state and permissions.own_service_areas(actor):
    st.session_state[AREAS_KEY] = list(permissions.own_service_areas(actor))
chosen_areas = st.multiselect("Service areas", list(area_names), key=AREAS_KEY, format_func=area_names.get,
                              placeholder="All service areas")
rows = recurrence.embedded_learning(db, today, service_area_ids=tuple(chosen_areas) if chosen_areas else None)

if permissions.manages_records(actor):
    unmatched = recurrence.unmatched_themes(db)
    if unmatched:
        with st.expander(f"{len(unmatched):,} learning point{'s' if len(unmatched) != 1 else ''} with a theme that "
                         "is not a concern code"):
            st.caption("Their recurrence cannot be counted. Correct each theme to a concern code: export the "
                       "learning points (Import and export), set the theme to one of the concern codes, and import "
                       "the file again.")
            widgets.table(unmatched, {"learning_point_id": widgets.number_column("Learning point"),
                                      "service_area": "Service area", "theme": "Theme"},
                          alt="Learning points whose theme is not a concern code")

if not rows:
    st.info("No learning point " + ("of these service areas " if chosen_areas else "")
            + "is embedded yet: every action on it verified or cancelled, one at least verified.")
    st.stop()

due = sum(r["review_due"] for r in rows)
metrics = st.columns(3)
metrics[0].metric("Embedded learning points", f"{len(rows):,}", border=True)
metrics[1].metric("Reviews due", f"{due:,}", border=True)
metrics[2].metric("Reviewed", f"{sum(r['review'] is not None for r in rows):,}", border=True)

st.header("Embedded learning, reviews due first")
offset = widgets.pager(len(rows), PAGE_SIZE, "effectiveness_page", "learning points")
shown = pd.DataFrame([{**{k: r[k] for k in COLUMNS}, "p_value": p_value_text(r["p_value"]), "review": review_text(r)}
                      for r in rows[offset:offset + PAGE_SIZE]], columns=list(COLUMNS))
widgets.table(shown, COLUMNS, alt="Embedded learning points: complaints of their theme before and after")

# --- one learning point -----------------------------------------------------------------------------
st.header("A learning point")
labels = {r["learning_point_id"]: f"{r['learning_point_id']}: {r['service_area']}, {r['theme']} "
          f"({'review due' if r['review_due'] else review_text(r)})" for r in rows}
chosen_id = widgets.choose("Learning point", labels, CHOSEN_KEY)
row = next(r for r in rows if r["learning_point_id"] == chosen_id)
detail = learning_and_actions.learning_point(db, chosen_id, today)
point = detail.point
created_on, embedded_on = date.fromisoformat(row["created_on"]), date.fromisoformat(row["embedded_on"])
before_from, before_to, after_from, after_to = rules.windows(created_on, embedded_on, row["window_months"])

st.markdown(md_escape(point["description"]))
st.caption(f"{md_escape(row['service_area'])} · {md_escape(row['theme'])} · status: {point['status']} · recorded on "
           f"{widgets.long_date(created_on)} · embedded on {widgets.long_date(embedded_on)}")
st.markdown(
    f"**Before:** {row['before']:,} complaint{'s' if row['before'] != 1 else ''} raising {md_escape(row['theme'])} "
    f"from {widgets.long_date(before_from)} to {widgets.long_date(before_to)}. "
    f"**After:** {row['after']:,} from {widgets.long_date(after_from)} to {widgets.long_date(after_to)}"
    + ("" if row["after_window_complete"] else " (so far: the after window is not complete)") + ". "
    + (f"**p-value:** {p_value_text(row['p_value'])}." if row["p_value"] is not None else ""))

series = recurrence.monthly_series(db, point["service_area_id"], row["theme"], before_from, after_to)
frame = pd.DataFrame({charts.MONTH: [s["month"] for s in series], charts.COMPLAINTS: [s["complaints"] for s in series]})
title = f"Complaints raising {row['theme']} in {row['service_area']}, per month"
chart_side, table_side = st.columns([3, 2])
chart_side.altair_chart(charts.recurrence_chart(frame, {RECORDED: created_on, EMBEDDED: embedded_on}, title),
                        width="stretch")


def window_of(month: date) -> str:
    """Which window a month's days fall in: before, after, both (learning recorded and embedded within the
    month), or neither (the months between)."""
    last_day = periods.add_months(month, 1) - timedelta(days=1)
    found = [name for name, start, end in (("before", before_from, before_to), ("after", after_from, after_to))
             if month <= end and last_day >= start]
    return " and ".join(found)


with table_side:
    widgets.table(pd.DataFrame({"Month": [f"{s['month']:%B %Y}" for s in series],
                                "Window": [window_of(s["month"]) for s in series],
                                "Complaints": [s["complaints"] for s in series]}),
                  {"Complaints": widgets.Column("Complaints", "count")}, alt=title)

st.markdown("**Share this learning**")
rising = recurrence.rising_elsewhere(db, row["theme"], point["service_area_id"], today)
if rising:
    st.caption(f"{md_escape(row['theme'])} is rising in these service areas: complaints raising it in the last "
               f"{months} months against the {months} months before.")
    widgets.table(rising, {"service_area": "Service area",
                           "before": widgets.Column(f"The {months} months before", "count"),
                           "recent": widgets.Column(f"The last {months} months", "count")},
                  alt=f"Service areas where {row['theme']} is rising")
else:
    st.caption(f"{md_escape(row['theme'])} is not rising in any other service area.")

# --- the review -------------------------------------------------------------------------------------
st.markdown("**Did it work?**")
references = detail.complaints["reference"].tolist()


def new_action_hint() -> None:
    """Where a new action for a reopened learning point is added (Record learning, from one of its complaints)."""
    if permissions.records_learning(actor) and references:
        st.page_link("pages/record_learning.py", label=f"Add a new improvement action (Record learning, for "
                     f"{md_escape(references[0])})", icon=":material/add_task:",
                     query_params={"complaint": references[0]})
    else:
        st.caption("The complaints officer or the area's service manager adds a new improvement action to it "
                   "on Record learning.")


if row["review"]:
    st.markdown(f"Reviewed on {widgets.long_date(row['reviewed_on'])}: **{row['review']}**"
                + (f". {md_escape(row['review_note'])}" if row["review_note"] else ""))
    if row["review"] == rules.REOPENS and point["status"] == vocabulary.OPEN:
        st.warning(f"Learning point {chosen_id} is open again: it needs a new improvement action.")
        new_action_hint()
elif not row["after_window_complete"]:
    st.caption(f"It can be reviewed from {widgets.long_date(after_to + timedelta(days=1))}, once its after window "
               "is complete.")
elif permissions.reviews_effectiveness(actor):
    read_version = widgets.version_read(f"learning-point:{chosen_id}", point["version"])
    with widgets.form(f"effectiveness-{chosen_id}") as form:
        verdict = st.selectbox("Verdict", rules.VERDICTS, index=None, placeholder="Choose a verdict",
                               key=form.field(f"effectiveness-verdict-{chosen_id}"))
        note = st.text_area("Note (what worked, or what did not)", key=form.field(f"effectiveness-note-{chosen_id}"),
                            help="Required unless it was effective.")
        if st.form_submit_button("Record the review", type="primary"):
            message = f"Learning point {chosen_id}: the review is recorded ({verdict})."
            if verdict == rules.REOPENS:
                where = f" (complaint {references[0]})" if references else ""
                message = (f"Learning point {chosen_id} was not effective: it is open again. Add a new improvement "
                           f"action to it on Record learning{where}.")
            widgets.save(lambda: effectiveness.record_review(
                db, actor, chosen_id, read_version, parse(EffectivenessReview, {"verdict": verdict, "note": note})),
                message, form, free_text={"Note": note})
else:
    st.caption("A review is due: the complaints officer or a forum member records whether it worked.")
