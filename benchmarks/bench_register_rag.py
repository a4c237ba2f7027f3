"""Benchmark: the Complaints register and the RAG report pages at 100,000 complaints.

    .venv/bin/python benchmarks/bench_register_rag.py [--size 100000] [--runs 5]

Builds (or reuses) ``learning-tracker demo --scale N`` in benchmarks/results/scale-N.db (git-ignored; the
same file ``benchmarks/run.py`` uses), then times the server-side run of each page (AppTest, the app's
entry script included) as the complaints officer, and the register with a few filters and a late page,
and prints the median of the runs. Target: under 1 s each.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import date
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    path = database_of(args.size)
    os.environ["LEARNING_TRACKER_DB"] = str(path)
    from streamlit.testing.v1 import AppTest

    from learning_tracker import db as database
    from learning_tracker.demo import DEMO_USERS_BY_ROLE

    db = database.connect(path)  # applies any migration the file has not seen, outside the timings
    complaints = db["complaints"].count
    officer = db.execute("SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE["complaints_officer"]]).fetchone()[0]
    db.close()

    # Streamlit warns on every bare-mode run; the figures are what this prints.
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    titles = {"complaints.py": "Complaints", "rag_report.py": "RAG report"}
    cases = [
        ("Complaints register, first page", "complaints.py", {}),
        ("Complaints register, page 1,000", "complaints.py", {"register_page": 1000}),
        ("Complaints register, stage 2, Red", "complaints.py", {"register_stage": 2, "register_rag": "Red"}),
        ("Complaints register, concern + text", "complaints.py",
         {"register_category": "Finance", "register_search": "-00"}),
        ("Complaint detail", "complaints.py", {"complaint_reference": "__latest__"}),
        ("RAG report", "rag_report.py", {}),
    ]
    print(f"{complaints:,} complaints in {path.relative_to(ROOT)}; median of {args.runs} server-side runs "
          "(AppTest, entry script included; these pages use no Streamlit cache)")
    failed = False
    for label, page, state in cases:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.session_state["user_id"] = officer
        at.run()
        at.switch_page(str(ROOT / "pages" / page))
        for key, value in state.items():
            if value == "__latest__":
                db = database.connect(path)
                value = db.execute("SELECT reference FROM complaints ORDER BY received_on DESC LIMIT 1").fetchone()[0]
                db.close()
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
        print(f"  {label:40s} {median:6.3f} s  {'ok' if median < TARGET_S else 'OVER the 1 s target'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
