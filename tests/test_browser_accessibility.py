"""Every page, as every role the demo picker offers, checked with axe-core (the engine behind most
accessibility checkers) in a real browser: no serious or critical violation of WCAG 2.1 AA caused by the
app's own content, and headings in order (h1, then h2, then h3...: axe's own heading rule is only a
"moderate" best practice, so the test checks it itself).

Pages are opened from the sidebar menu, as a person would, so the session (and the person picked) stays.
Each page is checked as it first opens; what its expanders and other tabs hold is drawn by the same
widgets (``widgets.table``, forms, captions) and is checked where a page shows it open.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from .browser import running_app, wait_until_idle

pytestmark = pytest.mark.browser

#: What axe checks: WCAG 2.0 and 2.1, levels A and AA (the public sector's accessibility regulations).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
SERIOUS = ("serious", "critical")

#: Violations in Streamlit's own markup, which the app cannot change: (axe rule, the ``data-testid`` of the
#: Streamlit element the violating element sits in, why). Anything else fails the test.
STREAMLIT_MARKUP: tuple[tuple[str, str, str], ...] = (
    # The sidebar menu with sections (st.navigation with a dict of sections): Streamlit 1.67 draws each
    # section as a <div> (its header and its links' <li>s) straight inside the menu's <ul>, so the <ul> has
    # <div> children and the <li>s have no list parent. Upstream: streamlit markup (no issue of its own found;
    # the nearest is streamlit/streamlit#8399, "Basic accessibility web features"). A menu without sections
    # would pass, but each role's pages grouped by what they are for is what the users asked for.
    ("list", "stSidebarNav", "Streamlit's sectioned sidebar menu: <div> sections inside its <ul>"),
    ("listitem", "stSidebarNav", "Streamlit's sectioned sidebar menu: its <li>s sit in <div> sections"),
)

# The data-testid of the allow-listed Streamlit element around the element axe names (by its CSS selector).
_CONTAINER = """([selector, testids]) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    for (const testid of testids) if (element.closest(`[data-testid="${testid}"]`)) return testid;
    return null;
}"""
# Every heading of the page's main part, in order: its level and text.
_HEADINGS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] :is(h1, h2, h3, h4, h5, h6)'))
    .map(h => [Number(h.tagName[1]), h.innerText.trim()])"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    target: str
    html: str
    summary: str
    inside: str | None = None  # the allow-listed Streamlit element it sits in, if any


def _menu_titles(page: Page) -> list[str]:
    # Each link's text is its icon's name, then its title.
    return [text.strip().split("\n")[-1]
            for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def _open(page: Page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role(
        "link", name=re.compile(rf"{re.escape(title)}$")).click()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def _people(page: Page) -> list[str]:
    """The demo picker's choices, one made-up person per role."""
    box = page.get_by_role("combobox", name="Using the app as")
    box.click()
    expect(page.get_by_role("listbox")).to_be_visible()
    people = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [p.strip() for p in people]


def _use_app_as(page: Page, person: str) -> None:
    """The demo picker in the sidebar (as tests/test_e2e_journeys.py's ``_choose``)."""
    box = page.get_by_role("combobox", name="Using the app as")
    box.click()
    try:
        expect(page.get_by_role("listbox")).to_be_visible(timeout=2_000)
    except AssertionError:
        box.click()  # a box just scrolled into view may only take the focus at first
    page.get_by_role("option", name=person, exact=True).click()
    wait_until_idle(page)
    expect(box).to_have_value(person)


def _allowed(violation: Violation) -> bool:
    return any(violation.rule == rule and violation.inside == testid for rule, testid, _ in STREAMLIT_MARKUP)


def _violations(page: Page, axe) -> list[Violation]:
    """The serious and critical violations on the page as it is now, one per element, and any heading that
    skips a level (or a first heading that is not the page's h1)."""
    results = axe.run(page, options=AXE_OPTIONS).response
    testids = sorted({testid for _, testid, _ in STREAMLIT_MARKUP})
    found = []
    for rule in results["violations"]:
        for node in rule["nodes"]:
            impact = node.get("impact") or rule.get("impact")
            if impact in SERIOUS:
                target = " ".join(str(t) for t in node["target"])
                inside = page.evaluate(_CONTAINER, [node["target"][-1], testids]) if len(node["target"]) == 1 else None
                found.append(Violation(rule["id"], impact, target, node["html"][:200],
                                       (node.get("failureSummary") or "").replace("\n", " ")[:300], inside))
    before = 0
    for level, text in page.evaluate(_HEADINGS):
        if level > before + 1 or (before == 0 and level != 1):
            found.append(Violation("heading-levels", "serious", f"h{level}", text[:200],
                                   f"an h{level} after an h{before}" if before else f"the first heading is an h{level}"))
        before = level
    return found


#: Pages whose main content is shown once something is picked: the select box to pick the first choice of,
#: and what the page is called in the results then.
PICKED = {"Complaints": ("Open a complaint of this page", "Complaints, a complaint open")}


def _pick_first(page: Page, label: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    try:
        expect(page.get_by_role("listbox")).to_be_visible(timeout=2_000)
    except AssertionError:
        box.click()  # a box just scrolled into view may only take the focus at first
    page.get_by_role("option").first.click()
    wait_until_idle(page)


def scan_every_page(page: Page, url: str) -> dict[tuple[str, str], list[Violation]]:
    """Open every page of every role's menu; each (person, page)'s serious and critical violations (and, for
    the pages in ``PICKED``, with their first choice picked)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.goto(url)
    wait_until_idle(page)
    found: dict[tuple[str, str], list[Violation]] = {}
    for person in _people(page):
        # Change person on a page every role may open, so the new person's first page is one of theirs.
        if _menu_titles(page):
            _open(page, "Overview")
        _use_app_as(page, person)
        for title in _menu_titles(page):
            _open(page, title)
            found[(person, title)] = _violations(page, axe)
            if title in PICKED and page.get_by_role("combobox", name=PICKED[title][0], exact=True).count():
                _pick_first(page, PICKED[title][0])
                found[(person, PICKED[title][1])] = _violations(page, axe)
    return found


def counts_by_rule(found: dict[tuple[str, str], list[Violation]]) -> dict[tuple[str, str], Counter]:
    """The number of violating elements per rule, for each (person, page)."""
    return {where: Counter(v.rule for v in violations) for where, violations in found.items()}


def test_every_page_for_every_role_has_no_serious_accessibility_violation(demo_db_path, browser_page):
    with running_app(demo_db_path) as url:
        found = scan_every_page(browser_page, url)
    assert len({person for person, _ in found}) == 4  # every role the picker offers
    assert len(found) >= 40  # every page of every menu
    assert sum(title == PICKED["Complaints"][1] for _, title in found) == 4, "a complaint opened, for every role"
    problems = [f"{person} / {title}: {v.rule} ({v.impact}) at {v.target}: {v.html} — {v.summary}"
                for (person, title), violations in found.items() for v in violations if not _allowed(v)]
    assert not problems, "\n".join(problems)
