"""Use case: merge a duplicate ticket into the one that is kept."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal, can_work_on_tickets
from tessera.domain.tickets.sla import SlaPolicy


class MergeTicketsHandler:
    """Closes ``source_id`` into ``target_id`` and returns the target. Raises ForbiddenError,
    TicketNotFoundError, DomainValidationError (itself, or a target merged away) and
    TicketClosedError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, sla: SlaPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self._sla = sla

    async def __call__(self, source_id: int, target_id: int, *, principal: Principal) -> TicketView:
        if not can_work_on_tickets(principal):
            raise ForbiddenError("Only agents and admins may merge tickets")

        async def attempt() -> TicketView:
            async with self._uow() as uow:
                held = await uow.tickets.get_for_update((source_id, target_id))
                source, target = held.get(source_id), held.get(target_id)
                if source is None or not source.visible_to(principal):
                    raise TicketNotFoundError(source_id)
                if target is None or not target.visible_to(principal):
                    raise TicketNotFoundError(target_id)
                source.merge_into(
                    target, actor=principal.actor, now=self._clock.now(), sla=self._sla
                )
                await uow.tickets.save(source)
                await uow.tickets.save(target)
                await uow.commit()
                return TicketView.of(target)

        return await retrying_conflicts(attempt)
