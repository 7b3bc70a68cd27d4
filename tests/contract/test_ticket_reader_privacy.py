"""TicketReader contract, the requester's view: exact ownership, search over what they may
read, and search text that is never read as query syntax."""

from __future__ import annotations

from tessera.application.queries import ListTickets, TicketSort
from tessera.domain.access.principal import Principal, Role
from tessera.domain.comments.comment import Comment, parse_body
from tessera.domain.tickets.sla import SlaPolicy
from tests.contract.conftest import Adapters
from tests.support import make_ticket

AGENT = Principal(token_id=2, user_id=2, name="agent", role=Role.AGENT)
CUSTOMER = "ada@example.com"

# Query syntax of FTS5 and of tsquery, unbalanced quotes and brackets, operators alone,
# column filters, control characters (NUL ends a C string), and text that is only symbols.
HOSTILE = [
    '"',
    '""',
    '"""',
    "'",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    "NEAR(a b, 2)",
    "foo*bar(",
    "(",
    ")",
    "()",
    "*",
    "^",
    "-x",
    "--",
    "+",
    "col:x",
    "title:printer",
    "{title}:x",
    "{title description} : x",
    "a:*",
    "!",
    "&|!",
    "a & b",
    "a | b",
    "<->",
    "a <-> b",
    "\\",
    "%",
    "_",
    ";",
    "'; DROP TABLE tickets; --",
    "x OR",
    "OR x",
    "AND AND",
    "\u2028",
    "\u200b",
    "\x00",
    "printer\x00",
    '\x00"',
    "a\x01b\x1fc",
    "\x7f",
    "é",
    "ß",
    "ﬁ",
    "日本語",
    "🔥",
    "x" * 200,
]
# The same word dressed in syntax: on every backend it is still a search for the word.
DECORATED = ['printer"', '"printer"', "(printer)", "printer*", "printer!", "PRINTER", "printer,"]


async def seed(adapters: Adapters) -> tuple[int, int]:
    """A ticket whose internal note and public reply hold words nothing else holds, and a
    ticket of another customer's."""
    policy = SlaPolicy()
    async with adapters.uow() as uow:
        own = make_ticket(title="Printer jammed", customer_email=CUSTOMER)
        other = make_ticket(title="Printer offline", customer_email="eve@example.com")
        for ticket in (own, other):
            await uow.tickets.add(ticket)
        for body, public in (("Suspect the quokka driver", False), ("Try the wombat tray", True)):
            comment = Comment.write(
                ticket_id=own.id,
                author=AGENT,
                body=parse_body(body),
                public=public,
                now=own.created_at,
            )
            await uow.comments.add(comment)
            own.add_comment(comment, actor=AGENT.actor, now=own.created_at, sla=policy)
        await uow.tickets.save(own)
        await uow.commit()
    return own.id, other.id


async def ids(adapters: Adapters, **fields: object) -> list[int]:
    query = ListTickets(sort=TicketSort.CREATED_AT, **fields)  # type: ignore[arg-type]
    return [t.id for t in (await adapters.reader.list(query)).items]


async def test_a_requesters_search_never_matches_an_internal_note(adapters: Adapters) -> None:
    own, _ = await seed(adapters)
    assert await ids(adapters, q="quokka", requester_email=CUSTOMER) == []
    assert await ids(adapters, q="wombat", requester_email=CUSTOMER) == [own]
    assert await ids(adapters, q="jammed", requester_email=CUSTOMER) == [own]
    assert await ids(adapters, q="quokka") == [own]  # staff search covers notes
    assert await ids(adapters, q="wombat") == [own]


async def test_a_requester_lists_only_tickets_of_exactly_their_address(
    adapters: Adapters,
) -> None:
    async with adapters.uow() as uow:
        for email in ("straße@example.com", "strasse@example.com", "Strasse@example.com"):
            await uow.tickets.add(make_ticket(customer_email=email))
        await uow.commit()
    assert await ids(adapters, requester_email="strasse@example.com") == [2]
    assert await ids(adapters, requester_email="straße@example.com") == [1]
    assert await ids(adapters, requester_email="straße@example.com", q="password") == [1]


async def test_hostile_search_text_is_searched_as_text(adapters: Adapters) -> None:
    own, other = await seed(adapters)
    for q in HOSTILE:
        staff = await ids(adapters, q=q)
        customer = await ids(adapters, q=q, requester_email=CUSTOMER)
        if "printer" in q or q.startswith("-"):  # on PostgreSQL "-x" is "not x"
            assert set(staff) <= {own, other}, q
            assert set(customer) <= {own}, q
        else:  # no word of the documents in it: nothing matches, and nothing breaks
            assert (staff, customer) == ([], []), q


async def test_a_word_dressed_in_query_syntax_still_finds_its_tickets(adapters: Adapters) -> None:
    own, other = await seed(adapters)
    for q in DECORATED:
        assert await ids(adapters, q=q) == [own, other], q
        assert await ids(adapters, q=q, requester_email=CUSTOMER) == [own], q
        assert await ids(adapters, q=f"{q} \x00 wombat", requester_email=CUSTOMER) == [own], q


async def test_a_requester_sees_their_shared_organizations_tickets_too(adapters: Adapters) -> None:
    mine = make_ticket(customer_email=CUSTOMER)
    colleague = make_ticket(customer_email="bob@example.com")
    colleague.organization_id = 7
    elsewhere = make_ticket(customer_email="eve@example.com")
    elsewhere.organization_id = 8
    async with adapters.uow() as uow:
        for ticket in (mine, colleague, elsewhere):
            await uow.tickets.add(ticket)
        await uow.commit()

    async def listed(organization_id: int | None) -> list[int]:
        query = ListTickets(
            sort=TicketSort.CREATED_AT,
            requester_email=CUSTOMER,
            requester_organization_id=organization_id,
        )
        return [t.id for t in (await adapters.reader.list(query)).items]

    assert await listed(None) == [mine.id]
    assert await listed(7) == [mine.id, colleague.id]
    view = await adapters.reader.get(colleague.id)
    assert view is not None and view.organization_id == 7


async def test_an_agent_scoped_to_groups_lists_their_groups_and_own_tickets(
    adapters: Adapters,
) -> None:
    billing, tier2, assigned, loose = (make_ticket() for _ in range(4))
    billing.group_id, tier2.group_id, assigned.assignee_id = 1, 2, AGENT.user_id
    async with adapters.uow() as uow:
        for ticket in (billing, tier2, assigned, loose):
            await uow.tickets.add(ticket)
        await uow.commit()
    query = ListTickets(
        sort=TicketSort.CREATED_AT, group_scope=frozenset({1}), scope_user_id=AGENT.user_id
    )
    listed = [t.id for t in (await adapters.reader.list(query)).items]
    assert listed == [billing.id, assigned.id]
    everything = ListTickets(sort=TicketSort.CREATED_AT)
    assert len((await adapters.reader.list(everything)).items) == 4
