"""The ballot lane (fenced): a first whole ballot served outside FastAPI and the ORM session, and its raw
statements. Only the module's ``__init__`` imports it."""
