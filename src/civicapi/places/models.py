"""Tables of the places capability (``places_*``), part of the platform's migration history.

``places_place`` is the index: one row per geolocated resource ``(module, resource_type, resource_id)`` of
a commune, with its point (WGS84, and its Web Mercator position in the unit square for tiles and
clusters), its address, what a map filters on (component, status, category, published, a date) and the
districts its point falls in, computed on write from ``places_district``'s shapes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

DISTRICT, NEIGHBOURHOOD = "district", "neighbourhood"
AREA_KINDS = (DISTRICT, NEIGHBOURHOOD)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class District(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A district of the commune (or a neighbourhood inside one: ``parent_id``) as a GeoJSON Polygon or
    MultiPolygon (WGS84), with its bounding box for a quick first filter."""

    __tablename__ = "places_district"
    __table_args__ = (
        UniqueConstraint("commune_id", "code"),
        CheckConstraint(_in("kind", AREA_KINDS), name="kind"),
        CheckConstraint("min_lon <= max_lon AND min_lat <= max_lat", name="bbox"),
        Index("ix_places_district_bbox", "commune_id", "min_lon", "max_lon"),
    )

    code: Mapped[str] = mapped_column(String(60))
    """A stable short code (what verifications' ``district`` and modules' filters name)."""
    name: Mapped[dict[str, str]]
    kind: Mapped[str] = mapped_column(String(14), default=DISTRICT)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("places_district.id", ondelete="CASCADE"), index=True
    )
    geometry: Mapped[dict[str, Any]] = mapped_column()
    """GeoJSON geometry (``Polygon`` or ``MultiPolygon``), validated on write."""
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]


class Place(IdMixin, CommuneScopedMixin, Base):
    """The point of one resource of a module, as a map shows and filters it."""

    __tablename__ = "places_place"
    __table_args__ = (
        UniqueConstraint("commune_id", "module", "resource_type", "resource_id"),
        CheckConstraint("latitude >= -85.06 AND latitude <= 85.06", name="latitude"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude"),
        CheckConstraint("mx >= 0 AND mx <= 1 AND my >= 0 AND my <= 1", name="mercator"),
        Index("ix_places_place_mercator", "commune_id", "mx", "my"),
        Index("ix_places_place_component", "component_id"),
    )

    module: Mapped[str] = mapped_column(String(30))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID]
    component_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("spaces_component.id", ondelete="CASCADE")
    )
    title: Mapped[dict[str, str]] = mapped_column(default=dict)
    latitude: Mapped[float]
    longitude: Mapped[float]
    mx: Mapped[float]
    """Web Mercator x in the unit square (0 west, 1 east): a tile's column at zoom z is floor(mx * 2^z)."""
    my: Mapped[float]
    """Web Mercator y in the unit square (0 north, 1 south)."""
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(60))
    published: Mapped[bool] = mapped_column(default=True)
    """Whoever may see the component sees the resource; otherwise the module is asked (resource types)."""
    occurs_at: Mapped[datetime | None]
    """The date a map filters on (a meeting's start, a proposal's publication...)."""
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """What a districts layer sums (``{"supports": 12}``, ``{"amount": 50000, "selected": true}``,
    ``{"progress": 40}``), as the module last wrote it."""
    district_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("places_district.id", ondelete="SET NULL"), index=True
    )
    neighbourhood_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("places_district.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- geocoding (issue 24, part m2) ---


class Address(IdMixin, CommuneScopedMixin, Base):
    """One address of the commune's own list (what the offline geocoder searches), replaced whole by an
    upload. ``search`` is the address folded (lower case, no accents, words separated by one space, a
    space at each end) so that a word or a word's start is found with ``LIKE``."""

    __tablename__ = "places_address"
    __table_args__ = (
        CheckConstraint("latitude >= -90 AND latitude <= 90", name="latitude"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", name="longitude"),
        Index("ix_places_address_search", "commune_id", "search"),
        Index("ix_places_address_point", "commune_id", "latitude", "longitude"),
    )

    street: Mapped[str] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float]
    longitude: Mapped[float]
    label: Mapped[str] = mapped_column(String(400))
    search: Mapped[str] = mapped_column(String(420))


class GeocodeCache(IdMixin, Base):
    """A provider's answer kept for ``geocoder_cache_seconds``: the key is a hash of the provider's base
    URL, the kind of question, the normalised query and the locale (the same for every commune)."""

    __tablename__ = "places_geocode_cache"
    __table_args__ = (
        Index("ix_places_geocode_cache_key", "query_hash", "expires_at"),
        Index("ix_places_geocode_cache_expires_at", "expires_at"),
    )

    provider: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    query_hash: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(20))
    result: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


# --- districts (m1) ---------------------------------------------------------------------------------------


class Boundary(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """The commune's outline (GeoJSON Polygon or MultiPolygon, WGS84): every district must lie inside it.
    Optional: without one, districts are checked against nothing but each other."""

    __tablename__ = "places_boundary"
    __table_args__ = (UniqueConstraint("commune_id"),)

    geometry: Mapped[dict[str, Any]] = mapped_column()
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]


MODELS = (District, Place, Address, GeocodeCache, Boundary)
