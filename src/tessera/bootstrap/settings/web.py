"""The console and the portal (``TESSERA_WEB_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class WebSettings(BaseSettings):
    model_config = settings_config("TESSERA_WEB_")

    # A login lasts this long, then the person logs in again.
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # Login attempts per minute for one e-mail address (guessing its password) and for one
    # client address (trying many e-mail addresses). Always on, whatever TESSERA_RATE_LIMIT_*.
    login_attempts_per_address: int = Field(default=5, ge=1)
    login_attempts_per_client: int = Field(default=30, ge=1)
    # The customer portal: a login link works once, for this long.
    login_link_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    # Where the site is reached (https://help.example.com): the mailed login links point
    # here. Unset, they point at the host the request for the link named (set it wherever
    # the site is public: a request's Host header is the client's to choose).
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
