import subprocess
import sys
from pathlib import Path

import pytest

from learning_tracker import cli


def test_deadline_prints_the_iso_date_n_working_days_later(capsys):
    assert cli.main(["deadline", "2022-12-20", "10"]) == 0
    assert capsys.readouterr().out == "2023-01-06\n"


@pytest.mark.parametrize(
    "command", [[str(Path(sys.executable).with_name("learning-tracker"))], [sys.executable, "-m", "learning_tracker"]]
)
def test_the_console_command_and_python_dash_m_agree(command):
    result = subprocess.run([*command, "deadline", "2023-05-05", "1"], capture_output=True, text=True, check=True)
    assert result.stdout == "2023-05-09\n"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["deadline", "2022-12-20", "-1"], "N must be zero or more working days."),
        (["deadline", "1999-01-01", "5"], "outside the calendar"),
    ],
)
def test_errors_are_one_sentence_on_stderr_with_a_non_zero_exit(capsys, argv, message):
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1


def test_a_bad_date_is_a_usage_error_without_a_traceback():
    result = subprocess.run([sys.executable, "-m", "learning_tracker", "deadline", "20/12/2022", "10"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "'20/12/2022' is not a date; write it as YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_creates_a_migrated_empty_database_and_never_overwrites(tmp_path, capsys):
    path = tmp_path / "council.db"
    assert cli.main(["init", "--db", str(path)]) == 0
    assert path.exists()
    assert cli.main(["init", "--db", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_db_defaults_to_the_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(path))
    assert cli.main(["init"]) == 0
    assert path.exists()


def test_demo_refuses_to_overwrite_without_force(tmp_path, capsys):
    path = tmp_path / "council.db"
    cli.main(["init", "--db", str(path)])
    assert cli.main(["demo", "--db", str(path)]) == 1
    assert "add --force" in capsys.readouterr().err
