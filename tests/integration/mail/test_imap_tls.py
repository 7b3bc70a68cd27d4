"""The IMAP intake's transport security against Dovecot: implicit TLS and STARTTLS log in
over an encrypted connection with a certificate the client trusts, and refuse one it does
not; a refused login names the command, never the password."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from tessera.domain.mail.mailbox import ImapIntake, ImapTls
from tessera.infrastructure.mail_intake.imap import ImapError, connect
from tests.integration.mail.dovecot import PASSWORD, USER, Dovecot


@pytest.fixture
def secure_dovecot() -> Iterator[Dovecot]:
    server = Dovecot.configure(tls=True)
    server.start()
    yield server
    server.stop()
    server.cleanup()


def intake(server: Dovecot, tls: ImapTls, *, password: str = PASSWORD) -> ImapIntake:
    port = server.tls_port if tls is ImapTls.TLS else server.port
    return ImapIntake(host="127.0.0.1", port=port, tls=tls, user=USER, password=password)


@pytest.mark.parametrize("tls", [ImapTls.TLS, ImapTls.STARTTLS])
async def test_a_trusted_certificate_logs_in_over_tls(
    secure_dovecot: Dovecot, tls: ImapTls
) -> None:
    trusted = ssl.create_default_context(cafile=str(secure_dovecot.certificate))
    client = await connect(intake(secure_dovecot, tls), connect_timeout=10, tls=trusted)
    try:
        transport = client.protocol.transport
        assert transport.get_extra_info("ssl_object") is not None
        assert client.get_state() == "SELECTED"
    finally:
        await client.logout()


@pytest.mark.parametrize("tls", [ImapTls.TLS, ImapTls.STARTTLS])
async def test_an_untrusted_certificate_is_refused(secure_dovecot: Dovecot, tls: ImapTls) -> None:
    with pytest.raises(ssl.SSLError):
        await connect(
            intake(secure_dovecot, tls), connect_timeout=10, tls=ssl.create_default_context()
        )


async def test_a_refused_login_names_the_command_not_the_password(secure_dovecot: Dovecot) -> None:
    trusted = ssl.create_default_context(cafile=str(secure_dovecot.certificate))
    with pytest.raises(ImapError) as refused:
        await connect(
            intake(secure_dovecot, ImapTls.TLS, password="wrong-Secret-77"),
            connect_timeout=10,
            tls=trusted,
        )
    assert "LOGIN" in str(refused.value)
    assert "wrong-Secret-77" not in str(refused.value)
