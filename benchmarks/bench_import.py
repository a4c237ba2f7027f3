"""Benchmark: 100,000 complaints in the canonical template imported into an empty database.

Writes a CSV of N complaints in the canonical complaints template (the 25 columns of the README, UK
dates in a fifth of the rows, stages 2 and 3, extensions, concerns, outcomes, the Ombudsman, equality
fields), creates an empty database (``learning-tracker init``), imports the service areas, then times:

* the import of the complaints (read, every row checked, one transaction, one audit event);
* importing the same file again (every row compared with its record; nothing changes);
* exporting them again as CSV.

    python benchmarks/bench_import.py [--complaints 100000] [--xlsx]

Target: the first import under 60 seconds. Results go to benchmarks/results/bench_import.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TODAY = date(2026, 11, 26)
TARGET_SECONDS = 60
AREAS = ["Through Care", "Team West", "Children's Disability Team", "Looked After Children", "Team South",
         "Team East", "Team Central", "Fostering & Adoption", "MASH", "Quality & Assurance", "Social Work Academy",
         "Youth Offending Services"]


def complaints_csv(n: int, seed: int = 2122) -> bytes:
    """N complaints in the canonical template, received over the ten years before TODAY."""
    from learning_tracker import config, workdays
    from learning_tracker.read.templates import COMPLAINTS, TEMPLATES

    rng = random.Random(seed)
    fields = TEMPLATES[COMPLAINTS].fields[:25]
    codes = [c + (f" > {s}" if s else "") for c, s in config.CONCERN_CODES]
    v = config.VOCABULARIES
    start = date(TODAY.year - 10, 4, 1)
    span = (TODAY - timedelta(days=240) - start).days  # room for every stage to be answered before TODAY
    add = workdays.add_working_days
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for i in range(n):
        received = add(start + timedelta(days=rng.randrange(span)), 0)
        procedure = rng.choices(["statutory", "corporate", "informal"], [70, 12, 18])[0]
        row = dict.fromkeys(fields, "")
        uk = rng.random() < 0.2
        day = (lambda d: d.strftime("%d/%m/%Y")) if uk else (lambda d: d.isoformat())
        row.update(
            reference=f"BENCH-{i + 1:06d}", received_on=day(received), procedure=procedure,
            service_area=rng.choice(AREAS), received_via=rng.choice(v["received_via"]),
            complainant_type=rng.choice(v["complainant_type"]), advocate=rng.choice(["yes", "no", "", "n"]),
            concerns="; ".join(rng.sample(codes, rng.choice((1, 2, 2, 3)))),
            gender=rng.choice(v["gender"]), age_band=rng.choice(v["age_band"]),
            ethnicity=rng.choice(v["ethnicity"]), disability=rng.choice(v["disability"]),
        )
        took = rng.randint(2, 18)
        row["stage1_completed_on"] = day(add(received, took))
        if took > 10 and procedure != "informal" and rng.random() < 0.5:
            row.update(stage1_extended="yes", stage1_extension_reason="Waiting for information from a partner agency")
        last = add(received, took)
        if procedure in ("statutory", "corporate") and rng.random() < 0.1:
            requested = add(last, rng.randint(3, 10))
            took2 = rng.randint(10, 30)
            row.update(stage2_requested_on=day(requested), stage2_completed_on=day(add(requested, took2)),
                       stage2_extended="yes" if took2 > 20 else "no",
                       stage2_extension_reason="Independent investigation" if took2 > 20 else "")
            last = add(requested, took2)
            if procedure == "statutory" and rng.random() < 0.1:
                requested3 = add(last, rng.randint(3, 10))
                last = add(requested3, rng.randint(20, 50))
                row.update(stage3_requested_on=day(requested3), stage3_completed_on=day(last))
        row["outcome"] = rng.choices(v["outcome"], [20, 35, 40, 5])[0]
        if rng.random() < 0.02:
            row.update(lgsco_referred_on=day(last + timedelta(days=30)), lgsco_decision=rng.choice(v["lgsco_decision"]),
                       remedy_gbp=rng.choice(["", "250", "£1,000.00"]))
        writer.writerow([row[f] for f in fields])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="also time the same rows from an Excel workbook")
    args = parser.parse_args()

    from learning_tracker import cli
    from learning_tracker.services import exporting, importing
    from learning_tracker import db as database
    from learning_tracker.services.users import command_line_actor

    actor = command_line_actor()
    results: dict = {"complaints": args.complaints}
    t = time.perf_counter()
    content = complaints_csv(args.complaints)
    results["generate_csv_seconds"] = round(time.perf_counter() - t, 2)
    results["csv_megabytes"] = round(len(content) / 1e6, 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        assert cli.main(["init", "--db", str(path)]) == 0
        db = database.connect(path)
        areas = ("name\r\n" + "\r\n".join(f'"{a}"' for a in AREAS) + "\r\n").encode()
        importing.import_file(db, actor, "service-areas", "areas.csv", areas, today=TODAY)

        t = time.perf_counter()
        plan = importing.import_file(db, actor, "complaints", "complaints.csv", content, today=TODAY)
        results["import_seconds"] = round(time.perf_counter() - t, 2)
        if plan.problems:
            print("\n".join(str(p) for p in plan.problems[:20]), file=sys.stderr)
            return 1
        results["added"] = len(plan.added)
        results["rows_per_second"] = round(args.complaints / results["import_seconds"])
        results["stages"] = db.execute("SELECT COUNT(*) FROM complaint_stages").fetchone()[0]
        results["concerns"] = db.execute("SELECT COUNT(*) FROM concerns").fetchone()[0]

        t = time.perf_counter()
        again = importing.import_file(db, actor, "complaints", "complaints.csv", content, today=TODAY)
        results["reimport_unchanged_seconds"] = round(time.perf_counter() - t, 2)
        results["reimport_unchanged"] = again.unchanged

        t = time.perf_counter()
        exporting.to_csv("complaints", exporting.rows(db, "complaints"))
        results["export_csv_seconds"] = round(time.perf_counter() - t, 2)

        if args.xlsx:
            t = time.perf_counter()
            workbook, _ = exporting.to_xlsx({"complaints": exporting.rows(db, "complaints")})
            results["export_xlsx_seconds"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            plan = importing.import_file(db, actor, "complaints", "complaints.xlsx", workbook, dry_run=True, today=TODAY)
            results["check_xlsx_seconds"] = round(time.perf_counter() - t, 2)
        db.close()
    results["target_seconds"] = TARGET_SECONDS
    results["target_met"] = results["import_seconds"] < TARGET_SECONDS
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_import.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
