"""Queries: what a caller may ask of the ticket list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import Priority

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class TicketSort(StrEnum):
    """Sort orders; ``priority`` is most urgent first. Ties are broken by id."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    PRIORITY = "priority"


class SlaView(StrEnum):
    """``breached``: a running target is past due. ``at_risk``: not breached, but a running
    target falls due within the policy's window. Only open and in-progress tickets count:
    pending tickets' clocks are paused, resolved and closed ones have stopped."""

    BREACHED = "breached"
    AT_RISK = "at_risk"


@dataclass(frozen=True, slots=True, kw_only=True)
class ListTickets:
    statuses: tuple[Status, ...] = ()
    priority: Priority | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tag: str | None = None
    customer_email: str | None = None  # staff's filter, matched ignoring case
    q: str | None = None  # full text over title, description and comments
    # Set by the use case for a requester: only tickets filed for exactly this address, and
    # ``q`` searches only what the requester may read (title, description, public comments).
    requester_email: str | None = None
    # With requester_email: their organization's tickets too (it shares them).
    requester_organization_id: int | None = None
    # Set for an agent scoped to groups: only these groups' tickets and those assigned to
    # ``scope_user_id``.
    group_scope: frozenset[int] | None = None
    scope_user_id: int | None = None
    # Only tickets of these groups (None: any group; empty: none at all).
    group_ids: frozenset[int] | None = None
    # Only tickets changed within this long before now (the use case sets updated_after).
    updated_within: timedelta | None = None
    updated_after: datetime | None = None
    sla: SlaView | None = None
    # Set by the use case from its clock and SLA policy (for the sla filter).
    now: datetime | None = None
    at_risk_window: timedelta = timedelta(hours=1)
    sort: TicketSort = TicketSort.CREATED_AT_DESC
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None
