"""Phased loading of modules: discover → load → check models and permissions → wire subscriptions.

Loading fails fast: a broken or inconsistent module stops the start-up with a message naming it, it never
disappears silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from civicapi.core.events import EventBus
from civicapi.registry.contract import KEY_PATTERN, CivicModule, Permission
from civicapi.registry.resources import RESOURCE_NAME_PATTERN, ResourceType, UnknownResourceType

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "civicapi.modules"
CORE_TABLE_PREFIXES = ("core_", "communes_", "identity_", "spaces_", "forms_", "places_")
"""Tables of the platform itself: the only ones a module may reference besides its own."""


class ModuleLoadError(RuntimeError):
    """A module cannot be loaded; the message says which one and why."""


@dataclass(frozen=True, slots=True)
class ModuleRegistry:
    modules: tuple[CivicModule, ...]

    def __iter__(self) -> Iterator[CivicModule]:
        return iter(self.modules)

    def __contains__(self, key: object) -> bool:
        return any(m.key == key for m in self.modules)

    def get(self, key: str) -> CivicModule | None:
        return next((m for m in self.modules if m.key == key), None)

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.modules]

    def permissions(self) -> list[Permission]:
        return [p for m in self.modules for p in m.permissions]

    def demo_order(self) -> list[CivicModule]:
        """The modules with a demo seeder, each after those of its ``demo_after`` that are installed, else
        in the registry's order (:func:`build_registry` has refused cycles)."""
        return [m for m in _after_first(self.modules) if m.demo is not None]

    def resource_type(self, module_key: str, name: str) -> ResourceType:
        """The resource type ``name`` of module ``module_key``; :class:`UnknownResourceType` when the module
        is not installed or declares no such type."""
        module = self.get(module_key)
        if module is None:
            raise UnknownResourceType(
                f"unknown resource type {module_key}/{name}: no module {module_key!r} is installed "
                f"(installed: {', '.join(self.keys) or 'none'})"
            )
        found = next((t for t in module.resource_types if t.name == name), None)
        if found is None:
            declared = ", ".join(t.name for t in module.resource_types) or "none"
            raise UnknownResourceType(
                f"unknown resource type {module_key}/{name}: module {module_key!r} declares {declared}"
            )
        return found


def _load_entry_point(ep: EntryPoint) -> CivicModule:
    try:
        obj = ep.load()
    except Exception as exc:
        raise ModuleLoadError(f"module {ep.name!r} ({ep.value}) failed to import: {exc!r}") from exc
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "module", None)
    if not isinstance(obj, CivicModule):
        raise ModuleLoadError(
            f"module {ep.name!r} ({ep.value}) does not export a CivicModule (got {type(obj).__name__})"
        )
    if obj.key != ep.name:
        raise ModuleLoadError(f"module {ep.name!r}: entry point name and CivicModule.key {obj.key!r} differ")
    return obj


def discover(group: str = ENTRY_POINT_GROUP) -> dict[str, list[EntryPoint]]:
    found: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=group):
        found.setdefault(ep.name, []).append(ep)
    return found


def _check_module(module: CivicModule) -> None:
    key = module.key
    if not KEY_PATTERN.match(key):
        raise ModuleLoadError(f"module key {key!r} must match {KEY_PATTERN.pattern}")
    prefix = f"{key}_"
    own_tables = set()
    for model in module.models:
        table = getattr(model, "__table__", None)
        if table is None:
            raise ModuleLoadError(f"module {key!r}: {model!r} is not a mapped model")
        if not table.name.startswith(prefix):
            raise ModuleLoadError(f"module {key!r}: table {table.name!r} must be prefixed with {prefix!r}")
        own_tables.add(table.name)
    for model in module.models:
        for fk in model.__table__.foreign_keys:
            target = fk.target_fullname.split(".")[0]
            if target in own_tables or target.startswith(CORE_TABLE_PREFIXES):
                continue
            raise ModuleLoadError(
                f"module {key!r}: table {model.__table__.name!r} has a foreign key to {target!r}, another "
                "module's table; reference other modules through core resource links"
            )
    if module.models and (module.migrations is None or not Path(module.migrations).is_dir()):
        raise ModuleLoadError(
            f"module {key!r} has tables but no migrations folder (CivicModule.migrations): "
            f"{module.migrations!r}"
        )
    for perm in module.permissions:
        if not perm.name.startswith(f"{key}."):
            raise ModuleLoadError(f"module {key!r}: permission {perm.name!r} must be prefixed with '{key}.'")
    if stray := set(module.cache_quiet_tables) - own_tables:
        raise ModuleLoadError(f"module {key!r}: cache_quiet_tables {sorted(stray)} are not its own tables")
    _check_resource_types(module)
    handler_names = [h.name for h in module.verification_handlers]
    for name in handler_names:
        if not name.startswith(f"{key}.") or handler_names.count(name) > 1:
            raise ModuleLoadError(
                f"module {key!r}: verification handler {name!r} must be unique and prefixed with '{key}.'"
            )


def _check_resource_types(module: CivicModule) -> None:
    seen: set[str] = set()
    for rtype in module.resource_types:
        what = f"module {module.key!r}: resource type {getattr(rtype, 'name', rtype)!r}"
        if not isinstance(rtype, ResourceType):
            raise ModuleLoadError(f"{what} is not a ResourceType")
        if not RESOURCE_NAME_PATTERN.match(rtype.name):
            raise ModuleLoadError(f"{what}: the name must match {RESOURCE_NAME_PATTERN.pattern}")
        if rtype.name in seen:
            raise ModuleLoadError(f"{what} is declared twice")
        seen.add(rtype.name)
        if not rtype.title or not all(isinstance(v, str) and v for v in rtype.title.values()):
            raise ModuleLoadError(f"{what} needs a title per locale")
        for hook in ("visible", "describe"):
            if not callable(getattr(rtype, hook)):
                raise ModuleLoadError(f"{what}: {hook} is not callable")
        if rtype.places is not None and not callable(rtype.places):
            raise ModuleLoadError(f"{what}: places is not callable (a hook, or None)")


def _after_first(modules: Sequence[CivicModule]) -> list[CivicModule]:
    """``modules`` ordered so that each comes after the installed modules of its ``demo_after``, the
    registry's order kept otherwise; ModuleLoadError on a cycle."""
    by_key = {m.key: m for m in modules}
    ordered: list[CivicModule] = []
    visiting: list[str] = []

    def visit(module: CivicModule) -> None:
        if module in ordered:
            return
        if module.key in visiting:
            cycle = " -> ".join([*visiting[visiting.index(module.key) :], module.key])
            raise ModuleLoadError(f"module {module.key!r}: demo_after forms a cycle ({cycle})")
        visiting.append(module.key)
        for key in module.demo_after:
            if key in by_key:
                visit(by_key[key])
        visiting.pop()
        ordered.append(module)

    for module in modules:
        visit(module)
    return ordered


def build_registry(candidates: Iterable[CivicModule]) -> ModuleRegistry:
    modules: list[CivicModule] = []
    seen: set[str] = set()
    for module in candidates:
        if module.key in seen:
            raise ModuleLoadError(f"duplicate module key {module.key!r}")
        seen.add(module.key)
        _check_module(module)
        modules.append(module)
    # No two modules may claim the same table or permission.
    tables: dict[str, str] = {}
    for module in modules:
        for table in module.table_names():
            if table in tables:
                raise ModuleLoadError(
                    f"table {table!r} declared by both {tables[table]!r} and {module.key!r}"
                )
            tables[table] = module.key
    _after_first(modules)  # refuses a cycle of demo_after
    return ModuleRegistry(tuple(modules))


def load_modules(
    allow_list: Sequence[str] | None,
    *,
    group: str = ENTRY_POINT_GROUP,
    extra: Sequence[CivicModule] = (),
) -> ModuleRegistry:
    """Load the installed modules named in ``allow_list`` (in that order), or all of them when ``None``.

    ``extra`` adds modules given directly (tests, embedding applications) after the installed ones.
    """
    found = discover(group)
    for name, eps in found.items():
        if len(eps) > 1:
            raise ModuleLoadError(
                f"duplicate module key {name!r}: installed by {', '.join(ep.value for ep in eps)}"
            )
    if allow_list is None:
        names = sorted(found)
    else:
        missing = [name for name in allow_list if name not in found and name not in {m.key for m in extra}]
        if missing:
            raise ModuleLoadError(
                f"CIVICAPI_MODULES names module(s) that are not installed: {', '.join(missing)}; "
                f"installed: {', '.join(sorted(found)) or 'none'}"
            )
        names = [n for n in allow_list if n in found]
    candidates = [_load_entry_point(found[name][0]) for name in names]
    extra_allowed = [m for m in extra if allow_list is None or m.key in allow_list]
    registry = build_registry([*candidates, *extra_allowed])
    log.info("modules loaded: %s", ", ".join(registry.keys) or "none")
    return registry


def wire_subscriptions(registry: ModuleRegistry, bus: EventBus) -> None:
    for module in registry:
        for event_name, handler in module.subscriptions.items():
            bus.subscribe(event_name, handler, module_key=module.key)
