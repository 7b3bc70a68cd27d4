"""The use cases over the in-memory adapters: the application's unit tests run on these."""

from __future__ import annotations

from tessera.application.attachments.commands import AttachmentLimits
from tessera.application.ports.clock import Clock
from tessera.application.ports.login_links import LoginLinkMailer
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.application.services import Services, build_services
from tessera.domain.tickets.sla import SlaPolicy
from tessera.infrastructure.live.feed import FeedFollower
from tessera.infrastructure.live.presence import InProcessPresenceBoard
from tessera.infrastructure.memory.blobs import InMemoryBlobStorage
from tessera.infrastructure.memory.dead_letters import InMemoryDeadLetterStore
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.login_links import (
    InMemoryLoginLinkStore,
    RecordingLoginLinkMailer,
)
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.memory.web_sessions import InMemoryWebSessionStore
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.passwords import Argon2PasswordHasher
from tessera.infrastructure.ratelimit.buckets import LocalBuckets


def build_memory_services(
    *,
    clock: Clock,
    sla: SlaPolicy | None = None,
    storage: BlobStorage | None = None,
    attachment_limits: AttachmentLimits | None = None,
    login_link_mailer: LoginLinkMailer | None = None,
) -> tuple[Services, MemoryStore]:
    """The same registry as production (``build_services``), over one memory store (and blob
    storage in memory unless one is given)."""
    store = MemoryStore()

    def uow() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    event_log = InMemoryEventLog(store)
    services = build_services(
        uow=uow,
        reader=InMemoryTicketReader(store),
        event_log=event_log,
        webhooks=InMemoryWebhookStore(),
        dead_letters=InMemoryDeadLetterStore(),
        clock=clock,
        sla=sla or SlaPolicy(),
        passwords=Argon2PasswordHasher(),
        storage=storage or InMemoryBlobStorage(),
        attachment_limits=attachment_limits or AttachmentLimits(),
        web_sessions=InMemoryWebSessionStore(),
        login_limiter=LocalBuckets(),
        live_feed=FeedFollower(event_log, clock=clock),
        presence=InProcessPresenceBoard(clock=clock, ttl_seconds=30.0),
        # The customer portal: log in by a one-time e-mailed link.
        login_links=InMemoryLoginLinkStore(),
        login_link_mailer=login_link_mailer or RecordingLoginLinkMailer(),
    )
    return services, store
