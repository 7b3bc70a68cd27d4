"""Where a webhook request may connect: resolve the host once, check every address, and
connect to a checked address, so nothing (DNS rebinding included) can swap the address
between the check and the connection.

The check sits in the connection itself (an httpcore network backend), not before the
request: httpx would resolve the name again. TLS still runs on the URL's host name (SNI and
certificate verification), and the Host header is the URL's, because only the TCP connect
is redirected to the checked address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from tessera.domain.webhooks.webhook import is_private_address

_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's defaults
# host, port -> the addresses to connect to, in order; raises OSError when it does not resolve.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedTargetError(Exception):
    """The target resolves to an address deliveries may not go to."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver (getaddrinfo), which also reads numeric forms such
    as ``127.1`` the way a connect would."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses it has checked (all of them public unless allowed)."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        allow_private: bool,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port, timeout)
        if not self._allow_private:
            refused = [address for address in addresses if is_private_address(address)]
            if refused:
                raise RefusedTargetError(
                    f"{host} resolves to a private or loopback address ({refused[0]})"
                )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error  # try the next address
        assert failure is not None
        raise failure

    async def _resolve(self, host: str, port: int, seconds: float | None) -> list[str]:
        try:
            async with asyncio.timeout(seconds):
                addresses = await self._resolver(host, port)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from error
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedTargetError("webhook targets are TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, connecting through a CheckedBackend."""

    def __init__(
        self,
        *,
        resolver: Resolver = system_resolver,
        allow_private: bool,
        limits: httpx.Limits = _LIMITS,
    ) -> None:
        super().__init__(limits=limits)
        # httpx 0.28 takes no network backend, so the pool is built again around one.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(resolver=resolver, allow_private=allow_private),
        )
