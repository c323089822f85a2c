"""Component settings: validated by the module's schemas when written, resolved for the active phase.

Pure functions (no database): the effective settings of a component are its settings overlaid with the
step settings of the active phase, or the step settings' defaults when that phase has none (Decidim's
``current_settings``). A step setting that is null inherits the component setting of the same name.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from civicapi.communes.service import validation_errors
from civicapi.core.errors import InvalidInput
from civicapi.registry import CivicModule
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ResolvedSettings:
    settings: BaseModel
    """The component settings, parsed by the module's ``component_settings_schema``."""
    step_settings: BaseModel
    """The active phase's step settings (their defaults when it has none), by ``step_settings_schema``."""
    effective: dict[str, Any]
    """``settings`` overlaid with ``step_settings`` (a null step value inherits the setting), as JSON."""


def _parse(schema: type[BaseModel], data: Mapping[str, Any], what: str) -> BaseModel:
    try:
        return schema.model_validate(dict(data))
    except ValidationError:
        # Stored settings went stale (the module's schema changed): keep serving what is stored.
        log.warning("stored %s no longer match %s; using them unvalidated", what, schema.__name__)
        return schema.model_construct(**dict(data))


def _overlay(settings: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` overlaid with ``step``; a null step value inherits the component setting of that name."""
    out = dict(settings)
    out.update({k: v for k, v in step.items() if v is not None or k not in out})
    return out


def resolve_settings(component: Component, phase: Phase | None, module: CivicModule) -> ResolvedSettings:
    """The component's settings for ``phase``. Every request to a module resolves them, and parsing them
    took two validations and two dumps each time: the result is kept per component and stored content
    (the JSON text of both, so a change is seen at once, even one not flushed yet). The parsed models are
    shared between requests and must be treated as read-only; ``effective`` is a copy for each caller."""
    raw_step = component.step_settings.get(str(phase.id), {}) if phase is not None else {}
    resolved = _resolved(
        module.component_settings_schema,
        module.step_settings_schema,
        component.id,
        json.dumps(component.settings, sort_keys=True, default=str),
        json.dumps(raw_step, sort_keys=True, default=str),
    )
    return ResolvedSettings(resolved.settings, resolved.step_settings, dict(resolved.effective))


@functools.lru_cache(maxsize=1024)
def _resolved(
    settings_schema: type[BaseModel],
    step_schema: type[BaseModel],
    component_id: uuid.UUID,
    settings_json: str,
    step_json: str,
) -> ResolvedSettings:
    settings = _parse(settings_schema, json.loads(settings_json), f"settings of component {component_id}")
    step = _parse(step_schema, json.loads(step_json), f"step settings of component {component_id}")
    effective = _overlay(settings.model_dump(mode="json"), step.model_dump(mode="json"))
    return ResolvedSettings(settings=settings, step_settings=step, effective=effective)


def effective_settings(
    component: Component, phase: Phase | None, *, module: CivicModule | None
) -> dict[str, Any]:
    """Component settings merged with the active ``phase``'s step settings (step defaults if it has none).
    With the module no longer installed, the stored values as they are."""
    if module is None:
        raw_step = component.step_settings.get(str(phase.id), {}) if phase is not None else {}
        return _overlay(component.settings, raw_step)
    return resolve_settings(component, phase, module).effective


def check_settings(
    module: CivicModule,
    process: ParticipatoryProcess,
    settings: Mapping[str, Any] | None,
    steps: Mapping[uuid.UUID, Mapping[str, Any]] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Validate settings and step settings (None = not sent); 422 listing every error."""
    errors: list[dict[str, Any]] = []
    out_settings: dict[str, Any] | None = None
    out_steps: dict[str, Any] | None = None
    if settings is not None:
        try:
            out_settings = module.component_settings_schema.model_validate(dict(settings)).model_dump(
                mode="json"
            )
        except ValidationError as exc:
            errors += validation_errors(exc, ["body", "settings"])
    if steps is not None:
        phase_ids = {p.id for p in process.phases}
        out_steps = {}
        for phase_id, value in steps.items():
            where: list[str | int] = ["body", "step_settings", str(phase_id)]
            if phase_id not in phase_ids:
                errors.append(
                    {"location": where, "message": "not a phase of this process", "code": "unknown_phase"}
                )
                continue
            try:
                out_steps[str(phase_id)] = module.step_settings_schema.model_validate(dict(value)).model_dump(
                    mode="json"
                )
            except ValidationError as exc:
                errors += validation_errors(exc, where)
    if errors:
        raise InvalidInput(f"settings of module {module.key!r} are invalid", errors=errors)
    return out_settings, out_steps
