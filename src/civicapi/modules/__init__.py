"""Built-in modules. Each subpackage exports one ``CivicModule`` named ``module`` and is announced in
``pyproject.toml`` under the ``civicapi.modules`` entry-point group."""
