"""House rules enforced by tests: import layers (import-linter), file sizes, one commit point."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "civicapi"


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_no_source_file_is_past_500_lines() -> None:
    too_long = {
        str(p.relative_to(ROOT)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500
    }
    assert not too_long, f"split these by use case: {too_long}"


def test_commit_happens_only_in_the_unit_of_work() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in SRC.rglob("*.py")
        if re.search(r"\.commit\(\)", p.read_text()) and p.name != "session.py"
    ]
    assert offenders == []


def test_modules_raise_typed_errors_not_http_exceptions() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p in (SRC / "modules").rglob("*.py") if "HTTPException" in p.read_text()
    ]
    assert offenders == []


def test_relationships_are_lazy_raise() -> None:
    offenders = []
    for p in SRC.rglob("models.py"):
        for match in re.finditer(r"relationship\(([^)]*)\)", p.read_text()):
            if 'lazy="raise"' not in match.group(1):
                offenders.append(f"{p.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []
