"""Financial years (1 April to 31 March) and their quarters (Q1 is April to June), in one place.

A year is written like ``"2021-22"`` by users and the command line, and ``"2021/22"`` in reports.
A date is written "07/04/2021" in a table (``short_date``) and "7 April 2021" in a sentence (``long_date``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
FIRST_MONTH = 4  # April

_YEAR_LABEL = re.compile(r"(\d{4})\s*[-/]\s*(\d{2})")
_QUARTER_LABEL = re.compile(r"(.+?)\s+Q([1-4])", re.IGNORECASE)


def financial_year_bounds(year: str) -> tuple[date, date]:
    """The first and last day of a financial year written like ``"2021-22"``: (1 Apr 2021, 31 Mar 2022).

    Raises ``ValueError`` with a message a user understands for anything else.
    """
    match = _YEAR_LABEL.fullmatch(str(year).strip())
    if not match:
        raise ValueError(
            f"'{year}' is not a financial year: write it as two years, like 2021-22 "
            "(1 April 2021 to 31 March 2022)."
        )
    first, second = int(match[1]), int(match[2])
    if (first + 1) % 100 != second:
        raise ValueError(
            f"'{year}' is not a financial year: a financial year runs from April to the next March, "
            f"so it would be {first}-{(first + 1) % 100:02d}."
        )
    return date(first, FIRST_MONTH, 1), date(first + 1, FIRST_MONTH - 1, 31)


def year_starting(first_year: int) -> str:
    """The financial year that starts in April of ``first_year``: ``"2021-22"`` for 2021."""
    return f"{first_year}-{(first_year + 1) % 100:02d}"


def financial_year_start(day: date) -> date:
    """1 April of the financial year ``day`` falls in."""
    return date(day.year if day.month >= FIRST_MONTH else day.year - 1, FIRST_MONTH, 1)


def financial_year_of(day: date) -> str:
    """The financial year a date falls in, like ``"2021-22"`` for any day from 1 Apr 2021 to 31 Mar 2022."""
    return year_starting(financial_year_start(day).year)


def previous_financial_year(year: str) -> str:
    """The financial year before ``year``: ``"2020-21"`` for ``"2021-22"``."""
    start, _ = financial_year_bounds(year)
    return year_starting(start.year - 1)


#: How a date is written in a table, in Excel's and Streamlit's format codes: 06/04/2021.
DATE_FORMAT = "DD/MM/YYYY"
#: Times are stored in UTC; people read them in the council's time.
LOCAL_TIME = "Europe/London"


def as_date(value: date | str | None) -> date | None:
    """A date from a date or an ISO date or timestamp (its day); None for none."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def long_date(value: date | str | None) -> str:
    """A date as the app writes it in a sentence: "6 April 2021" (from a date or an ISO date or timestamp;
    blank for none)."""
    day = as_date(value)
    return f"{day.day} {day:%B %Y}" if day else ""


def short_date(value: date | str | None) -> str:
    """A date as the app writes it in a table: "06/04/2021" (``DATE_FORMAT``; from a date or an ISO date
    or timestamp; blank for none)."""
    day = as_date(value)
    return f"{day:%d/%m/%Y}" if day else ""


def local_time(value: datetime | str | None) -> str:
    """A stored UTC time (ISO text, "2021-04-06 13:05" or with its offset) as people read it in a table:
    "06/04/2021 14:05" in the council's time; blank for none."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(ZoneInfo(LOCAL_TIME)):%d/%m/%Y %H:%M}"


def year_label(year: str) -> str:
    """A financial year as the reports write it: "2021/22"."""
    return year.replace("-", "/")


def quarter_bounds(year: str, quarter: int | str) -> tuple[date, date]:
    """The first and last day of quarter 1 to 4 (or "Q1" to "Q4") of a financial year: Q1 is April to
    June, Q4 January to March. Raises ``ValueError`` with a message a user understands."""
    number = str(quarter).strip().upper().removeprefix("Q")
    if number not in ("1", "2", "3", "4"):
        raise ValueError(f"'{quarter}' is not a quarter: a financial year has quarters 1 (April to June) to 4 (January to March).")
    start, _ = financial_year_bounds(year)
    first_month = start.month + 3 * (int(number) - 1)  # April, July, October, January (month 13)
    first = date(start.year + (first_month - 1) // 12, (first_month - 1) % 12 + 1, 1)
    after = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def quarter_of(day: date) -> str:
    """The quarter of its financial year ``day`` falls in: ``"Q1"`` for April to June."""
    return QUARTERS[((day.month - FIRST_MONTH) % 12) // 3]


def quarter_label(year: str, quarter: int | str) -> str:
    """The label that makes the read side count one quarter instead of the whole year: ``"2021-22 Q3"``."""
    quarter_bounds(year, quarter)
    return f"{year} Q{str(quarter).strip().upper().removeprefix('Q')}"


def period_bounds_iso(period: str) -> tuple[str, str]:
    """A year (or a ``quarter_label``) as ISO bounds for ``BETWEEN``, the end padded with ``~`` so that
    timestamps on the last day still match."""
    quarter = _QUARTER_LABEL.fullmatch(str(period).strip())
    start, end = quarter_bounds(quarter[1], quarter[2]) if quarter else financial_year_bounds(period)
    return start.isoformat(), end.isoformat() + "~"


def financial_year_start_sql(column: str) -> str:
    """SQL for the calendar year in which the financial year of an ISO date column starts (``financial_year_start``)."""
    return f"(CAST(substr({column}, 1, 4) AS INTEGER) - (substr({column}, 6, 2) < '{FIRST_MONTH:02d}'))"


def year_label_sql(column: str) -> str:
    """SQL for the financial year of an ISO date column, written as the reports write it: ``2021/22``."""
    start = financial_year_start_sql(column)
    return f"printf('%d/%02d', {start}, ({start} + 1) % 100)"


def quarter_number_sql(column: str) -> str:
    """SQL for the number (1 to 4) of the financial quarter of an ISO date column (``quarter_of``)."""
    return f"((CAST(substr({column}, 6, 2) AS INTEGER) + {12 - FIRST_MONTH}) % 12 / 3 + 1)"


def quarter_sql(column: str) -> str:
    """SQL for ``quarter_of`` an ISO date column: ``'Q1'`` for April to June."""
    return f"('Q' || {quarter_number_sql(column)})"


def quarter_label_sql(column: str) -> str:
    """SQL for the financial quarter of an ISO date column with its year: ``2021/22 Q1`` for April to June 2021."""
    return f"({year_label_sql(column)} || ' Q' || {quarter_number_sql(column)})"
