"""What every provider answers: a list of :class:`Hit`, and the folding of text the searches compare."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

ADDRESS, STREET, PLACE = "address", "street", "place"
"""Kinds of result: a house (a number on a street), a street, anything else (a town, a square, a shop)."""

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})
"""Letters that no Unicode decomposition turns into Latin ones (``ß`` is ``ss`` by case folding)."""


def fold(text: str) -> str:
    """``text`` compared as searches compare it: lower case, accents and punctuation gone, words separated
    by one space (``"Rue Saint-Léonard 12"`` → ``"rue saint leonard 12"``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare).strip()


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: a label to show and a point, with the address's parts a provider knew."""

    label: str
    latitude: float
    longitude: float
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    kind: str = PLACE

    @classmethod
    def at(
        cls,
        latitude: float,
        longitude: float,
        parts: tuple[str | None, str | None, str | None, str | None],
        *,
        label: str | None = None,
    ) -> Hit:
        """A hit at a point with the address's ``(street, house_number, postcode, city)``; the label is
        made of them unless given, the kind is what they are."""
        street, number, postcode, city = parts
        return cls(
            label=label or label_of(*parts) or "?",
            latitude=latitude,
            longitude=longitude,
            street=street,
            house_number=number,
            postcode=postcode,
            city=city,
            kind=kind_of(street, number),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(**data)


def kind_of(street: str | None, house_number: str | None) -> str:
    if street and house_number:
        return ADDRESS
    return STREET if street else PLACE


def label_of(street: str | None, house_number: str | None, postcode: str | None, city: str | None) -> str:
    """``"Rue de la Station 12, 4000 Liège"`` from the parts there are."""
    first = " ".join(part for part in (street, house_number) if part)
    second = " ".join(part for part in (postcode, city) if part)
    return ", ".join(part for part in (first, second) if part)
