"""The forms capability: questionnaires that a module attaches to one of its resources (a survey, a
meeting's registration), their questions on pages with display conditions, and the responses people give,
validated all at once and stored answer by answer so that results are computed in SQL. See
``docs/capabilities/forms.md``.

A capability sits between ``spaces`` and the modules: modules call it; it never imports a module."""
