"""Routers that turn away, in one regular-expression match, the requests none of their routes can serve.

FastAPI matches a request against the routers included in the application one route at a time, and does it
again at each level of inclusion (the router it selects walks its routes a second time to dispatch). Each
route tried costs about twenty Python calls; with some two hundred routes, a request to a module mounted
last paid some 1,500 calls before its first dependency ran (about 15 % of an own-ballot read). A
:class:`GuardedRouter` knows, once :meth:`GuardedRouter.guard` has been called with the prefix it is mounted
at, the alternation of all its routes' path patterns: a path that matches none of them is refused at once,
without walking its routes. The guard is exact (the same patterns Starlette compiles for each route), so it
changes which router is *tried*, never which route *answers*: 404, 405 and the trailing-slash redirect are
decided as before.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.routing import iter_route_contexts
from starlette.routing import Match, compile_path
from starlette.types import Scope

_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def route_path(scope: Scope) -> str:
    """The path the routes see: the request's path without the application's ``root_path``."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :]
    return path


def paths_pattern(paths: list[str]) -> re.Pattern[str]:
    """One pattern matching exactly the paths any of these route templates matches."""
    alternatives = []
    for path in paths:
        regex, _, _ = compile_path(path)
        # Named groups may repeat across routes ({commune} everywhere): they become plain groups.
        alternatives.append(_NAMED_GROUP.sub("(?:", regex.pattern.removeprefix("^").removesuffix("$")))
    return re.compile("^(?:" + "|".join(alternatives) + ")$")


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method some route serves at ``path`` (with ``HEAD`` wherever ``GET`` is), for ``Allow``."""
    index: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow_index", None)
    if index is None:
        index = [
            (compile_path(str(context.path))[0], set(context.methods or ()))
            for context in iter_route_contexts(app.routes)
            if context.path is not None
        ]
        app.state.allow_index = index
    methods = set().union(*(m for pattern, m in index if pattern.match(path)))
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


_NOTHING = re.compile(r"(?!)")


class GuardedRouter(APIRouter):
    """An :class:`APIRouter` whose :meth:`matches` first checks the path against all its routes at once."""

    _path_guard: re.Pattern[str] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guarded_children: list[tuple[str, GuardedRouter]] = []

    def include_router(self, router: APIRouter, *args: Any, **kwargs: Any) -> None:
        super().include_router(router, *args, **kwargs)
        if isinstance(router, GuardedRouter):
            self._guarded_children.append((str(kwargs.get("prefix", "")), router))

    def guard(self, prefix: str = "") -> None:
        """Compile the guard of this router mounted at ``prefix``, and of the guarded routers it includes
        (call it once the router is included; a router is mounted at one prefix only)."""
        paths = [prefix + str(context.path) for context in iter_route_contexts(self.routes)]
        # A router without routes (yet) matches nothing, and says so without looking further.
        self._path_guard = paths_pattern(paths) if paths else _NOTHING
        for child_prefix, child in self._guarded_children:
            child.guard(prefix + child_prefix)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        guard = self._path_guard
        if guard is not None and scope["type"] == "http" and guard.match(route_path(scope)) is None:
            return Match.NONE, {}
        return super().matches(scope)
