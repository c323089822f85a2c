"""House rules enforced by tests: import layers (import-linter), file sizes, one commit point, SQL in
repositories."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from civicapi.main import create_app

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


SQL_CALL = re.compile(
    r"(?<![\w.])(select|insert|update|delete|text)\("  # building a statement (not session.delete(obj))
    r"|\.(execute|scalars|scalar|stream|stream_scalars)\("  # running one
)
SQL_ALLOWED = {
    # Each of these files IS the data layer of one mechanism of the core or of the composition:
    "core/audit.py": "the audit trail: writes its entries in one statement, scrubs a person on erasure",
    "core/event_store.py": "the event outbox: claims, delivers, retries and sweeps its own two tables",
    "core/links.py": "the resource links: their table and its three queries, nothing else",
    "core/pagination.py": "runs the statement a repository built, adding only the keyset WHERE/ORDER/LIMIT",
    "migrate.py": "the migration runner: the advisory lock and the legacy version table, before any model",
    "identity/verification/models.py": "a partial unique index's predicate (text(...)): DDL, not a query",
}


def _holds_sql_by_rule(rel: Path) -> bool:
    """Repositories (``repository*.py``, or a ``repository`` module or package of a sub-package), the db
    kit (``core/db/``) and migrations (Alembic revisions are SQL by nature)."""
    return (
        rel.name.startswith("repository")
        or "repository" in rel.parts[:-1]
        or rel.parts[:2] == ("core", "db")
        or "migrations" in rel.parts
        or any(str(rel).startswith(prefix) for prefix in SQL_ALLOWED)
    )


def test_sql_lives_in_repositories() -> None:
    """Statements are built and run in repositories only: services, routers, handlers and hooks call a
    repository (as ``.commit()`` lives only in the unit of work)."""
    offenders = {}
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC)
        if _holds_sql_by_rule(rel):
            continue
        lines = [n for n, line in enumerate(p.read_text().splitlines(), 1) if SQL_CALL.search(line)]
        if lines:
            offenders[str(rel)] = lines
    assert not offenders, f"move these statements into the layer's repository: {offenders}"


def test_the_sql_allow_list_is_current() -> None:
    """Every entry of :data:`SQL_ALLOWED` still names a file or folder (a stale entry hides nothing)."""
    assert [entry for entry in SQL_ALLOWED if not (SRC / entry).exists()] == []


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


def _is_async(call: Any) -> bool:
    return (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        or (not inspect.isfunction(call) and inspect.iscoroutinefunction(type(call).__call__))
    )


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None and not _is_async(sub.call):
            yield f"{sub.call.__module__}.{sub.call.__qualname__}"
        yield from _sync_calls(sub)


def test_endpoints_and_dependencies_are_coroutines() -> None:
    """FastAPI runs a plain ``def`` endpoint or dependency in a worker thread: a thread hop per call, on
    every request (reading ``request.app.state`` in one cost a ballot about 1 ms of CPU). Every one here is
    ``async def``; blocking work goes to ``run_in_threadpool`` explicitly."""
    app = create_app()
    offenders: dict[str, set[str]] = {}
    routes = 0
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "_effective_route", None) or context.route
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue  # not a FastAPI route (docs, mounts)
        routes += 1
        calls = list(_sync_calls(dependant))
        if dependant.call is not None and not _is_async(dependant.call):
            calls.append(f"endpoint {dependant.call.__qualname__}")
        for call in calls:
            offenders.setdefault(call, set()).add(str(context.path))
    assert routes > 100, "the walk found the application's routes"
    assert not offenders, {call: sorted(paths)[:3] for call, paths in offenders.items()}
