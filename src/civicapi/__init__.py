"""civicapi: an API-first, modular civic-tech backend for communes."""

__version__ = "0.1.0"
