"""Small-number suppression of the annual report: ``suppress(value)`` (a count from 1 to 4 reads
"fewer than 5") and ``publishable(report)``, the report as it may be published, with the breakdowns of
``SUPPRESSED_TABLES`` suppressed and the draft prose of the sections not yet written computed from those
figures (a written section's saved text is the same in every version of the report)."""

from __future__ import annotations

import copy
from typing import Any

from .prose import redraft

SUPPRESSED = "fewer than 5"
SMALLEST_SHOWN = 5

# Breakdowns whose small counts could point at a person, and so are suppressed in published output.
SUPPRESSED_TABLES = (
    "equality (gender, age band, ethnicity, disability)",
    "how complaints were received",
    "statutory complaints by service area",
    "complaints from children and young people and with an advocate (this year and earlier years)",
    "each service area's complaints, upheld, partly upheld, 'no learning identified' and learning gaps",
    "advocacy offered for complaints made by or for a child (offered, accepted, not offered)",
    "late complaints by decision",
    "complaints declined or refused by reason",
)


def suppress(value: Any) -> Any:
    """A count from 1 to 4 becomes "fewer than 5"; anything else is kept."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN:
        return SUPPRESSED
    return value


def _suppress_values(counts: dict) -> dict:
    return {key: suppress(value) for key, value in counts.items()}


def publishable(report: dict) -> dict:
    """A copy of ``report`` for publication: in the breakdowns of ``SUPPRESSED_TABLES`` every count from
    1 to 4 reads "fewer than 5" (totals stay), and the draft prose of each section not yet written is
    computed from those figures."""
    published = copy.deepcopy(report)
    published["small_numbers_suppressed"] = True
    published["equality"] = {field: _suppress_values(values) for field, values in published["equality"].items()}
    published["received_via"] = _suppress_values(published["received_via"])
    published["statutory_by_service_area"] = _suppress_values(published["statutory_by_service_area"])
    published["complainants"] = _suppress_values(published["complainants"])
    for figures in published["earlier_years"].values():
        figures["complainants"] = _suppress_values(figures["complainants"])
    advocacy = published["advocacy_for_children"]
    published["advocacy_for_children"] = {"complaints": advocacy["complaints"],
                                           **_suppress_values({k: v for k, v in advocacy.items() if k != "complaints"})}
    published["late_complaints"]["by_decision"] = _suppress_values(published["late_complaints"]["by_decision"])
    published["declined_by_reason"]["by_reason"] = _suppress_values(published["declined_by_reason"]["by_reason"])
    for entry in published["service_improvements"]:
        for key in ("complaints", "upheld", "partly_upheld", "no_learning_identified", "learning_gaps"):
            entry[key] = suppress(entry[key])
    redraft(published)
    return published
