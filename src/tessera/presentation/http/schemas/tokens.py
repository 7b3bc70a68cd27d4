"""API token schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from tessera.domain.access.principal import Role
from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel


class TokenCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Grace's laptop", "user_id": 2},
                {"name": "Grace (agent)", "role": "agent", "email": "grace@support.example.com"},
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    user_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The user the token acts as"
    )
    role: Role | None = Field(
        default=None,
        description="Without user_id: the role of the user found or created by email",
    )
    email: EmailStr | None = Field(
        default=None, description="Without user_id: the user's address (required for requesters)"
    )

    @model_validator(mode="after")
    def _one_form(self) -> TokenCreateRequest:
        if (self.user_id is None) == (self.role is None):
            raise ValueError("give either user_id, or role (with email for requesters)")
        return self


_TOKEN: dict[str, Any] = {
    "id": 7,
    "user_id": 2,
    "name": "Grace (agent)",
    "role": "agent",
    "email": "grace@support.example.com",
    "created_at": "2026-11-24T09:30:00Z",
}


class TokenResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{**_TOKEN, "revoked_at": None}]})

    id: int
    user_id: int
    name: str
    role: Role
    email: str | None
    created_at: datetime
    revoked_at: datetime | None


class IssuedTokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_TOKEN, "token": "tsr_9Xq2...shown-once...Lw"}]}
    )

    id: int
    user_id: int
    name: str
    role: Role
    email: str | None
    token: str = Field(description="The secret; shown only in this response")
    created_at: datetime


class TokenListResponse(BaseModel):
    data: list[TokenResponse]
    next_cursor: str | None
    links: PageLinks
