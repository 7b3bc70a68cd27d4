"""Logging set-up for the process."""

from __future__ import annotations

import logging

from tessera.bootstrap.settings import Settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Alembic announces its dialect on every schema probe (each /readyz): keep that quiet.
    logging.getLogger("alembic").setLevel(logging.WARNING)
