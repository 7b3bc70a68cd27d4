"""The webhook retry schedule: about 10 attempts over at least a day, whatever the jitter."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tessera.infrastructure.outbound.queue import backoff
from tessera.infrastructure.webhooks.sender import WebhookPolicy

POLICY = WebhookPolicy()


def _delays(jitter: float) -> list[timedelta]:
    """The wait after each failed attempt, with the jitter always drawing ``jitter``."""
    return [
        backoff(
            attempt,
            base=POLICY.retry_base,
            cap=POLICY.retry_cap,
            factor=POLICY.retry_factor,
            floor=POLICY.retry_floor,
            jitter=lambda low, high: low + (high - low) * jitter,
        )
        for attempt in range(1, POLICY.max_attempts)
    ]


def test_the_default_schedule_has_about_ten_attempts() -> None:
    assert 8 <= POLICY.max_attempts <= 12


@pytest.mark.parametrize("jitter", [0.0, 0.5, 1.0])
def test_the_retries_span_at_least_a_day_and_under_two(jitter: float) -> None:
    assert timedelta(hours=24) <= sum(_delays(jitter), timedelta()) < timedelta(hours=48)


def test_each_delay_grows_until_the_cap() -> None:
    delays = _delays(1.0)
    assert delays[0] == POLICY.retry_base
    assert all(a < b for a, b in itertools.pairwise(delays) if b < POLICY.retry_cap)
    assert max(delays) == POLICY.retry_cap
