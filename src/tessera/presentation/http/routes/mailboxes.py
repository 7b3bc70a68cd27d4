"""Mailbox routes: ``/v1/mailboxes`` (admins) and the messages each received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.ports.inbound_mail import InboundMessageView
from tessera.domain.mail.mailbox import ImapIntake, Mailbox
from tessera.presentation.http.dependencies import CurrentPrincipal, MailAppServices
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.mailboxes import (
    ImapIntakeRequest,
    InboundMessageListResponse,
    MailboxListResponse,
    MailboxRequest,
    MailboxResponse,
)
from tessera.presentation.http.schemas.parameters import PageCursor as Cursor
from tessera.presentation.http.schemas.parameters import PageLimit as Limit

router = APIRouter(prefix="/v1/mailboxes", tags=["mailboxes"])

MailboxId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_AUTH = ("unauthenticated", "forbidden")


def _public(mailbox: Mailbox) -> dict[str, Any]:
    """Never the password."""
    intake: dict[str, Any] = {"kind": mailbox.kind.value}
    if isinstance(mailbox.intake, ImapIntake):
        imap = mailbox.intake
        intake |= {
            "host": imap.host,
            "port": imap.port,
            "tls": imap.tls.value,
            "user": imap.user,
            "folder": imap.folder,
        }
    return {
        "id": mailbox.id,
        "address": mailbox.address,
        "group_id": mailbox.group_id,
        "intake": intake,
        "created_at": mailbox.created_at,
        "updated_at": mailbox.updated_at,
    }


def _message(view: InboundMessageView) -> dict[str, Any]:
    return {
        "id": view.id,
        "message_id": view.message_id,
        "from": view.sender,
        "subject": view.subject,
        "received_at": view.received_at,
        "outcome": view.outcome,
        "ticket_id": view.ticket_id,
        "reason": view.reason,
    }


def _command(body: MailboxRequest) -> SaveMailbox:
    intake = body.intake
    if isinstance(intake, ImapIntakeRequest):
        spec = IntakeSpec(
            kind="imap",
            host=intake.host,
            port=intake.port,
            tls=intake.tls,
            user=intake.user,
            password=intake.password,
            folder=intake.folder,
        )
    else:
        spec = IntakeSpec(kind="lmtp")
    return SaveMailbox(address=body.address, group_id=body.group_id, intake=spec)


@router.post(
    "",
    operation_id="mailboxes.create",
    status_code=201,
    response_model=MailboxResponse,
    responses={
        201: response_headers("Location"),
        **error_responses(*_AUTH, "invalid_json", "validation_failed", "conflict"),
    },
    summary="Connect a mailbox (IMAP) or accept its mail over LMTP",
)
async def create_mailbox(
    body: MailboxRequest, principal: CurrentPrincipal, mail: MailAppServices
) -> Response:
    mailbox = await mail.create_mailbox(_command(body), principal=principal)
    return json_response(
        _public(mailbox), status_code=201, headers={"Location": f"/v1/mailboxes/{mailbox.id}"}
    )


@router.get(
    "",
    operation_id="mailboxes.list",
    response_model=MailboxListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List mailboxes",
)
async def list_mailboxes(
    request: Request,
    principal: CurrentPrincipal,
    mail: MailAppServices,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    found = await mail.list_mailboxes(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return page([_public(m) for m in found], next_cursor, request=request)


@router.get(
    "/{mailbox_id}",
    operation_id="mailboxes.get",
    response_model=MailboxResponse,
    responses=error_responses(*_AUTH, "mailbox_not_found"),
    summary="A mailbox's configuration (without its password)",
)
async def get_mailbox(
    mailbox_id: MailboxId, principal: CurrentPrincipal, mail: MailAppServices
) -> Response:
    return json_response(_public(await mail.get_mailbox(mailbox_id, principal=principal)))


@router.put(
    "/{mailbox_id}",
    operation_id="mailboxes.update",
    response_model=MailboxResponse,
    responses=error_responses(
        *_AUTH, "mailbox_not_found", "invalid_json", "validation_failed", "conflict"
    ),
    summary="Replace a mailbox's configuration (a password left out stays as it was)",
)
async def update_mailbox(
    mailbox_id: MailboxId, body: MailboxRequest, principal: CurrentPrincipal, mail: MailAppServices
) -> Response:
    mailbox = await mail.update_mailbox(mailbox_id, _command(body), principal=principal)
    return json_response(_public(mailbox))


@router.delete(
    "/{mailbox_id}",
    operation_id="mailboxes.delete",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "mailbox_not_found"),
    summary="Stop reading a mailbox (what it received stays listed)",
)
async def delete_mailbox(
    mailbox_id: MailboxId, principal: CurrentPrincipal, mail: MailAppServices
) -> Response:
    await mail.delete_mailbox(mailbox_id, principal=principal)
    return Response(status_code=204)


@router.get(
    "/{mailbox_id}/messages",
    operation_id="mailboxes.messages",
    response_model=InboundMessageListResponse,
    responses=error_responses(*_AUTH, "mailbox_not_found", "validation_failed"),
    summary="What the mailbox received, newest first, and what became of each message",
)
async def list_messages(
    request: Request,
    mailbox_id: MailboxId,
    principal: CurrentPrincipal,
    mail: MailAppServices,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Response:
    found = await mail.list_messages(
        mailbox_id, principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return page([_message(v) for v in found], next_cursor, request=request)
