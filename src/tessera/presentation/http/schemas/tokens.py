"""API token schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from tessera.domain.access.principal import Role
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


class TokenResponse(BaseModel):
    id: int
    name: str
    role: Role
    email: str | None
    created_at: datetime
    revoked_at: datetime | None


class IssuedTokenResponse(BaseModel):
    id: int
    name: str
    role: Role
    email: str | None
    token: str = Field(description="The secret; shown only in this response")
    created_at: datetime


class TokenListResponse(BaseModel):
    data: list[TokenResponse]
    next_cursor: str | None
