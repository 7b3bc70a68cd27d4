"""503 ``schema_out_of_date`` on every route that needs the database while the schema is
behind the code (before ``tessera db upgrade``), instead of SQL errors about missing tables."""

from __future__ import annotations

from typing import Final

from tessera.presentation.http.docs import ASSETS_URL, PAGES

# Probes, the scrape and the API's description answer without the database's tables.
_EXEMPT: Final = frozenset({"/livez", "/readyz", "/metrics", "/openapi.json", *PAGES})
MESSAGE: Final = "The database schema is behind this server's code; try again shortly"


def needs_schema(path: str) -> bool:
    """Whether the path's answer needs the database's tables."""
    return path not in _EXEMPT and not path.startswith(f"{ASSETS_URL}/")
