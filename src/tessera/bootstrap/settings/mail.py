"""E-mail notifications (``TESSERA_MAIL_*``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config
from tessera.infrastructure.email.identity import (
    MailIdentity,
    address_parts,
    check_taggable,
    domain_name,
)


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
    # The domain of every Message-ID (and of the reply address); unset: the sender's domain.
    domain: str | None = Field(default=None, max_length=253, validate_default=True)
    # Replies go to this address with a per-ticket plus tag (support+<token>@domain), so
    # they can be routed back to their ticket; unset: the sender's local part at ``domain``.
    reply_to: str | None = Field(default=None, max_length=200, validate_default=True)
    team: str = "Support"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=10, ge=1, le=50)
    retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The inbound channel (SPEC §15): the LMTP intake listens while ``lmtp_port`` is set (in
    # `tessera worker`, and in `serve` when no broker is configured); IMAP mailboxes are
    # configured through /v1/mailboxes.
    lmtp_host: str = Field(default="127.0.0.1", min_length=1, max_length=253)
    lmtp_port: int | None = Field(default=None, ge=0, le=65535)
    body_limit_kib: int = Field(default=256, ge=1, le=16 * 1024)  # decoded text of one mail
    imap_poll_seconds: float = Field(default=60.0, gt=0, le=3600)  # also renews IDLE
    intake_refresh_seconds: float = Field(default=10.0, gt=0, le=3600)

    # Each check names its own variable; a default derived from the sender is checked too.
    @field_validator("sender")
    @classmethod
    def _one_address(cls, value: str) -> str:
        address_parts(value)
        return value

    @field_validator("domain")
    @classmethod
    def _a_domain_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            return domain_name(value)
        if "sender" in info.data:
            try:
                domain_name(address_parts(info.data["sender"])[1])
            except ValueError:
                raise ValueError("unset, and the sender's domain cannot be used: set it") from None
        return value

    @field_validator("reply_to")
    @classmethod
    def _taggable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            local, domain = address_parts(value)
            domain_name(domain)
            check_taggable(local)
        elif "sender" in info.data:
            try:
                check_taggable(address_parts(info.data["sender"])[0])
            except ValueError:
                raise ValueError(
                    "unset, and the sender's local part cannot take a plus tag: set it"
                ) from None
        return value

    def identity(self) -> MailIdentity:
        return MailIdentity.configure(
            sender=self.sender, domain=self.domain, reply_to=self.reply_to
        )
