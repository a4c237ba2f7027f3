"""Downloads: every file of records taken out of the app (a piece of evidence, the RAG report, the forum
pack, a report, the themes' data, an export, the audit log, a backup) is in the audit log with who took
it; a download refused because the session had ended is there too, as refused.

The pages build each file only when its button is clicked, through ``widgets.download_data``, which
checks the session again at that moment and then calls ``record_download`` or ``record_refused_download``.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlite_utils

from .core import Actor, record_audit


def record_download(
    db: sqlite_utils.Database, actor: Actor, event: str, entity: str, entity_id: int | None = None, *,
    file: str | None = None,
) -> None:
    """Audit a download by ``actor`` (``event`` like "download evidence"), naming the file. Anyone may
    download what their page shows them: the page and the file's builder check that; this records it."""
    record_audit(db, actor, event, entity, entity_id, after={"file": file} if file else None,
                 message=f"Downloaded {file}" if file else "Downloaded")


def record_refused_download(
    db: sqlite_utils.Database, user_id: int | None, event: str, entity: str, entity_id: int | None = None, *,
    file: str | None = None, reason: str,
) -> None:
    """Audit a download refused to the user the page was drawn for (``user_id``, who may since have been
    deactivated, so no ``Actor`` can be loaded for them), saying why."""
    row = db.execute("SELECT email FROM users WHERE id = ?", [user_id]).fetchone() if user_id is not None else None
    # As a sign-in does, the audit names the user by id and stored email, since they may no longer act.
    who = SimpleNamespace(id=user_id, email=row[0] if row else None) if user_id is not None else None
    record_audit(db, who, event, entity, entity_id, after={"file": file} if file else None,  # type: ignore[arg-type]
                 outcome="refused", message=reason)
