"""The benchmark: speed at 1,000, 10,000 and 100,000 complaints, then the load test.

    make bench                      # or: python benchmarks/run.py [--sizes 1000 10000 100000] [--runs 5]

Builds each database with ``learning-tracker demo --scale N`` (kept in benchmarks/results/ and reused),
then measures, with Streamlit's caches cleared before each measured run:
- the server-side run of every page for its main role (AppTest);
- the annual report as JSON and as Word, and the RAG report;
- an import of 100,000 complaints in the canonical template into an empty database.
Prints a table of medians and writes benchmarks/results/benchmark.json, with each page's ratio of its
time at the largest size to its time at the smallest. Then runs the load test (benchmarks/load_test.py).

Targets: every page under 0.5 s at 100,000 complaints with a ratio under 2; the annual report in JSON
under 2 s and in Word under 5 s; the import under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Callable
from learning_tracker.read import open_stages

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TODAY = date(2026, 11, 26)
PAGE_TARGET_S, RATIO_TARGET, JSON_TARGET_S, WORD_TARGET_S, IMPORT_TARGET_S = 0.5, 2.0, 2.0, 5.0, 60.0

# The role whose work a page is for; the others see the same page with less on it.
MAIN_ROLE = {"my_actions.py": "service_manager", "forum.py": "forum_member"}


def database_of(size: int) -> Path:
    """The scaled demo database of ``size`` complaints, built once and reused."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"scale-{size}.db"
    if not path.exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "learning_tracker", "demo", "--scale", str(size), "--db", str(path),
             "--today", TODAY.isoformat()],
            check=True,
        )
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def median_seconds(fn: Callable[[], object], runs: int, *, before: Callable[[], None] | None = None) -> float:
    """The median wall time of ``fn`` over ``runs`` runs (``before`` runs untimed ahead of each)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def page_times(path: Path, runs: int) -> dict[str, float]:
    """Median server-side run of every page for its main role."""
    from streamlit.testing.v1 import AppTest

    from learning_tracker import db as database
    from learning_tracker import navigation
    from learning_tracker.demo import DEMO_USERS_BY_ROLE

    os.environ["LEARNING_TRACKER_DB"] = str(path)
    db = database.connect(path)
    ids = {role: db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]
           for role, email in DEMO_USERS_BY_ROLE.items()}
    db.close()
    timings = {}
    for page in navigation.PAGES:
        role = MAIN_ROLE.get(page.file) or next(r for r in ["complaints_officer", "viewer", "service_manager", "forum_member"] if r in page.roles)
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.session_state["user_id"] = ids[role]
        at.run()

        def run_page():
            at.switch_page(str(page.path))
            at.run()
            if at.exception:
                raise RuntimeError(f"{page.file}: {at.exception[0].value}")

        timings[page.file] = median_seconds(run_page, runs, before=clear_caches)
    return timings


def report_times(path: Path, runs: int) -> dict[str, float]:
    """Median time of the RAG report and of the current year's annual report as JSON and as Word."""
    from learning_tracker import db as database
    from learning_tracker.rules.periods import financial_year_of
    from learning_tracker.reports import annual

    db = database.connect(path)
    year = financial_year_of(TODAY)
    timings = {
        "rag report": median_seconds(lambda: open_stages.rag_rows(db, TODAY), runs),
        "annual report json": median_seconds(lambda: annual.to_json(annual.annual_report(db, year, TODAY)), runs),
        "annual report word": median_seconds(lambda: annual.to_docx(annual.annual_report(db, year, TODAY)), max(1, runs // 2)),
    }
    db.close()
    return timings


def import_time(size: int) -> float:
    """Seconds to import ``size`` complaints in the canonical template into an empty database."""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_import.py"), "--complaints", str(size)],
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads((RESULTS / "bench_import.json").read_text())["import_seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Speed at scale: pages, reports, import, then the load test.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load-seconds", type=float, default=300)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args(argv)

    results: dict[str, dict] = {}
    for size in args.sizes:
        path = database_of(size)
        results[str(size)] = {**page_times(path, args.runs), **report_times(path, args.runs)}
        print(f"measured {size:,} complaints", flush=True)
    largest, smallest = str(max(args.sizes)), str(min(args.sizes))
    imported = None if args.skip_import else import_time(max(args.sizes))

    names = list(results[largest])
    print(f"\n{'seconds (median)':<28}" + "".join(f"{int(s):>10,}" for s in results) + f"{'ratio':>8}  target")
    summary = {"sizes": args.sizes, "runs": args.runs, "seconds": results, "ratios": {}, "missed": []}
    for name in names:
        ratio = results[largest][name] / results[smallest][name] if results[smallest].get(name) else None
        summary["ratios"][name] = ratio and round(ratio, 2)
        is_page = name.endswith(".py")
        target = PAGE_TARGET_S if is_page else {"annual report json": JSON_TARGET_S, "annual report word": WORD_TARGET_S}.get(name, PAGE_TARGET_S)
        missed = results[largest][name] > target or (is_page and ratio is not None and ratio > RATIO_TARGET)
        if missed:
            summary["missed"].append(name)
        print(f"{name:<28}" + "".join(f"{results[s][name]:>10.3f}" for s in results)
              + f"{(ratio or 0):>8.2f}  {'MISSED' if missed else 'met'} (< {target} s" + (f", ratio < {RATIO_TARGET})" if is_page else ")"))
    if imported is not None:
        summary["import_seconds"] = imported
        print(f"{'import ' + format(max(args.sizes), ',') + ' complaints':<28}{imported:>10.1f}  "
              f"{'met' if imported < IMPORT_TARGET_S else 'MISSED'} (< {IMPORT_TARGET_S:.0f} s)")
        if imported >= IMPORT_TARGET_S:
            summary["missed"].append("import")
    (RESULTS / "benchmark.json").write_text(json.dumps(summary, indent=2))
    print(f"\nwrote {RESULTS / 'benchmark.json'}")

    load_ok = True
    if not args.skip_load:
        print("\nload test", flush=True)
        load_ok = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_test.py"), "--seconds", str(args.load_seconds)]).returncode == 0
    return 0 if not summary["missed"] and load_ok else 1


if __name__ == "__main__":
    sys.exit(main())
