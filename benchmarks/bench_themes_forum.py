"""Benchmark: the Themes and outcomes and Practice Improvement Forum pages at 100,000 complaints.

    .venv/bin/python benchmarks/bench_themes_forum.py [--size 100000] [--runs 5]

Builds (or reuses) ``learning-tracker demo --scale N`` in benchmarks/results/scale-N.db (git-ignored; the
same file ``benchmarks/run.py`` uses). The scaled register has no forum meetings, so the first run sets
up two (four weeks apart, the later one on the benchmark's date) through the forum service, as the forum
chair would. Then it times the server-side run of each page (AppTest, the app's entry script included):
Themes and outcomes as a viewer with its default filters (the latest year, statutory) and with heavier
ones, the Forum as the forum member; and, outside the pages, the Word pack and a chart's PNG. Prints the
median of the runs. Target: each page under 1 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TODAY = date(2026, 11, 26)  # the date benchmarks/run.py builds its databases as of
TARGET_S = 1.0


def database_of(size: int) -> Path:
    """The scaled demo database of ``size`` complaints, built once and reused."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale-{size}.db"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "learning_tracker", "demo", "--scale", str(size), "--db", str(path),
                        "--today", TODAY.isoformat()], check=True)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def ensure_meetings(db, chair_id: int) -> int:
    """The id of the latest forum meeting, setting up two through the service when there are none."""
    from learning_tracker.models import NewForumMeeting
    from learning_tracker.services import forum
    from learning_tracker.services.core import load_actor

    row = db.execute("SELECT id FROM forum_meetings ORDER BY held_on DESC, id DESC LIMIT 1").fetchone()
    if row:
        return row[0]
    chair = load_actor(db, chair_id)
    attendees = ["Practice Improvement Forum Chair", "Complaints Officer", "Service Managers"]
    forum.create_meeting(db, chair, NewForumMeeting(held_on=TODAY - timedelta(days=28), attendees=attendees))
    print("set up two forum meetings in the benchmark database", flush=True)
    return forum.create_meeting(db, chair, NewForumMeeting(held_on=TODAY, attendees=attendees))


def median_of(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    path = database_of(args.size)
    os.environ["LEARNING_TRACKER_DB"] = str(path)
    from streamlit.testing.v1 import AppTest

    from learning_tracker import charts, queries, themes
    from learning_tracker import db as database
    from learning_tracker.demo import DEMO_USERS_BY_ROLE
    from learning_tracker.reports import forum_pack

    db = database.connect(path)  # applies any migration the file has not seen, outside the timings
    users = {role: db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
             for role, email in DEMO_USERS_BY_ROLE.items()}
    meeting_id = ensure_meetings(db, users["forum_member"])
    complaints = db["complaints"].count
    years = queries.financial_years(db)
    full_year = years[1] if len(years) > 1 else years[0]  # the latest complete year

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    titles = {"themes.py": "Themes and outcomes", "forum.py": "Practice Improvement Forum"}
    cases = [
        ("Themes, default (latest year, statutory)", "themes.py", "viewer", {}),
        (f"Themes, {full_year}, all procedures", "themes.py", "viewer", {"themes_years": [full_year], "themes_procedures": []}),
        ("Themes, three years, by year, one area", "themes.py", "viewer",
         {"themes_years": years[1:4], "themes_period": "year", "themes_areas": ["Team West"]}),
        ("Themes, every year, all procedures", "themes.py", "viewer", {"themes_years": [], "themes_procedures": []}),
        ("Forum, latest meeting", "forum.py", "forum_member", {}),
        ("Forum, latest meeting, as a viewer", "forum.py", "viewer", {}),
        ("Forum, one service area and theme", "forum.py", "forum_member",
         {"forum_areas": ["Team West"], "forum_themes": ["Communication"]}),
    ]
    print(f"{complaints:,} complaints in {path.relative_to(ROOT)}; median of {args.runs} server-side runs "
          "(AppTest, entry script included; these pages use no Streamlit cache)")
    failed = False
    for label, page, role, state in cases:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.session_state["user_id"] = users[role]
        at.run()
        at.switch_page(str(ROOT / "pages" / page))
        for key, value in state.items():
            at.session_state[key] = value
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
            if at.exception or not at.title or at.title[0].value != titles[page]:
                problem = at.exception[0].value if at.exception else "the page did not render"
                print(f"{label}: {problem}", file=sys.stderr)
                return 1
        median = statistics.median(times)
        failed |= median >= TARGET_S
        print(f"  {label:48s} {median:6.3f} s  {'ok' if median < TARGET_S else 'OVER the 1 s target'}", flush=True)

    # Downloads are made only when asked for; timed here for the record (no target).
    pack = forum_pack.build(db, meeting_id, today=TODAY)
    print(f"  {'Forum pack as Word (on download)':48s} {median_of(lambda: forum_pack.to_docx(pack), args.runs):6.3f} s")
    frame = themes.concerns_by_category_and_outcome(db, themes.ThemeFilters(years=(full_year,), procedures=("statutory",)))
    chart = charts.category_outcome_chart(frame)
    print(f"  {'Heat map as PNG (on download)':48s} {median_of(lambda: charts.to_png(chart), args.runs):6.3f} s")
    db.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
