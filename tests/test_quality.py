"""ruff and mypy are part of the suite, so a red linter is a red build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff() -> None:
    targets = [d for d in ("src", "tests", "bench", "scripts", "migrations") if (ROOT / d).is_dir()]
    result = subprocess.run(
        [str(BIN / "ruff"), "check", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
