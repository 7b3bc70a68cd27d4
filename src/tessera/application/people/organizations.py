"""Use cases: create, change, read and list organizations (admins manage; staff read; a
customer reads only their own)."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.errors import OrganizationNotFoundError
from tessera.application.people.events import field_changes, organization_fields
from tessera.application.people.users import ensure_admin, ensure_staff
from tessera.application.people.views import OrganizationView, Page, id_page
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.validation import FieldErrors
from tessera.domain.access.principal import Principal
from tessera.domain.events import OrganizationCreated, OrganizationUpdated
from tessera.domain.people.names import parse_name
from tessera.domain.people.organizations import Organization, parse_domains
from tessera.domain.tickets.ticket import UNSET, Unset


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateOrganization:
    name: str
    domains: tuple[str, ...] = ()
    shared_tickets: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateOrganization:
    name: str | Unset = UNSET
    domains: tuple[str, ...] | Unset = UNSET
    shared_tickets: bool | Unset = UNSET


class CreateOrganizationHandler:
    """Raises ForbiddenError (not an admin), DomainValidationError and DomainTakenError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, command: CreateOrganization, *, principal: Principal
    ) -> OrganizationView:
        ensure_admin(principal)
        fields = FieldErrors()
        name = fields.take(lambda: parse_name(command.name), "")
        domains = fields.take(lambda: parse_domains(command.domains), frozenset[str]())
        fields.raise_any()
        organization = Organization.found(
            name=name, domains=domains, shared_tickets=command.shared_tickets, now=self._clock.now()
        )
        async with self._uow() as uow:
            await uow.organizations.add(organization)
            uow.record(
                OrganizationCreated(
                    subject_id=organization.id,
                    actor=principal.actor,
                    occurred_at=organization.created_at,
                    organization=organization_fields(organization),
                )
            )
            await uow.commit()
        return OrganizationView.of(organization)


class UpdateOrganizationHandler:
    """Raises ForbiddenError, OrganizationNotFoundError, DomainValidationError and
    DomainTakenError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, organization_id: int, command: UpdateOrganization, *, principal: Principal
    ) -> OrganizationView:
        ensure_admin(principal)
        async with self._uow() as uow:
            organization = await uow.organizations.get(organization_id)
            if organization is None:
                raise OrganizationNotFoundError(organization_id)
            before = organization_fields(organization)
            fields = FieldErrors()
            if not isinstance(command.name, Unset):
                name = command.name
                organization.name = fields.take(lambda: parse_name(name), organization.name)
            if not isinstance(command.domains, Unset):
                domains = command.domains
                organization.domains = fields.take(
                    lambda: parse_domains(domains), organization.domains
                )
            fields.raise_any()
            if not isinstance(command.shared_tickets, Unset):
                organization.shared_tickets = command.shared_tickets
            organization.updated_at = self._clock.now()
            await uow.organizations.save(organization)
            if changes := field_changes(before, organization_fields(organization)):
                uow.record(
                    OrganizationUpdated(
                        subject_id=organization.id,
                        actor=principal.actor,
                        occurred_at=organization.updated_at,
                        changes=changes,
                    )
                )
            await uow.commit()
        return OrganizationView.of(organization)


class GetOrganizationHandler:
    """Raises OrganizationNotFoundError, also for a customer asking for another one."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, organization_id: int, *, principal: Principal) -> OrganizationView:
        if not principal.is_staff and organization_id != principal.organization_id:
            raise OrganizationNotFoundError(organization_id)
        async with self._uow() as uow:
            organization = await uow.organizations.get(organization_id)
        if organization is None:
            raise OrganizationNotFoundError(organization_id)
        return OrganizationView.of(organization)


class ListOrganizationsHandler:
    """Raises ForbiddenError (a customer)."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, *, principal: Principal, after_id: int, limit: int
    ) -> Page[OrganizationView]:
        ensure_staff(principal)
        async with self._uow() as uow:
            found = await uow.organizations.list(after_id=after_id, limit=limit + 1)
        return id_page([OrganizationView.of(o) for o in found], limit=limit)
