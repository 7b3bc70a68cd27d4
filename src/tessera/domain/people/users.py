"""Users: the admins, agents and customers Tessera knows; each API token acts as one of them."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Principal, Role
from tessera.domain.errors import DomainValidationError
from tessera.domain.people.names import parse_name

NEW_USER_ID: Final = 0
DEFAULT_TIME_ZONE: Final = "UTC"


class UserRole(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CUSTOMER = "customer"

    @property
    def is_staff(self) -> bool:
        return self is not UserRole.CUSTOMER

    @property
    def access(self) -> Role:
        """The role a principal acting as this user has (a customer is a requester)."""
        return Role.REQUESTER if self is UserRole.CUSTOMER else Role(self.value)

    @classmethod
    def of_access(cls, role: Role) -> UserRole:
        return cls.CUSTOMER if role is Role.REQUESTER else cls(role.value)


def parse_user_role(raw: str) -> UserRole:
    try:
        return UserRole(raw)
    except ValueError:
        allowed = ", ".join(r.value for r in UserRole)
        raise DomainValidationError.single("role", f"must be one of {allowed}") from None


def parse_time_zone(raw: str) -> str:
    """An IANA time zone name (``Europe/Vienna``, ``UTC``)."""
    value = raw.strip()
    try:
        if value and zoneinfo.ZoneInfo(value):
            return value
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    raise DomainValidationError.single("time_zone", "must be an IANA time zone name")


PASSWORD_MIN: Final = 12
PASSWORD_MAX: Final = 256


def parse_password(raw: str) -> str:
    """Kept as given (spaces count); long enough to resist guessing, short enough to hash."""
    if not PASSWORD_MIN <= len(raw) <= PASSWORD_MAX:
        raise DomainValidationError.single(
            "password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        )
    return raw


@dataclass(eq=False, kw_only=True)
class User:
    """``password_hash`` is write-only: set for staff who log in, never shown."""

    id: int
    name: str
    email: EmailAddress
    role: UserRole
    organization_id: int | None
    active: bool
    time_zone: str
    created_at: datetime
    updated_at: datetime
    password_hash: str | None = None

    @classmethod
    def register(
        cls,
        *,
        name: str,
        email: EmailAddress,
        role: UserRole,
        now: datetime,
        organization_id: int | None = None,
        time_zone: str = DEFAULT_TIME_ZONE,
        password_hash: str | None = None,
    ) -> User:
        """Raises DomainValidationError (a blank name, a password for a customer)."""
        if password_hash is not None and not role.is_staff:
            raise DomainValidationError.single("password", "only agents and admins have one")
        return cls(
            id=NEW_USER_ID,
            name=parse_name(name),
            email=email,
            role=role,
            organization_id=organization_id,
            active=True,
            time_zone=parse_time_zone(time_zone),
            created_at=now,
            updated_at=now,
            password_hash=password_hash,
        )

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def active_staff(self) -> bool:
        """Who may be assigned tickets and join groups: an active agent or admin."""
        return self.active and self.is_staff

    def principal(self, *, token_id: int) -> Principal:
        """This user acting through the token ``token_id``."""
        return Principal(
            token_id=token_id,
            user_id=self.id,
            name=self.name,
            role=self.role.access,
            email=self.email,
            organization_id=self.organization_id,
        )
