"""Each rule has one home. ``lint-imports`` (run by ``make test``) checks the layers of the package; these
tests check what it cannot see: the pages, and rule words written out where they do not belong."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "learning_tracker"
PAGES = sorted((ROOT / "pages").glob("*.py"))

# The vocabulary module defines the words; the first migration and the demo's published data (the
# council's own tables) are fixed text that may repeat them.
RULE_HOMES = {PACKAGE / "rules" / "vocabulary.py", PACKAGE / "db.py", PACKAGE / "demo" / "published.py"}
RULE_WORDS = re.compile(r"""(['"])(not started|in progress|partly upheld)\1""")


def test_the_status_and_outcome_words_are_written_only_in_the_vocabulary():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in [*PACKAGE.rglob("*.py"), *PAGES] if path not in RULE_HOMES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if RULE_WORDS.search(line)
    ]
    assert not found, "use learning_tracker.rules.vocabulary instead:\n" + "\n".join(found)


def test_pages_ask_the_services_and_never_decide_permissions_or_run_sql():
    forbidden = {
        "compares roles (ask services.permissions)": re.compile(
            r"\.role\s*(==|!=|in\b|not in\b)|is_officer|\b(COMPLAINTS_OFFICER|SERVICE_MANAGER|FORUM_MEMBER|VIEWER)\b"),
        "runs SQL (ask the read side)": re.compile(r"\.execute\(|\.query\(|\bSELECT\b"),
        "writes to the store (call a service)": re.compile(r"\bdb\[|transaction\("),
    }
    found = [
        f"{page.name}:{number}: {what}: {line.strip()}"
        for page in PAGES
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        for what, pattern in forbidden.items()
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)
