"""Use case: remove uploads that nothing refers to once their time ran out, and their bytes."""

from __future__ import annotations

from tessera.application.attachments.blobs import forget_blobs
from tessera.application.ports.clock import Clock
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWorkFactory

SWEEP_BATCH = 500


class SweepUploadsHandler:
    """Returns how many uploads were removed; raises nothing of its own."""

    def __init__(self, *, uow: UnitOfWorkFactory, storage: BlobStorage, clock: Clock) -> None:
        self._uow = uow
        self._storage = storage
        self._clock = clock

    async def __call__(self) -> int:
        removed = 0
        while True:
            async with self._uow() as uow:
                due = await uow.attachments.expired(self._clock.now(), limit=SWEEP_BATCH)
                await uow.attachments.remove_unattached([a.id for a in due])
                await uow.commit()
            await forget_blobs(self._uow, self._storage, [a.sha256 for a in due])
            removed += len(due)
            if len(due) < SWEEP_BATCH:
                return removed
