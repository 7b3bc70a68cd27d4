"""The admin pages for integrations: API tokens (the secret shown once, at creation) and
webhooks (create, edit, active flag, a rotated secret shown once, the delivery log)."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.ports.people import UserFilter
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.application.webhooks.manage_webhooks import CreateWebhook, UpdateWebhook
from tessera.domain.errors import TesseraError
from tessera.domain.webhooks.webhook import EVENT_TYPES
from tessera.presentation.web.admin_forms import AdminUser, FormErrors, after, optional_id, text
from tessera.presentation.web.auth import PageUser, services_of
from tessera.presentation.web.errors import status_of
from tessera.presentation.web.routes.console_admin_people import (
    ADMIN,
    FORM_ERRORS,
    PAGE,
    context,
)
from tessera.presentation.web.templating import render
from tessera.presentation.web.ticket_forms import path_id

router = APIRouter(include_in_schema=False)
HOLDERS: Final = 200
DELIVERIES: Final = 50


async def _tokens_page(
    request: Request,
    user: PageUser,
    *,
    form: dict[str, str],
    error: TesseraError | None = None,
    secret: str = "",
) -> Response:
    services = services_of(request)
    found = await services.list_tokens(
        principal=user.principal, after_id=after(request.query_params.get("after")), limit=PAGE
    )
    holders = await services.list_users(
        UserFilter(active=True), principal=user.principal, after_id=0, limit=HOLDERS
    )
    values = context(
        user,
        tokens=found,
        holders=holders.items,
        names={h.id: h.name for h in holders.items},
        form=form,
        secret=secret,
        errors=FormErrors.of(error, conflict_field="user_id") if error else FormErrors(),
    )
    status = status_of(error) if error else 201 if secret else 200
    return render(request, "console/admin/tokens.html", values, status_code=status)


@router.get(f"{ADMIN}/tokens")
async def tokens(request: Request, user: AdminUser) -> Response:
    return await _tokens_page(request, user, form={})


@router.post(f"{ADMIN}/tokens")
async def create_token(request: Request, user: AdminUser) -> Response:
    """The answer is the page itself, with the secret: it is never stored, nor shown again."""
    form = await request.form()
    sent = {"name": text(form, "name"), "user_id": text(form, "user_id")}
    holder = optional_id(sent["user_id"])
    try:
        issued = await services_of(request).issue_token(
            IssueToken(name=sent["name"], user_id=holder if holder is not None else 0),
            principal=user.principal,
        )
    except FORM_ERRORS as error:
        return await _tokens_page(request, user, form=sent, error=error)
    return await _tokens_page(request, user, form={}, secret=issued.secret)


@router.post(ADMIN + "/tokens/{token_id}/revoke")
async def revoke_token(token_id: str, request: Request, user: AdminUser) -> Response:
    try:
        await services_of(request).revoke_token(path_id(token_id), principal=user.principal)
    except FORM_ERRORS as error:
        return await _tokens_page(request, user, form={}, error=error)
    return RedirectResponse(f"{ADMIN}/tokens", status_code=303)


def _event_types(form: FormData) -> tuple[str, ...]:
    return tuple(sorted(v for v in form.getlist("event_types") if isinstance(v, str)))


async def _webhooks_page(
    request: Request,
    user: PageUser,
    *,
    form: dict[str, str],
    error: TesseraError | None = None,
    chosen: tuple[str, ...] = (),
) -> Response:
    found = await services_of(request).list_webhooks(
        principal=user.principal, after_id=after(request.query_params.get("after")), limit=PAGE
    )
    values = context(
        user,
        webhooks=found,
        event_types=sorted(EVENT_TYPES),
        form=form,
        chosen=chosen,
        errors=FormErrors.of(error) if error else FormErrors(),
    )
    status = status_of(error) if error else 200
    return render(request, "console/admin/webhooks.html", values, status_code=status)


@router.get(f"{ADMIN}/webhooks")
async def webhooks(request: Request, user: AdminUser) -> Response:
    return await _webhooks_page(request, user, form={})


@router.post(f"{ADMIN}/webhooks")
async def create_webhook(request: Request, user: AdminUser) -> Response:
    form = await request.form()
    sent = {"url": text(form, "url"), "description": text(form, "description")}
    try:
        webhook = await services_of(request).create_webhook(
            CreateWebhook(
                url=sent["url"],
                event_types=_event_types(form),
                description=sent["description"] or None,
            ),
            principal=user.principal,
        )
    except FORM_ERRORS as error:
        return await _webhooks_page(
            request, user, form=sent, error=error, chosen=_event_types(form)
        )
    return await _webhook_page(request, user, webhook.id, secret=webhook.secret, status=201)


async def _webhook_page(
    request: Request,
    user: PageUser,
    webhook_id: int,
    *,
    secret: str = "",
    error: TesseraError | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    webhook = await services.get_webhook(webhook_id, principal=user.principal)
    deliveries = await services.list_deliveries(
        webhook_id, principal=user.principal, after_id=0, limit=DELIVERIES
    )
    values = context(
        user,
        webhook=webhook,
        deliveries=deliveries,
        event_types=sorted(EVENT_TYPES),
        secret=secret,
        errors=FormErrors.of(error) if error else FormErrors(),
        done=request.query_params.get("done", ""),
    )
    return render(
        request,
        "console/admin/webhook.html",
        values,
        status_code=status_of(error) if error else status,
    )


@router.get(ADMIN + "/webhooks/{webhook_id}")
async def webhook_page(webhook_id: str, request: Request, user: AdminUser) -> Response:
    return await _webhook_page(request, user, path_id(webhook_id))


@router.post(ADMIN + "/webhooks/{webhook_id}")
async def update_webhook(webhook_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(webhook_id)
    form = await request.form()
    command = UpdateWebhook(
        url=text(form, "url"),
        event_types=_event_types(form),
        description=text(form, "description") or None,
        active=form.get("active") is not None,
    )
    try:
        await services_of(request).update_webhook(number, command, principal=user.principal)
    except FORM_ERRORS as error:
        return await _webhook_page(request, user, number, error=error)
    return RedirectResponse(f"{ADMIN}/webhooks/{number}?done=saved", status_code=303)


@router.post(ADMIN + "/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(webhook_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(webhook_id)
    webhook = await services_of(request).rotate_webhook_secret(number, principal=user.principal)
    return await _webhook_page(request, user, number, secret=webhook.secret)
