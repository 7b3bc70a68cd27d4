"""The test harness itself: a missing service fails in CI, and Redis users carry ``redis``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from tests import conftest, support


@dataclass
class FakeItem:
    fixturenames: tuple[str, ...]
    markers: list[str] = field(default_factory=list)

    def add_marker(self, marker: Any) -> None:
        self.markers.append(marker.name)


def test_a_missing_service_fails_the_test_when_services_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(support, "SERVICES_REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match="services are required in CI"):
        support.service_missing("Redis", "redis-server is not installed")


def test_a_missing_service_skips_the_test_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "SERVICES_REQUIRED", False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        support.service_missing("Redis", "redis-server is not installed")


def test_a_test_that_starts_its_own_redis_is_marked_redis() -> None:
    own, other = FakeItem(("tmp_path", "throwaway_redis")), FakeItem(("tmp_path",))
    conftest.pytest_collection_modifyitems(cast(list[pytest.Item], [own, other]))
    assert (own.markers, other.markers) == (["redis"], [])
