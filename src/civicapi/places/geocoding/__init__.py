"""Geocoding of the places capability: forward search, reverse and autocomplete through a provider chosen
by the deployment's configuration (``offline``: the commune's own address list; ``nominatim``, ``photon``:
HTTP APIs), with the providers' answers cached in the database and the requests towards them throttled.
See ``docs/capabilities/places.md#geocoding``."""
