"""Running the real app for browser tests: a Streamlit server on a free loopback port, driven by
Playwright in Debian's Chromium (Playwright's own browser downloads are not available here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Each expectation waits up to 15 s (Playwright's default is 5): on a busy two-core machine a save's second
# run, or a form starting afresh after it, can take longer than 5 s, and a wait that short fails a correct app.
EXPECT_TIMEOUT_MS = 15_000


def _patient_expectations() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


_patient_expectations()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db_path: Path) -> Iterator[str]:
    """Serve streamlit_app.py on the database at ``db_path``; yield its URL."""
    port = free_port()
    env = {**os.environ, "LEARNING_TRACKER_DB": str(db_path)}
    log = open(db_path.with_suffix(".server.log"), "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The app did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextmanager
def chromium_page(request, *, extra_args: tuple[str, ...] = (), **page_options) -> Iterator:
    """A page in Debian's Chromium (``extra_args`` added to its command line, ``page_options`` to the page);
    a screenshot of it is saved under test-artifacts/ when the test ``request`` belongs to fails."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, **page_options)
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            browser.close()


@pytest.fixture
def browser_page(request):
    """A Chromium page; a screenshot of it is saved under test-artifacts/ when the test fails."""
    with chromium_page(request) as page:
        yield page


def wait_until_idle(page) -> None:
    """Wait for the app to finish its script run (Streamlit marks the app element when it is idle)."""
    page.wait_for_selector(APP_IDLE, timeout=60_000)
    page.wait_for_timeout(300)  # the last deltas render just after the state flips
    page.wait_for_selector(APP_IDLE, timeout=60_000)
