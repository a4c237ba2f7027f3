"""The reconciliation of the reports: every check that a breakdown adds up to the total it breaks down,
written once for the annual report, the quarterly report and ``report_figures.annual_figures``.

- ``annual(db, report)``: the annual report's checks (README, "Reconciliation"), in the order the
  report lists them; ``tables_only=True`` keeps the checks of the tables of
  ``report_figures.annual_figures`` (its ``reconciliation``);
- ``quarter(db, report)``: the quarterly report's: the quarter's outcomes and final stages add up to
  its statutory complaints;
- ``warnings(checks)``: the checks that failed, as the reports show them.

Each check is ``{check, expected, found, ok, message}``; ``message`` says what differs and what to
correct. A breakdown's ``found`` counts the records whose value is one of the configured values
(matched without regard to case). A blank equality field counts as "not recorded", itself a configured
value (the equality fields are optional); a blank way of receipt is a gap in the records, shown as
"not recorded" in the table but counted as a difference here, as is any value that is not configured
(say, a typing error in an import). Statutory complaints without any stage have no final stage; a
compliment needs a category.

It reads the configured vocabularies and counts, in SQL, the statutory complaints with a concern and
the compliments with a configured category.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from .. import config
from ..rules import periods, procedures, vocabulary
from ..rules.vocabulary import NOT_RECORDED

WARNING_KEYS = ("check", "expected", "found", "message")


def annual(db: sqlite_utils.Database, report: dict, *, tables_only: bool = False) -> list[dict]:
    """Every check of the annual ``report`` (the dict of ``reports.annual.annual_report``).

    ``tables_only=True`` leaves out the checks that the records are complete (a way of receipt, a
    concern, a compliment's category) and that of last year's actions, and so runs on the dict of
    ``report_figures.annual_figures``.
    """
    start, end = periods.period_bounds_iso(report["financial_year"])
    received = report["complaints_received"]
    total, statutory = received["total"], received["statutory"]
    result = []

    def add(name: str, expected: int, found: int, why: str) -> None:
        result.append(_check(name, expected, found, why))

    known, unknown = _split(received, config.vocabulary(db, "procedure"), skip=("total",))
    add("complaints by procedure", total, known, _unknown_words(unknown, "complaint", "a procedure"))

    add(
        "statutory complaints by service area", statutory, sum(report["statutory_by_service_area"].values()),
        "some statutory complaints belong to no service area; correct their service area.",
    )  # fmt: skip
    result.append(_outcomes(db, report["statutory_outcomes"], statutory))

    for procedure, key in (("statutory", "statutory_by_final_stage"), ("corporate", "corporate_by_final_stage")):
        expected = received.get(procedure, 0)
        found = sum(stage["complaints"] for stage in report[key].values())
        missing = expected - found
        add(
            f"{procedure} complaints by final stage", expected, found,
            f"{_plural(missing, procedure + ' complaint')} {_have(missing)} no stage recorded, so no final stage; "
            "record their stage 1.",
        )  # fmt: skip

    if not tables_only:
        ways = report["received_via"]
        blank = ways.get(NOT_RECORDED, 0)
        known, unknown = _split({k: v for k, v in ways.items() if k != NOT_RECORDED}, config.vocabulary(db, "received_via"))
        reasons = []
        if blank:
            reasons.append(
                f"{_plural(blank, 'complaint')} {_have(blank)} no record of how it was received (shown as "
                f"'{NOT_RECORDED}'); record it on the complaint."
            )
        if unknown:
            reasons.append(_unknown_words(unknown, "complaint", "a way of receipt"))
        add("complaints by how received (incl. not recorded)", total, known, " ".join(reasons))

    for field, values in report["equality"].items():
        known, unknown = _split(values, config.vocabulary(db, field))
        label = field.replace("_", " ")
        add(f"complaints by {label}", total, known, _unknown_words(unknown, "complaint", f"a {label}"))

    compliments = report["compliments"]
    if not tables_only:
        with_concern = _statutory_with_a_concern(db, start, end)
        missing = statutory - with_concern
        add(
            "statutory complaints with a concern recorded", statutory, with_concern,
            f"{_plural(missing, 'statutory complaint')} {_have(missing)} no concern code; record what they were about.",
        )  # fmt: skip

        with_category = _compliments_with_a_category(db, start, end)
        missing = compliments["total"] - with_category
        _, unknown = _split(compliments["by_category"], config.vocabulary(db, "compliment_category"))
        add(
            "compliments with a category", compliments["total"], with_category,
            f"{_plural(missing, 'compliment')} {_have(missing)} no configured category"
            + (f" (found: {', '.join(repr(v) for v in unknown)})" if unknown else "")
            + "; give each one a category.",
        )  # fmt: skip

    action_statuses = [("improvement actions by status", report["learning"]["actions_by_status"])]
    if not tables_only:
        action_statuses.append(("last year's improvement actions by status", report["previous_year_actions"]["by_status"]))
    for name, by_status in action_statuses:
        known, unknown = _split(by_status, vocabulary.ACTION_STATUSES)
        add(name, sum(by_status.values()), known, _unknown_words(unknown, "action", "a status"))

    known, unknown = _split(compliments["by_source"], config.vocabulary(db, "compliment_source"))
    add("compliments by source", compliments["total"], known, _unknown_words(unknown, "compliment", "a source"))
    add(
        "compliments by service area", compliments["total"], sum(compliments["by_service_area"].values()),
        "some compliments belong to no service area; correct their service area.",
    )  # fmt: skip
    return result


def quarter(db: sqlite_utils.Database, report: dict) -> list[dict]:
    """The checks of the quarterly ``report``: the quarter's outcomes and final stages add up to its
    statutory complaints."""
    statutory = report["complaints_received"]["statutory"]
    stages = report["quarters"][report["quarter"]]["statutory_by_final_stage"]
    found = sum(row["complaints"] for row in stages.values())
    missing = statutory - found
    return [
        _outcomes(db, report["statutory_outcomes"], statutory),
        _check(
            "statutory complaints by final stage", statutory, found,
            f"{_plural(missing, 'statutory complaint')} {_have(missing)} no stage recorded; record their stage 1.",
        ),
    ]  # fmt: skip


def warnings(checks: list[dict]) -> list[dict]:
    """The checks that failed, each ``{check, expected, found, message}``: the reports' ``reconciliation``."""
    return [{key: check[key] for key in WARNING_KEYS} for check in checks if not check["ok"]]


def _check(name: str, expected: int, found: int, why: str) -> dict:
    ok = expected == found
    message = "" if ok else f"{name}: {found:,} of {expected:,} add up; {why or 'correct the records.'}"
    return {"check": name, "expected": expected, "found": found, "ok": ok, "message": message}


def _outcomes(db: sqlite_utils.Database, outcomes: dict[str, int], statutory: int) -> dict:
    """Statutory complaints by outcome ("open" when there is none yet, "declined" for a declined one) add up to
    the statutory complaints."""
    known, unknown = _split(outcomes, config.vocabulary(db, "outcome") + [procedures.DECLINED, vocabulary.NO_OUTCOME_YET])
    return _check("statutory complaints by outcome", statutory, known,
                  _unknown_words(unknown, "statutory complaint", "an outcome"))  # fmt: skip


def _statutory_with_a_concern(db: sqlite_utils.Database, start: str, end: str) -> int:
    return db.execute(
        """SELECT COUNT(*) FROM complaints c WHERE c.received_on BETWEEN ? AND ? AND c.procedure = 'statutory'
           AND EXISTS (SELECT 1 FROM concerns k WHERE k.complaint_id = c.id)""",
        [start, end],
    ).fetchone()[0]


def _compliments_with_a_category(db: sqlite_utils.Database, start: str, end: str) -> int:
    return db.execute(
        """SELECT COUNT(*) FROM compliments m WHERE m.received_on BETWEEN ? AND ?
           AND EXISTS (SELECT 1 FROM compliment_categories cc WHERE cc.compliment_id = m.id
                       AND LOWER(TRIM(cc.category)) IN
                           (SELECT LOWER(value) FROM vocabularies WHERE field = 'compliment_category'))""",
        [start, end],
    ).fetchone()[0]


def _split(counts: dict[str, int], configured: list[str], skip: tuple[str, ...] = ()) -> tuple[int, dict[str, int]]:
    """(how many have a configured value, {other value: count}), matching without regard to case."""
    allowed = {value.strip().lower() for value in configured}
    known, unknown = 0, {}
    for value, n in counts.items():
        if value in skip:
            continue
        if str(value).strip().lower() in allowed:
            known += n
        elif n:
            unknown[value] = n
    return known, unknown


def _unknown_words(unknown: dict[str, int], noun: str, what: str) -> str:
    if not unknown:
        return ""
    listed = ", ".join(f"'{value}' ({n:,})" for value, n in unknown.items())
    n = sum(unknown.values())
    return f"{_plural(n, noun)} {_have(n)} {what} that is not configured: {listed}; correct them or add the value."


# The messages' words, for counts (the read side does not use the reports' renderer).
def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def _have(n: Any) -> str:
    return "has" if n == 1 else "have"
