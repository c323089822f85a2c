"""Route tables: what a module's tests declare about its routes, registered per module.

A module's tests hold one :class:`RouteTable` (``tests/.../route_table.py`` beside them) and register it:

* ``rules``: operationId -> :class:`~civicapi.testing.rules.Rule`, for every write operation of the module;
* ``factories``: path parameter -> (parameters it needs first, how to create such a resource in alpha), for
  the role matrix;
* ``requests``: operationId -> a valid-enough request (httpx keyword arguments) for the role matrix;
* ``tenancy``: path parameter -> how to create such a resource in alpha (in dependency order), for the
  tenancy check (``another commune's id is 404``);
* ``component_settings`` / ``step_settings``: what the module's component needs to be open to the callers.

:func:`register` refuses a second table for the same module key; :func:`gather` imports every
``route_table.py`` under a folder, so the platform's tests check every module's table without holding it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from civicapi.testing.rules import Rule


class People(Protocol):
    """The test world: people by name (``users``), and the headers each of them calls with."""

    users: dict[str, Any]

    def headers(self, who: str) -> dict[str, str]: ...


@dataclass
class Ctx:
    """What a role-matrix factory or request builder works with: commune alpha, its people, the ids made."""

    client: httpx.AsyncClient
    world: People
    module: str
    """The module whose component the path's ``component_id`` is: the operation's module, else example."""
    ids: dict[str, str] = field(default_factory=dict)
    component_settings: dict[str, Any] = field(default_factory=dict)
    step_settings: dict[str, Any] = field(default_factory=dict)

    def headers(self, who: str = "admin") -> dict[str, str]:
        return self.world.headers(who)

    def user_id(self, who: str) -> str:
        return str(self.world.users[who].id)

    async def call(
        self, method: str, url: str, body: Any = None, *, who: str = "admin", ok: int = 200
    ) -> Any:
        r = await self.client.request(
            method, "/v1/communes/alpha" + url, json=body, headers=self.headers(who)
        )
        assert r.status_code == ok, f"{method} {url}: {r.status_code} {r.text}"
        return r.json() if r.content else None


Factory = Callable[[Ctx], Awaitable[str]]
"""Creates a resource in alpha for a path parameter, and answers its id."""
RequestFactory = Callable[[Ctx], dict[str, Any]]
"""A request's httpx keyword arguments (``json``, ``content``, ``headers``)."""
TenancyFactory = Callable[[httpx.AsyncClient, People, dict[str, str]], Awaitable[str]]
"""Creates a resource in alpha (``ids`` holds the ids made so far), and answers its id."""


def json_body(body: dict[str, Any]) -> RequestFactory:
    return lambda ctx: {"json": body}


def no_body(ctx: Ctx) -> dict[str, Any]:
    return {}


def csv_body(text: str, content_type: str = "text/csv") -> RequestFactory:
    return lambda ctx: {"content": text.encode(), "headers": {"Content-Type": content_type}}


@dataclass
class RouteTable:
    key: str
    """The module key: its routes are those under ``/v1/communes/{commune}/{key}``."""
    rules: dict[str, Rule]
    factories: dict[str, tuple[tuple[str, ...], Factory]] = field(default_factory=dict)
    requests: dict[str, RequestFactory] = field(default_factory=dict)
    tenancy: dict[str, TenancyFactory] = field(default_factory=dict)
    component_settings: dict[str, Any] = field(default_factory=dict)
    step_settings: dict[str, Any] = field(default_factory=dict)
    resource_types: dict[str, str] = field(default_factory=dict)
    """Resource type name -> the ``tenancy`` path parameter whose factory makes one (for
    :func:`civicapi.testing.resources.check_resource_types`)."""
    known_bugs: dict[tuple[str, str], str] = field(default_factory=dict)
    """(operationId, caller) -> why the app disagrees with ``rules``: run alone, as xfail(strict=True)."""
    origin: str = ""
    """The file that registered the table (named in the messages of the checks)."""

    @property
    def prefix(self) -> str:
        return f"/v1/communes/{{commune}}/{self.key}"

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


_TABLES: dict[str, RouteTable] = {}


def register(table: RouteTable) -> RouteTable:
    """Register a module's table; a second table for the same key (from another file) is refused."""
    origin = table.origin or str(sys._getframe(1).f_globals.get("__file__", ""))
    table.origin = str(Path(origin).resolve()) if origin else ""
    known = _TABLES.get(table.key)
    if known is not None and known.origin != table.origin:
        raise ValueError(f"module {table.key!r} already has a route table ({known.origin}): {table.origin}")
    _TABLES[table.key] = table
    return table


def registered() -> Mapping[str, RouteTable]:
    return dict(_TABLES)


def forget(key: str) -> None:
    """Drop a module's table (the kit's own tests)."""
    _TABLES.pop(key, None)


def gather(root: Path, pattern: str = "route_table.py") -> dict[str, RouteTable]:
    """Import every ``route_table.py`` under ``root`` (each registers its table) and answer all the tables."""
    for path in sorted(root.rglob(pattern)):
        if ".venv" in path.parts or "site-packages" in path.parts:
            continue
        name = "civicapi_route_table_" + "_".join(path.relative_to(root).with_suffix("").parts)
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return dict(_TABLES)


def merged(parts: Iterable[Mapping[str, Any]], what: str) -> dict[str, Any]:
    """One namespace out of several tables' entries; a name claimed twice is refused."""
    out: dict[str, Any] = {}
    for part in parts:
        for name, value in part.items():
            if name in out and out[name] is not value:
                raise ValueError(f"{what} {name!r} is declared by two route tables")
            out[name] = value
    return out
