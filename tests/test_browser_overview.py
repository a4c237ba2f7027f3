"""The app opened in a real browser on the demo database shows the Overview's figures."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import running_app, wait_until_idle

pytestmark = pytest.mark.browser


def test_the_app_opens_on_the_overview_with_the_demo_years_key_facts(demo_db_path, browser_page):
    page = browser_page
    with running_app(demo_db_path) as url:
        page.goto(url)
        wait_until_idle(page)
        expect(page.get_by_text("Demo data", exact=False).first).to_be_visible()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()

        page.get_by_role("combobox", name="Financial year").click()
        page.get_by_role("option", name="2021/22").click()
        wait_until_idle(page)

        metrics = page.locator('[data-testid="stMetric"]')
        expect(metrics.filter(has_text="Complaints received").locator('[data-testid="stMetricValue"]')).to_have_text("235")
        expect(metrics.filter(has_text="Statutory complaints").locator('[data-testid="stMetricValue"]')).to_have_text("177")
        expect(metrics.filter(has_text="Resolved at stage 1").locator('[data-testid="stMetricValue"]')).to_have_text("92%")
        expect(metrics.filter(has_text="Compliments").first.locator('[data-testid="stMetricValue"]')).to_have_text("502")
