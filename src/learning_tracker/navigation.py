"""Which pages each role may open. ``streamlit_app.py`` builds ``st.navigation`` from this list.

Every page is registered with ``st.navigation`` for every role, those a role may not use with
``visibility="hidden"``: a page left out altogether would make Streamlit silently show the default page
instead when someone opens its URL. Opening a hidden page (by URL, a bookmark or ``st.switch_page``)
shows "Your role (...) cannot open this page" and the page's script never runs: ``streamlit_app.py``
refuses it before running it, and ``ui.page_context()`` checks again for the page file it is called
from. The services still check every write, so the menu is convenience and this is the second line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .rules.roles import COMPLAINTS_OFFICER, FORUM_MEMBER, LEARNING_RECORDERS, REPORT_READERS, SERVICE_MANAGER, VIEWER

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
    PageSpec("my_actions.py", "My actions", ":material/task_alt:", "Learning", frozenset(LEARNING_RECORDERS)),
    PageSpec("record_learning.py", "Record learning", ":material/edit_note:", "Learning", frozenset(LEARNING_RECORDERS)),
    PageSpec("learning.py", "Learning and actions", ":material/school:", "Learning", EVERYONE),
    PageSpec("themes.py", "Themes and outcomes", ":material/insights:", "Monitoring", EVERYONE),
    PageSpec("forum.py", "Practice Improvement Forum", ":material/groups:", "Learning", EVERYONE),
    # A service manager opens Reports only to write their own areas' learning sections of the annual report.
    PageSpec("reports.py", "Reports", ":material/description:", "Reports", frozenset({*REPORT_READERS, SERVICE_MANAGER})),
    PageSpec("admin_users.py", "Users", ":material/group:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("admin_service_areas.py", "Service areas", ":material/account_tree:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("admin_codes.py", "Concern codes", ":material/label:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("admin_settings.py", "Timescales and RAG", ":material/schedule:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("admin_audit.py", "Audit log", ":material/history:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("admin_retention.py", "Retention", ":material/auto_delete:", "Administration", frozenset({COMPLAINTS_OFFICER})),
    PageSpec("import_export.py", "Import and export", ":material/swap_vert:", "Administration", frozenset({COMPLAINTS_OFFICER})),
]


def pages_for(role: str) -> dict[str, list[PageSpec]]:
    """The pages a role may open, grouped by section in menu order."""
    sections: dict[str, list[PageSpec]] = {}
    for page in PAGES:
        if role in page.roles:
            sections.setdefault(page.section, []).append(page)
    return sections


def spec_for(file: str | Path) -> PageSpec | None:
    """The page whose script is ``file`` (a path, or a name under ``pages/``), or None for any other file."""
    path = Path(file)
    for page in PAGES:
        if path.name == page.file and (not path.is_absolute() or path.resolve() == page.path.resolve()):
            return page
    return None


def may_open(role: str, file: str | Path) -> bool:
    """Whether a role may open the page ``file``. A file that is not a page is not this check's business."""
    page = spec_for(file)
    return page is None or role in page.roles
