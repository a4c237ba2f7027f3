"""The ``learning-tracker`` command: a contract that scheduled jobs and checks rely on.

Errors go to stderr as one clear sentence with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from . import db as database
from . import workdays
from .errors import DomainError
from .rules import periods, roles

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


class CommandError(Exception):
    """A problem with what the user asked for, reported as one sentence."""


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2022-12-20") from None


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else database.default_db_path()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="learning-tracker",
        description="Children's Services complaints, learning and improvement actions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="the database file (default: $LEARNING_TRACKER_DB, else data/learning_tracker.db)")
        return p

    with_db(sub.add_parser("init", help="create an empty database holding the default configuration"))

    demo = with_db(sub.add_parser("demo", help="create the demo database"))
    demo.add_argument("--scale", type=int, metavar="N", help="instead, N synthetic complaints over ten years")
    demo.add_argument("--force", action="store_true", help="replace an existing database")
    demo.add_argument("--today", type=_iso_date, help=argparse.SUPPRESS)

    deadline = sub.add_parser("deadline", help="print the date N working days after START")
    deadline.add_argument("start", type=_iso_date, metavar="START")
    deadline.add_argument("n", type=int, metavar="N")

    report = sub.add_parser("report", help="the annual or quarterly complaints report, computed from the records")
    report_kinds = report.add_subparsers(dest="report_kind", required=True, metavar="KIND")
    for kind, about in (("annual", "the statutory annual report of a financial year"),
                        ("quarterly", "the quarterly report to senior management")):
        kind_parser = with_db(report_kinds.add_parser(kind, help=about))
        kind_parser.add_argument("--year", required=True, metavar="YYYY-YY", help="the financial year, e.g. 2021-22")
        if kind == "quarterly":
            kind_parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4], metavar="N",
                                     help="1 (April to June) to 4 (January to March)")
        kind_parser.add_argument("--as-of", type=_iso_date, metavar="DATE", help="count as at this date (default: today)")
        kind_parser.add_argument("--format", choices=["md", "docx", "xlsx", "json"],
                                 help="md, docx, xlsx or json (default: from --output's extension, else md)")
        kind_parser.add_argument("--output", metavar="FILE", help="write to FILE (required for docx and xlsx)")
        if kind == "annual":
            small = kind_parser.add_mutually_exclusive_group()
            small.add_argument("--suppress", dest="suppress", action="store_true", default=None,
                               help="show counts from 1 to 4 in small breakdowns as 'fewer than 5' (default for md, docx, xlsx)")
            small.add_argument("--no-suppress", dest="suppress", action="store_false",
                               help="show every count (default for json)")

    rag = with_db(sub.add_parser("rag", help="the weekly RAG report: every complaint stage open on a date"))
    rag.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the report's date (default: today)")
    rag.add_argument("--format", choices=["table", "csv", "json"], default="table", help="table (default), csv or json")

    reminders = with_db(sub.add_parser(
        "reminders", help="list, per owner, the improvement actions overdue, due tomorrow and due within 7 days"))
    reminders.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the day to remind as of (default: today)")
    reminders.add_argument("--format", choices=["md", "json"], default="md", help="md (default) or json")
    reminders.add_argument("--send", action="store_true",
                           help="also email each owner their list (needs the LEARNING_TRACKER_SMTP_* settings)")

    users = sub.add_parser("users", help="the people who may use the app: add, list, set a password")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = with_db(users_sub.add_parser("add", help="add a user (this is how the first complaints officer is created)"))
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, help="complaints_officer, service_manager, forum_member or viewer")
    add.add_argument("--name", help="their name as the app shows it (default: from the email)")
    add.add_argument("--area", action="append", default=[], metavar="SERVICE_AREA",
                     help="a service area of theirs; repeat for several (required for a service manager)")
    add.add_argument("--password-stdin", action="store_true",
                     help="read a first password from standard input (local accounts; omit with single sign-on)")
    with_db(users_sub.add_parser("list", help="list the users, their roles and service areas"))
    password = with_db(users_sub.add_parser("set-password", help="give a user a new password (lifts a lock-out)"))
    password.add_argument("email", metavar="EMAIL")
    password.add_argument("--password-stdin", action="store_true", required=True,
                          help="read the password from standard input")

    from .read.templates import TEMPLATES

    imports = with_db(sub.add_parser(
        "import", help="import records from a CSV or Excel file in the template (see README: Importing and exporting)"))
    imports.add_argument("kind", choices=list(TEMPLATES), metavar="KIND", help=" | ".join(TEMPLATES))
    imports.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
    imports.add_argument("--dry-run", action="store_true", help="check the file and say what would change; write nothing")
    imports.add_argument("--mapping", metavar="NAME", help="a column mapping saved on the Import and export page")
    imports.add_argument("--errors", metavar="CSV", help="also write every problem found to this CSV file")
    imports.add_argument("--as", dest="as_email", metavar="EMAIL",
                         help="the complaints officer to name in the audit log (default: the command itself)")
    exports = with_db(sub.add_parser("export", help="export records as CSV or Excel in the import template"))
    exports.add_argument("kind", choices=[*TEMPLATES, "all"], metavar="KIND", help=" | ".join([*TEMPLATES, "all"]))
    exports.add_argument("file", metavar="FILE", help="a .csv or .xlsx file to write ('all' needs .xlsx)")
    exports.add_argument("--year", metavar="YYYY-YY", help="only this financial year, like 2021-22")
    exports.add_argument("--procedure", help="only complaints of this procedure (and the learning drawn from them)")
    exports.add_argument("--service-area", action="append", default=[], metavar="NAME",
                         help="only this service area; repeat for several")
    backup = with_db(sub.add_parser("backup", help="copy the database to DEST safely while the app is in use"))
    backup.add_argument("destination", metavar="DEST", help="a new file, or a folder to put a dated copy in")
    restore = with_db(sub.add_parser("restore", help="replace the database with a backup (the replaced one is kept)"))
    restore.add_argument("source", metavar="SRC", help="a backup made by `learning-tracker backup`")
    retention = with_db(sub.add_parser(
        "retention", help="list (or, with --apply, anonymise) the closed complaints past their retention period"))
    retention.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the day to apply retention on (default: today)")
    retention.add_argument("--apply", action="store_true",
                           help="anonymise them: references replaced by tokens, free text removed, audit log redacted")
    subject_access = with_db(sub.add_parser(
        "subject-access", help="gather everything held about one complaint into a JSON file"))
    subject_access.add_argument("reference", metavar="REFERENCE", help="the complaint's reference")
    subject_access.add_argument("--output", required=True, metavar="FILE", help="the JSON file to write")
    audit = sub.add_parser("audit", help="the audit log: check that no event was changed, removed or slipped in")
    audit_actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    with_db(audit_actions.add_parser(
        "verify", help="check the audit log's hash chain; names the first event that breaks it (exit 1)"))
    return parser


@command("init")
def _init(args: argparse.Namespace) -> int:
    path = _db_path(args)
    if path.exists():
        raise CommandError(f"{path} already exists; init creates a new database and never touches an existing one.")
    database.connect(path).close()
    print(f"Created {path} with the default configuration.")
    return 0


@command("demo")
def _demo(args: argparse.Namespace) -> int:
    from . import demo_mode

    path = _db_path(args)
    if args.scale is not None and args.scale < 1:
        raise CommandError("--scale must be a positive number of complaints.")
    if path.exists():
        if not args.force:
            raise CommandError(f"{path} already exists; add --force to replace it with the demo database.")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    demo_mode.create(path, today=args.today or date.today(), scale=args.scale)
    print(f"Created the demo database at {path}.")
    return 0


@command("deadline")
def _deadline(args: argparse.Namespace) -> int:
    if args.n < 0:
        raise CommandError("N must be zero or more working days.")
    try:
        print(workdays.add_working_days(args.start, args.n).isoformat())
    except ValueError as error:
        raise CommandError(str(error)) from None
    return 0


@command("reminders")
def _reminders(args: argparse.Namespace) -> int:
    from .services import reminders

    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` or `learning-tracker demo`.")
    # Check the email settings before anything is printed, so a failed --send prints only its reason.
    settings = reminders.SmtpSettings.from_environment() if args.send else None
    if args.send and settings is None:
        raise CommandError(reminders.NOT_SET_UP)
    as_of = args.as_of or date.today()
    db = database.connect(path, create=False)
    try:
        digests = reminders.digests(db, as_of)
    finally:
        db.close()
    sent = reminders.send(digests, as_of, settings) if args.send else None
    if args.format == "json":
        extra = {"sent_to": sent} if sent is not None else {}
        print(reminders.as_json(digests, as_of, **extra), end="")
    else:
        print(reminders.markdown(digests, as_of), end="")
        if sent is not None:
            print(f"\nSent {len(sent)} reminder email{'s' if len(sent) != 1 else ''}"
                  + (f" (to {', '.join(sent)})." if sent else "."))
    return 0


@command("rag")
def _rag(args: argparse.Namespace) -> int:
    from .read import open_stages
    from .reports import rag

    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` or `learning-tracker demo`.")
    as_of = args.as_of or date.today()
    db = database.connect(path, create=False)
    try:
        rows = open_stages.rag_rows(db, as_of)
    except ValueError as error:  # a date outside the working-day calendar
        raise CommandError(str(error)) from None
    finally:
        db.close()
    if args.format == "json":
        print(rag.to_json(rows), end="")
    elif args.format == "csv":
        sys.stdout.write(rag.to_csv(rows).decode("utf-8-sig"))
    else:
        print(rag.to_table(rows, as_of), end="")
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    """The password given on standard input: its first line, without the line break. Never echoed or logged."""
    if not args.password_stdin:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _existing_db(args: argparse.Namespace):
    """The database the command changes or reads; never created here (only init and demo create one)."""
    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` first.")
    return database.connect(path, create=False)


@command("users")
def _users(args: argparse.Namespace) -> int:
    from .models import NewUser, parse
    from .services import users

    db = _existing_db(args)
    try:
        if args.users_command == "add":
            name = args.name or args.email.split("@")[0].replace(".", " ").replace("_", " ").title()
            new = parse(NewUser, {"email": args.email, "name": name, "role": args.role, "service_areas": args.area,
                                  "password": _read_password(args)})
            users.add_user(db, users.command_line_actor(), new)
            print(f"Added {new.name} <{new.email.strip()}> as a {roles.role_key(new.role).replace('_', ' ')}"
                  + (" with a password." if new.password else " (no password: single sign-on only)."))
        elif args.users_command == "set-password":
            row = users.user_with_email(db, args.email)
            if row is None:
                raise CommandError(f"No user has the email '{args.email}'.")
            users.set_password(db, users.command_line_actor(), row[0], row[1], _read_password(args) or "")
            print(f"Set a new password for {args.email.strip()}.")
        else:
            for user in users.users(db, users.command_line_actor()).itertuples():
                state = "" if user.active else " (deactivated)"
                areas = f" [{user.service_areas}]" if user.service_areas else ""
                print(f"{user.email}\t{user.name}\t{user.role}{areas}{state}")
    finally:
        db.close()
    return 0


_REPORT_FORMATS = {".md": "md", ".docx": "docx", ".xlsx": "xlsx", ".json": "json"}


@command("report")
def _report(args: argparse.Namespace) -> int:
    from .read import report_figures
    from .reports import annual, quarterly, render

    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` or `learning-tracker demo`.")
    fmt = args.format or (_REPORT_FORMATS.get(Path(args.output).suffix.lower()) if args.output else None) or "md"
    if fmt in ("docx", "xlsx") and not args.output:
        raise CommandError(f"{'A Word' if fmt == 'docx' else 'An Excel'} report is a file: add --output FILE.{fmt}.")
    try:
        periods.financial_year_bounds(args.year)
    except ValueError as error:
        raise CommandError(str(error)) from None
    as_of = args.as_of or date.today()
    db = database.connect(path, create=False)
    try:
        if not report_figures.year_holds_records(db, args.year):
            raise CommandError(f"No complaints or compliments are recorded in {args.year}, so there is nothing to report.")
        if args.report_kind == "annual":
            report = annual.annual_report(db, args.year, as_of)
            if args.suppress if args.suppress is not None else fmt != "json":
                report = annual.publishable(report)
            document, about = annual.annual_document(report), annual.about(report)
        else:
            report = quarterly.quarterly_report(db, args.year, args.quarter, as_of)
            document, about = quarterly.quarterly_document(report), quarterly.about(report)
    finally:
        db.close()
    if fmt == "json":
        content: str | bytes = render.to_json(report)
    elif fmt == "md":
        content = render.to_markdown(document)
    elif fmt == "docx":
        content = render.to_docx(document)
    else:
        content = render.to_xlsx(document, about)
    warnings = len(report["reconciliation"])
    if args.output:
        output = Path(args.output)
        if isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content, encoding="utf-8")
        print(f"Wrote {document.title} to {output}"
              + (f" with {warnings} reconciliation warning{'s' if warnings != 1 else ''}." if warnings else "."))
    else:
        print(content, end="")
    if warnings:
        print(f"learning-tracker: warning: {warnings} breakdown{'s do' if warnings != 1 else ' does'} not add up to "
              "its total; see 'Checks on the figures' in the report.", file=sys.stderr)
    return 0


def _import_actor(db, email: str | None):
    from .services.users import command_line_actor
    from .services.core import actor_by_email

    return actor_by_email(db, email) if email else command_line_actor()


@command("import")
def _import(args: argparse.Namespace) -> int:
    from .services import importing

    source = Path(args.file)
    if not source.is_file():
        raise CommandError(f"{source} does not exist or is not a file.")
    db = _existing_db(args)
    try:
        mapping = importing.load_mapping(db, args.kind, args.mapping) if args.mapping else None
        plan = importing.import_file(db, _import_actor(db, args.as_email), args.kind, source.name,
                                     source.read_bytes(), mapping, dry_run=args.dry_run)
    finally:
        db.close()
    if args.errors:
        Path(args.errors).write_bytes(importing.problems_csv(plan.problems))
    if plan.problems:
        shown = plan.problems[:50]
        more = len(plan.problems) - len(shown)
        print(f"learning-tracker: {plan.summary()}", file=sys.stderr)
        for problem in shown:
            print(f"  {problem}", file=sys.stderr)
        if more:
            print(f"  ... and {more} more" + ("" if args.errors else "; add --errors FILE.csv to get them all"),
                  file=sys.stderr)
        return 1
    print(plan.summary())
    for update in plan.updated[:20] if args.dry_run else []:
        changes = "; ".join(f"{c.field}: {c.before or '(blank)'} -> {c.after or '(blank)'}" for c in update.changes)
        print(f"  row {update.row} {update.key}: {changes}")
    if plan.ignored_columns:
        print(f"Columns not imported (not in the template): {', '.join(plan.ignored_columns)}.")
    return 0


@command("export")
def _export(args: argparse.Namespace) -> int:
    from .services import exporting
    from .services.users import command_line_actor

    fmt = Path(args.file).suffix.lower().lstrip(".")
    if fmt not in exporting.FORMATS:
        raise CommandError(f"{args.file} must end in .csv or .xlsx.")
    if args.year:
        try:
            periods.financial_year_bounds(args.year)
        except ValueError as error:
            raise CommandError(str(error)) from None
    db = _existing_db(args)
    try:
        from .services.core import service_area_id

        areas = tuple(service_area_id(db, name) for name in args.service_area)
        filters = exporting.ExportFilter(args.year, args.procedure, areas)
        try:
            _, content, count = exporting.export_file(db, command_line_actor(), args.kind, fmt, filters)
        except ValueError as error:
            raise CommandError(str(error)) from None
    finally:
        db.close()
    Path(args.file).write_bytes(content)
    print(f"Wrote {count} row{'s' if count != 1 else ''} to {args.file}.")
    return 0


@command("backup")
def _backup(args: argparse.Namespace) -> int:
    from .services import backup

    from .services.users import command_line_actor

    written = backup.backup_file(_db_path(args), args.destination, actor=command_line_actor())
    print(f"Backed up {_db_path(args)} to {written}.")
    return 0


@command("restore")
def _restore(args: argparse.Namespace) -> int:
    from .services import backup
    from .services.users import command_line_actor

    target = _db_path(args)
    kept = backup.restore(args.source, target, actor=command_line_actor())
    print(f"Restored {target} from {args.source}"
          + (f"; the database it replaced is kept as {kept}." if kept else "."))
    return 0


@command("audit")
def _audit(args: argparse.Namespace) -> int:
    from .services import audit_chain

    db = _existing_db(args)
    try:
        check = audit_chain.verify(db)
    finally:
        db.close()
    if not check.intact:
        print(f"learning-tracker: {check.sentence()}", file=sys.stderr)
        return 1
    print(check.sentence())
    return 0


@command("retention")
def _retention(args: argparse.Namespace) -> int:
    from .services import retention
    from .services.users import command_line_actor

    as_of = args.as_of or date.today()
    db = _existing_db(args)
    try:
        if args.apply:
            print(retention.apply_retention(db, command_line_actor(), as_of).sentence())
            return 0
        years = retention.retention_years(db)
        due = retention.due_for_retention(db, as_of)
    finally:
        db.close()
    for row in due.itertuples():
        print(f"{row.reference}\t{row.service_area}\t{row.procedure}\treceived {row.received_on}\t"
              f"closed {row.closed_on}\tdue {row.due_on}")
    count = len(due)
    print(f"{count} closed complaint{'s are' if count != 1 else ' is'} past the retention period on {as_of.isoformat()} "
          f"(closed more than {years} years before)"
          + ("; add --apply to anonymise them." if count else "; nothing to anonymise."))
    return 0


@command("subject-access")
def _subject_access(args: argparse.Namespace) -> int:
    from .services import subject_access
    from .services.users import command_line_actor

    db = _existing_db(args)
    try:
        _, content = subject_access.subject_access_file(db, command_line_actor(), args.reference)
    finally:
        db.close()
    with database.private_files():  # it holds a child's records: readable by this account only
        Path(args.output).write_bytes(content)
    print(f"Wrote everything held about complaint {args.reference.strip()} to {args.output}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    # Exports, reports, error reports and subject-access files hold children's records: owner only.
    previous_umask = os.umask(0o077)
    try:
        return COMMANDS[args.command](args)
    except (CommandError, DomainError) as error:
        print(f"learning-tracker: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"learning-tracker: {error.strerror or error} ({getattr(error, 'filename', '') or ''})".rstrip(" ()"), file=sys.stderr)
        return 1
    finally:
        os.umask(previous_umask)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
