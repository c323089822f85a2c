"""Broken or inconsistent modules stop the start-up with a clear message."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from civicapi.registry import (
    ANONYMOUS,
    CivicModule,
    ModuleLoadError,
    Permission,
    ResourceType,
    UnknownResourceType,
    load_modules,
)
from civicapi.registry.loader import build_registry


class _Base(DeclarativeBase):
    metadata = MetaData()  # not the application's metadata: these tables exist only for these checks


class GoodThing(_Base):
    __tablename__ = "good_thing"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class BadName(_Base):
    __tablename__ = "thing"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class CoreRef(_Base):
    __tablename__ = "good_ref"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id"))
    thing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("good_thing.id"))


class CommuneTable(_Base):
    __tablename__ = "communes_commune"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class IdentityTable(_Base):
    __tablename__ = "identity_user"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class ForeignRef(_Base):
    __tablename__ = "other_ref"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    thing_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("good_thing.id"))


HERE = Path(__file__).parent


async def _nothing_visible(*args: object) -> set[uuid.UUID]:
    return set()


async def _nothing_described(*args: object) -> dict[uuid.UUID, object]:
    return {}


def rtype(name: str, title: dict[str, str] | None = None, **kw: object) -> ResourceType:
    hooks = {"visible": _nothing_visible, "describe": _nothing_described, **kw}
    return ResourceType(name=name, title={"en": name} if title is None else title, **hooks)  # type: ignore[arg-type]


def mod(key: str, **kw: object) -> CivicModule:
    if kw.get("models"):
        kw.setdefault("migrations", HERE)  # any folder: these checks do not run migrations
    return CivicModule(key=key, title={"en": key}, **kw)  # type: ignore[arg-type]


def test_a_consistent_module_loads() -> None:
    reg = build_registry(
        [mod("good", models=[GoodThing, CoreRef], permissions=[Permission("good.do", "do")])]
    )
    assert reg.keys == ["good"]
    assert [p.name for p in reg.permissions()] == ["good.do"]


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ([mod("good"), mod("good")], "duplicate module key 'good'"),
        ([mod("good", models=[BadName])], "table 'thing' must be prefixed with 'good_'"),
        ([mod("good", models=[GoodThing]), mod("other", models=[ForeignRef])], "foreign key to 'good_thing'"),
        (
            [mod("good", permissions=[Permission("vote", "v")])],
            "permission 'vote' must be prefixed with 'good.'",
        ),
        ([mod("Bad-Key")], "must match"),
        ([mod("good", resource_types=[rtype("Thing")])], r"resource type 'Thing': the name must match"),
        ([mod("good", resource_types=[rtype("t")])], r"resource type 't': the name must match"),
        ([mod("good", resource_types=[rtype("thing"), rtype("thing")])], "'thing' is declared twice"),
        ([mod("good", resource_types=[rtype("thing", {})])], "'thing' needs a title per locale"),
        ([mod("good", resource_types=[rtype("thing", visible=None)])], "'thing': visible is not callable"),
        ([mod("good", resource_types=["thing"])], "'thing' is not a ResourceType"),
        ([mod("good", models=[object])], "is not a mapped model"),
        ([mod("good", models=[GoodThing], migrations=None)], "has tables but no migrations folder"),
        (
            [mod("good", models=[GoodThing], migrations=HERE / "absent")],
            "has tables but no migrations folder",
        ),
    ],
)
def test_inconsistent_modules_fail_fast(modules: list[CivicModule], message: str) -> None:
    with pytest.raises(ModuleLoadError, match=message):
        build_registry(modules)


def test_resource_types_are_found_by_module_and_name() -> None:
    thing = rtype("thing")
    reg = build_registry([mod("good", resource_types=[thing, rtype("other")]), mod("bare")])
    assert reg.resource_type("good", "thing") is thing
    # the same name in two modules is two types
    assert build_registry([mod("good", resource_types=[thing]), mod("also", resource_types=[rtype("thing")])])
    with pytest.raises(UnknownResourceType, match="module 'good' declares thing, other"):
        reg.resource_type("good", "ghost")
    with pytest.raises(UnknownResourceType, match="module 'bare' declares none"):
        reg.resource_type("bare", "thing")
    with pytest.raises(UnknownResourceType, match="no module 'ghost' is installed"):
        reg.resource_type("ghost", "thing")


def test_the_anonymous_caller_holds_no_right() -> None:
    assert ANONYMOUS.user_id is None
    assert not ANONYMOUS.can("spaces.preview")


def test_installed_plugin_is_discovered_through_its_entry_point() -> None:
    reg = load_modules(None)
    assert "example" in reg
    assert load_modules(["example"]).keys == ["example"]
    assert load_modules([]).keys == []


def test_allow_list_naming_a_missing_module_fails() -> None:
    with pytest.raises(ModuleLoadError, match="not installed: ghost"):
        load_modules(["example", "ghost"])


def test_a_module_that_fails_to_import_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    import civicapi.registry.loader as loader

    broken = EntryPoint(
        name="broken", value="civicapi_nonexistent_pkg:module", group=loader.ENTRY_POINT_GROUP
    )
    not_a_module = EntryPoint(name="weird", value="civicapi.config:Settings", group=loader.ENTRY_POINT_GROUP)
    monkeypatch.setattr(loader, "discover", lambda group=loader.ENTRY_POINT_GROUP: {"broken": [broken]})
    with pytest.raises(ModuleLoadError, match=r"'broken' .* failed to import"):
        load_modules(None)
    monkeypatch.setattr(loader, "discover", lambda group=loader.ENTRY_POINT_GROUP: {"weird": [not_a_module]})
    with pytest.raises(ModuleLoadError, match="does not export a CivicModule"):
        load_modules(None)
    twice = {
        "example": [
            EntryPoint("example", "a:m", loader.ENTRY_POINT_GROUP),
            EntryPoint("example", "b:m", loader.ENTRY_POINT_GROUP),
        ]
    }
    monkeypatch.setattr(loader, "discover", lambda group=loader.ENTRY_POINT_GROUP: twice)
    with pytest.raises(ModuleLoadError, match="duplicate module key 'example'"):
        load_modules(None)
