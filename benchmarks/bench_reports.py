"""Benchmark: the annual report at 100,000 complaints, as JSON, as Word, and as the Reports page's preview.

    .venv/bin/python benchmarks/bench_reports.py [--size 100000] [--runs 3] [--year 2025-26]

Builds (or reuses) ``learning-tracker demo --scale N`` in benchmarks/results/scale-N.db (git-ignored; the
same file ``benchmarks/run.py`` uses), about 10,000 complaints, 20,000 compliments and 3,000 improvement
actions a year. The year defaults to the last complete financial year before the benchmark's date. Times,
median of the runs:

- JSON: ``annual.annual_report`` then ``render.to_json`` (the data contract, every count shown);
- Word: the report with small numbers suppressed, its document and ``render.to_docx`` (five charts as
  PNG images; the first run also starts vl-convert's renderer);
- page: the server-side run of the Reports page as the complaints officer on that year (AppTest, the
  app's entry script included; the annual and the quarterly (Q4) tab are both computed and shown).

Targets: JSON under 2 s, Word under 5 s, page under 5 s. Prints the figures and writes
benchmarks/results/bench_reports.json. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
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
TARGETS_S = {"annual report json": 2.0, "annual report word": 5.0, "reports page preview": 5.0}


def database_of(size: int) -> Path:
    """The scaled demo database of ``size`` complaints, built once and reused."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale-{size}.db"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "learning_tracker", "demo", "--scale", str(size), "--db", str(path),
                        "--today", TODAY.isoformat()], check=True)  # fmt: skip
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def median_of(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description="The annual report at scale: JSON, Word and the page preview.")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--year", help="the financial year to report (default: the last complete one)")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from learning_tracker import db as database
    from learning_tracker import queries
    from learning_tracker.demo import DEMO_USERS_BY_ROLE
    from learning_tracker.reports import annual, render

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    path = database_of(args.size)
    year = args.year or queries.previous_financial_year(queries.financial_year_of(TODAY))
    db = database.connect(path)
    report = annual.annual_report(db, year, TODAY)
    actions = sum(report["learning"]["actions_by_status"].values())
    print(f"{path.name}: {year} holds {report['complaints_received']['total']:,} complaints, "
          f"{report['compliments']['total']:,} compliments, "
          f"{sum(report['learning']['learning_points_by_status'].values()):,} learning points and {actions:,} actions; "
          f"{len(report['reconciliation'])} reconciliation warnings", flush=True)  # fmt: skip

    results: dict[str, dict] = {}
    sizes: dict[str, int] = {}

    def json_report():
        sizes["json bytes"] = len(render.to_json(annual.annual_report(db, year, TODAY)).encode())

    def word_report():
        published = annual.publishable(annual.annual_report(db, year, TODAY))
        sizes["word bytes"] = len(render.to_docx(annual.annual_document(published)))

    for name, fn in (("annual report json", json_report), ("annual report word", word_report)):
        median, times = median_of(fn, args.runs)
        results[name] = {"median_s": round(median, 3), "runs_s": [round(t, 3) for t in times]}
        print(f"{name}: median {median:.2f} s ({', '.join(f'{t:.2f}' for t in times)})", flush=True)
    db.close()

    os.environ["LEARNING_TRACKER_DB"] = str(path)
    connection = database.connect(path)
    user_id = connection.execute(
        "SELECT id FROM users WHERE email = ?", [DEMO_USERS_BY_ROLE["complaints_officer"]]).fetchone()[0]
    connection.close()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["user_id"] = user_id
    at.run()
    at.switch_page(str(ROOT / "pages" / "reports.py"))
    at.run()

    at.selectbox(key="annual_year").set_value(year)
    at.selectbox(key="quarterly_year").set_value(year)

    def page():
        # Every run of the page recomputes both reports from the database (nothing is cached).
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    median, times = median_of(page, args.runs)
    results["reports page preview"] = {"median_s": round(median, 3), "runs_s": [round(t, 3) for t in times]}
    print(f"reports page preview: median {median:.2f} s ({', '.join(f'{t:.2f}' for t in times)})", flush=True)

    missed = [name for name, figures in results.items() if figures["median_s"] >= TARGETS_S[name]]
    summary = {
        "size": args.size, "year": year, "date": TODAY.isoformat(), "runs": args.runs, "results": results,
        "targets_s": TARGETS_S, "output_bytes": sizes, "targets_missed": missed,
    }  # fmt: skip
    (RESULTS / "bench_reports.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n| measure | median | target |\n|---|---|---|")
    for name, figures in results.items():
        print(f"| {name} | {figures['median_s']:.2f} s | < {TARGETS_S[name]:.0f} s |")
    print(f"JSON {sizes.get('json bytes', 0) / 1e6:.1f} MB, Word {sizes.get('word bytes', 0) / 1e6:.1f} MB")
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
