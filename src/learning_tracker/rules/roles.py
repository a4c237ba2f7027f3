"""The roles of the app's users: their keys, as stored, and their names, as shown."""

from __future__ import annotations

from ..errors import InvalidInput, unknown_value

COMPLAINTS_OFFICER = "complaints_officer"
SERVICE_MANAGER = "service_manager"
FORUM_MEMBER = "forum_member"
VIEWER = "viewer"

ROLES = {
    COMPLAINTS_OFFICER: "Complaints officer",
    SERVICE_MANAGER: "Service manager",
    FORUM_MEMBER: "Forum member",
    VIEWER: "Viewer",
}
# The roles that may own an improvement action (and so update it).
ACTION_OWNER_ROLES = (SERVICE_MANAGER, COMPLAINTS_OFFICER)


def role_key(value: str) -> str:
    """The role written as its key ('service_manager') or its name ('Service manager'), any case."""
    wanted = value.strip().lower()
    for key, label in ROLES.items():
        if wanted in (key, label.lower(), key.replace("_", " ")):
            return key
    raise InvalidInput([unknown_value("role", value, list(ROLES.values()))])
