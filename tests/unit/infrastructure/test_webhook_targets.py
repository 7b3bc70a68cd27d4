"""The webhook connection check: resolve once, check every address, connect to a checked one.
No traffic: the resolver and the socket layer are fakes."""

from __future__ import annotations

from collections.abc import Iterable

import httpcore
import pytest

from tessera.infrastructure.webhooks.targets import CheckedBackend, RefusedTargetError


class Resolver:
    """Answers each lookup with the next list of addresses (the last one repeats), the way a
    rebinding DNS server answers a public address first and a private one after."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class Unresolvable:
    async def __call__(self, host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")


class Sockets(httpcore.AsyncNetworkBackend):
    """Records where connections go; ``down`` addresses refuse them."""

    def __init__(self, *, down: Iterable[str] = ()) -> None:
        self.connected: list[tuple[str, int]] = []
        self.down = set(down)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host in self.down:
            raise httpcore.ConnectError(f"connection to {host} refused")
        self.connected.append((host, port))
        return httpcore.AsyncMockStream([])


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    resolver = Resolver(["93.184.215.14"], ["127.0.0.1"])  # rebinds after the first answer
    sockets = Sockets()
    backend = CheckedBackend(resolver=resolver, allow_private=False, inner=sockets)

    await backend.connect_tcp("hooks.example.com", 443, timeout=5)

    assert resolver.lookups == [("hooks.example.com", 443)]  # resolved once, not again
    assert sockets.connected == [("93.184.215.14", 443)]


@pytest.mark.parametrize(
    "answer",
    [["127.0.0.1"], ["93.184.215.14", "10.0.0.7"], ["::ffff:127.0.0.1"], ["64:ff9b::a9fe:a9fe"]],
    ids=["loopback", "one-of-several-private", "ipv4-mapped", "nat64-metadata"],
)
async def test_a_name_with_any_non_public_address_is_refused_before_connecting(
    answer: list[str],
) -> None:
    sockets = Sockets()
    backend = CheckedBackend(resolver=Resolver(answer), allow_private=False, inner=sockets)

    with pytest.raises(RefusedTargetError, match=r"hooks\.example\.com"):
        await backend.connect_tcp("hooks.example.com", 443, timeout=5)
    assert sockets.connected == []


async def test_private_addresses_are_connected_to_when_allowed() -> None:
    sockets = Sockets()
    backend = CheckedBackend(resolver=Resolver(["127.0.0.1"]), allow_private=True, inner=sockets)

    await backend.connect_tcp("hooks.example.com", 8080, timeout=5)

    assert sockets.connected == [("127.0.0.1", 8080)]


async def test_the_next_checked_address_is_tried_when_one_refuses() -> None:
    sockets = Sockets(down={"2606:4700:4700::1111"})
    resolver = Resolver(["2606:4700:4700::1111", "93.184.215.14"])
    backend = CheckedBackend(resolver=resolver, allow_private=False, inner=sockets)

    await backend.connect_tcp("hooks.example.com", 443, timeout=5)

    assert sockets.connected == [("93.184.215.14", 443)]


async def test_a_host_that_does_not_resolve_is_a_connection_error() -> None:
    backend = CheckedBackend(resolver=Unresolvable(), allow_private=False, inner=Sockets())

    with pytest.raises(httpcore.ConnectError, match=r"cannot resolve hooks\.tessera\.invalid"):
        await backend.connect_tcp("hooks.tessera.invalid", 443, timeout=5)
