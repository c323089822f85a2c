"""Resolved component settings are kept per component and stored content: a change is seen at once, even
before it is flushed, and each caller gets its own copy of the effective settings."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from civicapi.registry import load_modules
from civicapi.spaces.settings import resolve_settings


def test_a_change_to_the_stored_settings_is_seen_at_once_and_effective_is_a_copy() -> None:
    budgets = load_modules(None).get("budgets")
    assert budgets is not None
    phase: Any = SimpleNamespace(id=uuid.uuid4())
    component: Any = SimpleNamespace(
        id=uuid.uuid4(), settings={"workflow": "one"}, step_settings={str(phase.id): {"votes": "enabled"}}
    )
    first = resolve_settings(component, phase, budgets)
    assert first.effective["votes"] == "enabled" and first.effective["workflow"] == "one"
    first.effective["votes"] = "tampered"
    again = resolve_settings(component, phase, budgets)
    assert again.effective["votes"] == "enabled"
    assert again.step_settings is first.step_settings  # kept, not parsed again

    component.step_settings[str(phase.id)]["votes"] = "finished"  # changed in place, nothing flushed
    component.settings["workflow"] = "all"
    changed = resolve_settings(component, phase, budgets)
    assert changed.effective["votes"] == "finished" and changed.effective["workflow"] == "all"

    other: Any = SimpleNamespace(id=uuid.uuid4(), settings={"workflow": "one"}, step_settings={})
    assert resolve_settings(other, None, budgets).settings is not first.settings  # per component
