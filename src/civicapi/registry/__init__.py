"""The module contract and its loading from entry points."""

from civicapi.registry.contract import (
    CivicModule,
    DemoContext,
    EmptySettings,
    Permission,
    Role,
    VerificationHandlerInfo,
)
from civicapi.registry.loader import ModuleLoadError, ModuleRegistry, load_modules
from civicapi.registry.resources import (
    ANONYMOUS,
    ResourceCaller,
    ResourceInfo,
    ResourceType,
    UnknownResourceType,
)

__all__ = [
    "ANONYMOUS",
    "CivicModule",
    "DemoContext",
    "EmptySettings",
    "ModuleLoadError",
    "ModuleRegistry",
    "Permission",
    "ResourceCaller",
    "ResourceInfo",
    "ResourceType",
    "Role",
    "UnknownResourceType",
    "VerificationHandlerInfo",
    "load_modules",
]
