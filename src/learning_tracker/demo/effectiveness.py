"""Did the learning work? The demo's themes as concern codes and its effectiveness reviews
(``rules.effectiveness``), so that the "Did it work?" view has something to show on a new install.

Both are made after every other record, and draw only from the builder's own generator for them
(``Builder.effectiveness_rng``), so that every record drawn before, and every published figure of 2021-22,
stays exactly as it was:

- ``subcategory_themes``: learning drawn from a complaint of the years between the published ones and the
  live one is about its first concern's subcategory where it names one ('Standards of service > delay in
  receiving service'), so that recurrence is counted by subcategory as well as by category;
- ``reviews``: once the records are written, every embedded learning point whose after window has ended is
  reviewed, except the few whose windows ended last (the reviews due). The verdict follows the counts:
  *effective* only where complaints on the theme fell (clearly: to half or fewer, or p < 0.1), *partly
  effective* where they fell a little or did not fall, *not effective* where they rose, for learning reviewed
  in the last months only. A "not effective" learning point is open again, with its new action agreed
  within days of the review (so an export and an import work its status out alike). The published years' learning is never found "not effective", so its statuses stay as the report gives them.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import workdays
from ..read import effectiveness as read_effectiveness
from ..rules import effectiveness, periods, vocabulary
from ..rules.vocabulary import IN_PROGRESS, NOT_STARTED, concern_code_text, split_concern_code
from .builder import Builder, timestamp
from .council import COMPLAINTS_OFFICER, FORUM_CHAIR
from .words import ACTION_BANK

#: How many reviews are left due on the day: those whose after windows ended last.
REVIEWS_DUE = 3
#: "Not effective" (and a reopened learning point) only for reviews made within this many days of today.
REOPENED_WITHIN_DAYS = 240
#: The first day of the years between the published ones and the live one.
BETWEEN_YEARS_START = date(2022, 4, 1)


def subcategory_themes(b: Builder, live_year_start: date) -> None:
    """Learning drawn from a complaint received from ``BETWEEN_YEARS_START`` to the day before
    ``live_year_start`` takes the subcategory of the complaint's first concern as its theme, where it has one."""
    for lp in b.learning_points:
        first = lp.complaints[0] if lp.complaints else None
        if first is None or not first.concerns or not BETWEEN_YEARS_START <= first.received_on < live_year_start:
            continue
        category, subcategory = first.concerns[0]
        if subcategory and category == lp.theme:
            lp.theme = concern_code_text(category, subcategory)


def _note(verdict: str, row: dict) -> str:
    """What the reviewer wrote, in plain words, from the counts."""
    category, subcategory = split_concern_code(row["theme"])
    theme = (subcategory or category).lower()
    months, before, after = row["window_months"], row["before"], row["after"]
    counts = f"{before} complaint{'s' * (before != 1)} about {theme} in the {months} months before, {after} in the {months} months after"
    if verdict == effectiveness.EFFECTIVE:
        return f"{counts[0].upper()}{counts[1:]}. The change has held; no further action."
    if verdict == effectiveness.NOT_EFFECTIVE:
        return (f"{counts[0].upper()}{counts[1:]}. The actions were done but families are still raising it: "
                "the learning has not taken hold. A new action is needed.")
    if after < before:
        return (f"{counts[0].upper()}{counts[1:]}. Fewer, but not clearly so; the team will keep it on the "
                "agenda of its meetings.")
    return (f"{counts[0].upper()}{counts[1:]}. The actions are in place, but complaints have not fallen; the "
            "service manager will check the practice in supervision.")


def _verdict(row: dict, reopen: bool) -> str:
    before, after, p = row["before"], row["after"], row["p_value"]
    if after < before and (2 * after <= before or (p is not None and p < 0.1)):
        return effectiveness.EFFECTIVE
    if after > before and reopen:
        return effectiveness.NOT_EFFECTIVE
    return effectiveness.PARTLY_EFFECTIVE


def reviews(b: Builder, today: date) -> None:
    """Write the reviews of the embedded learning (see the module), and the new actions of the reopened."""
    db, rng = b.db, b.effectiveness_rng
    rows = read_effectiveness.embedded_learning(db, today)
    complete = [r for r in rows if r["after_window_complete"]]
    complete.sort(key=lambda r: (r["embedded_on"], r["learning_point_id"]), reverse=True)
    # The published years' learning: drawn from a complaint received before the years between.
    published = {lp_id for (lp_id,) in db.execute(
        """SELECT DISTINCT l.learning_point_id FROM learning_point_complaints l
           JOIN complaints c ON c.id = l.complaint_id WHERE c.received_on < ?""", [BETWEEN_YEARS_START.isoformat()])}
    reviewers = [b.user_ids[FORUM_CHAIR], b.user_ids[COMPLAINTS_OFFICER]]
    written, reopened = [], []
    for row in complete[REVIEWS_DUE:]:
        window_end = periods.add_months(date.fromisoformat(row["embedded_on"]), row["window_months"])
        reviewed_on = min(workdays.add_working_days(window_end, rng.randint(5, 30)), today - timedelta(days=1))
        if reviewed_on <= window_end:
            continue  # its window ended too lately to have been reviewed yet: due
        reopen = row["learning_point_id"] not in published and (today - reviewed_on).days <= REOPENED_WITHIN_DAYS
        verdict = _verdict(row, reopen)
        written.append({
            "learning_point_id": row["learning_point_id"], "embedded_on": row["embedded_on"], "verdict": verdict,
            "note": _note(verdict, row), "reviewed_by": rng.choice(reviewers), "reviewed_on": reviewed_on.isoformat(),
        })  # fmt: skip
        if verdict == effectiveness.REOPENS:
            reopened.append((row, reviewed_on))
    db["effectiveness_reviews"].insert_all(written)
    # Each reopened learning point has its new action, agreed within days of the review (as the forum does);
    # its status then follows its actions, as an export and import would work it out.
    for row, reviewed_on in sorted(reopened, key=lambda item: item[1]):
        lp_id = row["learning_point_id"]
        statuses = [s for (s,) in db.execute("SELECT status FROM actions WHERE learning_point_id = ?", [lp_id])]
        statuses.append(_new_action(b, row, reviewed_on, today))
        db.execute("UPDATE learning_points SET status = ?, version = version + 1 WHERE id = ?",
                   [vocabulary.learning_point_status(statuses), lp_id])


def _new_action(b: Builder, row: dict, reviewed_on: date, today: date) -> str:
    """The new action agreed for a learning point found not effective: started once a few weeks old."""
    db, rng = b.db, b.effectiveness_rng
    lp_id = row["learning_point_id"]
    area_id, created_by = db.execute(
        "SELECT service_area_id, created_by FROM learning_points WHERE id = ?", [lp_id]).fetchone()
    category, _ = split_concern_code(row["theme"])
    agreed = min(workdays.add_working_days(reviewed_on, rng.randint(1, 5)), today - timedelta(days=1))
    status = IN_PROGRESS if (today - agreed).days > 30 else NOT_STARTED
    action_id = db["actions"].insert({
        "learning_point_id": lp_id, "description": rng.choice(ACTION_BANK.get(category, ACTION_BANK["Communication"])),
        "owner_id": created_by, "service_area_id": area_id,
        "due_on": workdays.add_working_days(agreed, rng.randint(40, 60)).isoformat(), "priority": "high",
        "status": status, "created_on": agreed.isoformat(),
    }).last_pk  # fmt: skip
    officer = b.user_ids[COMPLAINTS_OFFICER]
    updates = [{"action_id": action_id, "at": timestamp(agreed, rng), "user_id": officer, "kind": "created",
                "from_value": None, "to_value": NOT_STARTED, "note": "New action agreed: the learning was not effective."}]
    if status == IN_PROGRESS:
        started = workdays.add_working_days(agreed, rng.randint(5, 15))
        updates.append({"action_id": action_id, "at": timestamp(started, rng), "user_id": created_by, "kind": "status",
                        "from_value": NOT_STARTED, "to_value": IN_PROGRESS, "note": None})
    db["action_updates"].insert_all(updates)
    return status
