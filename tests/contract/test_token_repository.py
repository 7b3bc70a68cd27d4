"""TokenRepository contract: tokens read back as stored (by id and by hash), list in id order,
a save (a revocation) persists, and counts see the unit's own writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tessera.domain.access.mailboxes import parse_email
from tessera.domain.access.principal import Role
from tessera.domain.access.tokens import ApiToken
from tests.contract.conftest import Adapters

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def token(name: str, *, role: Role = Role.AGENT, email: str | None = None) -> ApiToken:
    return ApiToken.issue(
        user_id=3,
        name=name,
        role=role,
        email=parse_email(email) if email else None,
        token_hash=f"hash-{name}",
        now=NOW,
    )


def fields(found: ApiToken | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    return (
        found.id,
        found.user_id,
        found.name,
        found.role,
        found.email,
        found.token_hash,
        found.revoked_at,
    )


async def test_a_token_reads_back_by_id_and_by_hash(adapters: Adapters) -> None:
    issued = token("ada", role=Role.REQUESTER, email="ada@example.com")
    async with adapters.uow() as uow:
        await uow.tokens.add(issued)
        await uow.commit()
    assert issued.id >= 1
    async with adapters.uow() as uow:
        by_id = await uow.tokens.get(issued.id)
        by_hash = await uow.tokens.get_by_hash("hash-ada")
        assert await uow.tokens.get(issued.id + 1000) is None
        assert await uow.tokens.get_by_hash("hash-nobody") is None
    assert fields(by_id) == fields(by_hash) == fields(issued)
    assert by_id is not None
    assert by_id.created_at == NOW
    assert by_id.created_at.tzinfo is not None


async def test_tokens_list_in_id_order_after_a_point(adapters: Adapters) -> None:
    issued = [token(f"t{n}") for n in range(5)]
    async with adapters.uow() as uow:
        for each in issued:
            await uow.tokens.add(each)
        await uow.commit()
    ids = [t.id for t in issued]
    async with adapters.uow() as uow:
        assert [t.id for t in await uow.tokens.list(after_id=0, limit=3)] == ids[:3]
        assert [t.id for t in await uow.tokens.list(after_id=ids[2], limit=3)] == ids[3:]
        assert await uow.tokens.count() == 5


async def test_a_revocation_is_saved(adapters: Adapters) -> None:
    issued = token("leaver")
    async with adapters.uow() as uow:
        await uow.tokens.add(issued)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tokens.get(issued.id)
        assert loaded is not None
        loaded.revoked_at = NOW + timedelta(hours=1)
        await uow.tokens.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        stored = await uow.tokens.get_by_hash("hash-leaver")
    assert stored is not None
    assert not stored.active
    assert stored.revoked_at == NOW + timedelta(hours=1)


async def test_a_unit_sees_its_own_tokens_before_it_commits(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        await uow.tokens.add(token("first"))
        assert await uow.tokens.count() == 1
        assert await uow.tokens.get_by_hash("hash-first") is not None
    async with adapters.uow() as uow:
        assert await uow.tokens.count() == 0


async def test_a_loaded_token_is_a_copy_until_saved(adapters: Adapters) -> None:
    issued = token("kept")
    async with adapters.uow() as uow:
        await uow.tokens.add(issued)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tokens.get(issued.id)
        assert loaded is not None
        loaded.revoked_at = NOW  # changed, never saved
        await uow.commit()
    async with adapters.uow() as uow:
        stored = await uow.tokens.get(issued.id)
    assert stored is not None
    assert stored.active
