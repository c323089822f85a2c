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

__all__ = [
    "CivicModule",
    "DemoContext",
    "EmptySettings",
    "ModuleLoadError",
    "ModuleRegistry",
    "Permission",
    "Role",
    "VerificationHandlerInfo",
    "load_modules",
]
