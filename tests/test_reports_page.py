"""The Reports page (AppTest): the officer's preview with its checks first, editable learning prose that
reaches the download, the suppression toggle, the quarterly tab; only officers and viewers see it."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from learning_tracker import db as database
from learning_tracker import navigation
from learning_tracker.reports import annual, render

from .factories import open_page

ROOT = navigation.ROOT


def open_reports(path, monkeypatch, role="complaints_officer", year="2021-22") -> AppTest:
    at = open_page(path, monkeypatch, role, "reports.py")
    at.selectbox(key="annual_year").set_value(year)
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, first_column: str):
    return next(frame.value for frame in at.dataframe if frame.value.columns[0] == first_column)


def test_the_officer_sees_the_annual_reports_checks_then_its_preview(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    assert at.success[0].value == "All 16 breakdowns add up to their totals."
    headers = [h.value for h in at.header]
    assert headers[:3] == ["Summary", "Advocacy", "How complaints were received"]
    outcomes = table(at, "Outcome")
    assert outcomes.values.tolist()[:2] == [["Upheld", "11", "6%"], ["Partly upheld", "56", "32%"]]
    assert [b.label for b in at.get("download_button")][:4] == ["Word", "Excel", "Markdown", "JSON"]


def test_a_difference_is_warned_at_the_top_of_the_page(demo_db_path, monkeypatch):
    db = database.connect(demo_db_path)
    db.execute("UPDATE complaints SET received_via = NULL WHERE reference = (SELECT MIN(reference) FROM complaints "
               "WHERE received_on BETWEEN '2021-04-01' AND '2022-03-31')")  # fmt: skip
    db.close()
    at = open_reports(demo_db_path, monkeypatch)
    warnings = [w.value for w in at.warning if not w.value.startswith("Demo data")]
    assert warnings[0].startswith("1 breakdown does not add up to the total it breaks down.")
    assert warnings[1] == render.md_escape(
        "complaints by how received (incl. not recorded): 234 of 235 add up; 1 complaint has no record of how it was "
        "received (shown as 'not recorded'); record it on the complaint."
    )
    assert table(at, "Method").values.tolist()[-2:] == [["Not recorded", "fewer than 5"], ["Total", "235"]]


def test_edited_learning_prose_goes_into_the_downloads(demo_db_path, monkeypatch):
    # The downloads are built when clicked, from the same figures and edits as the preview: capture
    # what the page hands the document builder and build the Markdown download from it.
    calls = []
    original = annual.annual_document
    monkeypatch.setattr(annual, "annual_document", lambda *a, **k: calls.append((a, k)) or original(*a, **k))
    at = open_reports(demo_db_path, monkeypatch)
    area = next(t for t in at.text_area if t.label == "Draft: Team East")
    assert area.value.startswith("In 2021/22, Team East received ")
    area.set_value("Team East rewrote its reports in plain words.").run()
    assert not at.exception
    (figures, edits), _ = calls[-1]
    annual_markdown = render.to_markdown(original(figures, edits))
    assert annual_markdown.startswith("# Children's Services")
    assert "Team East rewrote its reports in plain words." in annual_markdown
    assert "In 2021/22, Team East received " not in annual_markdown


def test_the_suppression_toggle_shows_every_count_when_off(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    assert ["Letter", "fewer than 5"] in table(at, "Method").values.tolist()
    at.toggle(key="annual_suppress").set_value(False).run()
    assert ["Letter", "4"] in table(at, "Method").values.tolist()


def test_the_quarterly_report_compares_the_quarter_with_the_earlier_ones(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    at.segmented_control(key="report_kind").set_value("Quarterly report").run()
    at.selectbox(key="quarterly_year").set_value("2021-22")
    at.selectbox(key="quarterly_quarter").set_value(4).run()
    assert (
        "Statutory complaints received in Q4 and answered at stage 1 took 6.0 working days on average, compared to "
        "6.0 in Q3, 7.0 in Q2 and 8.0 in Q1. No statutory complaint received in Q4 has been answered at stage 2."
    ) in [m.value for m in at.markdown]


def test_the_reports_charts_keep_their_height_on_the_page(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch)
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    titles = [spec["title"] for spec in specs]
    assert "Statutory complaints by outcome" in titles
    # Fitted in width only: fitted both ways, a chart of five bars was squashed to a strip.
    assert all(spec["autosize"] == {"type": "fit-x", "contains": "padding"} for spec in specs)
    outcome_chart = specs[titles.index("Statutory complaints by outcome")]
    assert outcome_chart["height"] == 24 * 5


def test_a_viewer_sees_the_reports_too(demo_db_path, monkeypatch):
    at = open_reports(demo_db_path, monkeypatch, role="viewer")
    assert at.success[0].value == "All 16 breakdowns add up to their totals."


@pytest.mark.parametrize(
    "role,sees", [("complaints_officer", True), ("viewer", True), ("service_manager", False), ("forum_member", False)]
)
def test_only_officers_and_viewers_have_reports_in_their_navigation(role, sees):
    files = [page.file for pages in navigation.pages_for(role).values() for page in pages]
    assert ("reports.py" in files) is sees


@pytest.mark.parametrize("role", ["service_manager", "forum_member"])
def test_opening_reports_by_address_is_refused_for_other_roles(demo_db_path, monkeypatch, role):
    try:
        at = open_page(demo_db_path, monkeypatch, role, "reports.py")
    except ValueError:
        return  # not registered in this role's navigation at all, so it cannot be opened
    # Registered hidden: refused (by the app's page access check, or the page's own) with no figures shown.
    assert len(at.error) == 1 and not at.dataframe and not at.text_area and not at.get("download_button")
