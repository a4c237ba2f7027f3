"""Imports that cannot exhaust the server: a spreadsheet is read in bounded memory whatever it says about
itself, and a large import checks its rows outside the write lock, so other people's sign-ins and saves
do not fail with "database is locked" while it is being checked."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from learning_tracker import db as database
from learning_tracker.models import NewComplaint
from learning_tracker.read.templates import IMPORT_ORDER
from learning_tracker.services import auth, complaints, exporting, importing
from learning_tracker.services.importing import UnreadableFile, reading, writing
from learning_tracker.services.users import command_line_actor

from .factories import build_world

# The memory an import may take beyond what the app takes to start: generous for a small file, and far
# below the gigabytes a sheet read as it declares itself (a million rows of 16,384 cells) would take.
HEADROOM_BYTES = 512 * 1024 * 1024
QUICKLY_SECONDS = 60  # the machine may be busy; unbounded reading takes far longer, or dies first


# --- spreadsheets that lie about themselves -----------------------------------------------------------


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change`` (text in, text out)."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def declaring_a_huge_sheet(*, reaching_its_corner: bool) -> bytes:
    """Two rows of service areas in a sheet that declares itself A1:XFD1048576 (16,384 columns by 1,048,576
    rows), and perhaps holds an empty cell in that corner: read as declared, a million rows of 16,384 cells."""
    content = workbook([["name", "active"], ["Team North", "yes"]])
    corner = '<row r="1048576"><c r="XFD1048576" s="0"/></row>' if reaching_its_corner else ""
    huge = with_sheet_xml(content, lambda xml: xml.replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>')
                          .replace("</sheetData>", corner + "</sheetData>"))
    assert b"A1:XFD1048576" in zipfile.ZipFile(io.BytesIO(huge)).read("xl/worksheets/sheet1.xml")
    return huge


def with_empty_rows(count: int, *, numbered: bool) -> bytes:
    """A service area then ``count`` empty rows: numbered ones (which zip only eight times smaller, so they
    are read, and skipped) or identical ones (a zip bomb: a million are 15 MB from 30 KB)."""
    content = workbook([["name", "active"], ["Team North", "yes"]])
    if numbered:
        empty = "".join(f'<row r="{n}"><c r="A{n}"/></row>' for n in range(3, count + 3))
    else:
        empty = "<row><c/></row>" * count
    return with_sheet_xml(content, lambda xml: xml.replace("</sheetData>", empty + "</sheetData>")
                          .replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>'))


def import_in_a_capped_process(tmp_path, filename: str, content: bytes) -> tuple[subprocess.CompletedProcess, float]:
    """``learning-tracker import service-areas FILE`` in a process whose memory is capped at what the app takes
    to start plus ``HEADROOM_BYTES``; returns the finished process and how long it took."""
    path = tmp_path / filename
    path.write_bytes(content)
    db_path = tmp_path / "capped.db"
    database.connect(db_path).close()
    child = textwrap.dedent(f"""
        import resource, sys
        import openpyxl, pandas, sqlite_utils  # what an import loads, counted in the start-up size
        from learning_tracker import cli
        from learning_tracker.services import importing
        with open("/proc/self/status") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (size + {HEADROOM_BYTES}, size + {HEADROOM_BYTES}))
        sys.exit(cli.main(sys.argv[1:]))
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", child, "import", "service-areas", str(path), "--db", str(db_path)],
                          check=False, capture_output=True, text=True, timeout=600)
    return done, time.monotonic() - started


def area_names(db_path) -> list[str]:
    with sqlite3.connect(db_path) as connection:
        return [r[0] for r in connection.execute("SELECT name FROM service_areas ORDER BY name")]


def test_finding_denial_of_service_a_tiny_xlsx_declaring_a_huge_sheet_is_read_in_bounded_memory(tmp_path):
    # Its declared size is ignored: the two rows it holds import.
    done, seconds = import_in_a_capped_process(tmp_path, "areas.xlsx", declaring_a_huge_sheet(reaching_its_corner=False))
    assert done.returncode == 0, done.stderr[-2000:]
    assert seconds < QUICKLY_SECONDS and area_names(tmp_path / "capped.db") == ["Team North"]
    # With a cell in its far corner it would be a million rows: one sentence, quickly, nothing imported.
    content = declaring_a_huge_sheet(reaching_its_corner=True)
    assert len(content) < 10_000
    done, seconds = import_in_a_capped_process(tmp_path, "corner.xlsx", content)
    assert done.stderr.strip().splitlines() == [
        ("learning-tracker: corner.xlsx goes on past row 250,000, blank rows included; the most one import reads is "
        "that many: delete the empty rows below the table, or split it into smaller files.")]
    assert done.returncode != 0 and seconds < QUICKLY_SECONDS
    assert area_names(tmp_path / "capped.db") == ["Team North"]


def test_finding_denial_of_service_a_zip_bomb_of_empty_rows_is_one_sentence_before_it_is_unpacked(tmp_path):
    content = with_empty_rows(1_000_000, numbered=False)
    assert len(content) < 100_000
    done, seconds = import_in_a_capped_process(tmp_path, "areas.xlsx", content)
    assert done.returncode != 0 and seconds < QUICKLY_SECONDS
    assert done.stderr.strip().splitlines() == [
        ("learning-tracker: areas.xlsx unpacks to 15 MB from 0.0 MB, which is padding rather than records: open it "
        "in Excel, delete the empty rows and columns below and beside the table, and save it again (or save it "
        "as CSV).")]
    assert area_names(tmp_path / "capped.db") == []


def test_finding_denial_of_service_a_million_empty_rows_that_zip_normally_stop_with_one_sentence(tmp_path):
    content = with_empty_rows(1_000_000, numbered=True)
    done, seconds = import_in_a_capped_process(tmp_path, "areas.xlsx", content)
    assert done.returncode != 0 and seconds < QUICKLY_SECONDS
    assert done.stderr.strip().splitlines() == [
        ("learning-tracker: areas.xlsx goes on past row 250,000, blank rows included; the most one import reads is "
        "that many: delete the empty rows below the table, or split it into smaller files.")]
    assert area_names(tmp_path / "capped.db") == []


def test_finding_denial_of_service_empty_rows_are_skipped_without_being_kept():
    content = with_empty_rows(100_000, numbered=True)
    tracemalloc.start()
    try:
        table = reading.read_table("areas.xlsx", content, kind="service-areas")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (table.rows, table.row_numbers) == ([["Team North", "yes"]], [2])
    # The 0.5 MB file, what the Excel reader keeps of each row it read (about 80 bytes) and one row at a
    # time; kept as rows of text they would be three times as much, read as declared, gigabytes.
    assert peak < 20_000_000


def test_finding_denial_of_service_a_sheet_past_the_most_rows_stops_with_one_sentence(monkeypatch):
    monkeypatch.setattr(reading, "MAX_DATA_ROWS", 100)
    rows = [["name"]] + [[f"Team {n}"] for n in range(101)]
    for filename, content in (("areas.xlsx", workbook(rows)), ("areas.csv", "\r\n".join(r[0] for r in rows).encode())):
        with pytest.raises(UnreadableFile) as stopped:
            reading.read_table(filename, content, kind="service-areas")
        assert str(stopped.value) == (f"{filename} has more than 100 rows below its header; the most one import takes "
                                      "is that many: split it into smaller files and import each.")
    assert len(reading.read_table("areas.csv", "\r\n".join(r[0] for r in rows[:101]).encode()).rows) == 100


def test_finding_denial_of_service_a_cell_past_the_most_columns_stops_with_one_sentence():
    wide = workbook([["name"], ["Team North"], ["Team South"] + [None] * 300 + ["x"]])
    with pytest.raises(UnreadableFile) as stopped:
        reading.read_table("areas.xlsx", wide)
    assert str(stopped.value) == ("areas.xlsx has more than 200 columns in row 3; the most one import takes is 200: "
                                  "remove the columns the template does not need and import it again.")
    with pytest.raises(UnreadableFile, match="has more than 200 columns in row 1"):
        reading.read_table("areas.csv", (",".join(f"c{n}" for n in range(201)) + "\r\nx\r\n").encode())
    # Empty cells past the last column allowed (a styled column far to the right) are not columns.
    styled = with_sheet_xml(workbook([["name"], ["Team North"]]),
                            lambda xml: xml.replace('<c r="A2" t="inlineStr"><is><t>Team North</t></is></c>',
                                                    '<c r="A2" t="inlineStr"><is><t>Team North</t></is></c><c r="XFD2"/>')
                            .replace('<c r="A2" t="s"><v>1</v></c>', '<c r="A2" t="s"><v>1</v></c><c r="XFD2"/>'))
    assert b'r="XFD2"' in zipfile.ZipFile(io.BytesIO(styled)).read("xl/worksheets/sheet1.xml")
    assert reading.read_table("areas.xlsx", styled).rows == [["Team North"]]


def test_finding_denial_of_service_a_csv_line_of_a_million_separators_is_one_sentence_in_bounded_memory():
    content = b"name\r\n" + b"," * 5_000_000 + b"\r\n"
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as stopped:
            reading.read_table("areas.csv", content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(stopped.value) == ("areas.csv has a line longer than 1,000,000 characters (line 2), which is not a "
                                  "row of a table: check it is the export you meant to import.")
    assert peak < 40_000_000  # the text of the file, not a row of five million cells (40 MB of pointers alone)


def test_finding_denial_of_service_files_past_the_most_bytes_are_refused_unread(monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(UnreadableFile) as stopped:
        reading.read_table("areas.csv", b"name\r\n" + b"Team North\r\n" * 100)
    assert str(stopped.value) == ("areas.csv is 0.0 MB; the most one import takes is 0.0 MB: split it into smaller "
                                  "files and import each.")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100_000_000)
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 1_000_000)
    big = workbook([["name"]] + [[f"Team {n} with a long enough name to fill the sheet"] for n in range(20_000)])
    with pytest.raises(UnreadableFile, match=r"^areas.xlsx unpacks to \d+\.\d MB, more than the 1.0 MB a workbook of "
                                             r"200,000 rows needs: split it into smaller files and import each\.$"):
        reading.read_table("areas.xlsx", big)


# --- the write lock -------------------------------------------------------------------------------------


def complaints_csv(n: int, start: int = 1) -> bytes:
    lines = ["reference,received_on,procedure,service_area"]
    lines += [f"SEC-{i:06d},2025-04-{1 + i % 28:02d},statutory,Team West" for i in range(start, start + n)]
    return ("\r\n".join(lines) + "\r\n").encode()


class HeldCheck:
    """Wraps ``plan_import`` so that the import's check (its first, or each of its first ``times``) waits
    for ``during`` to run on another connection first: with the check inside the write lock, ``during``
    would wait for the lock and fail."""

    def __init__(self, monkeypatch, during, times: int = 1):
        self.real, self.during, self.times, self.calls = writing.plan_import, during, times, 0
        self.failure: BaseException | None = None
        monkeypatch.setattr(writing, "plan_import", self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            worker = threading.Thread(target=self._run)
            worker.start()
            worker.join(timeout=60)
        return self.real(*args, **kwargs)

    def _run(self):
        try:
            self.during()
        except BaseException as error:  # noqa: BLE001 - whatever it is, the test reports it, not this thread
            self.failure = error


def other_connection(path):
    """Another user's connection, waiting half a second for the lock rather than the app's 10 s, to keep the
    test short: the check holds on until the other write has finished, however long it waits."""
    db = database.connect(path)
    db.execute("PRAGMA busy_timeout = 500")
    return db


def test_finding_denial_of_service_a_sign_in_during_a_large_imports_check_does_not_fail_with_database_locked(tmp_path):
    world = build_world(tmp_path / "world.db")
    world.db.execute("UPDATE users SET password_hash = ? WHERE email = 'west@test.invalid'",
                     [auth.hash_password("a long passphrase for west")])
    signed_in = []

    def sign_in():
        db = other_connection(tmp_path / "world.db")
        try:
            signed_in.append(auth.sign_in(db, "west@test.invalid", "a long passphrase for west").email)
        finally:
            db.close()

    monkeypatch = pytest.MonkeyPatch()
    try:
        held = HeldCheck(monkeypatch, sign_in)
        plan = importing.import_file(world.db, world.officer, "complaints", "complaints.csv", complaints_csv(20_000))
    finally:
        monkeypatch.undo()
    assert held.failure is None, f"the sign-in failed during the import's check: {held.failure!r}"
    assert signed_in == ["west@test.invalid"]
    # A sign-in changes nothing the check read, so the file was checked once and written.
    assert held.calls == 1 and plan.written and len(plan.added) == 20_000
    assert world.db["complaints"].count == 20_000
    world.db.close()


def test_finding_denial_of_service_a_record_changed_during_the_check_is_checked_again_before_writing(tmp_path):
    world = build_world(tmp_path / "world.db")

    def record_the_same_complaint():
        db = other_connection(tmp_path / "world.db")
        try:
            complaints.create_complaint(db, world.officer, NewComplaint(
                reference="SEC-000002", received_on="2025-04-03", procedure="statutory", service_area="Team East"))
        finally:
            db.close()

    monkeypatch = pytest.MonkeyPatch()
    try:
        held = HeldCheck(monkeypatch, record_the_same_complaint)
        plan = importing.import_file(world.db, world.officer, "complaints", "complaints.csv", complaints_csv(5))
    finally:
        monkeypatch.undo()
    assert held.failure is None, repr(held.failure)
    # Checked again against the complaint recorded meanwhile: it is updated, not added a second time.
    assert held.calls == 2 and plan.written
    assert (len(plan.added), [u.key for u in plan.updated]) == (4, ["SEC-000002"])
    assert world.db.execute("SELECT service_area_id FROM complaints WHERE reference = 'SEC-000002'").fetchone()[0] \
        == world.west
    world.db.close()


def test_finding_denial_of_service_records_that_keep_changing_are_checked_once_more_inside_the_lock(tmp_path):
    world = build_world(tmp_path / "world.db")
    numbers = iter(range(100, 200))

    def record_another_complaint():
        db = other_connection(tmp_path / "world.db")
        try:
            complaints.create_complaint(db, world.officer, NewComplaint(
                reference=f"OTHER-{next(numbers)}", received_on="2025-04-03", procedure="statutory",
                service_area="Team East"))
        finally:
            db.close()

    monkeypatch = pytest.MonkeyPatch()
    try:
        held = HeldCheck(monkeypatch, record_another_complaint, times=writing._CHECKS_OUTSIDE_THE_LOCK)
        plan = importing.import_file(world.db, world.officer, "complaints", "complaints.csv", complaints_csv(5))
    finally:
        monkeypatch.undo()
    assert held.failure is None, repr(held.failure)
    assert held.calls == writing._CHECKS_OUTSIDE_THE_LOCK + 1 and plan.written and len(plan.added) == 5
    world.db.close()


def test_finding_denial_of_service_the_tables_compared_before_writing_are_all_the_check_reads(demo_db_path, tmp_path):
    """``writing.PLANNED_FROM`` must hold every table a check reads, or a change to the others would go
    unseen: each kind is checked into an empty database (everything added) and into the demo it came from
    (everything matched and compared), recording what the check reads."""
    source = database.connect(demo_db_path)
    empty = database.connect(tmp_path / "empty.db")
    actor = command_line_actor()
    read: set[str] = set()

    def note(action, table, *_):
        if action == sqlite3.SQLITE_READ:
            read.add(table)
        return sqlite3.SQLITE_OK

    try:
        for kind in IMPORT_ORDER:
            content = exporting.to_csv(kind, exporting.rows(source, kind))
            content = content[0] if isinstance(content, tuple) else content
            for db in (empty, source):
                table = importing.read_table(f"{kind}.csv", content, kind=kind)
                db.conn.set_authorizer(note)
                try:
                    importing.plan_import(db, actor, table, importing.guess_mapping(kind, table.headers))
                finally:
                    db.conn.set_authorizer(None)
            importing.import_file(empty, actor, kind, f"{kind}.csv", content)
    finally:
        source.close()
        empty.close()
    assert {"complaints", "actions", "users", "complaint_stages", "concerns"} <= read
    assert read - set(writing.PLANNED_FROM) == set()
