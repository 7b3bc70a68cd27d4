"""The use-case builder and the SLA policy read from the settings."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from tessera.bootstrap.caching import build_caches
from tessera.bootstrap.live import build_live
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.persistence import build_persistence
from tessera.bootstrap.settings import (
    BusinessHoursSettings,
    CacheSettings,
    DatabaseSettings,
    LiveSettings,
    SlaSettings,
    StorageSettings,
    WebhookSettings,
)
from tessera.bootstrap.storage import build_storage
from tessera.bootstrap.use_cases import build_use_cases, sla_policy
from tessera.domain.events import StoredEvent
from tessera.domain.tickets.calendar import AlwaysOpen, BusinessHours
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.values import Priority
from tessera.infrastructure.memory.dead_letters import InMemoryDeadLetterStore
from tests.support import FrozenClock


async def _ignore(events: list[StoredEvent]) -> None:
    return None


def test_configured_targets_replace_the_defaults_for_their_priority_only() -> None:
    policy = sla_policy(SlaSettings(targets={Priority.HIGH: (15, 120)}, at_risk_minutes=5))
    default = SlaPolicy()
    assert policy.targets[Priority.HIGH].first_response == timedelta(minutes=15)
    assert policy.targets[Priority.HIGH].resolution == timedelta(minutes=120)
    assert policy.targets[Priority.LOW] == default.targets[Priority.LOW]
    assert policy.at_risk == timedelta(minutes=5)
    assert isinstance(policy.calendar, AlwaysOpen)


def test_business_hours_give_a_business_calendar() -> None:
    hours = BusinessHoursSettings(timezone="Europe/Berlin", opens=time(8), closes=time(16))
    assert isinstance(sla_policy(SlaSettings(business_hours=hours)).calendar, BusinessHours)


async def test_tokens_are_cached_and_every_use_case_is_traced(tmp_path: Path) -> None:
    persistence = build_persistence(
        DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'u.db'}"),
        on_commit=_ignore,
        clock=FrozenClock(),
        overrides=Overrides(),
    )
    caches = build_caches(
        CacheSettings(), redis_url=None, namespace="t", clock=FrozenClock(), overrides=Overrides()
    )
    live = build_live(
        LiveSettings(),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'u.db'}",
        redis_url=None,
        event_log=persistence.event_log,
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(),
    )
    built = build_use_cases(
        WebhookSettings(),
        persistence=persistence,
        caches=caches,
        live=live,
        storage=build_storage(StorageSettings(), overrides=Overrides()),
        dead_letters=InMemoryDeadLetterStore(),
        clock=FrozenClock(),
        sla=SlaPolicy(),
        health_checks=persistence.health_checks,
    )
    assert type(built.services.authenticate).__name__ == "_Traced"
    assert type(built.services.create_ticket).__name__ == "_Traced"
    assert built.services.health_checks == persistence.health_checks
    assert built.services.live_feed is live.feed
    assert built.services.presence is live.presence
    await persistence.engine.dispose()
