"""E-mail notifications (``TESSERA_MAIL_*``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class MailTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class MailSettings(BaseSettings):
    """E-mail notifications (``TESSERA_MAIL_*``); off while ``smtp_url`` is unset."""

    model_config = settings_config("TESSERA_MAIL_")

    smtp_url: str | None = Field(default=None, description="smtp://user:password@host:587")
    tls: MailTls = MailTls.STARTTLS
    sender: str = "Tessera Support <support@localhost>"
    team: str = "Support"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=10, ge=1, le=50)
    retry_seconds: float = Field(default=30.0, gt=0, le=3600)
