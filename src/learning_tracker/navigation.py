"""Which pages each role sees. ``streamlit_app.py`` builds ``st.navigation`` from this list; the
services still check every write, so a page missing from a role's menu is convenience, not security."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .services.core import COMPLAINTS_OFFICER, FORUM_MEMBER, SERVICE_MANAGER, VIEWER

ROOT = Path(__file__).resolve().parents[2]
EVERYONE = frozenset({COMPLAINTS_OFFICER, SERVICE_MANAGER, FORUM_MEMBER, VIEWER})


@dataclass(frozen=True)
class PageSpec:
    """One screen: its file under ``pages/``, its title and which roles may open it."""

    file: str
    title: str
    icon: str
    section: str
    roles: frozenset[str]

    @property
    def path(self) -> Path:
        return ROOT / "pages" / self.file


PAGES: list[PageSpec] = [
    PageSpec("overview.py", "Overview", ":material/dashboard:", "Monitoring", EVERYONE),
    PageSpec("dashboard.py", "Monitoring dashboard", ":material/monitoring:", "Monitoring", EVERYONE),
    PageSpec("complaints.py", "Complaints", ":material/folder_open:", "Complaints", EVERYONE),
    PageSpec("rag_report.py", "RAG report", ":material/traffic:", "Complaints", EVERYONE),
    PageSpec("compliments.py", "Compliments", ":material/favorite:", "Complaints", EVERYONE),
    PageSpec("my_actions.py", "My actions", ":material/task_alt:", "Learning", frozenset({COMPLAINTS_OFFICER, SERVICE_MANAGER})),
    PageSpec("record_learning.py", "Record learning", ":material/edit_note:", "Learning", frozenset({COMPLAINTS_OFFICER, SERVICE_MANAGER})),
    PageSpec("learning.py", "Learning and actions", ":material/school:", "Learning", EVERYONE),
    PageSpec("reports.py", "Reports", ":material/description:", "Reports", frozenset({COMPLAINTS_OFFICER, VIEWER})),
]


def pages_for(role: str) -> dict[str, list[PageSpec]]:
    """The pages a role may open, grouped by section in menu order."""
    sections: dict[str, list[PageSpec]] = {}
    for page in PAGES:
        if role in page.roles:
            sections.setdefault(page.section, []).append(page)
    return sections
