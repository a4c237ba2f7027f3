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

# Who may do what, as the services check it (in this order, which is how a refusal names them). A service
# manager acts only in their own service areas; the complaints officer acts in every area.
LEARNING_RECORDERS = (COMPLAINTS_OFFICER, SERVICE_MANAGER)  # learning, improvement actions, compliments
FORUM_RECORDERS = (FORUM_MEMBER, COMPLAINTS_OFFICER)  # forum meetings and their decisions
REPORT_READERS = (COMPLAINTS_OFFICER, VIEWER)  # the annual and quarterly reports
AREA_BOUND_ROLES = (SERVICE_MANAGER,)  # roles that work in their own service areas only


def role_key(value: str) -> str:
    """The role written as its key ('service_manager') or its name ('Service manager'), any case."""
    wanted = value.strip().lower()
    for key, label in ROLES.items():
        if wanted in (key, label.lower(), key.replace("_", " ")):
            return key
    raise InvalidInput([unknown_value("role", value, list(ROLES.values()))])
