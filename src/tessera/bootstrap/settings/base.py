"""What every settings group shares: its variable prefix and the ``.env`` file."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict


def settings_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")
