"""Ticket request and response schemas: the seed's CreateTicketSchema rules, at the boundary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from tessera.application.views import TicketView
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    TAG_MAX_LENGTH,
    TAGS_MAX,
    TITLE_MAX,
    Channel,
    Priority,
)
from tessera.presentation.http.schemas.attachments import UploadTokens
from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel
from tessera.presentation.http.schemas.views import response_schema

TitleText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)
]
DescriptionText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX
    ),
]
TagText = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    StringConstraints(
        min_length=1,
        max_length=TAG_MAX_LENGTH,
        pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
    ),
]
TagList = Annotated[list[TagText], Field(max_length=TAGS_MAX)]
# Strict: `true`, `7.0` or `"7"` is not an id (lax parsing would read `true` as ticket 1).
Identifier = Annotated[int, Field(ge=1, le=2**63 - 1, strict=True)]

FollowerList = Annotated[
    list[Identifier],
    Field(max_length=50, description="CC: users who get the public conversation"),
]

_EXAMPLE: dict[str, Any] = {
    "title": "Cannot log in after password reset",
    "description": "The reset link works, but the new password is refused on the login page.",
    "priority": "high",
    "customer_email": "ada@example.com",
    "tags": ["login", "web"],
}


class TicketCreateRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    title: TitleText
    description: DescriptionText
    priority: Priority | None = None
    customer_email: EmailStr | None = Field(
        default=None,
        description="The requester: the user with this address, or a new customer "
        "(required unless requester_id is given)",
    )
    tags: TagList = Field(default_factory=list)
    group_id: Identifier | None = Field(default=None, description="The group it is routed to")
    channel: Channel | None = Field(default=None, description="Where it came from; api if left out")
    follower_ids: FollowerList = Field(default_factory=list)
    uploads: UploadTokens
    requester_id: Identifier | None = Field(
        default=None,
        description="The requester by id: an active customer (staff; a requester may name "
        "only themselves); with customer_email, both must name the same user",
    )


_NOT_NULL = ("title", "description", "priority", "status", "tags", "follower_ids")


class TicketUpdateRequest(RequestModel):
    """Only the fields present change; ``assignee_id: null`` unassigns."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "in_progress", "assignee_id": 2},
                {"priority": "high", "add_tags": ["vip"], "remove_tags": ["triage"]},
            ]
        },
    )

    # May be left out, never null: the schema shows no null (SkipJsonSchema) for these.
    title: TitleText | SkipJsonSchema[None] = None
    description: DescriptionText | SkipJsonSchema[None] = None
    priority: Priority | SkipJsonSchema[None] = None
    status: Status | SkipJsonSchema[None] = None
    assignee_id: Identifier | None = Field(
        default=None,
        description="An active agent's user id (a member of the group when one is set); "
        "null unassigns",
    )
    group_id: Identifier | None = Field(default=None, description="A group's id; null clears")
    follower_ids: FollowerList | SkipJsonSchema[None] = Field(
        default=None, description="Replaces the whole set"
    )
    tags: TagList | SkipJsonSchema[None] = Field(default=None, description="Replaces the whole set")
    add_tags: TagList = Field(default_factory=list, description="Added to the set")
    remove_tags: TagList = Field(default_factory=list, description="Taken out of the set")

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


if TYPE_CHECKING:

    class TicketResponse(BaseModel):
        """The fields of ``TicketView`` (built below, for the type checker only a name)."""

else:
    TicketResponse = response_schema(
        TicketView,
        example={
            "id": 42,
            **_EXAMPLE,
            "status": "open",
            "assignee_id": None,
            "requester_id": 9,
            "organization_id": None,
            "group_id": None,
            "channel": "api",
            "follower_ids": [],
            "version": 1,
            "created_at": "2026-11-24T09:30:00Z",
            "updated_at": "2026-11-24T09:30:00Z",
            "first_response_due_at": "2026-11-24T13:30:00Z",
            "resolution_due_at": "2026-11-25T09:30:00Z",
            "first_responded_at": None,
            "resolved_at": None,
            "closed_at": None,
            "merged_into_id": None,
        },
        status=(Status, ...),
        priority=(Priority, ...),
        tags=(list[str], ...),
        merged_into_id=(int | None, Field(description="Set when merged into another ticket")),
        channel=(Channel, ...),
        follower_ids=(list[int], Field(description="CC: users who get the public conversation")),
        requester_id=(int | None, Field(description="The customer user who asked")),
    )


class TicketListResponse(BaseModel):
    data: list[TicketResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )
    links: PageLinks
    included: dict[str, list[dict[str, Any]]] | SkipJsonSchema[None] = Field(
        default=None,
        description="With `include`: the users, groups and organizations the page names",
    )


class BulkChanges(RequestModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | SkipJsonSchema[None] = None
    priority: Priority | SkipJsonSchema[None] = None
    assignee_id: Identifier | None = None
    group_id: Identifier | None = None
    tags: TagList | SkipJsonSchema[None] = None
    add_tags: TagList = Field(default_factory=list)
    remove_tags: TagList = Field(default_factory=list)

    @field_validator("status", "priority", "tags", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class BulkUpdateRequest(RequestModel):
    """One change for up to 100 tickets: all of them change, or none does."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ids": [12, 15, 19], "changes": {"status": "closed"}}]},
    )

    ids: list[Identifier] = Field(min_length=1, max_length=100)
    changes: BulkChanges


class BulkUpdateResponse(BaseModel):
    data: list[TicketResponse]


class MergeRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"into": 12}]})

    into: Identifier = Field(description="The ticket that is kept")
