"""Reminders to action owners: per owner, the actions overdue, due tomorrow and due within 7 days.

``digests`` reads them in one SQL query; ``markdown``/``as_json`` render them for the command line;
``send`` emails each owner their own digest through the SMTP server configured in the environment
(``LEARNING_TRACKER_SMTP_HOST``, ``_PORT``, ``_SENDER``, optional ``_USER``/``_PASSWORD``/``_STARTTLS``).
Only open actions (not started or in progress) are reminded of; days are calendar days.
"""

from __future__ import annotations

import json
import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import sqlite_utils

from ..errors import DomainError
from ..rules import vocabulary
from ..rules.periods import long_date

WINDOW_DAYS = 7
ENV_PREFIX = "LEARNING_TRACKER_SMTP_"
SECTIONS = (("overdue", "Overdue"), ("due_tomorrow", "Due tomorrow"), ("due_within_7_days", "Due within 7 days"))


class ReminderError(DomainError):
    """Reminders could not be sent; the message says why in one sentence."""


@dataclass
class Digest:
    """One owner's reminder: their open actions that are overdue, due tomorrow, or due within 7 days."""

    owner_id: int
    owner: str
    email: str
    overdue: list[dict[str, Any]] = field(default_factory=list)
    due_tomorrow: list[dict[str, Any]] = field(default_factory=list)
    due_within_7_days: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {key: len(getattr(self, key)) for key, _ in SECTIONS}


def digests(db: sqlite_utils.Database, as_of: date) -> list[Digest]:
    """Every owner with an open action that is overdue or due within 7 days of ``as_of``, by owner name.

    Each action appears once: overdue (due before ``as_of``), due tomorrow, or due within 7 days
    (today, or 2 to 7 days ahead), most urgent first.
    """
    rows = db.execute(
        f"""SELECT a.id, a.description, a.due_on, a.status, a.priority, a.learning_point_id, lp.theme,
                  sa.name AS service_area, u.id AS owner_id, u.name AS owner, u.email
           FROM actions a JOIN users u ON u.id = a.owner_id JOIN service_areas sa ON sa.id = a.service_area_id
           JOIN learning_points lp ON lp.id = a.learning_point_id
           WHERE {vocabulary.action_open_sql('a')} AND a.due_on <= ?
           ORDER BY u.name, u.id, a.due_on, a.id""",
        [(as_of + timedelta(days=WINDOW_DAYS)).isoformat()],
    )
    columns = [c[0] for c in rows.description]
    tomorrow = as_of + timedelta(days=1)
    by_owner: dict[int, Digest] = {}
    for values in rows.fetchall():
        row = dict(zip(columns, values))
        digest = by_owner.setdefault(row["owner_id"], Digest(row["owner_id"], row["owner"], row["email"]))
        due_on = date.fromisoformat(row["due_on"])
        item = {
            "action_id": row["id"],
            "description": row["description"],
            "due_on": row["due_on"],
            "status": row["status"],
            "priority": row["priority"],
            "service_area": row["service_area"],
            "learning_point_id": row["learning_point_id"],
            "theme": row["theme"],
        }
        if due_on < as_of:
            item["days_overdue"] = (as_of - due_on).days
            digest.overdue.append(item)
        elif due_on == tomorrow:
            digest.due_tomorrow.append(item)
        else:
            digest.due_within_7_days.append(item)
    return list(by_owner.values())


def _line(item: dict[str, Any]) -> str:
    when = f"due {long_date(item['due_on'])}"
    if "days_overdue" in item:
        days = item["days_overdue"]
        when += f", {days} day{'s' if days != 1 else ''} overdue"
    return (f"- Action {item['action_id']}: {item['description']} ({item['service_area']}; learning point "
            f"{item['learning_point_id']}, {item['theme']}): {when}; {item['status']}, {item['priority']} priority")


def owner_text(digest: Digest, *, heading: str = "###") -> str:
    """One owner's reminder as Markdown-flavoured plain text (also the body of their email)."""
    parts = []
    for key, title in SECTIONS:
        items = getattr(digest, key)
        if items:
            parts.append(f"{heading} {title} ({len(items)})".lstrip() + "\n\n" + "\n".join(_line(i) for i in items))
    return "\n\n".join(parts)


def markdown(all_digests: list[Digest], as_of: date) -> str:
    """Every owner's reminder as one Markdown document."""
    lines = [f"# Improvement action reminders, {long_date(as_of)}", ""]
    if not all_digests:
        lines.append("No open improvement actions are overdue or due within 7 days.")
    for digest in all_digests:
        lines += [f"## {digest.owner} ({digest.email})", "", owner_text(digest), ""]
    return "\n".join(lines).rstrip() + "\n"


def as_json(all_digests: list[Digest], as_of: date, **extra: Any) -> str:
    """Every owner's reminder as JSON: ``{"as_of": ..., "owners": [{owner, email, overdue, ...}]}``."""
    owners = [
        {"owner": d.owner, "email": d.email, **{key: getattr(d, key) for key, _ in SECTIONS}} for d in all_digests
    ]
    return json.dumps({"as_of": as_of.isoformat(), "owners": owners, **extra}, indent=2) + "\n"


# --- email -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where reminder emails go out: an SMTP server, the sender address, optional login and STARTTLS."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings from ``LEARNING_TRACKER_SMTP_*``; None when none is set; an error naming what is missing."""
        env = os.environ if environ is None else environ
        value = {key: (env.get(ENV_PREFIX + key) or "").strip() for key in
                 ("HOST", "PORT", "SENDER", "USER", "PASSWORD", "STARTTLS")}
        if not any(value.values()):
            return None
        missing = [ENV_PREFIX + key for key in ("HOST", "PORT", "SENDER") if not value[key]]
        if missing:
            raise ReminderError(f"Email is only partly set up: set {' and '.join(missing)} as well.")
        if not value["PORT"].isdigit() or not 0 < int(value["PORT"]) < 65536:
            raise ReminderError(f"{ENV_PREFIX}PORT ('{value['PORT']}') must be a port number such as 25 or 587.")
        if bool(value["USER"]) != bool(value["PASSWORD"]):
            raise ReminderError(f"Set both {ENV_PREFIX}USER and {ENV_PREFIX}PASSWORD to log in to the mail server, or neither.")
        starttls = value["STARTTLS"].lower()
        if starttls not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
            raise ReminderError(f"{ENV_PREFIX}STARTTLS ('{value['STARTTLS']}') must be yes or no.")
        return cls(host=value["HOST"], port=int(value["PORT"]), sender=value["SENDER"],
                   user=value["USER"] or None, password=value["PASSWORD"] or None,
                   starttls=starttls in ("1", "true", "yes", "on"))


NOT_SET_UP = (
    f"Email is not set up, so no reminders were sent: set {ENV_PREFIX}HOST, {ENV_PREFIX}PORT and "
    f"{ENV_PREFIX}SENDER (and {ENV_PREFIX}USER, {ENV_PREFIX}PASSWORD and {ENV_PREFIX}STARTTLS if the server needs them)."
)


def message(digest: Digest, as_of: date, sender: str) -> EmailMessage:
    """The reminder email to one owner."""
    counts = digest.counts()
    summary = ", ".join(f"{counts[key]} {title.lower()}" for key, title in SECTIONS if counts[key])
    email = EmailMessage()
    email["From"] = sender
    email["To"] = digest.email
    email["Subject"] = f"Improvement actions: {summary}"
    email.set_content(
        f"Dear {digest.owner},\n\n"
        f"These improvement actions you own need attention (as of {long_date(as_of)}):\n\n"
        f"{owner_text(digest, heading='')}\n\n"
        "Please update them on the My actions page of the complaints learning tracker: move a due date "
        "with its reason, add a progress note, or mark them completed with evidence.\n"
    )
    return email


def send(all_digests: list[Digest], as_of: date, settings: SmtpSettings | None) -> list[str]:
    """Email each owner their digest through one SMTP connection; return the addresses sent to."""
    if settings is None:
        raise ReminderError(NOT_SET_UP)
    sent: list[str] = []
    if not all_digests:
        return sent
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for digest in all_digests:
                smtp.send_message(message(digest, as_of, settings.sender))
                sent.append(digest.email)
    except (smtplib.SMTPException, OSError) as error:
        done = f" after sending {len(sent)} of {len(all_digests)}" if sent else ""
        raise ReminderError(
            f"Could not send the reminders through {settings.host}:{settings.port}{done}: {error}."
        ) from None
    return sent
