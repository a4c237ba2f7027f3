import json
import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from learning_tracker import cli
from learning_tracker.services import reminders
from tests.factories import add_action, build_world

AS_OF = date(2026, 3, 10)
SMTP_VARIABLES = ["HOST", "PORT", "SENDER", "USER", "PASSWORD", "STARTTLS"]


@pytest.fixture
def world(tmp_path, monkeypatch):
    for name in SMTP_VARIABLES:
        monkeypatch.delenv(reminders.ENV_PREFIX + name, raising=False)
    world = build_world(tmp_path / "tracker.db")
    db, lp = world.db, world.learning_point
    # West's manager: one overdue, one due tomorrow, one due today, one due in 7 days; none beyond.
    world.overdue = add_action(db, lp, world.manager_west, world.west, "2026-03-02", status="in progress", description="Call-back audit")
    world.tomorrow = add_action(db, lp, world.manager_west, world.west, "2026-03-11", description="Team briefing")
    world.today = add_action(db, lp, world.manager_west, world.west, "2026-03-10", description="Update leaflet")
    world.week = add_action(db, lp, world.manager_west, world.west, "2026-03-17", description="Supervision prompt")
    add_action(db, lp, world.manager_west, world.west, "2026-03-18", description="Beyond the week")
    # Done or cancelled actions are never reminded of, however late.
    add_action(db, lp, world.manager_west, world.west, "2026-01-01", status="completed", description="Done")
    add_action(db, lp, world.manager_east, world.east, "2026-01-01", status="cancelled", description="Cancelled")
    # East's manager: one overdue by a single day.
    world.east_overdue = add_action(db, lp, world.manager_east, world.east, "2026-03-09", description="Rota change")
    world.path = tmp_path / "tracker.db"
    return world


def test_digests_list_per_owner_the_overdue_due_tomorrow_and_due_within_7_days_actions(world):
    found = reminders.digests(world.db, AS_OF)
    assert [(d.owner, d.email) for d in found] == [
        ("Service Manager, Team East", "east@test.invalid"),
        ("Service Manager, Team West", "west@test.invalid"),
    ]
    east, west = found
    assert [(i["action_id"], i["days_overdue"]) for i in west.overdue] == [(world.overdue, 8)]
    assert [i["action_id"] for i in west.due_tomorrow] == [world.tomorrow]
    assert [i["action_id"] for i in west.due_within_7_days] == [world.today, world.week]
    assert east.counts() == {"overdue": 1, "due_tomorrow": 0, "due_within_7_days": 0}


def test_the_command_prints_the_reminders_as_markdown(world, capsys):
    assert cli.main(["reminders", "--as-of", "2026-03-10", "--db", str(world.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Improvement action reminders, 10 March 2026\n\n## Service Manager, Team East (east@test.invalid)\n")
    assert (f"- Action {world.east_overdue}: Rota change (Team East; learning point {world.learning_point}, Communication): "
            "due 9 March 2026, 1 day overdue; not started, medium priority") in out
    assert "### Due tomorrow (1)" in out and "### Due within 7 days (2)" in out
    assert "Beyond the week" not in out and "Done" not in out and "Cancelled" not in out


def test_the_command_prints_the_reminders_as_json(world, capsys):
    assert cli.main(["reminders", "--as-of", "2026-03-10", "--format", "json", "--db", str(world.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2026-03-10"
    assert [(o["email"], len(o["overdue"]), len(o["due_tomorrow"]), len(o["due_within_7_days"])) for o in data["owners"]] == [
        ("east@test.invalid", 1, 0, 0), ("west@test.invalid", 1, 1, 2)]
    assert data["owners"][1]["due_tomorrow"][0] == {
        "action_id": world.tomorrow, "description": "Team briefing", "due_on": "2026-03-11", "status": "not started",
        "priority": "medium", "service_area": "Team West", "learning_point_id": world.learning_point, "theme": "Communication"}


def test_nothing_due_says_so(world, capsys):
    assert cli.main(["reminders", "--as-of", "2025-01-01", "--db", str(world.path)]) == 0
    assert capsys.readouterr().out == (
        "# Improvement action reminders, 1 January 2025\n\nNo open improvement actions are overdue or due within 7 days.\n")


def test_send_without_email_settings_fails_with_one_clear_sentence(world, capsys):
    assert cli.main(["reminders", "--send", "--db", str(world.path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"learning-tracker: {reminders.NOT_SET_UP}\n"
    assert captured.err.startswith("learning-tracker: Email is not set up, so no reminders were sent: set LEARNING_TRACKER_SMTP_HOST")


@pytest.mark.parametrize(
    "environment,message",
    [
        ({"HOST": "127.0.0.1"}, "Email is only partly set up: set LEARNING_TRACKER_SMTP_PORT and LEARNING_TRACKER_SMTP_SENDER as well."),
        ({"HOST": "127.0.0.1", "PORT": "smtp", "SENDER": "a@b"}, "LEARNING_TRACKER_SMTP_PORT ('smtp') must be a port number such as 25 or 587."),
        ({"HOST": "h", "PORT": "25", "SENDER": "a@b", "USER": "u"},
         "Set both LEARNING_TRACKER_SMTP_USER and LEARNING_TRACKER_SMTP_PASSWORD to log in to the mail server, or neither."),
    ],
)
def test_partial_email_settings_are_named(world, monkeypatch, capsys, environment, message):
    for name, value in environment.items():
        monkeypatch.setenv(reminders.ENV_PREFIX + name, value)
    assert cli.main(["reminders", "--send", "--db", str(world.path)]) == 1
    assert capsys.readouterr().err == f"learning-tracker: {message}\n"


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_send_emails_each_owner_their_digest_through_a_real_smtp_server(world, smtp_server, monkeypatch, capsys):
    controller, inbox = smtp_server
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_SENDER", "complaints@council.example")

    assert cli.main(["reminders", "--as-of", "2026-03-10", "--send", "--db", str(world.path)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\nSent 2 reminder emails (to east@test.invalid, west@test.invalid).\n")

    assert [(sender, to) for sender, to, _ in inbox.received] == [
        ("complaints@council.example", ["east@test.invalid"]),
        ("complaints@council.example", ["west@test.invalid"]),
    ]
    east, west = (message for _, _, message in inbox.received)
    assert east["Subject"] == "Improvement actions: 1 overdue"
    assert west["Subject"] == "Improvement actions: 1 overdue, 1 due tomorrow, 2 due within 7 days"
    assert (west["From"], west["To"]) == ("complaints@council.example", "west@test.invalid")
    body = west.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
    assert body.startswith("Dear Service Manager, Team West,\n\nThese improvement actions you own need attention (as of 10 March 2026):\n\nOverdue (1)\n\n")
    assert f"- Action {world.overdue}: Call-back audit (Team West; learning point {world.learning_point}, Communication): due 2 March 2026, 8 days overdue; in progress, medium priority" in body
    assert "Due tomorrow (1)\n\n- Action" in body and "Team briefing" in body
    assert "Rota change" not in body, "each owner gets only their own actions"
    assert "Rota change" in east.get_content()


def test_send_as_json_names_who_was_sent_to(world, smtp_server, monkeypatch, capsys):
    controller, inbox = smtp_server
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_SENDER", "complaints@council.example")
    assert cli.main(["reminders", "--as-of", "2026-03-10", "--send", "--format", "json", "--db", str(world.path)]) == 0
    assert json.loads(capsys.readouterr().out)["sent_to"] == ["east@test.invalid", "west@test.invalid"]
    assert len(inbox.received) == 2


def test_an_unreachable_mail_server_is_one_sentence(world, monkeypatch, capsys):
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("LEARNING_TRACKER_SMTP_SENDER", "complaints@council.example")
    assert cli.main(["reminders", "--as-of", "2026-03-10", "--send", "--db", str(world.path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("learning-tracker: Could not send the reminders through 127.0.0.1:")
    assert captured.err.count("\n") == 1
