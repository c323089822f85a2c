"""Helpers shared by the use cases of proposals (none of them a use case): ``rules`` (authorship, content,
edit window, requirements, references), ``reading`` (a proposal as callers read it, lists, lookups),
``events`` (the payloads of ``contract.py``) and ``trail`` (audit entries)."""
