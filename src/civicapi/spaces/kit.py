"""The component kit every module uses: one context of a component as services see it, and one rule for
what of it is public."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel

from civicapi.communes.models import Commune
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.service import today_in

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)  # no slots: a slotted generic dataclass cannot be built through its alias
class ComponentContext(Generic[S, T]):
    """A module's component as its services see it: its commune, its process (with its phases), its
    settings and the step settings of the active phase, and today in the commune's time zone."""

    commune: Commune
    component: Component
    process: ParticipatoryProcess
    settings: S
    step: T
    today: date

    @property
    def commune_id(self) -> uuid.UUID:
        return self.commune.id

    @property
    def component_id(self) -> uuid.UUID:
        return self.component.id

    @property
    def url(self) -> str:
        """The component's path in the API (``/v1/communes/{commune}/{module}/components/{id}``): what a
        created resource's ``Location`` starts with."""
        return f"/v1/communes/{self.commune.slug}/{self.component.module_key}/components/{self.component.id}"

    def url_of(self, *parts: object) -> str:
        """A path under the component's (``ctx.url_of("budgets", budget.id, "projects", project.id)``)."""
        return "/".join([self.url, *(str(p) for p in parts)])

    @property
    def public(self) -> bool:
        """Whether what happens in the component is public (its public history, its public lists): the
        component and its process are published. The one rule every module follows."""
        return self.component.published_at is not None and self.process.published_at is not None


def component_context(
    commune: Commune,
    component: Component,
    process: ParticipatoryProcess,
    settings: BaseModel,
    step: BaseModel,
    *,
    types: tuple[type[S], type[T]],
) -> ComponentContext[S, T]:
    """The context of a component whose settings for today are resolved, checked against the module's
    settings schemas (``types``: component settings, step settings)."""
    settings_type, step_type = types
    assert isinstance(settings, settings_type) and isinstance(step, step_type)
    return ComponentContext(
        commune=commune,
        component=component,
        process=process,
        settings=settings,
        step=step,
        today=today_in(commune.timezone),
    )
