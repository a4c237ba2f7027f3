"""Property-based tests of the cell parsers every import relies on: dates, yes/no, amounts and codes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from learning_tracker import config
from learning_tracker.services.importing import Lookups, norm, value_meaning
from learning_tracker.models import (
    DATE_HINT,
    parse_pence,
    parse_sheet_date,
    parse_yes_no,
    split_list,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
spaces = st.text(alphabet=" \t", max_size=3)


def random_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips))


@given(days, spaces, spaces)
def test_an_iso_date_reads_back_as_itself_whatever_the_surrounding_spaces(day, before, after):
    assert parse_sheet_date(f"{before}{day.isoformat()}{after}") == day


@given(days, st.sampled_from(["/", ".", "-"]), st.booleans())
def test_a_uk_date_is_read_day_first(day, separator, padded):
    text = (f"{day.day:02d}{separator}{day.month:02d}{separator}{day.year}" if padded
            else f"{day.day}{separator}{day.month}{separator}{day.year}")
    assert parse_sheet_date(text) == day


@given(days, st.times())
def test_a_time_of_day_after_a_date_is_ignored(day, time):
    assert parse_sheet_date(f"{day.isoformat()} {time.strftime('%H:%M:%S')}") == day
    assert parse_sheet_date(f"{day.strftime('%d/%m/%Y')} {time.strftime('%H:%M')}") == day
    assert parse_sheet_date(datetime.combine(day, time)) == day


@given(st.text(max_size=30))
@example("06/04/21")
@example("2021-02-30")
@example("04/31/2021")
@example("44292")
def test_any_other_text_is_a_blank_a_date_or_a_value_error_naming_the_format(text):
    try:
        result = parse_sheet_date(text)
    except ValueError as error:
        assert DATE_HINT in str(error)
    else:
        assert result is None if not text.strip() else isinstance(result, date)


def test_the_date_parser_says_why_in_the_users_words():
    with pytest.raises(ValueError, match="^is not a date in the calendar; must be a date such as"):
        parse_sheet_date("31/02/2021")
    with pytest.raises(ValueError, match="with the year in full$"):
        parse_sheet_date("06/04/21")
    assert parse_sheet_date("") is None and parse_sheet_date(None) is None


@given(st.data(), st.sampled_from(["yes", "y", "true", "1", "no", "n", "false", "0"]), spaces, spaces)
def test_yes_and_no_are_read_in_any_case_and_spacing(data, word, before, after):
    cased = random_case(data.draw, word)
    assert parse_yes_no(f"{before}{cased}{after}") is (word in ("yes", "y", "true", "1"))


@given(st.text(max_size=12))
def test_anything_else_is_blank_or_refused_as_not_yes_or_no(text):
    assume(norm(text) not in ("yes", "y", "true", "1", "no", "n", "false", "0"))
    if text.strip():
        with pytest.raises(ValueError, match="must be yes or no"):
            parse_yes_no(text)
    else:
        assert parse_yes_no(text) is None


@given(st.integers(min_value=0, max_value=10**9), st.booleans(), st.booleans())
def test_an_amount_in_pounds_reads_as_whole_pence(pence, pound_sign, thousands):
    pounds = f"{pence / 100:,.2f}" if thousands else f"{pence / 100:.2f}"
    assert parse_pence(("£" if pound_sign else "") + pounds) == pence


@pytest.mark.parametrize("text,message", [("-5", "must not be negative"), ("1.005", "more than two decimal places"),
                                          ("ten", "must be an amount in pounds"), ("nan", "must be an amount")])
def test_a_bad_amount_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_pence(text)


@given(st.lists(st.text(alphabet="abc >", min_size=1, max_size=8), max_size=5))
def test_a_list_cell_splits_on_semicolons_dropping_blanks(items):
    assert split_list("; ".join(items)) == [i.strip() for i in items if i.strip()]


# --- codes: matched without regard to case and surrounding spaces ---------------------------------

VOCABULARY_VALUES = [(field, value) for field, values in config.VOCABULARIES.items() for value in values]


@pytest.fixture(scope="module")
def lookups(tmp_path_factory):
    from learning_tracker import db as database

    db = database.connect(tmp_path_factory.mktemp("codes") / "codes.db")
    yield Lookups(db)
    db.close()


@given(data=st.data(), pair=st.sampled_from(VOCABULARY_VALUES), before=spaces, after=spaces)
def test_every_configured_value_is_matched_in_any_case_with_spaces_around(lookups, data, pair, before, after):
    field, value = pair
    written = before + random_case(data.draw, value) + after
    assert lookups.vocabulary_index[field][norm(written)] == value
    assert value_meaning(written, config.VOCABULARIES[field]) == value


@given(data=st.data(), code=st.sampled_from(config.CONCERN_CODES), around=spaces, inner=spaces)
def test_every_concern_code_is_matched_however_it_is_cased_and_spaced(lookups, data, code, around, inner):
    category, sub = code
    written = around + random_case(data.draw, category) + (f"{inner}>{inner}" + random_case(data.draw, sub) if sub else "")
    found = lookups.concern(written + around)
    assert found is not None
    assert found[1] == category + (f" > {sub}" if sub else "")


@given(st.text(min_size=1, max_size=20))
def test_text_that_is_no_code_matches_none(lookups, text):
    known = {norm(c) for c, s in config.CONCERN_CODES if not s}
    assume(">" not in text and norm(text) not in known)
    assert lookups.concern(text) is None
