"""People schemas: users, organizations, groups and memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.parameters import ID_MAX
from tessera.presentation.http.schemas.text import RequestModel


class UserRoleName(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CUSTOMER = "customer"


_WRITE_ONLY_NOTE = "Agents and admins only; write-only (never returned), 12 to 256 characters"


class UserCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Grace Hopper",
                    "email": "grace@support.example.com",
                    "role": "agent",
                    "time_zone": "Europe/Vienna",
                    "password": "correct horse battery",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: UserRoleName
    organization_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    time_zone: str = Field(default="UTC", min_length=1, max_length=64)
    password: str | None = Field(
        default=None, min_length=12, max_length=256, description=_WRITE_ONLY_NOTE
    )


def not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


class UserUpdateRequest(RequestModel):
    """Only the fields sent change; ``active: false`` deactivates (its tokens stop at once)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"time_zone": "Europe/Berlin"}, {"active": False}]},
    )

    # May be left out, never null: the schema shows no null (SkipJsonSchema) for these.
    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | SkipJsonSchema[None] = None
    role: UserRoleName | SkipJsonSchema[None] = None
    organization_id: int | None = Field(default=None, ge=1, le=ID_MAX)
    time_zone: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=64)
    active: bool | SkipJsonSchema[None] = None
    password: str | None = Field(
        default=None, min_length=12, max_length=256, description=_WRITE_ONLY_NOTE
    )

    @field_validator("name", "email", "role", "time_zone", "active", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        return not_null(value)


class ProfileUpdateRequest(RequestModel):
    """What a user changes of themselves; role, active state, e-mail address and
    organization are not here (an admin changes them through ``PATCH /v1/users/{id}``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_zone": "Europe/Berlin"}]}
    )

    # May be left out, never null: the schema shows no null (SkipJsonSchema) for these.
    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    time_zone: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=64)

    @field_validator("name", "time_zone", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        return not_null(value)


class UserResponse(BaseModel):
    id: int
    name: str
    email: str
    role: UserRoleName
    organization_id: int | None
    active: bool
    time_zone: str
    created_at: datetime
    updated_at: datetime


class UserListResponse(BaseModel):
    data: list[UserResponse]
    next_cursor: str | None
    links: PageLinks


class OrganizationCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Acme", "domains": ["acme.example"], "shared_tickets": True}]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    domains: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="A new customer whose address is on one of these joins the organization",
    )
    shared_tickets: bool = Field(default=False, description="Members see each other's tickets")


class OrganizationUpdateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"shared_tickets": True}]}
    )

    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    domains: list[str] | SkipJsonSchema[None] = Field(default=None, max_length=50)
    shared_tickets: bool | SkipJsonSchema[None] = None

    @field_validator("name", "domains", "shared_tickets", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        return not_null(value)


class OrganizationResponse(BaseModel):
    id: int
    name: str
    domains: list[str]
    shared_tickets: bool
    created_at: datetime
    updated_at: datetime


class OrganizationListResponse(BaseModel):
    data: list[OrganizationResponse]
    next_cursor: str | None
    links: PageLinks


class GroupCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Billing", "description": "Invoices, refunds"}]},
    )

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=1000)


class GroupUpdateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"description": "Invoices, refunds and chargebacks"}]},
    )

    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=100)
    description: str | SkipJsonSchema[None] = Field(default=None, max_length=1000)

    @field_validator("name", "description", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        return not_null(value)


class GroupResponse(BaseModel):
    id: int
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class GroupListResponse(BaseModel):
    data: list[GroupResponse]
    next_cursor: str | None
    links: PageLinks


class MemberAddRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user_id": 2}]})

    user_id: int = Field(ge=1, le=ID_MAX, description="An active agent or admin")
