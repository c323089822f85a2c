"""The docs page renders the API in a real browser: a real server on loopback, headless Chromium from the
distribution's packages loads ``/`` (which leads to ``/docs``), runs Swagger UI under the page's CSP, and
the rendered page lists the operations of the OpenAPI 3.1 document. Without Chromium the test is skipped
with the reason; under CI it fails."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.ci import missing

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        missing("no Chromium installed (apt-get install chromium): the docs page is not rendered")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``civicapi serve`` on a free loopback port, with a throw-away SQLite database."""
    port = _free_port()
    env = {
        **os.environ,
        "CIVICAPI_ENV": "test",
        "CIVICAPI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}",
        "CIVICAPI_DOCS_ENABLED": "true",
    }
    civicapi = Path(sys.executable).with_name("civicapi")
    # The server's log goes to a file: a pipe nobody reads fills up (64 KiB) and blocks the server.
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(civicapi), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-4000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _render(browser: str, url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran (virtual time lets Swagger UI fetch and render the document)."""
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_docs_page_lists_the_operations_in_a_real_browser(server: str, tmp_path: Path) -> None:
    browser = _browser()
    r = httpx.get(f"{server}/docs")
    assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
    document = httpx.get(f"{server}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    dom = _render(browser, f"{server}/", tmp_path / "profile")
    assert 'class="swagger-ui"' in dom
    # Swagger UI 4 answers an OpenAPI 3.1 document with "Unable to render this definition".
    assert "Unable to render this definition" not in dom
    assert 'id="operations-identity-identity_login"' in dom
    tags = {op["tags"][0] for item in document["paths"].values() for op in item.values()}
    assert {"identity", "communes", "spaces", "budgets", "proposals", "accountability"} <= tags
    assert {tag for tag in tags if f'data-tag="{tag}"' not in dom} == set()
    operations = {
        f'id="operations-{op["tags"][0]}-{op["operationId"]}"'
        for item in document["paths"].values()
        for op in item.values()
    }
    assert {op for op in operations if op not in dom} == set()
