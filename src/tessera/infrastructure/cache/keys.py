"""Every Redis key and channel Tessera's cache and rate limits use, under one namespace
(``TESSERA_NAMESPACE``), so that two deployments can share one Redis (SPEC §11)."""

from __future__ import annotations

from dataclasses import dataclass

# The shape of a cached ticket: bump it whenever TicketView (or its encoding) changes, so
# that replicas of a rolling deploy never read each other's shape.
SCHEMA_VERSION = 2


@dataclass(frozen=True, slots=True)
class CacheKeys:
    namespace: str = "tessera"
    schema_version: int = SCHEMA_VERSION

    def ticket(self, ticket_id: int) -> str:
        """The cached view, in this schema version's shape."""
        return f"{self.namespace}:ticket:v{self.schema_version}:{ticket_id}"

    def generation(self, ticket_id: int) -> str:
        """Moved on by every invalidation; shared by all schema versions, so a write on a
        replica of any version invalidates every version's entry."""
        return f"{self.namespace}:ticket-gen:{ticket_id}"

    @property
    def epoch(self) -> str:
        """Moved on after a break in the invalidation channel: every entry filled before is
        ignored from then on (an invalidation may have been lost meanwhile)."""
        return f"{self.namespace}:cache-epoch"

    @property
    def channel(self) -> str:
        """Pub/sub: ``ticket:<id>`` and ``tokens`` for every replica's L1."""
        return f"{self.namespace}:cache:invalidate"

    def rate_bucket(self, key: str) -> str:
        return f"{self.namespace}:ratelimit:{key}"
