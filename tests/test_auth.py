"""Signing in: the three providers, passwords, lock-out, idle sessions, single sign-on's mapping to the
app's users, the demo picker's refusal on a real database, and the ``users`` command."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, navigation, ui
from learning_tracker.services import auth
from learning_tracker.errors import InvalidInput, Refused
from learning_tracker.services import users

from .factories import build_world

ROOT = navigation.ROOT
PASSWORD = "kettle drizzle morning lantern 42"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "real.db")
    users.set_password(w.db, w.officer, w.viewer.id, 1, PASSWORD)
    yield w
    w.db.close()


def _user(db, email):
    row = db.execute("SELECT failed_sign_ins, locked_until, active FROM users WHERE email = ?", [email]).fetchone()
    return {"failed_sign_ins": row[0], "locked_until": row[1], "active": row[2]}


def _last_audit(db):
    row = db.execute("SELECT user_email, event, outcome, message FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    return tuple(row)


# --- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env,secrets,demo,provider",
    [
        ({}, {}, True, "demo"),
        ({}, {}, False, "local"),
        ({"LEARNING_TRACKER_AUTH": "sso"}, {}, False, "sso"),
        ({}, {"learning_tracker": {"auth_provider": "SSO "}}, False, "sso"),
        ({"LEARNING_TRACKER_AUTH": "local"}, {"learning_tracker": {"auth_provider": "sso"}}, True, "local"),
    ],
)
def test_the_sign_in_provider_comes_from_the_environment_then_secrets_then_the_database(env, secrets, demo, provider):
    assert auth.settings_from(env, secrets, demo_database=demo).provider == provider


def test_the_demo_picker_is_refused_on_a_real_database():
    with pytest.raises(Refused, match="works only on the demo database"):
        auth.settings_from({"LEARNING_TRACKER_AUTH": "demo"}, {}, demo_database=False)


def test_an_unknown_provider_or_idle_time_is_refused_clearly():
    with pytest.raises(InvalidInput, match=r"\('sos'\) is not known; allowed: 'local', 'sso', 'demo'"):
        auth.settings_from({"LEARNING_TRACKER_AUTH": "sos"}, {}, demo_database=False)
    with pytest.raises(InvalidInput, match="must be a whole number of minutes"):
        auth.settings_from({"LEARNING_TRACKER_IDLE_MINUTES": "half an hour"}, {}, demo_database=False)


def test_idle_time_and_tenant_settings():
    settings = auth.settings_from({"LEARNING_TRACKER_IDLE_MINUTES": "20"},
                                  {"learning_tracker": {"sso_tenant_id": "tenant-1"}}, demo_database=False)
    assert (settings.idle_minutes, settings.sso_tenant_id, settings.sso_provider) == (20, "tenant-1", "microsoft")
    assert auth.settings_from({}, {}, demo_database=False).idle_minutes == 30


# --- passwords -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,problem",
    [
        ("short", "must be at least 12 characters long"),
        ("elevenchars", "must be at least 12 characters long"),
        ("password1234", "is too common"),
        ("Password2024!", "is too common"),  # 'password' with a suffix
        ("qwertyuiop123", "is too common"),
        ("aaaaaaaaaaaaaaaa", "is too common"),
        ("viewer-is-my-password", "must not contain your email address"),
        ("x" * 1025, "may be at most 1024 characters"),
        (PASSWORD, None),
    ],
)
def test_password_rules(password, problem):
    problems = auth.password_problems(password, email="viewer@test.invalid")
    assert [p.message.split(" (")[0][: len(problem)] for p in problems] == ([problem] if problem else [])
    assert all(p.value is None for p in problems), "a password is never echoed back"


def test_passwords_are_stored_as_argon2id_hashes(world):
    stored = world.db.execute("SELECT password_hash FROM users WHERE id = ?", [world.viewer.id]).fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# --- local accounts --------------------------------------------------------------------------------


def test_the_right_password_signs_in_and_is_audited(world):
    actor = auth.sign_in(world.db, " VIEWER@test.invalid ", PASSWORD, now=NOW)
    assert (actor.id, actor.role) == (world.viewer.id, "viewer")
    assert _last_audit(world.db) == ("viewer@test.invalid", "sign in", "done", "local account")


def test_a_wrong_password_is_refused_and_counted(world):
    with pytest.raises(Refused) as refusal:
        auth.sign_in(world.db, "viewer@test.invalid", "not the password at all", now=NOW)
    assert str(refusal.value) == auth.WRONG_EMAIL_OR_PASSWORD
    assert _user(world.db, "viewer@test.invalid")["failed_sign_ins"] == 1
    assert _last_audit(world.db) == ("viewer@test.invalid", "sign in", "refused", "wrong password (1 in a row)")


def test_an_unknown_email_gets_the_same_refusal_as_a_wrong_password(world):
    with pytest.raises(Refused) as refusal:
        auth.sign_in(world.db, "nobody@test.invalid", PASSWORD, now=NOW)
    assert str(refusal.value) == auth.WRONG_EMAIL_OR_PASSWORD
    assert _last_audit(world.db) == ("nobody@test.invalid", "sign in", "refused", "no such account")


def test_a_user_without_a_password_cannot_sign_in_locally(world):
    with pytest.raises(Refused, match="do not match"):
        auth.sign_in(world.db, "forum@test.invalid", "", now=NOW)


def test_five_wrong_passwords_lock_the_account_for_15_minutes_then_it_unlocks(world):
    for attempt in range(1, 5):
        with pytest.raises(Refused, match="do not match"):
            auth.sign_in(world.db, "viewer@test.invalid", f"wrong guess number {attempt}", now=NOW)
    with pytest.raises(Refused, match="locked after 5 wrong passwords in a row. Try again in 15 minutes"):
        auth.sign_in(world.db, "viewer@test.invalid", "wrong guess number 5", now=NOW)
    assert _user(world.db, "viewer@test.invalid") == {
        "failed_sign_ins": 0, "locked_until": (NOW + timedelta(minutes=15)).isoformat(), "active": 1}
    # Locked: even the right password is refused, without being checked.
    with pytest.raises(Refused, match="Try again in 5 minutes"):
        auth.sign_in(world.db, "viewer@test.invalid", PASSWORD, now=NOW + timedelta(minutes=10))
    assert _last_audit(world.db) == ("viewer@test.invalid", "sign in", "refused", "account locked")
    # After the 15 minutes the right password works and the lock is cleared.
    actor = auth.sign_in(world.db, "viewer@test.invalid", PASSWORD, now=NOW + timedelta(minutes=15, seconds=1))
    assert actor.id == world.viewer.id
    assert _user(world.db, "viewer@test.invalid") == {"failed_sign_ins": 0, "locked_until": None, "active": 1}


def test_the_complaints_officer_can_unlock_an_account_early(world):
    for attempt in range(5):
        with pytest.raises(Refused):
            auth.sign_in(world.db, "viewer@test.invalid", f"wrong guess {attempt}", now=NOW)
    users.unlock_user(world.db, world.officer, world.viewer.id)
    assert auth.sign_in(world.db, "viewer@test.invalid", PASSWORD, now=NOW).id == world.viewer.id


def test_a_deactivated_user_is_refused_with_the_right_password(world):
    users.deactivate_user(world.db, world.officer, world.viewer.id, 2)
    with pytest.raises(Refused, match="viewer@test.invalid has been deactivated"):
        auth.sign_in(world.db, "viewer@test.invalid", PASSWORD, now=NOW)
    with pytest.raises(Refused, match="do not match"):
        auth.sign_in(world.db, "viewer@test.invalid", "a wrong password here", now=NOW)


def test_a_password_never_reaches_the_audit_log(world):
    with pytest.raises(Refused):
        auth.sign_in(world.db, "my secret password typed in the wrong box", "x", now=NOW)
    auth.sign_in(world.db, "viewer@test.invalid", PASSWORD, now=NOW)
    users.set_password(world.db, world.officer, world.forum.id, 1, "another long passphrase")
    everything = json.dumps([list(r) for r in world.db.execute("SELECT * FROM audit_events")])
    assert "secret password" not in everything
    assert PASSWORD not in everything and "another long passphrase" not in everything
    assert "$argon2" not in everything
    assert ("(not an email address)", "sign in", "refused", "no such account") in [
        tuple(r) for r in world.db.execute("SELECT user_email, event, outcome, message FROM audit_events")]


@pytest.mark.parametrize(
    "idle,expired", [(None, False), (timedelta(minutes=29), False), (timedelta(minutes=30), False),
                     (timedelta(minutes=30, seconds=1), True)])
def test_a_session_expires_after_the_idle_time(idle, expired):
    last = None if idle is None else NOW - idle
    assert auth.idle_expired(last, NOW, 30) is expired


# --- the app with local accounts ------------------------------------------------------------------


def _app(db_path, monkeypatch, provider=None) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(db_path))
    if provider:
        monkeypatch.setenv("LEARNING_TRACKER_AUTH", provider)
    else:
        monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)


def _sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="FormSubmitter:sign_in-Sign in").click().run()


def test_a_real_database_asks_for_a_password_and_shows_nothing_before(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.run()
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert ui.USER_KEY not in at.session_state
    assert [w.value for w in at.warning] == []  # no demo banner on real records
    assert len(at.sidebar.selectbox) == 0  # and no picker


def test_signing_in_with_a_wrong_then_the_right_password(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.run()
    _sign_in(at, "viewer@test.invalid", "not my password at all")
    assert [e.value for e in at.error] == [auth.WRONG_EMAIL_OR_PASSWORD]
    _sign_in(at, "viewer@test.invalid", PASSWORD)
    assert at.session_state[ui.USER_KEY] == world.viewer.id
    assert [c.value for c in at.sidebar.caption] == ["Signed in as Director (viewer)"]
    assert not at.exception


def test_signing_out_forgets_the_session(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.session_state[ui.USER_KEY] = world.viewer.id
    at.run()
    at.session_state["overview_year"] = "2021-22"  # something a page remembered
    at.sidebar.button(key="sign_out").click().run()
    assert ui.USER_KEY not in at.session_state and "overview_year" not in at.session_state
    assert [i.value for i in at.info] == ["You have signed out."]
    assert _last_audit(world.db) == ("viewer@test.invalid", "sign out", "done", "signed out")


def test_an_idle_session_ends_and_asks_to_sign_in_again(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.session_state[ui.USER_KEY] = world.viewer.id
    at.session_state[ui.LAST_ACTIVITY_KEY] = datetime.now(timezone.utc) - timedelta(minutes=31)
    at.run()
    assert ui.USER_KEY not in at.session_state
    assert [i.value for i in at.info] == [
        "You were signed out after 30 minutes without activity. Sign in again to carry on."]
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert _last_audit(world.db) == (
        "viewer@test.invalid", "sign out", "done", "signed out after 30 minutes without activity")


def test_a_recently_active_session_carries_on(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.session_state[ui.USER_KEY] = world.viewer.id
    at.session_state[ui.LAST_ACTIVITY_KEY] = datetime.now(timezone.utc) - timedelta(minutes=29)
    at.run()
    assert at.session_state[ui.USER_KEY] == world.viewer.id
    assert at.session_state[ui.LAST_ACTIVITY_KEY] > datetime.now(timezone.utc) - timedelta(minutes=1)


def test_a_user_deactivated_while_signed_in_is_signed_out(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch)
    at.session_state[ui.USER_KEY] = world.viewer.id
    at.run()
    users.deactivate_user(world.db, world.officer, world.viewer.id, 2)
    at.run()
    assert ui.USER_KEY not in at.session_state
    assert [t.label for t in at.text_input] == ["Email", "Password"]


def test_changing_ones_own_password(world, tmp_path, monkeypatch):
    users.change_own_password(world.db, world.viewer, PASSWORD, "a brand new passphrase")
    with pytest.raises(InvalidInput, match="current password is not right"):
        users.change_own_password(world.db, world.viewer, PASSWORD, "yet another passphrase")
    assert auth.sign_in(world.db, "viewer@test.invalid", "a brand new passphrase", now=NOW).id == world.viewer.id


def test_the_demo_picker_is_refused_in_the_app_on_a_real_database(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch, provider="demo")
    at.session_state[ui.USER_KEY] = world.officer.id  # even with someone already chosen
    at.run()
    assert [e.value for e in at.error] == [
        "The demo sign-in (a picker of made-up users) works only on the demo database, and this database holds "
        "real records. Set LEARNING_TRACKER_AUTH to 'local' or 'sso'."]
    assert len(at.sidebar.selectbox) == 0
    assert not at.exception


def test_the_demo_database_is_always_bannered_whatever_the_provider(demo_db_path, monkeypatch):
    at = _app(demo_db_path, monkeypatch, provider="local")
    at.run()
    assert at.warning[0].value.startswith("Demo data")
    assert [t.label for t in at.text_input] == ["Email", "Password"]


# --- single sign-on ----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["forum@test.invalid", "FORUM@Test.Invalid", " forum@test.invalid "])
def test_single_sign_on_maps_the_email_to_the_apps_user(world, email):
    actor = auth.user_for_sso_email(world.db, {"is_logged_in": True, "email": email, "name": "Whatever Entra says"})
    assert (actor.id, actor.role, actor.name) == (world.forum.id, "forum_member", "Forum Chair")


@pytest.mark.parametrize(
    "user_info,message",
    [
        ({"is_logged_in": False}, "You are not signed in"),
        ({"is_logged_in": True}, "did not give this app an email address"),
        ({"is_logged_in": True, "email": "stranger@elsewhere.invalid"},
         "stranger@elsewhere.invalid is not a user of this app. Ask the complaints officer to add you."),
    ],
)
def test_single_sign_on_refuses_who_the_app_does_not_know(world, user_info, message):
    with pytest.raises(Refused, match=message):
        auth.user_for_sso_email(world.db, user_info)


def test_single_sign_on_refuses_a_deactivated_user(world):
    users.deactivate_user(world.db, world.officer, world.forum.id, 1)
    with pytest.raises(Refused, match="forum@test.invalid has been deactivated"):
        auth.user_for_sso_email(world.db, {"is_logged_in": True, "email": "forum@test.invalid"})


def test_single_sign_on_can_insist_on_the_councils_tenant(world):
    info = {"is_logged_in": True, "email": "forum@test.invalid", "tid": "other-tenant"}
    with pytest.raises(Refused, match="belongs to another organisation"):
        auth.user_for_sso_email(world.db, info, tenant_id="council-tenant")
    assert auth.user_for_sso_email(world.db, {**info, "tid": "council-tenant"}, tenant_id="council-tenant").id == world.forum.id


def test_single_sign_on_in_the_app(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch, provider="sso")
    at.user = {"is_logged_in": True, "email": "forum@test.invalid"}
    at.run()
    assert at.session_state[ui.USER_KEY] == world.forum.id
    assert [c.value for c in at.sidebar.caption] == ["Signed in as Forum Chair (forum member)"]
    assert _last_audit(world.db) == ("forum@test.invalid", "sign in", "done", "single sign-on")


def test_single_sign_on_in_the_app_refuses_an_unknown_email_once(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch, provider="sso")
    at.user = {"is_logged_in": True, "email": "stranger@elsewhere.invalid"}
    at.run()
    at.run()
    assert [e.value for e in at.error] == [  # shown as written: the address is no mailto link
        "stranger\u2060@elsewhere.invalid is not a user of this app. Ask the complaints officer to add you."]
    assert ui.USER_KEY not in at.session_state
    refusals = world.db.execute("SELECT COUNT(*) FROM audit_events WHERE event = 'sign in' AND outcome = 'refused'").fetchone()[0]
    assert refusals == 1


def test_single_sign_on_without_its_configuration_says_what_is_missing(world, tmp_path, monkeypatch):
    at = _app(tmp_path / "real.db", monkeypatch, provider="sso")
    at.run()
    assert [e.value for e in at.error][0].startswith("Single sign-on is chosen, but .streamlit/secrets.toml has no [auth] section")


# --- the users command -------------------------------------------------------------------------------


def _cli(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_first_complaints_officer_is_created_with_the_command(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "new.db")
    assert _cli(monkeypatch, capsys, ["init", "--db", path])[0] == 0
    code, out, err = _cli(monkeypatch, capsys, ["users", "add", "Jo.Bloggs@council.example", "--role", "complaints_officer",
                                                "--password-stdin", "--db", path], stdin=PASSWORD + "\n")
    assert (code, err) == (0, "")
    assert out == "Added Jo Bloggs <Jo.Bloggs@council.example> as a complaints officer with a password.\n"
    from learning_tracker import db as database

    db = database.connect(path)
    assert auth.sign_in(db, "jo.bloggs@council.example", PASSWORD).role == "complaints_officer"
    assert db.execute("SELECT user_email, event, outcome FROM audit_events WHERE event = 'add user'").fetchall() == [
        ("learning-tracker command", "add user", "done")]


def test_the_users_command_checks_what_it_is_given(tmp_path, monkeypatch, capsys):
    w = build_world(tmp_path / "w.db")
    path = str(tmp_path / "w.db")
    code, out, err = _cli(monkeypatch, capsys, ["users", "add", "new@test.invalid", "--role", "complaints_officer",
                                                "--password-stdin", "--db", path], stdin="short\n")
    assert (code, out) == (1, "")
    assert err == "learning-tracker: password must be at least 12 characters long (a few words make a good one)\n"
    code, out, err = _cli(monkeypatch, capsys, ["users", "add", "sm@test.invalid", "--role", "service manager",
                                                "--name", "Sam Manager", "--area", "Team West", "--area", "team east",
                                                "--db", path])
    assert (code, err) == (0, "")
    assert out == "Added Sam Manager <sm@test.invalid> as a service manager (no password: single sign-on only).\n"
    code, out, err = _cli(monkeypatch, capsys, ["users", "add", "sm2@test.invalid", "--role", "service_manager",
                                                "--area", "Team Wets", "--db", path])
    assert code == 1 and "service area ('Team Wets') is not known; did you mean 'Team West'?" in err
    code, out, _ = _cli(monkeypatch, capsys, ["users", "list", "--db", path])
    assert "sm@test.invalid\tSam Manager\tservice_manager [Team East; Team West]\n" in out
    code, out, err = _cli(monkeypatch, capsys, ["users", "set-password", "SM@test.invalid", "--password-stdin", "--db", path],
                          stdin=PASSWORD + "\n")
    assert (code, out) == (0, "Set a new password for SM@test.invalid.\n")
    assert auth.sign_in(w.db, "sm@test.invalid", PASSWORD).name == "Sam Manager"
