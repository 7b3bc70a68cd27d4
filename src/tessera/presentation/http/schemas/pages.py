"""The part every list page shares beside ``data`` and ``next_cursor``: ``links.next``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PageLinks(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"next": "/v1/tickets?status=open&cursor=eyJ2IjoxfQ"}]}
    )

    next: str | None = Field(
        description="The next page: this request's path and query with the cursor set to "
        "`next_cursor` (`after` for the changes feed); null when `next_cursor` is null"
    )
