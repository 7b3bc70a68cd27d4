"""AttachmentRepository contract: uploads found once by their token, attached, listed per
ticket and comment, expired, removed, and whether bytes are still referenced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tessera.domain.access.principal import Principal, Role
from tessera.domain.attachments.attachment import UPLOAD_LIFETIME, Attachment
from tests.contract.conftest import Adapters

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Principal(token_id=7, user_id=7, name="agent", role=Role.AGENT)


def upload(token: str, *, sha256: str = "a" * 64, now: datetime = NOW) -> Attachment:
    return Attachment.upload(
        sha256=sha256,
        size=12,
        content_type="image/png",
        filename="shot.png",
        uploader=AGENT,
        token_hash=token,
        now=now,
    )


async def stored(adapters: Adapters, *uploads: Attachment) -> list[int]:
    async with adapters.uow() as uow:
        for attachment in uploads:
            await uow.attachments.add(attachment)
        await uow.commit()
    return [a.id for a in uploads]


async def test_an_upload_reads_back_as_written(adapters: Adapters) -> None:
    (attachment_id,) = await stored(adapters, upload("t1"))
    async with adapters.uow() as uow:
        found = await uow.attachments.get(attachment_id)
    assert found is not None
    assert (found.sha256, found.size, found.filename, found.uploader_id) == (
        "a" * 64,
        12,
        "shot.png",
        7,
    )
    assert found.expires_at == NOW + UPLOAD_LIFETIME
    assert found.created_at == NOW


async def test_a_token_finds_its_upload_only_until_it_is_attached(adapters: Adapters) -> None:
    await stored(adapters, upload("t1"), upload("t2"))
    async with adapters.uow() as uow:
        found = await uow.attachments.by_token("t1")
        assert found is not None
        found.attach(ticket_id=5, comment_id=9, public=False)
        await uow.attachments.save(found)
        await uow.commit()
    async with adapters.uow() as uow:
        assert await uow.attachments.by_token("t1") is None
        assert await uow.attachments.by_token("nope") is None
        other = await uow.attachments.by_token("t2")
        assert other is not None
        assert [a.id for a in await uow.attachments.of_ticket(5)] == [found.id]
        by_comment = await uow.attachments.of_comments([9, 10])
    assert list(by_comment) == [9]
    assert by_comment[9][0].public is False
    assert by_comment[9][0].token_hash is None


async def test_an_uncommitted_attach_leaves_the_upload_usable(adapters: Adapters) -> None:
    await stored(adapters, upload("t1"))
    async with adapters.uow() as uow:
        found = await uow.attachments.by_token("t1")
        assert found is not None
        found.attach(ticket_id=5, comment_id=None, public=True)
        await uow.attachments.save(found)
    async with adapters.uow() as uow:
        assert await uow.attachments.by_token("t1") is not None


async def test_only_unattached_uploads_past_their_time_are_expired(adapters: Adapters) -> None:
    old = upload("old", now=NOW - timedelta(days=2))
    kept = upload("kept", now=NOW - timedelta(days=2))
    fresh = upload("fresh")
    await stored(adapters, old, kept, fresh)
    async with adapters.uow() as uow:
        claimed = await uow.attachments.by_token("kept")
        assert claimed is not None
        claimed.attach(ticket_id=1, comment_id=None, public=True)
        await uow.attachments.save(claimed)
        await uow.commit()
    async with adapters.uow() as uow:
        due = await uow.attachments.expired(NOW, limit=10)
    assert [a.id for a in due] == [old.id]


async def test_bytes_are_referenced_until_their_last_record_is_removed(
    adapters: Adapters,
) -> None:
    first, second = await stored(adapters, upload("t1"), upload("t2"))
    async with adapters.uow() as uow:
        await uow.attachments.remove([first])
        await uow.commit()
    async with adapters.uow() as uow:
        assert await uow.attachments.get(first) is None
        assert await uow.attachments.referenced("a" * 64)
        await uow.attachments.remove([second])
        await uow.commit()
    async with adapters.uow() as uow:
        assert not await uow.attachments.referenced("a" * 64)


async def test_removing_unattached_uploads_spares_one_attached_meanwhile(
    adapters: Adapters,
) -> None:
    loose, claimed = await stored(adapters, upload("loose"), upload("claimed"))
    async with adapters.uow() as uow:
        found = await uow.attachments.by_token("claimed")
        assert found is not None
        found.attach(ticket_id=3, comment_id=None, public=True)
        await uow.attachments.save(found)
        await uow.commit()
    async with adapters.uow() as uow:
        await uow.attachments.remove_unattached([loose, claimed])
        await uow.commit()
    async with adapters.uow() as uow:
        assert await uow.attachments.get(loose) is None
        assert await uow.attachments.get(claimed) is not None
