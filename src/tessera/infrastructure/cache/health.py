"""Readiness check for Redis: degraded (still ready) when it does not answer (SPEC §10)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tessera.application.ports.health import CheckResult, Health


class RedisHealthCheck:
    def __init__(self, client: Redis) -> None:
        self._client = client

    async def check(self) -> CheckResult:
        try:
            await asyncio.wait_for(self._client.ping(), timeout=0.5)
        except (RedisError, OSError, TimeoutError) as error:
            return CheckResult(
                "redis", Health.DEGRADED, "redis_unavailable", {"error": type(error).__name__}
            )
        return CheckResult("redis", Health.OK)
