"""Import and export: records from the case system and spreadsheets in (upload, map the columns, check,
confirm), every record type out as CSV or Excel, and a backup of the whole database. Complaints officer
only. The steps' logic is in learning_tracker.services (importing, exporting and backup)."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from learning_tracker import config, ui, widgets
from learning_tracker.read import register, report_figures
from learning_tracker.errors import DomainError
from learning_tracker.escaping import md_escape
from learning_tracker.services import backup, exporting, importing, permissions
from learning_tracker.read.templates import TEMPLATES, template

NOT_IN_FILE = "(not in this file)"
LEAVE = "(leave as it is)"
GUESS = "Guess from the column names"
SHOWN = 500

db, actor = ui.page_context()
st.title("Import and export")
if not permissions.manages_records(actor):
    st.error("Only the complaints officer imports, exports and backs up records.")
    st.stop()

import_tab, export_tab, backup_tab = st.tabs(["Import", "Export", "Backup"])


def _labels(kind: str) -> str:
    return template(kind).label.capitalize() if kind != "all" else "Everything (one Excel sheet per record type)"


def _mapping_form(kind: str, table: importing.Table, base: importing.Mapping, form_key: str) -> importing.Mapping:
    """The columns step: a column of the file for each field of the template, the obvious ones guessed."""
    tpl = template(kind)
    options = [NOT_IN_FILE, *table.headers]
    with st.form(f"columns_{form_key}"):
        st.markdown("**Which column of your file holds each field** (* required)")
        cells = st.columns(3)
        for i, column in enumerate(tpl.columns):
            chosen = base.columns.get(column.name)
            cells[i % 3].selectbox(
                f"{column.name}{' *' if column.required else ''}", options,
                index=options.index(chosen) if chosen in options else 0,
                key=f"map_{form_key}_{column.name}", help=column.help)
        st.form_submit_button("Use these columns")
    columns = {}
    for column in tpl.columns:
        chosen = st.session_state.get(f"map_{form_key}_{column.name}", base.columns.get(column.name))
        if chosen and chosen != NOT_IN_FILE:
            columns[column.name] = chosen
    return importing.Mapping(kind, columns, dict(base.values), name=base.name, version=base.version)


def _values_form(table: importing.Table, mapping: importing.Mapping, form_key: str) -> importing.Mapping:
    """The values step: what each of the file's unknown codes means ("Partially Upheld" -> partly upheld)."""
    unmatched = importing.unmatched_values(db, table, mapping)
    if not unmatched:
        return mapping
    tpl = template(mapping.kind)
    values = {f: dict(v) for f, v in mapping.values.items()}
    with st.form(f"values_{form_key}"):
        st.markdown("**What your file's values mean.** These are not values of this app as they stand; "
                    "choose what each means, or leave it to be reported as an error.")
        for field_name, found in unmatched.items():
            allowed = importing.allowed_values(db, tpl.column(field_name).coded)
            options = [LEAVE, *allowed]
            for value, meaning, close in found[:40]:
                # The label quotes the file's own value: shown as written.
                hint = f" (did you mean '{md_escape(close)}'?)" if close else ""
                st.selectbox(f"{field_name}: '{md_escape(value)}'{hint}", options,
                             index=options.index(meaning) if meaning in options else 0,
                             key=_value_key(form_key, field_name, value))
        st.form_submit_button("Use these values")
    for field_name, found in unmatched.items():
        for value, meaning, _ in found[:40]:
            chosen = st.session_state.get(_value_key(form_key, field_name, value), meaning)
            if chosen and chosen != LEAVE:
                values.setdefault(field_name, {})[importing.norm(value)] = chosen
    return importing.Mapping(mapping.kind, mapping.columns, values, name=mapping.name, version=mapping.version)


def _value_key(form_key: str, field_name: str, value: str) -> str:
    return f"value_{form_key}_{field_name}_{hashlib.sha256(importing.norm(value).encode()).hexdigest()[:8]}"


def _save_form(mapping: importing.Mapping, form_key: str) -> None:
    with st.form(f"save_{form_key}", clear_on_submit=False):
        name = st.text_input("Save this mapping as", value=mapping.name or "", key=f"save_name_{form_key}",
                             help="The next file in the same layout can then use it (also `learning-tracker import "
                                  "--mapping NAME`).")
        if st.form_submit_button("Save mapping"):
            try:
                importing.save_mapping(db, actor, mapping, name)
            except DomainError as error:
                ui.show_error(error)
            else:
                # Go on with the saved mapping chosen, so saving it again updates it.
                st.session_state["import_flash"] = f"Saved the mapping as '{name.strip()}'."
                st.session_state["import_mapping_pending"] = name.strip()
                st.rerun()


def _preview(kind: str, name: str, content: bytes, mapping: importing.Mapping) -> importing.ImportPlan:
    """The dry run, kept for this file, mapping and database state so that reruns do not repeat it."""
    key = json.dumps([kind, hashlib.sha256(content).hexdigest(), mapping.to_json(),
                      st.session_state.get("import_generation", 0)], sort_keys=True)
    cached = st.session_state.get("import_preview")
    if cached and cached[0] == key:
        return cached[1]
    with st.spinner("Checking every row…"):
        plan = importing.import_file(db, actor, kind, name, content, mapping, dry_run=True)
    st.session_state["import_preview"] = (key, plan)
    return plan


def _show_plan(plan: importing.ImportPlan) -> None:
    counts = plan.counts()
    cells = st.columns(5)
    for cell, (label, key) in zip(cells, [("Rows", "rows"), ("To add", "added"), ("To update", "updated"),
                                          ("Unchanged", "unchanged"), ("Errors", "errors")]):
        cell.metric(label, f"{counts[key]:,}")
    if plan.ignored_columns:
        st.caption("Columns not imported (no template field is mapped to them): "
                   + ", ".join(md_escape(c) for c in plan.ignored_columns))
    if plan.problems:
        st.error(f"{len(plan.problems):,} problem{'s' if len(plan.problems) != 1 else ''} found: nothing will be "
                 "imported until the file is corrected. Each is listed with its row (as your spreadsheet numbers "
                 "it), column, value and what is allowed.")
        frame = pd.DataFrame([{"row": p.row, "column": p.field, "value": "" if p.value is None else str(p.value),
                               "problem": p.message} for p in plan.problems[:importing.MAX_PROBLEMS_SHOWN]])
        widgets.table(frame, {"row": widgets.number_column("Row"), "column": "Column",
                              "value": widgets.Column("Value", "text"), "problem": "Problem"},
                      alt="Problems found in the file")
        st.download_button("Download the error report (CSV)",
                           widgets.download_data(lambda *_: importing.problems_csv(plan.problems),
                                                 event="download import errors", entity="import",
                                                 allowed=permissions.manages_records,
                                                 file_name=f"{Path(plan.filename).stem}-errors.csv"),
                           file_name=f"{Path(plan.filename).stem}-errors.csv", mime="text/csv",
                           key="import_errors_download")
        return
    if plan.added:
        with st.expander(f"{len(plan.added):,} to add", expanded=len(plan.added) <= 20):
            widgets.table(pd.DataFrame([{"row": n, **r} for n, r in plan.added[:SHOWN]]),
                          {"row": widgets.number_column("Row")}, alt="Records to add")
            if len(plan.added) > SHOWN:
                st.caption(f"The first {SHOWN} of {len(plan.added):,}.")
    if plan.updated:
        with st.expander(f"{len(plan.updated):,} to update", expanded=True):
            changes = [{"row": u.row, "record": u.key, "field": c.field, "now": c.before, "after the import": c.after}
                       for u in plan.updated[:SHOWN] for c in u.changes]
            widgets.table(pd.DataFrame(changes), {"row": widgets.number_column("Row"), "record": "Record",
                                                  "field": "Field", "now": "Now", "after the import": "After the import"},
                          alt="Records to update, field by field")


def import_step() -> None:
    for flash in ("import_result", "import_flash"):
        message = st.session_state.pop(flash, None)
        if message:
            st.success(md_escape(message))  # names the file and the mapping as the user wrote them
    kind = st.selectbox("What the file holds", list(TEMPLATES), format_func=_labels, key="import_kind",
                        help="Import service areas and users first, then complaints, compliments, learning, actions.")
    tpl = template(kind)
    with st.expander(f"The {tpl.label} template"):
        st.markdown("One row per record. Dates as 2021-04-06 or 06/04/2021; yes/no as yes or no; lists separated "
                    "by semicolons; values as this app spells them (any case). A record that exists already "
                    f"({'its ' + tpl.key if tpl.key != 'id' else 'by its id'}) is updated.")
        widgets.table(pd.DataFrame([{"column": c.name, "required": "yes" if c.required else "", "holds": c.help}
                                    for c in tpl.columns]), {"column": "Column", "required": "Required", "holds": "Holds"},
                      alt=f"The {tpl.label} template's columns")
        left, right = st.columns(2)
        for cell, fmt in ((left, "csv"), (right, "xlsx")):
            filename, data = exporting.template_file(db, kind, fmt)
            cell.download_button(f"Download the template ({fmt.upper()})",
                                 widgets.download_data(lambda *_, data=data: data, event="download template",
                                                       entity="import_template", file_name=filename,
                                                       allowed=permissions.manages_records),
                                 file_name=filename,
                                 key=f"template_{fmt}")
    upload = st.file_uploader("File to import (CSV or Excel)", type=["csv", "xlsx", "xlsm", "txt", "tsv"],
                              key="import_upload")
    if upload is None:
        st.info("Choose a file to import. Nothing is written until you have checked the preview and confirmed.")
        return
    name, content = upload.name, upload.getvalue()
    try:
        table = importing.read_table(name, content, kind=kind)
    except DomainError as error:
        st.error(md_escape(error))  # names the uploaded file
        return

    saved = importing.saved_mappings(db, kind)
    pending = st.session_state.pop("import_mapping_pending", None)
    for m in saved:
        if pending and m.name.lower() == pending.lower():
            st.session_state["import_mapping_choice"] = m.name
    choice = st.selectbox("Column mapping", [GUESS, *[m.name for m in saved]], key="import_mapping_choice")
    base = next((m for m in saved if m.name == choice), None) or importing.guess_mapping(kind, table.headers)
    form_key = hashlib.sha256(json.dumps([kind, choice, table.headers]).encode()).hexdigest()[:10]
    canonical = choice == GUESS and importing.is_canonical(kind, table.headers)
    if canonical:
        st.success(f"The columns of {md_escape(name)} are the {tpl.label} template's.")
        with st.expander("Change the column mapping"):
            mapping = _mapping_form(kind, table, base, form_key)
    else:
        st.warning(f"The columns of {md_escape(name)} are not exactly the {tpl.label} template's: check the mapping below.")
        mapping = _mapping_form(kind, table, base, form_key)
    missing = mapping.missing_required()
    if missing:
        st.error(f"Choose the column that holds: {', '.join(missing)}. Every {tpl.label.removesuffix('s')} needs it.")
        return
    if not canonical:
        # A file in the template speaks the app's words: an unknown value there is an error to correct.
        mapping = _values_form(table, mapping, form_key)
        _save_form(mapping, form_key)

    try:
        plan = _preview(kind, name, content, mapping)
    except DomainError as error:
        ui.show_error(error)
        return
    st.header("Check before importing")
    _show_plan(plan)
    if plan.problems:
        return
    if not plan.added and not plan.updated:
        st.info("Everything in this file is recorded already: importing it would change nothing.")
        return
    label = f"Import: add {len(plan.added):,} and update {len(plan.updated):,}"
    if st.button(label, type="primary", key="import_confirm"):
        try:
            done = importing.import_file(db, actor, kind, name, content, mapping)
        except DomainError as error:
            ui.show_error(error)
            return
        st.session_state["import_generation"] = st.session_state.get("import_generation", 0) + 1
        st.session_state.pop("import_preview", None)
        if done.written:
            st.session_state["import_result"] = done.summary()
            st.rerun()
        st.error("The records changed since the preview and the file now has problems; nothing was imported.")
        _show_plan(done)


def export_step() -> None:
    kinds = [*TEMPLATES, "all"]
    kind = st.selectbox("Records", kinds, format_func=_labels, key="export_kind")
    fmt = "xlsx" if kind == "all" else st.radio("Format", ["csv", "xlsx"], horizontal=True, key="export_format",
                                                format_func=lambda f: {"csv": "CSV", "xlsx": "Excel"}[f])
    cells = st.columns(3)
    years = report_figures.financial_years(db)
    year = cells[0].selectbox("Financial year", [None, *years], format_func=lambda y: y or "all years",
                              key="export_year")
    procedure = cells[1].selectbox("Procedure", [None, *config.vocabulary(db, "procedure")],
                                   format_func=lambda p: p or "all procedures", key="export_procedure")
    areas = dict(register.service_areas(db))
    chosen = cells[2].multiselect("Service areas", list(areas), format_func=areas.get, key="export_areas",
                                  placeholder="all service areas")
    st.caption("Complaints follow all three filters, compliments the year and service areas, learning points and "
               "actions the complaints they were drawn from. Service areas and users are always exported whole.")
    filters = exporting.ExportFilter(year, procedure, tuple(chosen))
    if st.button("Prepare the export", key="export_prepare"):
        try:
            with st.spinner("Exporting…"):
                st.session_state["export_ready"] = exporting.export_file(db, actor, kind, fmt, filters)
        except DomainError as error:
            ui.show_error(error)
    ready = st.session_state.get("export_ready")
    if ready:
        filename, content, count = ready
        st.download_button(f"Download {filename} ({count:,} rows)",
                           widgets.download_data(lambda *_: content, event="download export", entity="export",
                                                 file_name=filename, allowed=permissions.manages_records),
                           file_name=filename, key="export_download")


def backup_step() -> None:
    st.markdown("A backup is a copy of the whole database as one file, taken safely while the app is in use. "
                "Keep it somewhere safe: it holds every record. To put a backup back, the server's administrator "
                "runs `learning-tracker restore FILE`, which keeps the replaced database beside it.")
    # Taken only at the click, for a session checked again then (widgets.download_data); the backup service
    # audits it. Nothing of it is kept in the session, so no copy of the database waits to be fetched.
    filename = backup.download_name(ui.db_path())
    st.download_button(
        "Download a backup of the database",
        widgets.download_data(lambda connection, who: backup.backup_for_download(
            connection, who, ui.db_path(), filename=filename)[1],
            event="download backup", entity="database", file_name=filename, service_audits=True,
            allowed=permissions.manages_records),
        file_name=filename, mime="application/vnd.sqlite3", key="backup_download", on_click="ignore",
        icon=":material/download:")


with import_tab:
    import_step()
with export_tab:
    export_step()
with backup_tab:
    backup_step()
