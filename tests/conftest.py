"""Shared fixtures: real SQLite files in ``tmp_path``, never a mocked database."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from learning_tracker import db as database


@pytest.fixture
def db_path(tmp_path):
    """Where a test's database file lives."""
    return tmp_path / "learning_tracker.db"


@pytest.fixture
def db(db_path):
    """A new database, migrated to the latest schema (default configuration, no records)."""
    connection = database.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_template_path(tmp_path_factory):
    """The demo database as of today, built once per test session; copy it before writing to it."""
    from learning_tracker import demo_mode

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    demo_mode.create(path, today=date.today())
    return path


@pytest.fixture
def demo_db_path(demo_template_path, tmp_path):
    """A test's own copy of the demo database (marked as demo), free to change."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template_path, path)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so browser fixtures can screenshot a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# The browser tests' Chromium page, available to every test module without an import.
from tests.browser import browser_page  # noqa: E402, F401
