"""Each rule of ``learning_tracker.rules`` has a Python form and, where queries need it, a SQL form built
from the same constants. These property-based tests hold the two together on generated values, in a real
SQLite store (whose ``working_days`` function is the clock's)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning_tracker import db as database
from learning_tracker.rules import periods, rag, sql, vocabulary

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
OUTCOMES = st.sampled_from([*vocabulary.OUTCOMES, None])
STATUSES = st.sampled_from(vocabulary.ACTION_STATUSES)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = database.connect(tmp_path_factory.mktemp("rules") / "rules.db")
    with database.transaction(db):
        area = db["service_areas"].insert({"name": "Team West"}).last_pk
        db["learning_points"].insert({"service_area_id": area, "theme": "Communication", "description": "A lesson",
                                      "created_on": "2026-01-05"})
    yield db
    db.close()


def one(db, expression: str, **params):
    return db.execute(f"SELECT {expression}", params).fetchone()[0]


@settings(max_examples=300, deadline=None)
@given(due_on=DAYS, as_of=DAYS, amber=st.integers(min_value=0, max_value=20))
def test_the_rag_rule_is_the_same_in_python_and_sql(store, due_on, as_of, amber):
    expected = rag.rag(due_on, as_of, amber)
    assert one(store, rag.rag_sql(":due"), due=due_on.isoformat(), as_of=as_of.isoformat(), amber=amber) == expected
    assert one(store, rag.rag_rank_sql(":rag"), rag=expected) == rag.RAG_ORDER.index(expected)


@settings(max_examples=300, deadline=None)
@given(status=STATUSES, due_on=DAYS, as_of=DAYS)
def test_open_and_overdue_actions_are_the_same_in_python_and_sql(store, status, due_on, as_of):
    row = "(SELECT :status AS status, :due AS due_on) a"
    params = {"status": status, "due": due_on.isoformat(), "as_of": as_of.isoformat()}
    found = store.execute(
        f"SELECT {vocabulary.action_open_sql('a')}, {vocabulary.action_overdue_sql('a', ':as_of')} FROM {row}", params
    ).fetchone()
    assert bool(found[0]) == vocabulary.action_is_open(status)
    assert bool(found[1]) == vocabulary.action_is_overdue(status, due_on, as_of)
    assert bool(one(store, f":status IN {vocabulary.UNFINISHED_ACTION_SQL}", status=status)) == (
        status not in vocabulary.FINISHED_ACTION_STATUSES)


@settings(max_examples=100, deadline=None)
@given(outcome=OUTCOMES, no_learning=st.sampled_from([None, "Practice was right; nothing to change."]),
       linked=st.booleans())
def test_upheld_and_the_learning_gap_are_the_same_in_python_and_sql(store, outcome, no_learning, linked):
    with store.conn:  # undone below, so every example starts from the same store
        store.execute("SAVEPOINT example")
        complaint = store["complaints"].insert({
            "reference": "GAP-1", "received_on": "2026-01-05", "procedure": "statutory", "service_area_id": 1,
            "outcome": outcome, "outcome_on": "2026-01-20" if outcome else None, "no_learning_reason": no_learning,
        }).last_pk
        if linked:
            store["learning_point_complaints"].insert({"learning_point_id": 1, "complaint_id": complaint})
        gap, upheld = store.execute(
            f"SELECT {vocabulary.learning_gap_sql('c')}, {vocabulary.upheld_sql('c')} FROM complaints c WHERE c.id = ?",
            [complaint]).fetchone()
        store.execute("ROLLBACK TO example")
        store.execute("RELEASE example")
    assert bool(upheld) == vocabulary.is_upheld(outcome)
    assert bool(gap) == vocabulary.is_learning_gap(outcome, no_learning, 1 if linked else 0)


@settings(max_examples=300, deadline=None)
@given(day=DAYS)
def test_financial_years_and_quarters_are_the_same_in_python_and_sql(store, day):
    iso = day.isoformat()
    year = periods.financial_year_of(day)
    start, end = periods.financial_year_bounds(year)
    assert start <= day <= end
    assert one(store, periods.financial_year_start_sql(":day"), day=iso) == periods.financial_year_start(day).year
    assert one(store, periods.year_label_sql(":day"), day=iso) == periods.year_label(year)
    quarter = periods.quarter_of(day)
    first, last = periods.quarter_bounds(year, quarter)
    assert first <= day <= last
    assert one(store, periods.quarter_sql(":day"), day=iso) == quarter
    assert one(store, periods.quarter_label_sql(":day"), day=iso) == f"{periods.year_label(year)} {quarter}"
    low, high = periods.period_bounds_iso(periods.quarter_label(year, quarter))
    assert low <= iso + "T12:00:00" <= high
    # A year may be written with spaces or a slash, as users and the command line do.
    spaced = year.replace("-", " - ")
    assert periods.period_bounds_iso(spaced) == periods.period_bounds_iso(year.replace("-", "/"))
    assert periods.period_bounds_iso(spaced)[1] == end.isoformat() + "~"


@given(statuses=st.lists(STATUSES, max_size=6), current=st.sampled_from([None, *vocabulary.LEARNING_POINT_STATUSES]))
def test_a_learning_points_status_follows_its_actions(statuses, current):
    status = vocabulary.learning_point_status(statuses, current)
    if current == vocabulary.CLOSED:
        assert status == vocabulary.CLOSED  # closed by a decision, whatever its actions do
    elif not statuses:
        assert status == vocabulary.OPEN
    elif all(s == vocabulary.NOT_STARTED for s in statuses):
        assert status == vocabulary.ACTIONS_AGREED
    elif all(s in vocabulary.FINISHED_ACTION_STATUSES for s in statuses):
        assert status == vocabulary.EMBEDDED
    else:
        assert status == vocabulary.LEARNING_IN_PROGRESS
    assert status in vocabulary.LEARNING_POINT_STATUSES


def test_every_action_status_has_its_transitions_and_finished_ones_have_none():
    assert set(vocabulary.ACTION_TRANSITIONS) == set(vocabulary.ACTION_STATUSES)
    for status, following in vocabulary.ACTION_TRANSITIONS.items():
        assert following <= set(vocabulary.ACTION_STATUSES) and status not in following
        assert (not following) == (status in vocabulary.FINISHED_ACTION_STATUSES)


@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20))
def test_a_rule_constant_becomes_a_sql_literal_that_reads_back_the_same(store, text):
    assert one(store, sql.literal(text)) == text


@given(category=st.text(alphabet="abc XYZ/", min_size=1, max_size=12).map(str.strip).filter(bool),
       sub=st.text(alphabet="abc XYZ/", max_size=12).map(str.strip))
def test_a_concern_codes_text_splits_back_into_its_parts(category, sub):
    assert vocabulary.split_concern_code(vocabulary.concern_code_text(category, sub)) == (category, sub)
