"""The roles of the app's users: their keys, as stored, and their names, as shown."""

from __future__ import annotations

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
