"""The console's ticket views (SPEC §16) and the filters a person adds to one: each view is a
``ListTickets`` query, so its list and its count come from the same use cases as the API."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, TypeVar
from urllib.parse import urlencode

from tessera.application.queries import ListTickets, SlaView, TicketSort
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import Priority
from tessera.presentation.web.auth import PageUser

OPEN_STATUSES: Final = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING)
RECENT: Final = timedelta(hours=24)
PAGE_SIZE: Final = 50


@dataclass(frozen=True, slots=True)
class ConsoleView:
    slug: str
    name: str
    query: Callable[[PageUser], ListTickets]
    sort: TicketSort = TicketSort.CREATED_AT_DESC


VIEWS: Final = (
    ConsoleView(
        "mine",
        "My open tickets",
        lambda user: ListTickets(statuses=OPEN_STATUSES, assignee_id=user.principal.user_id),
    ),
    ConsoleView(
        "unassigned",
        "Unassigned",
        lambda user: ListTickets(statuses=OPEN_STATUSES, unassigned=True),
    ),
    ConsoleView(
        "my-groups",
        "My groups",
        lambda user: ListTickets(statuses=OPEN_STATUSES, group_ids=user.groups),
    ),
    ConsoleView(
        "sla-at-risk",
        "SLA at risk",
        lambda user: ListTickets(sla=SlaView.AT_RISK),
        TicketSort.PRIORITY,
    ),
    ConsoleView(
        "breached",
        "Breached",
        lambda user: ListTickets(sla=SlaView.BREACHED),
        TicketSort.PRIORITY,
    ),
    ConsoleView("all-open", "All open", lambda user: ListTickets(statuses=OPEN_STATUSES)),
    ConsoleView(
        "recent",
        "Recently updated",
        lambda user: ListTickets(updated_within=RECENT),
        TicketSort.UPDATED_AT_DESC,
    ),
)
VIEWS_BY_SLUG: Final = {view.slug: view for view in VIEWS}
DEFAULT_VIEW: Final = "all-open"

SORTS: Final = (
    (TicketSort.CREATED_AT_DESC, "Newest first"),
    (TicketSort.CREATED_AT, "Oldest first"),
    (TicketSort.UPDATED_AT_DESC, "Recently updated first"),
    (TicketSort.UPDATED_AT, "Least recently updated first"),
    (TicketSort.PRIORITY, "Most urgent first"),
)
STATUSES: Final = tuple(Status)
PRIORITIES: Final = tuple(Priority)
_FILTER_NAMES: Final = ("q", "status", "priority", "group", "assignee", "sort")


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """What the person chose on top of the view: a filter replaces the view's own condition
    on that field (status, assignee) or narrows it (group). Anything unreadable is left out:
    a page never fails on a hand-edited address."""

    q: str = ""
    status: Status | None = None
    priority: Priority | None = None
    group: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    sort: TicketSort | None = None
    cursor: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        return cls(
            q=params.get("q", "").strip()[:200],
            status=_enum(Status, params.get("status")),
            priority=_enum(Priority, params.get("priority")),
            group=_positive(params.get("group")),
            assignee=_assignee(params.get("assignee", "")),
            sort=_enum(TicketSort, params.get("sort")),
            cursor=params.get("cursor") or None,
        )

    def applied(self, view: ConsoleView, user: PageUser) -> ListTickets:
        query = dataclasses.replace(
            view.query(user),
            sort=self.sort or view.sort,
            limit=PAGE_SIZE,
            cursor=self.cursor,
        )
        if self.q:
            query = dataclasses.replace(query, q=self.q)
        if self.status is not None:
            query = dataclasses.replace(query, statuses=(self.status,))
        if self.priority is not None:
            query = dataclasses.replace(query, priority=self.priority)
        if self.group is not None:
            groups, chosen = query.group_ids, frozenset({self.group})
            query = dataclasses.replace(
                query, group_ids=chosen if groups is None else groups & chosen
            )
        if self.assignee == "none":
            query = dataclasses.replace(query, unassigned=True, assignee_id=None)
        elif self.assignee:
            who = user.principal.user_id if self.assignee == "me" else int(self.assignee)
            query = dataclasses.replace(query, unassigned=False, assignee_id=who)
        return query

    def query_string(self, **changes: str | None) -> str:
        """This filter set as a query string, with ``changes`` (None drops a parameter)."""
        values: dict[str, str | None] = {
            "q": self.q or None,
            "status": self.status.value if self.status else None,
            "priority": self.priority.value if self.priority else None,
            "group": str(self.group) if self.group is not None else None,
            "assignee": self.assignee or None,
            "sort": self.sort.value if self.sort else None,
        }
        values.update(changes)
        kept = [(name, values[name]) for name in (*_FILTER_NAMES, "cursor") if values.get(name)]
        return urlencode(kept)


_E = TypeVar("_E", Status, Priority, TicketSort)


def _enum(kind: type[_E], raw: str | None) -> _E | None:
    try:
        return kind(raw) if raw else None
    except ValueError:
        return None


def _positive(raw: str | None) -> int | None:
    if raw and raw.isdigit() and 0 < int(raw) < 2**63:
        return int(raw)
    return None


def _assignee(raw: str) -> str:
    if raw in ("me", "none"):
        return raw
    return raw if _positive(raw) is not None else ""
