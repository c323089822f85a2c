"""The agenda module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune."""

from __future__ import annotations

from civicapi.testing import RouteTable, register

TABLE = register(RouteTable(key="agenda", rules={}, factories={}, requests={}, tenancy={}))
