"""The demo dataset, and a large synthetic register for benchmarks.

``build_demo(db, today)`` fills a new, empty database with a believable council's records, the same
every time for the same ``today``:

* **2021-22** (1 April 2021 to 31 March 2022) reproduces, record by record, the published tables of
  ``reference/childrens-complaints-annual-report-2021-22.txt`` (``report-2021-22-tables.json``), so
  that ``read.report_figures.annual_figures(db, "2021-22", ...)`` gives them back. Where the original does not add
  up, these choices were made:

  - **ethnicity** adds up to 227 of the 235 complaints: the 8 missing are recorded as
    ``not recorded`` (31 instead of 23);
  - **children and young people** are given as both 22 and 23, with 8 or 14 supported by an advocate:
    23 complaints come from children and young people and 14 had an advocate (13 of the children's
    and young people's, and the one made by a parent with an advocate for them and their child);
  - **2020-21** statutory complaints are given as both 141 and 157: 157 complaints of which 141 are
    statutory;
  - the stage timescale table is headed calendar days while the text says working days: working days;
  - **Ombudsman**: the 15 referrals are complaints of the year (by date received), 2 of them upheld
    after investigation; the other 13 closed after initial enquiries or not for the Ombudsman;
  - service areas are the names of the "statutory complaints by team" table; the compliments table's
    names map onto them (``REPORT_TEAM_NAMES``); the LADO and Child Protection Conference Chair
    services are part of Quality & Assurance; Placements' complaint (from a member of the public) is
    a corporate one.

  The learning of 2021-22 is the report's "Specific service area improvements/learning", condensed,
  and every upheld or partly upheld complaint of the year has learning or a recorded "no learning
  identified" decision.

* **2018-19 to 2020-21** hold the report's comparison figures (complaints, statutory stages and their
  average working days, advocates, children and young people, compliments) with the rest plausible.

* The years from 2022-23 up to the current one are synthetic and complete; the **current financial
  year** (up to ``today``) has open stages that are Red, Amber and Green on ``today``, overdue actions,
  learning gaps and two Practice Improvement Forum meetings, and steps of every kind waiting on ``today``
  (acknowledgements, responses, review panels' meetings and reports, the council's response to a panel)
  with complaints declined or refused.

No complainant is named anywhere: a complaint is a reference. Users are named by their role title
and their addresses are at the reserved domain ``demo.invalid``.

``build_scale(db, n, today)`` writes ``n`` synthetic complaints over ten financial years, with their
stages, concerns, compliments, learning and actions, for benchmarks.

The modules, by job:

- ``council``: the service areas and the users (the demo picker's ``DEMO_USERS_BY_ROLE``);
- ``published``: the published figures, transcribed (data only);
- ``past_years``: the published years drawn record by record to add up to those figures;
- ``current_year``: the live year, dated relative to ``today``;
- ``synthetic``: plausible complaints over any span (the years between, and ``--scale``);
- ``steps``: the procedures' steps and findings on every complaint (acknowledgements, stage 2
  investigations and adjudications, review panels, advocacy, time limits) and the live year's steps in
  every state, drawn last from a generator of their own so that everything above stays as it was;
- ``builder``, ``records``, ``words``, ``mixes``: what they all build with: the seeded draws, the
  in-memory records, the words of the made-up records and the weights they are drawn with;
- ``writer``: ids, references and the bulk inserts.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils

from .. import workdays
from ..db import transaction
from ..rules.periods import financial_year_start
from . import current_year, past_years, steps, synthetic, writer
from .builder import Builder, check_empty
from .council import DEMO_USERS_BY_ROLE, FORUM_ATTENDEES, REPORT_TEAM_NAMES, SERVICE_AREAS
from .published import COMPLIMENTS_BY_TEAM_2122, PREVIOUS_YEARS, STATUTORY_BY_AREA_2122, YEAR_2021_22

# What the app, the command line and the tests use; the rest is the package's own business.
__all__ = [
    "COMPLIMENTS_BY_TEAM_2122",
    "DEMO_USERS_BY_ROLE",
    "REPORT_TEAM_NAMES",
    "SERVICE_AREAS",
    "STATUTORY_BY_AREA_2122",
    "build_demo",
    "build_scale",
]

SEED = 2122

#: The day the published years' learning is as it stood: the end of 2022-23.
PUBLISHED_LEARNING_AS_OF = date(2023, 3, 31)


def build_demo(db: sqlite_utils.Database, today: date) -> None:
    """Fill a new, empty, migrated database with the demo dataset as it stands on ``today``.

    The same ``today`` always gives the same database. ``today`` must be on or after 1 April 2023,
    so that the 2021-22 year and its learning lie in the past.
    """
    if today <= PUBLISHED_LEARNING_AS_OF:
        raise ValueError("The demo needs a date on or after 1 April 2023: its 2021-22 records must lie in the past.")
    check_empty(db)
    builder = Builder(db, SEED)
    # The current year's scenario covers at least four months, reaching back before 1 April if needed.
    window_start = min(financial_year_start(today), today - timedelta(days=120))
    with transaction(db):
        for spec in PREVIOUS_YEARS:
            builder.generic_learning(past_years.exact_year(builder, spec), PUBLISHED_LEARNING_AS_OF)
        year = past_years.exact_year(builder, YEAR_2021_22)
        past_years.learning_2122(builder, year, PUBLISHED_LEARNING_AS_OF)
        # The years between the published one and the current one: synthetic and complete.
        between = date(2022, 4, 1)
        if window_start > between:
            days = (window_start - between).days
            synthetic.synthetic_complaints(
                builder, between, window_start - timedelta(days=1), round(days * 215 / 365), today, gaps=False
            )
            builder.random_compliments(between, window_start - timedelta(days=1), round(days * 470 / 365))
        current_year.add_current_year(builder, today, window_start)
        # The procedures' steps last, from their own generator: every record above is as it was without them.
        steps.fill(builder, today)
        steps.live_year(builder, today)
        writer.write(builder)


def build_scale(db: sqlite_utils.Database, n: int, today: date) -> None:
    """Fill a new, empty, migrated database with ``n`` synthetic complaints received over the ten
    financial years ending with the current one (about twice as many compliments), for benchmarks."""
    check_empty(db)
    builder = Builder(db, SEED + n)
    this_year = financial_year_start(today)
    start = this_year.replace(year=this_year.year - 9)
    with transaction(db):
        synthetic.synthetic_complaints(builder, start, today, n, today, gaps=True)
        builder.random_compliments(start, today, 2 * n)
        # Two forum meetings, so the forum's pack has a "since the last meeting" at scale too.
        builder.meetings += [
            (workdays.add_working_days(today, -23), FORUM_ATTENDEES, []),
            (workdays.add_working_days(today, -3), FORUM_ATTENDEES, []),
        ]
        steps.fill(builder, today)
        writer.write(builder)
