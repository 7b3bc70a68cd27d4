"""CommentRepository contract: the thread of a ticket with its merged-in tickets, and what of
it the ticket's customer may read."""

from __future__ import annotations

from tessera.application.ports.comments import CommentRepository
from tessera.domain.access.principal import Principal, Role
from tessera.domain.comments.comment import Comment, parse_body
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket
from tests.contract.conftest import Adapters
from tests.support import make_ticket

AGENT = Principal(token_id=2, user_id=2, name="agent", role=Role.AGENT)


async def merged_threads(adapters: Adapters, *, source_customer: str) -> int:
    """Ada's ticket with a public reply and a note, and a ticket of ``source_customer`` with
    the same, merged into Ada's. Returns the id of Ada's ticket."""
    policy = SlaPolicy()
    async with adapters.uow() as uow:
        target = make_ticket(customer_email="ada@example.com")
        source = make_ticket(customer_email=source_customer)
        for ticket in (target, source):
            await uow.tickets.add(ticket)
        for ticket, owner in ((target, "target"), (source, "source")):
            await _discuss(uow.comments, ticket, owner, policy)
        source.merge_into(target, actor=AGENT.actor, now=target.created_at, sla=policy)
        await uow.tickets.save(source)
        await uow.tickets.save(target)
        await uow.commit()
    return target.id


async def _discuss(
    comments: CommentRepository, ticket: Ticket, owner: str, policy: SlaPolicy
) -> None:
    for public in (True, False):
        comment = Comment.write(
            ticket_id=ticket.id,
            author=AGENT,
            body=parse_body(f"{owner} {'reply' if public else 'note'}"),
            public=public,
            now=ticket.created_at,
        )
        await comments.add(comment)
        ticket.add_comment(comment, actor=AGENT.actor, now=ticket.created_at, sla=policy)


async def thread(adapters: Adapters, ticket_id: int, *, public_only: bool) -> list[str]:
    async with adapters.uow() as uow:
        found = await uow.comments.thread(ticket_id, public_only=public_only, after_id=0, limit=100)
    return [c.body for c in found]


async def test_another_customers_merged_in_conversation_is_for_staff_only(
    adapters: Adapters,
) -> None:
    target = await merged_threads(adapters, source_customer="bob@example.com")
    assert await thread(adapters, target, public_only=True) == ["target reply"]
    assert await thread(adapters, target, public_only=False) == [
        "target reply",
        "target note",
        "source reply",
        "source note",
    ]


async def test_the_same_customers_merged_in_replies_stay_readable_to_them(
    adapters: Adapters,
) -> None:
    target = await merged_threads(adapters, source_customer="ada@example.com")
    assert await thread(adapters, target, public_only=True) == ["target reply", "source reply"]


async def test_a_look_alike_of_the_customer_is_another_customer(adapters: Adapters) -> None:
    target = await merged_threads(adapters, source_customer="Ada@example.com")
    assert await thread(adapters, target, public_only=True) == ["target reply"]


async def test_a_thread_pages_oldest_first_and_reads_back_as_written(adapters: Adapters) -> None:
    policy = SlaPolicy()
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        for n in range(5):
            comment = Comment.write(
                ticket_id=ticket.id,
                author=AGENT,
                body=parse_body(f"reply {n}"),
                public=n != 2,
                now=ticket.created_at,
            )
            await uow.comments.add(comment)
            ticket.add_comment(comment, actor=AGENT.actor, now=ticket.created_at, sla=policy)
        await uow.tickets.save(ticket)
        await uow.commit()
    async with adapters.uow() as uow:
        first = await uow.comments.thread(ticket.id, public_only=False, after_id=0, limit=2)
        rest = await uow.comments.thread(
            ticket.id, public_only=False, after_id=first[-1].id, limit=10
        )
        public = await uow.comments.thread(ticket.id, public_only=True, after_id=0, limit=10)
    assert [c.body for c in first + rest] == [f"reply {n}" for n in range(5)]
    assert [c.body for c in public] == ["reply 0", "reply 1", "reply 3", "reply 4"]
    written = first[0]
    assert (written.ticket_id, written.author_id, written.author_role, written.public) == (
        ticket.id,
        AGENT.token_id,
        AGENT.role,
        True,
    )
    assert written.created_at == ticket.created_at
    assert written.created_at.tzinfo is not None
