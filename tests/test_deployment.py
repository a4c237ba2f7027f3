"""Deployment hardening: the app behind Debian's nginx with deploy/nginx/learning-tracker.conf.

Finding "no security headers (the app can be framed)". Streamlit itself sends no Content-Security-Policy,
X-Frame-Options or HSTS, so any site could frame the app. On a council server it listens on 127.0.0.1 only
and nginx, with the repository's configuration, ends TLS and adds the headers. These tests start that
nginx (its own prefix, pid and logs under a temporary folder) in front of the real app and check every
header on a page, a static asset, a 404, an error of nginx's own and the redirect from plain HTTP; then
open the app through it in Chromium to show that Streamlit renders and connects under the policy.

The configuration is used as written, except for the substitutions its header names (certificate paths,
listening ports, the app's port); each substitution must match exactly, so an edit that breaks one fails
here instead of going untested.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .browser import ROOT, chromium_page, free_port, running_app, wait_until_idle

pytestmark = pytest.mark.browser

NGINX = "/usr/sbin/nginx"
PROXY_CONFIG = ROOT / "deploy" / "nginx" / "learning-tracker.conf"
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
ONE_YEAR = 365 * 24 * 3600


# --- the configuration, as the test runs it ---------------------------------------------------------


def _substitute(text: str, old: str, new: str, count: int) -> str:
    """Replace ``old`` in exactly ``count`` directive lines (comments are left as written), or fail naming
    what the configuration no longer says."""
    lines = text.splitlines(keepends=True)
    directives = [i for i, line in enumerate(lines) if old in line and not line.lstrip().startswith("#")]
    assert len(directives) == count, (
        f"deploy/nginx/learning-tracker.conf should contain {old!r} in {count} directive(s) (the test "
        f"substitutes it), found {len(directives)}: update the file's header and this test together"
    )
    for i in directives:
        lines[i] = lines[i].replace(old, new)
    return "".join(lines)


def proxy_config(*, cert: Path, key: Path, https_port: int, http_port: int, app_port: int) -> str:
    """The repository's configuration with only the documented substitutions made."""
    text = PROXY_CONFIG.read_text()
    text = _substitute(text, "/etc/ssl/learning-tracker/fullchain.pem", str(cert), 1)
    text = _substitute(text, "/etc/ssl/learning-tracker/privkey.pem", str(key), 1)
    text = _substitute(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", 1)
    text = _substitute(text, "listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    text = _substitute(text, "server 127.0.0.1:8501;", f"server 127.0.0.1:{app_port};", 1)
    return text


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, valid for a day (cryptography comes with Authlib)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _unverified_tls() -> ssl.SSLContext:
    """TLS that accepts the test's self-signed certificate (the point here is the headers, not the CA)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Proxy:
    """nginx running the repository's configuration in front of the app, on loopback ports."""

    https_url: str
    http_url: str


def _nginx_conf(prefix: Path, site: Path) -> str:
    """The few lines Debian's /etc/nginx/nginx.conf would give, pointed at ``prefix`` instead of /etc, /var
    and /run, around an include of the site (as Debian includes sites-enabled/ in its http block)."""
    # As root, nginx would run its workers as "nobody", who cannot reach pytest's private temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = prefix / "temp"
    return f"""
daemon off;
worker_processes 1;
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Wait until ``url`` answers 200, or fail with the end of nginx's log."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=_unverified_tls()) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"nginx did not serve {url}; its log ends:\n{tail}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, demo_template_path) -> Iterator[Proxy]:
    """The demo app on a loopback port with nginx in front of it, as deployed."""
    if not Path(NGINX).exists():
        pytest.fail(f"{NGINX} is missing: run `make test`, which installs Debian's nginx")
    folder = tmp_path_factory.mktemp("deployment")
    db_path = folder / "demo.db"
    shutil.copyfile(demo_template_path, db_path)
    cert, key = _self_signed_certificate(folder)
    prefix = folder / "nginx"
    (prefix / "temp").mkdir(parents=True)
    https_port, http_port = free_port(), free_port()
    with contextlib.ExitStack() as running:
        # As README.md advises for a council server, the app accepts a WebSocket only for its own host name
        # (here the address the test browses to; Streamlit ignores the port).
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STREAMLIT_SERVER_ALLOWED_HOSTS", "127.0.0.1")
            app_url = running.enter_context(running_app(db_path))
        app_port = int(app_url.rsplit(":", 1)[1])
        site = prefix / "learning-tracker.conf"
        site.write_text(proxy_config(cert=cert, key=key, https_port=https_port, http_port=http_port, app_port=app_port))
        conf = prefix / "nginx.conf"
        conf.write_text(_nginx_conf(prefix, site))
        error_log = prefix / "error.log"
        command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(error_log)]
        checked = subprocess.run([*command, "-t"], check=False, capture_output=True, text=True)
        assert checked.returncode == 0, f"nginx refuses the configuration:\n{checked.stderr}"
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            https_url = f"https://127.0.0.1:{https_port}"
            _wait_for(f"{https_url}/_stcore/health", nginx, error_log)
            yield Proxy(https_url=https_url, http_url=f"http://127.0.0.1:{http_port}")
        finally:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()


# --- what a browser receives ---------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is what is checked


def fetch(url: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET ``url`` without following redirects; the status, headers and body, errors included."""
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=_unverified_tls()), _NoRedirects)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def csp_directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: its sources}."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Strict-Transport-Security",
                    "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")


def assert_security_headers(headers: http.client.HTTPMessage, what: str) -> None:
    """Every security header once, each saying what a council deployment needs."""
    for name in SECURITY_HEADERS:
        values = headers.get_all(name) or []
        assert len(values) == 1, f"{what}: expected one {name} header, got {values}"
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp.get("frame-ancestors") == ["'none'"], f"{what}: any site may frame the app: {csp}"
    assert csp.get("default-src") == ["'none'"], f"{what}: the policy should allow nothing unless named: {csp}"
    assert {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}.isdisjoint(csp["script-src"]), (
        f"{what}: script-src lets injected scripts run: {csp['script-src']}")
    assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'none'"], f"{what}: {csp}"
    assert headers["X-Frame-Options"] == "DENY", what
    max_age = re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"])
    assert max_age and int(max_age.group(1)) >= ONE_YEAR, f"{what}: HSTS shorter than a year"
    assert headers["X-Content-Type-Options"] == "nosniff", what
    assert headers["Referrer-Policy"] in {"no-referrer", "strict-origin-when-cross-origin"}, what
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions, f"{what}: Permissions-Policy leaves {feature} on: {permissions}"


def test_finding_no_security_headers_the_page_an_asset_and_a_404_carry_every_header(proxy):
    status, headers, body = fetch(f"{proxy.https_url}/")
    assert status == 200 and headers.get_content_type() == "text/html"
    assert_security_headers(headers, "the app's page")

    bundle = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', body.decode())
    assert bundle, "Streamlit's page names no script bundle"
    status, headers, _ = fetch(f"{proxy.https_url}/{bundle.group(1)}")
    assert status == 200, f"the app's script bundle came back {status}"
    assert_security_headers(headers, "a static asset")

    # (Streamlit answers unknown page paths with its page; a download that does not exist is its 404.)
    status, headers, _ = fetch(f"{proxy.https_url}/media/no-such-download.png")
    assert status == 404
    assert_security_headers(headers, "a 404")


def test_finding_no_security_headers_nginx_own_errors_carry_them_and_uploads_are_capped_as_the_app_caps_them(proxy):
    # nginx's cap is the app's largest upload (server.maxUploadSize, MB) plus 1 MB for the form's framing.
    max_upload_mb = tomllib.loads(STREAMLIT_CONFIG.read_text())["server"]["maxUploadSize"]
    cap = re.search(r"^\s*client_max_body_size\s+(\d+)m;", PROXY_CONFIG.read_text(), re.MULTILINE)
    assert cap and int(cap.group(1)) == max_upload_mb + 1, (
        f"client_max_body_size should be {max_upload_mb + 1}m to match server.maxUploadSize = {max_upload_mb}")

    host, port = proxy.https_url.removeprefix("https://").split(":")

    def upload(size: int) -> tuple[int, http.client.HTTPMessage]:
        connection = http.client.HTTPSConnection(host, int(port), timeout=30, context=_unverified_tls())
        try:
            connection.request("PUT", "/_stcore/upload_file/no-session/no-file", body=b"x" * size,
                               headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            response.read()
            return response.status, response.headers
        finally:
            connection.close()

    # An import file of the largest size allowed reaches the app (which refuses this one: no XSRF token).
    status, headers = upload(max_upload_mb * 1024 * 1024)
    assert status != 413, "nginx refuses an upload the app allows"
    assert_security_headers(headers, "the app's refusal of an upload")
    status, headers = upload((max_upload_mb + 1) * 1024 * 1024 + 1)
    assert status == 413, f"nginx let a file over the cap through ({status})"
    assert_security_headers(headers, "nginx's own 413 error")


def test_finding_no_security_headers_plain_http_only_redirects_to_https(proxy):
    status, headers, _ = fetch(f"{proxy.http_url}/overview?x=1")
    assert status == 301
    assert headers["Location"].startswith("https://") and headers["Location"].endswith("/overview?x=1")


def test_finding_no_security_headers_the_policy_allows_streamlits_inline_script_by_its_hash(proxy):
    # Streamlit's index.html runs one inline script; the policy allows exactly it, by hash, not
    # 'unsafe-inline'. A Streamlit upgrade that changes it must change the hash in the configuration.
    _, headers, body = fetch(f"{proxy.https_url}/")
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", body.decode(), re.DOTALL)
    allowed = csp_directives(headers["Content-Security-Policy"])["script-src"]
    for script in inline:
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        assert digest in allowed, (
            f"Streamlit's inline script {script.strip()!r} is not allowed by the policy: put {digest} in "
            f"script-src in deploy/nginx/learning-tracker.conf in place of the old hash")


# --- in a real browser ------------------------------------------------------------------------------------


@pytest.fixture
def proxied_page(request):
    """A Chromium page that accepts the test's self-signed certificate. It records in
    ``page.policy_errors`` every CSP violation (console messages and securitypolicyviolation events) and
    every complaint of the browser about the Permissions-Policy header."""
    with chromium_page(request, extra_args=("--ignore-certificate-errors",), ignore_https_errors=True) as page:
        violations: list[str] = []
        policies = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")
        page.on("console", lambda message: violations.append(message.text)
                if any(policy in message.text for policy in policies) else None)
        page.expose_function("reportCspViolation", lambda text: violations.append(text))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => window.reportCspViolation("
            "`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));")
        page.policy_errors = violations
        yield page


def test_finding_no_security_headers_the_app_renders_and_connects_under_the_policy_in_chromium(proxy, proxied_page):
    from playwright.sync_api import expect

    page = proxied_page
    response = page.goto(f"{proxy.https_url}/")
    assert response is not None and response.headers.get("content-security-policy")
    # The script ran to its end: the page loaded its bundles and its WebSocket through nginx connected.
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()

    # Charts (Vega) and tables (canvas) render under the policy too.
    page.goto(f"{proxy.https_url}/themes")
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Themes and outcomes")).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("svg, canvas").first).to_be_visible()

    # A file uploads through nginx (Streamlit's upload request, with its XSRF cookie and token).
    page.goto(f"{proxy.https_url}/import_export")
    wait_until_idle(page)
    page.get_by_role("combobox", name="What the file holds").click()
    page.get_by_role("option", name="Complaints", exact=True).click()
    wait_until_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv",
         "buffer": b"reference,received_on,procedure,service_area\r\nBAD-1,2021-04-06,statutory,Team Wets\r\n"})
    wait_until_idle(page)
    expect(page.get_by_text("1 problem found: nothing will be imported")).to_be_visible()

    expect(page.get_by_text("Connection error")).to_have_count(0)
    assert page.policy_errors == [], f"the browser objected to the policies: {page.policy_errors}"


def test_finding_no_security_headers_another_site_cannot_frame_the_app(proxy, proxied_page):
    page = proxied_page
    page.set_content(f'<iframe id="app" src="{proxy.https_url}/" width="800" height="600"></iframe>')
    deadline = time.monotonic() + 15
    while not any("frame-ancestors" in text for text in page.policy_errors) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert any("frame-ancestors" in text for text in page.policy_errors), (
        f"the browser did not refuse the frame for frame-ancestors: {page.policy_errors}")
    assert page.frame_locator("#app").locator('[data-testid="stApp"]').count() == 0, "another page framed the app"
