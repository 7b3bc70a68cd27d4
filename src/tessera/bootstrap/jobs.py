"""The periodic jobs, each on one worker at a time: the SLA monitor, the retention sweep and
the sweep of expired uploads."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.attachments.sweep_uploads import SweepUploadsHandler
from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask
from tessera.application.tickets.detect_breaches import DetectBreachesHandler
from tessera.bootstrap.settings import EventSettings, SlaSettings
from tessera.infrastructure.messaging.periodic import JobLease, PeriodicJob
from tessera.infrastructure.persistence.leases import SqlAlchemyLeaseStore
from tessera.infrastructure.persistence.retention import RetentionSweep


def build_jobs(
    sla: SlaSettings,
    events: EventSettings,
    *,
    engine: AsyncEngine,
    detect_breaches: DetectBreachesHandler,
    sweep_uploads: SweepUploadsHandler,
    upload_sweep_seconds: float,
    clock: Clock,
) -> tuple[BackgroundTask, ...]:
    lease = JobLease(
        store=SqlAlchemyLeaseStore(engine),
        holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        clock=clock,
    )
    sweep = RetentionSweep(
        engine,
        clock=clock,
        processed_retention=timedelta(hours=events.processed_retention_hours),
    )
    return (
        PeriodicJob(
            "sla-monitor", detect_breaches, every=sla.check_seconds, lease=lease, clock=clock
        ),
        PeriodicJob("retention-sweep", sweep, every=events.sweep_seconds, lease=lease, clock=clock),
        PeriodicJob(
            "upload-sweep", sweep_uploads, every=upload_sweep_seconds, lease=lease, clock=clock
        ),
    )
