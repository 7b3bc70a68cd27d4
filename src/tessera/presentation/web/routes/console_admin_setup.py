"""The admin pages for the helpdesk's setup: organizations (domains, shared tickets) and
mailboxes (the IMAP password write-only: never rendered back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import NotFoundError
from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.mail.services import MailServices
from tessera.application.people.organizations import CreateOrganization, UpdateOrganization
from tessera.domain.errors import TesseraError
from tessera.domain.mail.mailbox import ImapIntake, Mailbox
from tessera.presentation.web.admin_forms import AdminUser, FormErrors, after, checked, text
from tessera.presentation.web.auth import PageUser, services_of
from tessera.presentation.web.errors import status_of
from tessera.presentation.web.routes.console_admin_people import (
    ADMIN,
    FORM_ERRORS,
    GROUPS,
    PAGE,
    context,
)
from tessera.presentation.web.templating import render
from tessera.presentation.web.ticket_forms import path_id

router = APIRouter(include_in_schema=False)


def domains_of(raw: str) -> tuple[str, ...]:
    """One domain a line or comma-separated; the use case checks each."""
    return tuple(d for d in (p.strip() for p in raw.replace(",", "\n").splitlines()) if d)


async def _organizations_page(
    request: Request, user: PageUser, *, form: dict[str, str], error: TesseraError | None = None
) -> Response:
    found = await services_of(request).list_organizations(
        principal=user.principal, after_id=after(request.query_params.get("after")), limit=PAGE
    )
    values = context(
        user,
        organizations=found,
        form=form,
        errors=FormErrors.of(error) if error else FormErrors(),
    )
    status = status_of(error) if error else 200
    return render(request, "console/admin/organizations.html", values, status_code=status)


@router.get(f"{ADMIN}/organizations")
async def organizations(request: Request, user: AdminUser) -> Response:
    return await _organizations_page(request, user, form={})


@router.post(f"{ADMIN}/organizations")
async def create_organization(request: Request, user: AdminUser) -> Response:
    form = await request.form()
    sent = {"name": text(form, "name"), "domains": text(form, "domains")}
    command = CreateOrganization(
        name=sent["name"],
        domains=domains_of(sent["domains"]),
        shared_tickets=checked(form, "shared_tickets"),
    )
    try:
        made = await services_of(request).create_organization(command, principal=user.principal)
    except FORM_ERRORS as error:
        return await _organizations_page(request, user, form=sent, error=error)
    return RedirectResponse(f"{ADMIN}/organizations/{made.id}?done=created", status_code=303)


async def _organization_page(
    request: Request, user: PageUser, number: int, *, error: TesseraError | None = None
) -> Response:
    found = await services_of(request).get_organization(number, principal=user.principal)
    values = context(
        user,
        organization=found,
        errors=FormErrors.of(error) if error else FormErrors(),
        done=request.query_params.get("done", ""),
    )
    status = status_of(error) if error else 200
    return render(request, "console/admin/organization.html", values, status_code=status)


@router.get(ADMIN + "/organizations/{organization_id}")
async def organization_page(organization_id: str, request: Request, user: AdminUser) -> Response:
    return await _organization_page(request, user, path_id(organization_id))


@router.post(ADMIN + "/organizations/{organization_id}")
async def update_organization(organization_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(organization_id)
    form = await request.form()
    command = UpdateOrganization(
        name=text(form, "name"),
        domains=domains_of(text(form, "domains")),
        shared_tickets=checked(form, "shared_tickets"),
    )
    try:
        await services_of(request).update_organization(number, command, principal=user.principal)
    except FORM_ERRORS as error:
        return await _organization_page(request, user, number, error=error)
    return RedirectResponse(f"{ADMIN}/organizations/{number}?done=saved", status_code=303)


def _mail(request: Request) -> MailServices:
    mail: MailServices | None = getattr(request.app.state, "mail_services", None)
    if mail is None:
        raise NotFoundError("This deployment reads no mail")
    return mail


def _port(raw: str) -> int:
    """Out of range or not a number: 0, which the use case refuses by name."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0


def mailbox_command(form: FormData) -> SaveMailbox:
    group = text(form, "group_id")
    password = form.get("password")
    spec = IntakeSpec(
        kind=text(form, "kind") or "imap",
        host=text(form, "host"),
        port=_port(text(form, "port") or "993"),
        tls=text(form, "tls") or "tls",
        user=text(form, "user"),
        password=password if isinstance(password, str) and password else None,
        folder=text(form, "folder") or "INBOX",
    )
    return SaveMailbox(
        address=text(form, "address"),
        group_id=int(group) if group.isascii() and group.isdigit() else None,
        intake=spec,
    )


def _shown(mailbox: Mailbox | None, form: FormData | None) -> dict[str, Any]:
    """What the form shows: never a password."""
    if form is not None:
        keys = ("address", "group_id", "kind", "host", "port", "tls", "user", "folder")
        return {k: text(form, k) for k in keys}
    if mailbox is None:
        return {"kind": "imap", "port": "993", "tls": "tls", "folder": "INBOX"}
    shown: dict[str, Any] = {
        "address": mailbox.address,
        "group_id": str(mailbox.group_id or ""),
        "kind": mailbox.kind.value,
    }
    if isinstance(mailbox.intake, ImapIntake):
        imap = mailbox.intake
        shown |= {"host": imap.host, "port": str(imap.port), "tls": imap.tls.value}
        shown |= {"user": imap.user, "folder": imap.folder}
    return shown


async def _mailboxes_page(
    request: Request,
    user: PageUser,
    *,
    form: FormData | None = None,
    error: TesseraError | None = None,
    mailbox_id: int | None = None,
) -> Response:
    mail = _mail(request)
    groups = await services_of(request).list_groups(
        principal=user.principal, after_id=0, limit=GROUPS
    )
    mailbox = await mail.get_mailbox(mailbox_id, principal=user.principal) if mailbox_id else None
    found = (
        []
        if mailbox_id
        else await mail.list_mailboxes(
            principal=user.principal,
            after_id=after(request.query_params.get("after")),
            limit=PAGE,
        )
    )
    values = context(
        user,
        mailboxes=found,
        mailbox=mailbox,
        groups=groups.items,
        shown=_shown(mailbox, form),
        errors=FormErrors.of(error, conflict_field="address") if error else FormErrors(),
        done=request.query_params.get("done", ""),
    )
    status = status_of(error) if error else 200
    return render(request, "console/admin/mailboxes.html", values, status_code=status)


@router.get(f"{ADMIN}/mailboxes")
async def mailboxes(request: Request, user: AdminUser) -> Response:
    return await _mailboxes_page(request, user)


@router.post(f"{ADMIN}/mailboxes")
async def create_mailbox(request: Request, user: AdminUser) -> Response:
    form = await request.form()
    try:
        made = await _mail(request).create_mailbox(mailbox_command(form), principal=user.principal)
    except FORM_ERRORS as error:
        return await _mailboxes_page(request, user, form=form, error=error)
    return RedirectResponse(f"{ADMIN}/mailboxes/{made.id}?done=created", status_code=303)


@router.get(ADMIN + "/mailboxes/{mailbox_id}")
async def mailbox_page(mailbox_id: str, request: Request, user: AdminUser) -> Response:
    return await _mailboxes_page(request, user, mailbox_id=path_id(mailbox_id))


@router.post(ADMIN + "/mailboxes/{mailbox_id}")
async def update_mailbox(mailbox_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(mailbox_id)
    form = await request.form()
    try:
        await _mail(request).update_mailbox(number, mailbox_command(form), principal=user.principal)
    except FORM_ERRORS as error:
        return await _mailboxes_page(request, user, form=form, error=error, mailbox_id=number)
    return RedirectResponse(f"{ADMIN}/mailboxes/{number}?done=saved", status_code=303)
