"""The places capability: one index of the points of every geolocated resource of a commune (proposals,
budget projects, meetings, accountability results...), the commune's districts as shapes (point-in-district
computed, never typed by hand), and geocoding. Modules write their resources' points into the index through
``service_index``; the map module reads the index alone. See ``docs/capabilities/places.md``.

A capability sits between ``spaces`` and the modules: modules call it; it never imports a module."""
