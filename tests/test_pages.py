"""Every page, for every demo role, runs without an exception (AppTest, server side)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE

ROOT = navigation.ROOT
ROLES = list(DEMO_USERS_BY_ROLE)


def run_page(demo_db_path, monkeypatch, role: str, page_file: str | None = None) -> AppTest:
    """Run the app as the demo user of ``role``, then switch to ``pages/<page_file>``."""
    monkeypatch.setenv("LEARNING_TRACKER_DB", str(demo_db_path))
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.session_state["user_id"] = demo_user_id(demo_db_path, role)
    at.run()
    if page_file:
        at.switch_page(str(ROOT / "pages" / page_file))
        at.run()
    return at


def demo_user_id(demo_db_path, role: str) -> int:
    from learning_tracker import db as database

    db = database.connect(demo_db_path)
    try:
        return db.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE[role]]).fetchone()[0]
    finally:
        db.close()


CASES = [(role, page.file) for page in navigation.PAGES for role in ROLES if role in page.roles]


@pytest.mark.parametrize("role,page_file", CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_every_page_runs_for_every_role_allowed_to_open_it(demo_db_path, monkeypatch, role, page_file):
    at = run_page(demo_db_path, monkeypatch, role, page_file)
    assert not at.exception, at.exception
    assert at.warning[0].value.startswith("Demo data"), "the demo banner is always shown"


def test_the_overview_shows_the_reference_years_key_facts(demo_db_path, monkeypatch):
    at = run_page(demo_db_path, monkeypatch, "viewer", "overview.py")
    at.selectbox(key="overview_year").set_value("2021-22").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Complaints received"] == "235"
    assert metrics["Statutory complaints"] == "177"
    assert metrics["Compliments"] == "502"
    assert metrics["Resolved at stage 1"] == "92%"


def test_the_sidebar_offers_one_demo_user_per_role(demo_db_path, monkeypatch):
    at = run_page(demo_db_path, monkeypatch, "complaints_officer")
    picker = at.sidebar.selectbox(key="user_id")
    assert len(picker.options) == 4
