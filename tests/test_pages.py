"""Every page, for every demo role, runs without an exception (AppTest, server side)."""

from __future__ import annotations

import pytest

from learning_tracker import navigation
from learning_tracker.demo import DEMO_USERS_BY_ROLE

from .factories import open_page

ROLES = list(DEMO_USERS_BY_ROLE)
CASES = [(role, page.file) for page in navigation.PAGES for role in ROLES if role in page.roles]


@pytest.mark.parametrize("role,page_file", CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_every_page_runs_for_every_role_allowed_to_open_it(demo_db_path, monkeypatch, role, page_file):
    at = open_page(demo_db_path, monkeypatch, role, page_file)
    assert not at.exception, at.exception
    assert at.warning[0].value.startswith("Demo data"), "the demo banner is always shown"


def test_the_overview_shows_the_reference_years_key_facts(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "viewer", "overview.py")
    at.selectbox(key="overview_year").set_value("2021-22").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Complaints received"] == "235"
    assert metrics["Statutory complaints"] == "177"
    assert metrics["Compliments"] == "502"
    assert metrics["Resolved at stage 1"] == "92%"


def test_the_sidebar_offers_one_demo_user_per_role(demo_db_path, monkeypatch):
    at = open_page(demo_db_path, monkeypatch, "complaints_officer")
    picker = at.sidebar.selectbox(key=f"_demo_picker_{at.session_state['user_id']}")
    assert len(picker.options) == 4
