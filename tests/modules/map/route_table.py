"""The map module's route table: it only reads (no write operation to classify, no resource id in its
paths); its routes answer 404 ``module-not-enabled`` where the commune has not enabled it."""

from __future__ import annotations

from civicapi.testing import RouteTable, register

TABLE = register(RouteTable(key="map", rules={}))
