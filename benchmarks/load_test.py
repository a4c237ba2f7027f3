"""Load test: simulated users in separate processes against one SQLite file, through the services.

Service managers update their actions (status changes and notes), the complaints officer records new
complaints and their stage 1 responses, and readers page through the register, the RAG report and the
annual figures. At the end it checks that nothing was lost: every write that reported success is in
the database and in the audit log, every conflict reached its writer and wrote nothing, and no
"database is locked" error reached a user.

    python benchmarks/load_test.py [--users 20] [--seconds 300] [--db PATH]

Targets: zero lost writes, zero lock errors reaching a user, p95 write latency under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TODAY = date(2026, 11, 26)


def _worker(args: tuple[str, int, str, float, int]) -> list[dict]:
    """One simulated user: returns one record per operation (kind, outcome, latency, what to verify)."""
    role, index, db_path, seconds, seed = args
    from learning_tracker import db as database
    from learning_tracker.errors import Conflict, DomainError
    from learning_tracker.models import NewComplaint, StageResponse, StatusChange
    from learning_tracker.read.report_figures import annual_figures
    from learning_tracker.read.register import RegisterFilter, complaints_register
    from learning_tracker.read.open_stages import rag_rows
    from learning_tracker.services import actions, complaints
    from learning_tracker.services.core import actor_by_email

    rng = random.Random(seed)
    db = database.connect(db_path)
    records: list[dict] = []
    officer = actor_by_email(db, "complaints.officer@demo.invalid")
    managers = [
        actor_by_email(db, row[0])
        for row in db.execute(
            "SELECT u.email FROM users u JOIN user_service_areas ua ON ua.user_id = u.id"
            " JOIN actions a ON a.service_area_id = ua.service_area_id AND a.status IN ('not started', 'in progress')"
            " WHERE u.role = 'service_manager' AND u.active GROUP BY u.id ORDER BY COUNT(*) DESC, u.id LIMIT 3"
        )
    ]
    # Several workers act as the same few managers on the same few actions, so that conflicts happen.
    manager = managers[index % len(managers)]
    areas = ",".join(str(a) for a in manager.service_area_ids) or "0"
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        token = f"load-{role}-{index}-{n}"
        started = time.perf_counter()
        record: dict = {"role": role, "token": token}
        try:
            if role == "manager":
                row = db.execute(
                    f"SELECT id, version, status FROM actions WHERE service_area_id IN ({areas})"
                    " AND status IN ('not started', 'in progress') ORDER BY id LIMIT 6"
                ).fetchall()
                action_id, version, status = rng.choice(row)
                time.sleep(rng.uniform(0, 0.02))  # the user reads the form before saving
                started = time.perf_counter()
                if rng.random() < 0.5:
                    record |= {"kind": "write", "op": "note", "action_id": action_id}
                    actions.add_note(db, manager, action_id, token)
                else:
                    new = "in progress" if status == "not started" else "not started"
                    record |= {"kind": "write", "op": "status", "action_id": action_id, "version": version + 1}
                    actions.change_status(db, manager, action_id, version, StatusChange(status=new, note=token))
            elif role == "officer":
                record |= {"kind": "write", "op": "complaint"}
                complaint_id = complaints.create_complaint(
                    db, officer,
                    NewComplaint(reference=token, received_on=TODAY, procedure="statutory", service_area="Team West",
                                 received_via="email", concerns=["Communication"]),
                    today=TODAY,
                )
                record["complaint_id"] = complaint_id
                complaints.record_response(db, officer, complaint_id, 1, StageResponse(responded_on=TODAY), today=TODAY)
                record["responded"] = True
            else:
                record["kind"] = "read"
                choice = rng.random()
                if choice < 0.5:
                    complaints_register(db, RegisterFilter(), as_of=TODAY, page=rng.randint(1, 5))
                elif choice < 0.8:
                    rag_rows(db, TODAY)
                else:
                    annual_figures(db, "2021-22", TODAY)
            record["outcome"] = "ok"
        except Conflict:
            record["outcome"] = "conflict"
        except sqlite3.OperationalError as error:
            record["outcome"] = "locked" if "locked" in str(error) else f"error: {error}"
        except DomainError as error:
            record["outcome"] = f"refused: {error}"
        record["ms"] = (time.perf_counter() - started) * 1000
        records.append(record)
        time.sleep(rng.uniform(0.01, 0.05))  # users pause between clicks
    db.close()
    return records


def verify(db_path: str, records: list[dict]) -> dict:
    """Check every successful write is stored and audited, and no conflicting write left a trace."""
    conn = sqlite3.connect(db_path)
    lost, leaked = [], []
    notes = {r[0] for r in conn.execute("SELECT note FROM action_updates WHERE note LIKE 'load-%'")}
    audited_notes = {r[0] for r in conn.execute(
        "SELECT json_extract(after, '$.note') FROM audit_events WHERE event = 'add action note' AND outcome = 'done'")}
    status_audits = {tuple(r) for r in conn.execute(
        "SELECT entity_id, json_extract(after, '$.version') FROM audit_events"
        " WHERE event = 'change action status' AND outcome = 'done'")}
    references = {r[0] for r in conn.execute("SELECT reference FROM complaints WHERE reference LIKE 'load-%'")}
    complaint_audits = {r[0] for r in conn.execute(
        "SELECT entity_id FROM audit_events WHERE event = 'create complaint' AND outcome = 'done'")}
    for r in records:
        if r.get("kind") != "write":
            continue
        if r["outcome"] == "ok":
            if r["op"] == "note" and not (r["token"] in notes and r["token"] in audited_notes):
                lost.append(r)
            if r["op"] == "status" and not (r["token"] in notes and (r["action_id"], r["version"]) in status_audits):
                lost.append(r)
            if r["op"] == "complaint" and not (r["token"] in references and r["complaint_id"] in complaint_audits):
                lost.append(r)
        elif r["outcome"] == "conflict" and (r["token"] in notes or r["token"] in references):
            leaked.append(r)
    conn.close()
    return {"lost_writes": len(lost), "conflicting_writes_that_left_a_trace": len(leaked)}


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--db", default=str(RESULTS / "load.db"))
    args = parser.parse_args(argv)

    from learning_tracker import demo_mode

    path = Path(args.db)
    RESULTS.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    demo_mode.create(path, today=TODAY)

    managers = args.users // 2
    officers = max(1, args.users // 10)
    readers = args.users - managers - officers
    plan = ([("manager", i) for i in range(managers)] + [("officer", i) for i in range(officers)]
            + [("reader", i) for i in range(readers)])
    jobs = [(role, i, str(path), args.seconds, 1000 + n) for n, (role, i) in enumerate(plan)]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        records = [r for batch in pool.map(_worker, jobs) for r in batch]

    writes = [r for r in records if r.get("kind") == "write"]
    reads = [r for r in records if r.get("kind") == "read"]
    ok_writes = [r["ms"] for r in writes if r["outcome"] == "ok"]
    summary = {
        "users": len(jobs),
        "seconds": args.seconds,
        "writes_done": len(ok_writes),
        "conflicts_detected": sum(r["outcome"] == "conflict" for r in writes),
        "lock_errors_reaching_a_user": sum(r["outcome"] == "locked" for r in records),
        "other_errors": sum(r["outcome"].startswith(("error", "refused")) for r in records),
        "error_messages": sorted({r["outcome"][:160] for r in records if r["outcome"].startswith(("error", "refused"))})[:5],
        "reads_done": len(reads),
        "write_ms_p50": percentile(ok_writes, 50),
        "write_ms_p95": percentile(ok_writes, 95),
        "read_ms_p50": percentile([r["ms"] for r in reads if r["outcome"] == "ok"], 50),
        "read_ms_p95": percentile([r["ms"] for r in reads if r["outcome"] == "ok"], 95),
        **verify(str(path), records),
    }
    summary["targets_met"] = (
        summary["lost_writes"] == 0 and summary["lock_errors_reaching_a_user"] == 0
        and summary["conflicting_writes_that_left_a_trace"] == 0
        and (summary["write_ms_p95"] or 0) < 100
    )
    (RESULTS / "load_test.json").write_text(json.dumps(summary, indent=2))
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        print(f"{key:<{width}}  {value}")
    return 0 if summary["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
