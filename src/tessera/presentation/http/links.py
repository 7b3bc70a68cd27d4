"""OpenAPI links: how an answer's ids feed the next operation (create -> read, change,
comment, ...), for clients and for stateful testing. Targets are named by path, so that a
change of operation ids cannot break them."""

from __future__ import annotations

from typing import Any, Final

_TICKET = "/v1/tickets/{ticket_id}"


def link(path: str, method: str, description: str, *, fill: tuple[str, str]) -> dict[str, Any]:
    """A link to ``method path`` whose parameter ``fill[0]`` takes the value ``fill[1]``
    (a runtime expression such as ``$response.body#/id``)."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": {fill[0]: fill[1]},
        "description": description,
    }


def _ticket_links(expression: str) -> dict[str, Any]:
    return {
        "GetTicket": link(_TICKET, "get", "Read the ticket", fill=("ticket_id", expression)),
        "UpdateTicket": link(_TICKET, "patch", "Change the ticket", fill=("ticket_id", expression)),
        "AddComment": link(f"{_TICKET}/comments", "post", "Reply", fill=("ticket_id", expression)),
        "ListComments": link(
            f"{_TICKET}/comments", "get", "The thread", fill=("ticket_id", expression)
        ),
        "TicketAttachments": link(
            f"{_TICKET}/attachments", "get", "Its files", fill=("ticket_id", expression)
        ),
        "TicketHistory": link(
            f"{_TICKET}/history", "get", "Its events", fill=("ticket_id", expression)
        ),
        "MergeTicket": link(f"{_TICKET}/merge", "post", "Merge it", fill=("ticket_id", expression)),
        "DeleteTicket": link(_TICKET, "delete", "Delete it", fill=("ticket_id", expression)),
    }


TICKET_LINKS: Final = _ticket_links("$response.body#/id")
COMMENT_LINKS: Final = {
    "ListComments": link(
        f"{_TICKET}/comments", "get", "The thread", fill=("ticket_id", "$response.body#/ticket_id")
    ),
    "GetTicket": link(
        _TICKET, "get", "Its ticket", fill=("ticket_id", "$response.body#/ticket_id")
    ),
}
WEBHOOK_LINKS: Final = {
    "ListDeliveries": link(
        "/v1/webhooks/{webhook_id}/deliveries",
        "get",
        "Its delivery log",
        fill=("webhook_id", "$response.body#/id"),
    ),
    "DeleteWebhook": link(
        "/v1/webhooks/{webhook_id}",
        "delete",
        "Unsubscribe",
        fill=("webhook_id", "$response.body#/id"),
    ),
}
TOKEN_LINKS: Final = {
    "RevokeToken": link(
        "/v1/tokens/{token_id}", "delete", "Revoke it", fill=("token_id", "$response.body#/id")
    ),
}
UPLOAD_LINKS: Final = {
    "DownloadUpload": link(
        "/v1/attachments/{attachment_id}/content",
        "get",
        "Its bytes (for its uploader until attached)",
        fill=("attachment_id", "$response.body#/attachment/id"),
    ),
}

# People (SPEC §13): a created user, organization or group leads to its reads and changes.
_USER = "/v1/users/{user_id}"
_ORGANIZATION = "/v1/organizations/{organization_id}"
_GROUP = "/v1/groups/{group_id}"
_ID = "$response.body#/id"
USER_LINKS: Final = {
    "GetUser": link(_USER, "get", "Read the user", fill=("user_id", _ID)),
    "UpdateUser": link(_USER, "patch", "Change the user", fill=("user_id", _ID)),
}
ORGANIZATION_LINKS: Final = {
    "GetOrganization": link(
        _ORGANIZATION, "get", "Read the organization", fill=("organization_id", _ID)
    ),
    "UpdateOrganization": link(
        _ORGANIZATION, "patch", "Change the organization", fill=("organization_id", _ID)
    ),
}
GROUP_LINKS: Final = {
    "GetGroup": link(_GROUP, "get", "Read the group", fill=("group_id", _ID)),
    "UpdateGroup": link(_GROUP, "patch", "Change the group", fill=("group_id", _ID)),
    "AddMember": link(f"{_GROUP}/members", "post", "Add an agent", fill=("group_id", _ID)),
    "ListMembers": link(f"{_GROUP}/members", "get", "Its members", fill=("group_id", _ID)),
    "RemoveMember": link(
        f"{_GROUP}/members/{{user_id}}", "delete", "Remove a member", fill=("group_id", _ID)
    ),
}
