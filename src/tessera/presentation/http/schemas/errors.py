"""The error envelope as a schema, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    error: str = Field(description="A human-readable message", examples=["Validation failed"])
    code: str = Field(description="A stable machine code", examples=["validation_failed"])
    details: Any = Field(
        default=None,
        description="More about the error; for validation_failed a list of {field, message}",
        examples=[[{"field": "title", "message": "String should have at least 1 character"}]],
    )
    request_id: str | None = Field(description="The X-Request-ID of the request")
