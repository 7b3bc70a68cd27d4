"""Commands: imperative requests to change tickets, as plain values from the boundary."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.domain.tickets.ticket import UNSET, Unset


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTicket:
    title: str
    description: str
    customer_email: str | None = None  # the requester by address (or requester_id)
    priority: str | None = None
    tags: tuple[str, ...] = ()
    group_id: int | None = None
    channel: str | None = None  # api unless said
    follower_ids: tuple[int, ...] = ()
    uploads: tuple[str, ...] = ()  # upload tokens, attached to the ticket
    # People: the requester by id (staff; an active customer), instead of or with the address
    requester_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTicket:
    """A partial update; ``expected_version`` comes from ``If-Match`` when the caller sent one."""

    ticket_id: int
    expected_version: int | None = None
    title: str | Unset = UNSET
    description: str | Unset = UNSET
    priority: str | Unset = UNSET
    status: str | Unset = UNSET
    assignee_id: int | Unset | None = UNSET
    group_id: int | Unset | None = UNSET
    follower_ids: tuple[int, ...] | Unset = UNSET
    tags: tuple[str, ...] | Unset = UNSET
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkUpdateTickets:
    """``changes`` carries the fields to set (its ``ticket_id`` is not used)."""

    ticket_ids: tuple[int, ...]
    changes: UpdateTicket


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteTicket:
    ticket_id: int
    expected_version: int | None = None
