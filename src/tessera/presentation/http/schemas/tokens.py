"""API token schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from tessera.domain.access.principal import Role
from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel


class TokenCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Grace (agent)", "role": "agent", "email": "grace@support.example.com"}
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    role: Role
    email: EmailStr | None = Field(default=None, description="Required for requesters")


_TOKEN: dict[str, Any] = {
    "id": 7,
    "name": "Grace (agent)",
    "role": "agent",
    "email": "grace@support.example.com",
    "created_at": "2026-11-24T09:30:00Z",
}


class TokenResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{**_TOKEN, "revoked_at": None}]})

    id: int
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
    name: str
    role: Role
    email: str | None
    token: str = Field(description="The secret; shown only in this response")
    created_at: datetime


class TokenListResponse(BaseModel):
    data: list[TokenResponse]
    next_cursor: str | None
    links: PageLinks
