"""A mailbox Tessera reads: its address, the group its tickets go to, and how mail comes in
(an IMAP folder Tessera logs into, or LMTP deliveries from the site's mail server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.errors import DomainValidationError, FieldError

NEW_MAILBOX_ID = 0


class IntakeKind(StrEnum):
    IMAP = "imap"
    LMTP = "lmtp"


class ImapTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapIntake:
    """``password`` is write-only: views never carry it, logs never print it."""

    host: str
    port: int
    tls: ImapTls
    user: str
    password: str
    folder: str = "INBOX"

    def __repr__(self) -> str:
        return f"ImapIntake(host={self.host!r}, port={self.port}, user={self.user!r}, ...)"


@dataclass(frozen=True, slots=True, kw_only=True)
class LmtpIntake:
    pass


Intake = ImapIntake | LmtpIntake


@dataclass(kw_only=True)
class Mailbox:
    id: int
    address: EmailAddress
    group_id: int | None
    intake: Intake
    created_at: datetime
    updated_at: datetime

    @property
    def kind(self) -> IntakeKind:
        return IntakeKind.IMAP if isinstance(self.intake, ImapIntake) else IntakeKind.LMTP


def parse_imap(
    *, host: str, port: int, tls: str, user: str, password: str, folder: str
) -> ImapIntake:
    """Raises DomainValidationError naming every bad field (``intake.<field>``)."""
    errors: list[FieldError] = []
    host = host.strip()
    if not 1 <= len(host) <= 253 or any(c.isspace() for c in host):
        errors.append(FieldError("intake.host", "must be a host name or address"))
    if not 1 <= port <= 65535:
        errors.append(FieldError("intake.port", "must be 1 to 65535"))
    if tls not in {t.value for t in ImapTls}:
        errors.append(FieldError("intake.tls", "must be none, starttls or tls"))
    if not 1 <= len(user) <= 254 or any(c in user for c in "\r\n"):
        errors.append(FieldError("intake.user", "must be 1 to 254 characters on one line"))
    if not 1 <= len(password) <= 1024 or any(c in password for c in "\r\n"):
        errors.append(FieldError("intake.password", "must be 1 to 1024 characters on one line"))
    if not 1 <= len(folder) <= 200 or any(c in folder for c in '\r\n"\\'):
        errors.append(FieldError("intake.folder", "must be a folder name (1 to 200 characters)"))
    if errors:
        raise DomainValidationError(errors)
    return ImapIntake(
        host=host, port=port, tls=ImapTls(tls), user=user, password=password, folder=folder
    )


def parse_address(raw: str) -> EmailAddress:
    return parse_email(raw, field="address")
