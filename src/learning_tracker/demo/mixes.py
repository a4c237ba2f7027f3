"""Plausible mixes for what no published table fixes, as weights to draw from: mostly the 2021-22
report's own proportions, so that the made-up years look like the published one."""

from __future__ import annotations

from ..rules.vocabulary import NOT_UPHELD, PARTLY_UPHELD, UPHELD, WITHDRAWN
from .council import REPORT_TEAM_NAMES
from .published import (
    COMPLIMENT_CATEGORIES_2122,
    COMPLIMENT_SOURCES_2122,
    COMPLIMENTS_BY_TEAM_2122,
    CONCERNS_2122,
    EQUALITY_2122,
    STATUTORY_BY_AREA_2122,
)

PROCEDURE_WEIGHTS = {"statutory": 75, "corporate": 8, "informal": 17}

STATUTORY_AREA_WEIGHTS = {**STATUTORY_BY_AREA_2122, "Youth Offending Services": 1}
OTHER_AREA_WEIGHTS = {
    **STATUTORY_BY_AREA_2122, "Youth Offending Services": 3, "Responsive Services": 3, "Edge of Care": 1,
    "Placements": 1, "Safeguarding": 1, "Children's Champion": 1,
}  # fmt: skip


def area_weights(procedure: str) -> dict[str, int]:
    """The service areas a complaint of ``procedure`` is drawn from."""
    return STATUTORY_AREA_WEIGHTS if procedure == "statutory" else OTHER_AREA_WEIGHTS


VIA_WEIGHTS = {"email": 55, "online form": 35, "letter": 4, "telephone": 4, "in person": 2}
TYPE_WEIGHTS = {
    "statutory": {"parent or carer": 75, "other family member": 12, "foster carer": 5, "professional": 3, "other": 2},
    "corporate": {"member of the public": 45, "professional": 20, "other family member": 20, "other": 15},
    "informal": {"parent or carer": 70, "other family member": 15, "foster carer": 5, "member of the public": 10},
}  # fmt: skip

OUTCOME_WEIGHTS = {UPHELD: 8, PARTLY_UPHELD: 32, NOT_UPHELD: 27, WITHDRAWN: 33}  # statutory complaints
CORPORATE_OUTCOME_WEIGHTS = {UPHELD: 10, PARTLY_UPHELD: 35, NOT_UPHELD: 40, WITHDRAWN: 15}
INFORMAL_OUTCOME_WEIGHTS = {UPHELD: 8, PARTLY_UPHELD: 30, NOT_UPHELD: 35, WITHDRAWN: 27}
OUTCOME_WEIGHTS_BY_PROCEDURE = {
    "statutory": OUTCOME_WEIGHTS,
    "corporate": CORPORATE_OUTCOME_WEIGHTS,
    "informal": INFORMAL_OUTCOME_WEIGHTS,
}

LGSCO_DECISION_WEIGHTS = {"upheld": 2, "not upheld": 2, "closed after initial enquiries": 5, "not for the Ombudsman": 3}

CONCERN_WEIGHTS = {code: n or 1 for code, n in CONCERNS_2122.items()}
EQUALITY_WEIGHTS = {
    name: {value: n for value, n in counts.items() if n} for name, counts in EQUALITY_2122.items()
}

COMPLIMENT_AREA_WEIGHTS = {REPORT_TEAM_NAMES[t]: n or 1 for t, n in COMPLIMENTS_BY_TEAM_2122.items()}
COMPLIMENT_SOURCE_WEIGHTS = COMPLIMENT_SOURCES_2122
COMPLIMENT_CATEGORY_WEIGHTS = COMPLIMENT_CATEGORIES_2122
