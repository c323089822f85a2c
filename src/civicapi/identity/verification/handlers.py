"""Verification handlers: the built-in ``census`` and ``desk``, plus those modules declare in their
``CivicModule.verification_handlers``. A module's handler grants verifications with
:func:`civicapi.identity.verification.service.grant_verification`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from civicapi.registry import ModuleRegistry, VerificationHandlerInfo


class VerificationHandler(Protocol):
    """What a handler shows to front-ends. :class:`VerificationHandlerInfo` is the concrete type."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> Mapping[str, str]: ...
    @property
    def description(self) -> Mapping[str, str]: ...


CENSUS = VerificationHandlerInfo(
    name="census",
    title={"fr": "Registre de la population", "nl": "Bevolkingsregister", "en": "Population register"},
    description={
        "fr": "Numéro d'identification et date de naissance, comparés au registre de la commune.",
        "nl": "Identificatienummer en geboortedatum, vergeleken met het register van de gemeente.",
        "en": "Identification number and birth date, matched against the commune's register.",
    },
)
DESK = VerificationHandlerInfo(
    name="desk",
    title={"fr": "Guichet", "nl": "Loket", "en": "Desk"},
    description={
        "fr": "Vérification en personne par un membre du personnel communal, sur présentation d'un document.",
        "nl": "Verificatie ter plaatse door een medewerker van de gemeente, op vertoon van een document.",
        "en": "Verified in person by commune staff, on sight of an identity document.",
    },
)
BUILTIN_HANDLERS: tuple[VerificationHandlerInfo, ...] = (CENSUS, DESK)


@dataclass(frozen=True, slots=True)
class AvailableHandler:
    handler: VerificationHandler
    module: str | None
    """The module that provides it; ``None`` for the platform's own."""


def available_handlers(registry: ModuleRegistry) -> list[AvailableHandler]:
    """Built-in handlers, then the modules' in registry order. Module handler names are prefixed with the
    module's key (checked when modules load), so they never collide with the built-ins or each other."""
    out = [AvailableHandler(h, None) for h in BUILTIN_HANDLERS]
    for module in registry:
        out.extend(AvailableHandler(handler, module.key) for handler in module.verification_handlers)
    return out


def handler_names(registry: ModuleRegistry) -> set[str]:
    return {h.handler.name for h in available_handlers(registry)}
