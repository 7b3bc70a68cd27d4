"""The in-memory shape uses the same registry as production: every use case is built."""

from __future__ import annotations

import dataclasses

from tessera.application.services import Services
from tessera.bootstrap.memory import build_memory_services
from tests.support import FrozenClock


def test_every_use_case_of_the_registry_is_wired() -> None:
    services, _ = build_memory_services(clock=FrozenClock())
    assert isinstance(services, Services)
    ports = {"health_checks", "live_feed", "presence"}
    handlers = [f.name for f in dataclasses.fields(services) if f.name not in ports]
    assert all(callable(getattr(services, name)) for name in handlers)
    assert callable(services.live_feed.follow)
    assert callable(services.presence.announce)
