"""The made-up council: its service areas (the 2021-22 report's team names), its users (one per role,
and a service manager for each main area, all at the reserved domain ``demo.invalid``) and its intranet."""

from __future__ import annotations

import re

from ..rules import roles

#: The service areas: the report's "statutory complaints by team" names, then the compliments table's
#: teams that are not the same as one of them.
SERVICE_AREAS: list[str] = [
    "Through Care",
    "Team West",
    "Children's Disability Team",
    "Looked After Children",
    "Team South",
    "Team East",
    "Team Central",
    "Fostering & Adoption",
    "MASH",
    "Quality & Assurance",
    "Social Work Academy",
    "Early Help (Team Central)",
    "Early Help (Team East)",
    "Youth Offending Services",
    "Responsive Services",
    "Edge of Care",
    "Placements",
    "Safeguarding",
    "Children's Champion",
]

#: The report's team names (both the statutory complaints table and the compliments table) -> area.
REPORT_TEAM_NAMES: dict[str, str] = {
    **{name: name for name in SERVICE_AREAS[:14]},
    "Responsive Services": "Responsive Services",
    "Youth Offending": "Youth Offending Services",
    "Edge of Care": "Edge of Care",
    "LAC & Permanency": "Looked After Children",
    "Fostering and Adoption": "Fostering & Adoption",
    "Placements": "Placements",
    "Safeguarding": "Safeguarding",
    "Quality Assurance": "Quality & Assurance",
    "Children's Champion": "Children's Champion",
}

#: One service manager per main area; the first area names the user, the others are also theirs.
MANAGED_AREAS: list[list[str]] = [
    ["Through Care"],
    ["Team West"],
    ["Children's Disability Team"],
    ["Looked After Children", "Edge of Care"],
    ["Team South"],
    ["Team East", "Early Help (Team East)"],
    ["Team Central", "Early Help (Team Central)"],
    ["Fostering & Adoption", "Placements"],
    ["MASH", "Responsive Services"],
    ["Quality & Assurance", "Safeguarding", "Children's Champion"],
    ["Social Work Academy"],
    ["Youth Offending Services"],
]

COMPLAINTS_OFFICER = "complaints.officer@demo.invalid"
FORUM_CHAIR = "forum.chair@demo.invalid"
DIRECTOR = "director@demo.invalid"

#: Who attends the Practice Improvement Forum, as its meetings record it.
FORUM_ATTENDEES = "Practice Improvement Forum Chair; Complaints Officer; Service Managers"


def slug(text: str) -> str:
    """``text`` as a lower-case, hyphenated part of an address: "Team East" -> "team-east"."""
    text = text.lower().replace("&", "and").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def manager_email(area: str) -> str:
    """The demo address of the service manager whose main area is ``area``."""
    return f"service.manager.{slug(area)}@demo.invalid"


def intranet_link(path: str) -> str:
    """A link to a page of the council's (made-up) intranet, where action evidence is kept."""
    return f"https://intranet.demo.invalid/{path}"


#: The users, in the order of their ids: (email, name, role, service areas).
USERS: list[tuple[str, str, str, list[str]]] = [
    (COMPLAINTS_OFFICER, "Complaints Officer", roles.COMPLAINTS_OFFICER, []),
    *[(manager_email(a[0]), f"Service Manager, {a[0]}", roles.SERVICE_MANAGER, a) for a in MANAGED_AREAS],
    (FORUM_CHAIR, "Practice Improvement Forum Chair", roles.FORUM_MEMBER, []),
    (DIRECTOR, "Director of Children's Services", roles.VIEWER, []),
]

#: The user the app's demo picker offers for each role.
DEMO_USERS_BY_ROLE: dict[str, str] = {
    roles.COMPLAINTS_OFFICER: COMPLAINTS_OFFICER,
    roles.SERVICE_MANAGER: manager_email("Through Care"),
    roles.FORUM_MEMBER: FORUM_CHAIR,
    roles.VIEWER: DIRECTOR,
}
