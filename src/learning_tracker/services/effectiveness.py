"""Effectiveness reviews: did a learning point's improvement work? (``rules.effectiveness``)

Once a learning point is embedded and its after window has completed, the complaints officer or the forum
records a verdict: effective, partly effective or not effective, with a note. "Not effective" reopens the
learning point (status open) so that a new action is agreed; embedded again, it is reviewed again.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .. import config
from ..errors import Problem
from ..models import EffectivenessReview
from ..read import effectiveness as read_effectiveness
from ..rules import effectiveness, periods, vocabulary
from ..rules.roles import FORUM_RECORDERS
from .checks import raise_problems
from .core import Actor, audited, ensure_version, fetch_row, require_role, update_versioned


def record_review(
    db: sqlite_utils.Database, actor: Actor, learning_point_id: int, read_version: int, review: EffectivenessReview,
    *, today: date | None = None,
) -> int:
    """Record the verdict on the learning point's latest embedding; return the review's id. "Not effective"
    reopens the learning point for a new action."""
    today = today or date.today()
    with audited(db, actor, "record effectiveness review", "learning_point", learning_point_id) as change:
        require_role(actor, *FORUM_RECORDERS, doing="review whether learning worked")
        point = fetch_row(db, "learning_points", learning_point_id, "learning point")
        ensure_version(point, read_version, "learning point")
        problems: list[Problem] = []
        verdict = next((v for v in effectiveness.VERDICTS if v == review.verdict.strip().lower()), None)
        if verdict is None:
            problems.append(Problem("verdict", review.verdict, f"must be one of: {', '.join(effectiveness.VERDICTS)}"))
        elif verdict != effectiveness.EFFECTIVE and not review.note:
            problems.append(Problem("note", None, f"is required when the learning was {verdict}: say what did not work"))
        embedded = read_effectiveness.embedded_on(db, learning_point_id)
        months = config.effectiveness_window_months(db)
        if embedded is None:
            problems.append(Problem("learning point", learning_point_id,
                                    "is not embedded: every action must be verified or cancelled, one at least verified"))
        elif not effectiveness.after_window_complete(embedded, months, today):
            ends = periods.add_months(embedded, months)
            problems.append(Problem("learning point", learning_point_id,
                                    f"was embedded on {embedded.isoformat()}; its {months} months after end on "
                                    f"{ends.isoformat()}, so it can be reviewed from the day after"))
        elif db.execute("SELECT 1 FROM effectiveness_reviews WHERE learning_point_id = ? AND embedded_on = ?",
                        [learning_point_id, embedded.isoformat()]).fetchone():
            problems.append(Problem("learning point", learning_point_id,
                                    f"was already reviewed for its embedding of {embedded.isoformat()}"))
        raise_problems(problems)

        row = {"learning_point_id": learning_point_id, "embedded_on": embedded.isoformat(), "verdict": verdict,
               "note": review.note or "", "reviewed_by": actor.id, "reviewed_on": today.isoformat()}
        review_id = db["effectiveness_reviews"].insert(row).last_pk
        status = point["status"]
        if verdict == effectiveness.REOPENS:
            status = vocabulary.OPEN
        update_versioned(db, "learning_points", learning_point_id, read_version, {"status": status}, "learning point")
        change.before = {"status": point["status"], "version": read_version}
        change.after = {**row, "review_id": review_id, "status": status, "version": read_version + 1}
    return review_id
