"""Compliments: what people appreciated, by service area, source and category.

The complaints officer records compliments for any area, a service manager for their own areas. The
summary is a short description without personal details: names cannot be detected reliably, but an
email address, a phone number, a postcode or a date of birth can (``rules.personal_data``), and those are
refused.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from ..errors import Problem
from ..models import NewCompliment
from .checks import collect, not_in_future, raise_problems
from .core import (
    Actor,
    audited,
    check_vocabulary,
    require_area,
    require_role,
    service_area_id,
)
from ..rules.personal_data import personal_details_in
from ..rules.roles import LEARNING_RECORDERS

def record_compliment(db: sqlite_utils.Database, actor: Actor, new: NewCompliment, *, today: date | None = None) -> int:
    """Record a compliment with one or more categories; return its id."""
    today = today or date.today()
    with audited(db, actor, "record compliment", "compliment") as change:
        require_role(actor, *LEARNING_RECORDERS, doing="record compliments")
        problems: list[Problem] = []
        area_id = collect(problems, service_area_id, db, new.service_area)
        if area_id is not None:
            require_area(db, actor, area_id, doing="record compliments")
        not_in_future(problems, "received on", new.received_on, today)
        source = collect(problems, check_vocabulary, db, "compliment_source", new.source, field="source")
        categories = [
            collect(problems, check_vocabulary, db, "compliment_category", c, field="category") for c in new.categories
        ]
        if not new.categories:
            problems.append(Problem("categories", None, "need at least one category"))
        found = personal_details_in(new.summary)
        if found:
            problems.append(Problem("summary", None, f"seems to hold {' and '.join(found)}; describe the compliment "
                                                     "without names or contact details"))
        raise_problems(problems)

        row = {"received_on": new.received_on.isoformat(), "service_area_id": area_id, "source": source,
               "summary": new.summary}
        compliment_id = db["compliments"].insert(row).last_pk
        unique = list(dict.fromkeys(categories))
        db["compliment_categories"].insert_all({"compliment_id": compliment_id, "category": c} for c in unique)
        change.entity_id = compliment_id
        change.after = {**row, "categories": unique}
    return compliment_id
