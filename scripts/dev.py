#!/usr/bin/env python3
"""Developer entry point; needs only Python 3.11+.

python3 scripts/dev.py serve   # create .venv, migrate + seed the demo (SQLite), serve on :8000
python3 scripts/dev.py test    # create .venv, run the whole test suite (SQLite and PostgreSQL)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
PLUGIN = ROOT / "tests" / "fixtures" / "example_plugin"


def sh(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def ensure_env(with_tests: bool) -> None:
    if sys.version_info < (3, 11):
        sys.exit("civicapi needs Python 3.11 or newer")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    extras = "dev" if with_tests else ""
    stamp_text = (
        (ROOT / "pyproject.toml").read_bytes() + (PLUGIN / "pyproject.toml").read_bytes() + extras.encode()
    )
    stamp = VENV / f".installed-{extras or 'runtime'}"
    digest = hashlib.sha256(stamp_text).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        sh(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        if with_tests:
            sh(PY, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(PLUGIN))
        stamp.write_text(digest)


def _option(args: list[str], name: str, default: str) -> str:
    """The value of ``--name V`` or ``--name=V`` among ``civicapi serve``'s arguments (the last one wins)."""
    value = default
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(name + "="):
            value = arg.split("=", 1)[1]
    return value


def address(args: list[str]) -> str:
    """Where the server will answer, from the arguments given to ``civicapi serve``."""
    host = _option(args, "--host", "127.0.0.1")
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only printed
    return f"http://{shown}:{_option(args, '--port', '8000')}"


def banner(args: list[str]) -> str:
    url = address(args)
    return f"\ncivicapi on {url}  (API docs: {url}/docs)\n"


def serve(args: list[str]) -> None:
    ensure_env(with_tests=False)
    civicapi = BIN / "civicapi"
    sh(civicapi, "migrate", "upgrade")
    sh(civicapi, "seed-demo")
    print(banner(args), flush=True)
    # The links in the demo's mails (a confirmation, a reset) point at this server unless told otherwise.
    os.environ.setdefault("CIVICAPI_PUBLIC_URL", address(args))
    os.execv(str(civicapi), [str(civicapi), "serve", *args])


def test(args: list[str]) -> None:
    ensure_env(with_tests=True)
    print("+ pytest", *args, flush=True)
    sys.exit(subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, check=False).returncode)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    {"serve": serve, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
