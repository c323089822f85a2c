"""What the geocoding routes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from civicapi.places.geocoding.results import Hit


class GeocodeResultRead(BaseModel):
    label: str = Field(description="What to show: the address, or the place's name and address.")
    latitude: float
    longitude: float
    street: str | None
    house_number: str | None
    postcode: str | None
    city: str | None
    kind: Literal["address", "street", "place"] = Field(
        description="`address`: a number on a street; `street`: a street; `place`: anything else."
    )

    @classmethod
    def of(cls, hit: Hit) -> GeocodeResultRead:
        return cls.model_validate(hit.to_json())


class GeocodeAnswerRead(BaseModel):
    provider: Literal["offline", "nominatim", "photon"] = Field(
        description="Who answered: `offline` is the commune's own address list."
    )
    results: list[GeocodeResultRead] = Field(description="Best first; at most `limit`.")


class ReverseAnswerRead(BaseModel):
    provider: Literal["offline", "nominatim", "photon"]
    result: GeocodeResultRead | None = Field(description="The address nearest the point; null if none.")
    district: str | None = Field(description="The code of the commune's district holding the point.")
    neighbourhood: str | None = Field(description="The code of the neighbourhood holding the point.")


class AddressesReplacedRead(BaseModel):
    addresses: int = Field(description="Addresses in the commune's list now.")
    previous_addresses: int = Field(description="Addresses in the list it replaced.")
