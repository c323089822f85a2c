"""The map: the commune's places (proposals, budget projects, meetings, results...) read from the places
index as GeoJSON pages, clusters computed in SQL for any zoom, Mapbox vector tiles, and the districts with
per-district figures for choropleths. It reads the index alone and writes nothing: no tables, no
migrations. See ``docs/modules/map.md``."""

from __future__ import annotations

from civicapi.modules.map.router import router
from civicapi.modules.map.settings import MapSettings
from civicapi.registry import CivicModule

module = CivicModule(
    key="map",
    title={"fr": "Carte", "nl": "Kaart", "en": "Map", "de": "Karte"},
    description={
        "fr": "La carte de la participation : propositions, projets, réunions et réalisations.",
        "en": "The map of participation: proposals, projects, meetings and results.",
    },
    router=router,
    settings_schema=MapSettings,
    version="1",
)

__all__ = ["module"]
