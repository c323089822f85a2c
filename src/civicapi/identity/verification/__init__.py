"""Verification of residents (Decidim's authorization handlers): the census, the desk, and the handlers
modules add; the requirements components put on actions.

Identifiers and birth dates are never stored: only keyed hashes (HMAC-SHA256 with the app secret) of them,
so that one identity verifies one account per commune and a census can be matched without being kept.
"""
