"""Sign-in and failing closed, from probing the app: passwords sent at the same moment still lock the
account, a missing database stops the app instead of becoming a demo one, common passwords in disguise are
refused, and a password change or reset ends the user's other sessions."""

from __future__ import annotations

import io
import threading
import tomllib
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import cli, navigation, ui
from learning_tracker import db as database
from learning_tracker.errors import Refused
from learning_tracker.services import auth, users

from .factories import build_world

ROOT = navigation.ROOT
PASSWORD = "kettle drizzle morning lantern 42"
EMAIL = "viewer@test.invalid"


@pytest.fixture
def world(tmp_path):
    w = build_world(tmp_path / "real.db")
    users.set_password(w.db, w.officer, w.viewer.id, 1, PASSWORD)
    yield w
    w.db.close()


def _account(db):
    row = db.execute("SELECT failed_sign_ins, locked_until FROM users WHERE email = ?", [EMAIL]).fetchone()
    return {"failed_sign_ins": row[0], "locked_until": row[1]}


def _locked(db) -> bool:
    locked_until = _account(db)["locked_until"]
    return bool(locked_until) and datetime.fromisoformat(locked_until) > datetime.now(UTC)


# --- lock-out bypass ----------------------------------------------------------------------------------


def _sign_in_at_once(path, passwords: list[str]) -> list[str]:
    """Send every password for the viewer at the same moment, one thread and one connection each; return
    'in' or the refusal for each, in the order given."""
    ready = threading.Barrier(len(passwords))
    results: list[str] = [""] * len(passwords)

    def attempt(i: int, password: str) -> None:
        db = database.connect(path)
        try:
            ready.wait()
            auth.sign_in(db, EMAIL, password)
            results[i] = "in"
        except Refused as refusal:
            results[i] = str(refusal)
        finally:
            db.close()

    threads = [threading.Thread(target=attempt, args=(i, p)) for i, p in enumerate(passwords)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_finding_lockout_bypass_concurrent_wrong_passwords_lock_the_account(world, tmp_path):
    # Nine wrong passwords and the right one, all at once: in any order, five wrong ones come in a row either
    # before or after the right one, so the account must end locked; and the right one may get in only if
    # fewer than five wrong ones were counted before it.
    passwords = [f"wrong guess number {n}" for n in range(9)]
    for round_ in range(6):
        passwords.insert(round_ % 10, PASSWORD)  # the right one in a different place each round
        start = world.db.execute("SELECT MAX(id) FROM audit_events").fetchone()[0]
        results = _sign_in_at_once(tmp_path / "real.db", passwords)
        passwords.remove(PASSWORD)

        assert _locked(world.db), f"round {round_}: {results}"
        assert results.count("in") <= 1
        assert all(r in ("in", auth.WRONG_EMAIL_OR_PASSWORD) or r.startswith("This account is locked") for r in results)
        settled = [m for (m,) in world.db.execute(
            "SELECT message FROM audit_events WHERE id > ? AND event = 'sign in' ORDER BY id", [start])]
        assert len(settled) == 10
        if "in" in results:
            wrong_before = [m for m in settled[: settled.index("local account")] if m.startswith("wrong password")]
            assert len(wrong_before) < auth.MAX_FAILED_SIGN_INS, settled
        # Once locked, the right password is refused.
        with pytest.raises(Refused, match="This account is locked"):
            auth.sign_in(world.db, EMAIL, PASSWORD)
        users.unlock_user(world.db, world.officer, world.viewer.id)


def test_finding_lockout_bypass_a_sixth_attempt_while_five_are_counted_is_not_checked(world):
    # Five attempts counted (wrong, or still being checked by sign-ins sent at the same moment): the next
    # one locks the account without its password being tried, even when it is the right one.
    world.db.execute("UPDATE users SET failed_sign_ins = 5 WHERE id = ?", [world.viewer.id])
    with pytest.raises(Refused, match="This account is locked after 5 wrong passwords in a row. Try again in 15 minutes"):
        auth.sign_in(world.db, EMAIL, PASSWORD)
    assert _locked(world.db)


def test_finding_lockout_bypass_the_right_password_still_forgives_the_wrong_ones_before_it(world):
    for attempt in range(4):
        with pytest.raises(Refused, match="do not match"):
            auth.sign_in(world.db, EMAIL, f"wrong guess number {attempt}")
    assert _account(world.db)["failed_sign_ins"] == 4
    assert auth.sign_in(world.db, EMAIL, PASSWORD).id == world.viewer.id
    assert _account(world.db) == {"failed_sign_ins": 0, "locked_until": None}


# --- fails open -----------------------------------------------------------------------------------------


def test_finding_fails_open_a_missing_database_stops_the_app_and_creates_nothing(tmp_path, monkeypatch):
    missing = tmp_path / "mistyped folder" / "records.db"
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(missing))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    for script in (ROOT / "streamlit_app.py", ROOT / "pages" / "overview.py"):  # the entry point, and a page run on its own
        at = AppTest.from_file(str(script), default_timeout=30)
        at.run()
        assert not at.exception
        [error] = [e.value for e in at.error]
        assert f"There is no database at {missing}" in error
        assert f"`learning-tracker init --db {missing}`" in error and f"`learning-tracker demo --db {missing}`" in error
        assert "LEARNING_TRACKER_DB" in error
        assert len(at.sidebar.selectbox) == 0 and len(at.text_input) == 0  # no picker, no sign-in form
        assert not missing.exists() and not missing.parent.exists()


def test_finding_fails_open_connect_opens_only_an_existing_database_when_asked(tmp_path):
    missing = tmp_path / "nowhere" / "records.db"
    with pytest.raises(database.DatabaseMissing, match="There is no database at"):
        database.connect(missing, create=False)
    assert not missing.parent.exists()
    database.connect(tmp_path / "records.db").close()  # init and demo still create one
    database.connect(tmp_path / "records.db", create=False).close()


@pytest.mark.parametrize("argv", [["users", "list"], ["rag"], ["reminders"], ["export", "all", "{out}"],
                                  ["report", "annual", "--year", "2021-22"]])
def test_finding_fails_open_commands_on_a_missing_database_create_nothing(tmp_path, capsys, argv):
    missing = tmp_path / "mistyped" / "records.db"
    argv = [a.format(out=tmp_path / "out.xlsx") for a in argv]
    assert cli.main([*argv, "--db", str(missing)]) == 1
    assert "does not exist; create it with `learning-tracker init`" in capsys.readouterr().err
    assert not missing.parent.exists()


# --- common passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [
    "Pa$$word1234",     # leetspeak and digits
    "Password2024!",    # digits and a symbol
    "P@55w0rd!!2024",
    "W3lcom3!2024",     # the ending 3 is an e, the !2024 is padding
    "B4bygirl2024!",
    "MICHELLE1987!!",
    "!!qazwsxedcrfv99",  # a long entry of the list, padded at both ends
    "Jordan230000!",    # an entry ending in digits, more digits added
    "Complaints0fficer1",  # this app's own words
])
def test_finding_common_password_variants_are_refused(password):
    assert [p.message for p in auth.password_problems(password)] == ["is too common and easy to guess; choose another"]


@pytest.mark.parametrize("password", [PASSWORD, "7#Qa9!x2&4Bz", "a brand new passphrase", "Welcome to the jungle of 2024"])
def test_finding_common_password_variants_leave_good_passwords_alone(password):
    assert auth.password_problems(password) == []


def test_finding_common_password_list_is_djangos_shipped_as_package_data():
    listed = auth.common_passwords()
    assert len(listed) > 19_000 and {"password", "qwertyuiop", "babygirl", "#1pimp"} <= listed
    package = ROOT / "src" / "learning_tracker"
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["learning_tracker"]
    assert {"common_passwords.txt.gz", "common_passwords.NOTICE"} <= set(shipped)
    assert all((package / name).is_file() for name in shipped)
    assert "Django Software Foundation" in (package / "common_passwords.NOTICE").read_text()
    assert not (package / "common_passwords.txt").exists()
    assert auth.password_problems("elevenchars")[0].message.startswith("must be at least 12 characters")


# --- a password reset ends the other sessions --------------------------------------------------------


def _app(path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    monkeypatch.delenv("LEARNING_TRACKER_AUTH", raising=False)
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)


def _signed_in_session(path, monkeypatch, password=PASSWORD) -> AppTest:
    """A browser session signed in through the password form."""
    at = _app(path, monkeypatch)
    at.run()
    at.text_input(key="sign_in_email").input(EMAIL)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert at.session_state[ui.USER_KEY] is not None, [e.value for e in at.error]
    return at


def _signed_out_for_the_password(at: AppTest) -> None:
    assert ui.USER_KEY not in at.session_state
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert [i.value for i in at.info] == [
        ("You were signed out because your password was changed or reset after you signed in here. "
         "Sign in again with the new password; if you did not change it, tell the complaints officer.")]


def test_finding_password_reset_by_the_officer_ends_the_users_other_sessions(world, tmp_path, monkeypatch):
    path = tmp_path / "real.db"
    first, second = _signed_in_session(path, monkeypatch), _signed_in_session(path, monkeypatch)
    version = world.db.execute("SELECT version FROM users WHERE id = ?", [world.viewer.id]).fetchone()[0]
    users.set_password(world.db, world.officer, world.viewer.id, version, "a brand new passphrase")
    for session in (first, second):
        session.run()
        _signed_out_for_the_password(session)
    assert ("viewer@test.invalid", "sign out", "signed out: the password was changed or reset after this session signed in") in [
        tuple(r) for r in world.db.execute("SELECT user_email, event, message FROM audit_events")]
    # Signing in again with the new password carries on.
    again = _signed_in_session(path, monkeypatch, "a brand new passphrase")
    again.run()
    assert again.session_state[ui.USER_KEY] == world.viewer.id


def test_finding_password_reset_with_the_command_ends_the_users_sessions(world, tmp_path, monkeypatch, capsys):
    path = tmp_path / "real.db"
    session = _signed_in_session(path, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    assert cli.main(["users", "set-password", EMAIL, "--password-stdin", "--db", str(path)]) == 0
    session.run()
    _signed_out_for_the_password(session)


def test_finding_password_reset_changing_ones_own_password_ends_only_the_other_sessions(world, tmp_path, monkeypatch):
    path = tmp_path / "real.db"
    here, elsewhere = _signed_in_session(path, monkeypatch), _signed_in_session(path, monkeypatch)
    form = [t for t in here.sidebar.text_input if t.label.startswith(("Current password", "New password"))]
    form[0].input(PASSWORD)
    form[1].input("a brand new passphrase")
    form[2].input("a brand new passphrase")
    here.sidebar.button(key="FormSubmitter:change_password-Change my password").click().run()
    assert [s.value for s in here.success] == ["Your password has been changed."]
    here.run()
    assert here.session_state[ui.USER_KEY] == world.viewer.id
    elsewhere.run()
    _signed_out_for_the_password(elsewhere)


def test_finding_lockout_bypass_wrong_current_passwords_on_change_my_password_lock_the_account(tmp_path):
    from learning_tracker.services import users
    from learning_tracker.errors import InvalidInput

    from .factories import build_world

    world = build_world(tmp_path / "change.db")
    try:
        version = world.db.execute("SELECT version FROM users WHERE id = ?", [world.viewer.id]).fetchone()[0]
        users.set_password(world.db, world.officer, world.viewer.id, version, "a long passphrase of the director")
        for _ in range(4):
            with pytest.raises(InvalidInput, match="is not right"):
                users.change_own_password(world.db, world.viewer, "a wrong guess at it", "a brand new passphrase")
        with pytest.raises(InvalidInput, match="locked"):  # the fifth wrong one locks the account, as a sign-in does
            users.change_own_password(world.db, world.viewer, "a wrong guess at it", "a brand new passphrase")
        # Locked now: even the right current password is refused, with the lock-out's words.
        with pytest.raises(InvalidInput, match="locked"):
            users.change_own_password(world.db, world.viewer, "a long passphrase of the director", "a brand new passphrase")
        assert world.db.execute("SELECT locked_until FROM users WHERE id = ?", [world.viewer.id]).fetchone()[0]
    finally:
        world.db.close()


@pytest.mark.parametrize("password", ["passwordpassword", "letmeinletmein", "Pass-word-2024", "Password2024Password",
                                      "1234567890ab", "abcdefghijkl", "qwertyuiop12"])
def test_finding_common_password_repeats_separators_and_runs_are_refused(password):
    from learning_tracker.services import auth

    assert auth.password_problems(password), password
