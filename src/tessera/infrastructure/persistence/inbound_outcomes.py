"""A received message's outcome, written on the unit of work's connection: the ticket or
comment the message made and the record that it was made commit in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from tessera.application.ports.inbound_mail import LeaseLostError, MessageResult
from tessera.infrastructure.persistence.repositories import ConnectionSource
from tessera.infrastructure.persistence.tables import inbound_messages


class SqlAlchemyInboundOutcomes:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> None:
        # The row stays locked until the transaction ends: a worker that claimed it after
        # the lease ran out waits here, then finds the outcome and rolls back.
        table = inbound_messages
        statement = (
            update(table)
            .where(table.c.id == message_id, table.c.holder == holder, table.c.outcome.is_(None))
            .values(
                outcome=result.outcome.value,
                ticket_id=result.ticket_id,
                reason=result.reason,
                details=result.details or None,
                processed_at=now,
                lease_until=None,
            )
        )
        conn = await self._connection()
        done = await conn.execute(statement)
        if not done.rowcount:
            raise LeaseLostError(message_id)
