"""The CI script and the lock file: PostgreSQL is detected however it is installed, the script installs what
the tests need and runs the README's test command, and the Docker image installs the locked dependencies."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"


def _function(name: str) -> str:
    text = CI_RUN.read_text(encoding="utf-8")
    found = re.search(rf"^{name}\(\) \{{\n.*?^\}}\n", text, flags=re.S | re.M)
    assert found, f"{name} not found in .ci/run"
    return found.group(0)


@pytest.mark.parametrize(
    ("tools", "found"),
    [
        ({"initdb": ""}, True),  # initdb on PATH, no pg_config
        ({"pg_config": "echo {bin}"}, True),  # pg_config naming a bindir that has initdb
        ({"pg_config": "echo /nowhere"}, False),
        ({}, False),
    ],
)
def test_postgresql_is_detected_whichever_tool_is_on_the_path(
    tmp_path: Path, tools: dict[str, str], found: bool
) -> None:
    path = tmp_path / "bin"
    path.mkdir()
    pg_bin = tmp_path / "pg"
    pg_bin.mkdir()
    for name, body in (*tools.items(), ("ls", "exit 1")):  # no /usr/lib/postgresql here
        (path / name).write_text(f"#!/bin/sh\n{body.format(bin=pg_bin)}\n")
        (path / name).chmod(0o755)
    (pg_bin / "initdb").write_text("#!/bin/sh\n")
    (pg_bin / "initdb").chmod(0o755)
    done = subprocess.run(
        ["/bin/bash", "-c", f"{_function('have_pg')}have_pg"],
        env={"PATH": str(path)},
        check=False,
        capture_output=True,
    )
    assert (done.returncode == 0) is found, done.stderr


def test_ci_installs_the_browser_and_runs_the_readme_test_command() -> None:
    text = CI_RUN.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 scripts/dev.py test" in readme and "scripts/dev.py test\n" in text
    assert "missing+=(chromium)" in text and "missing+=(postgresql)" in text
    assert "CIVICAPI_TEST_REQUIRE_POSTGRES=1" in text


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_lock_pins_every_runtime_dependency_with_hashes_and_the_image_uses_it() -> None:
    import tomllib

    declared = _names(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", lock, flags=re.M))
    assert declared <= set(pins), declared - set(pins)
    blocks = re.split(r"^(?=[a-z0-9])", lock, flags=re.M)
    assert all("--hash=sha256:" in b for b in blocks if "==" in b)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements.lock" in dockerfile
    assert "--require-hashes -r requirements.lock" in dockerfile and "pip install --no-deps ." in dockerfile
