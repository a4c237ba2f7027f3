"""The ``learning-tracker`` command: a contract that scheduled jobs and checks rely on.

Errors go to stderr as one clear sentence with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from . import db as database
from . import workdays
from .errors import DomainError

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

    rag = with_db(sub.add_parser("rag", help="the weekly RAG report: every complaint stage open on a date"))
    rag.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the report's date (default: today)")
    rag.add_argument("--format", choices=["table", "csv", "json"], default="table", help="table (default), csv or json")

    reminders = with_db(sub.add_parser(
        "reminders", help="list, per owner, the improvement actions overdue, due tomorrow and due within 7 days"))
    reminders.add_argument("--as-of", type=_iso_date, metavar="DATE", help="the day to remind as of (default: today)")
    reminders.add_argument("--format", choices=["md", "json"], default="md", help="md (default) or json")
    reminders.add_argument("--send", action="store_true",
                           help="also email each owner their list (needs the LEARNING_TRACKER_SMTP_* settings)")
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
    from . import reminders

    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` or `learning-tracker demo`.")
    # Check the email settings before anything is printed, so a failed --send prints only its reason.
    settings = reminders.SmtpSettings.from_environment() if args.send else None
    if args.send and settings is None:
        raise CommandError(reminders.NOT_SET_UP)
    as_of = args.as_of or date.today()
    db = database.connect(path)
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
    from .reports import rag

    path = _db_path(args)
    if not path.exists():
        raise CommandError(f"{path} does not exist; create it with `learning-tracker init` or `learning-tracker demo`.")
    as_of = args.as_of or date.today()
    db = database.connect(path)
    try:
        rows = rag.rag_rows(db, as_of)
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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (CommandError, DomainError) as error:
        print(f"learning-tracker: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"learning-tracker: {error.strerror or error} ({getattr(error, 'filename', '') or ''})".rstrip(" ()"), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
