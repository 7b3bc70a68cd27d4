"""Webhook target URLs: every spelling of a non-public address is refused at creation."""

from __future__ import annotations

import pytest

from tessera.domain.errors import DomainValidationError
from tessera.domain.webhooks.webhook import is_private_address, legacy_ipv4, parse_target_url

LOOPBACK_SPELLINGS = [
    "http://2130706433/",  # one decimal number
    "http://0x7f000001/",  # one hex number
    "http://0x7f.1/",
    "http://0177.0.0.1/",  # octal
    "http://127.1/",
    "http://0/",  # 0.0.0.0, which connects to this host
    "http://127.0.0.1./",  # a final dot
    "http://LOCALHOST./",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # full-width digits: IDNA maps them
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:7::1]/",  # 6to4 of 10.0.0.7
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[fe80::1%25eth0]/",  # link-local with a zone
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    "http://[ff02::1]/",
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://240.0.0.1/",  # reserved
    "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data",  # the metadata service, in hex
]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_every_spelling_of_a_non_public_address_is_refused(url: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        parse_target_url(url, allow_private=False)
    assert [error.field for error in caught.value.errors] == ["url"]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_they_are_accepted_when_private_targets_are_allowed(url: str) -> None:
    assert parse_target_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    "url",
    ["http://[::1/", "http://hooks.example.com:99999/", "http://127.0.0.%31/", "http://[v1.x]/"],
)
def test_urls_no_client_could_use_are_refused_not_crashed_on(url: str) -> None:
    for allow_private in (False, True):
        with pytest.raises(DomainValidationError) as caught:
            parse_target_url(url, allow_private=allow_private)
        assert [error.field for error in caught.value.errors] == ["url"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/tessera",
        "https://hooks.example.com./tessera",
        "http://93.184.215.14:8080/x",
        "http://0x5db8d70e/",  # 93.184.215.14 in hex: odd, but public
        "http://[2606:4700:4700::1111]/",
        "http://[::ffff:93.184.215.14]/",
        "https://bücher.example/hook",
    ],
)
def test_public_targets_are_accepted(url: str) -> None:
    assert parse_target_url(url, allow_private=False) == url


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("0xffffffff", "255.255.255.255"),
        ("4294967296", None),  # too big
        ("1.256.0.0", None),
        ("08.0.0.1", None),  # not octal: a name to resolve
        ("1.2.3.4.5", None),
        ("hooks.example.com", None),
    ],
)
def test_numeric_hosts_are_read_as_inet_aton_reads_them(host: str, address: str | None) -> None:
    parsed = legacy_ipv4(host)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    "address",
    ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:c0a8:101::1", "64:ff9b::7f00:1", "::1"],
)
def test_ipv6_forms_embedding_a_private_ipv4_address_are_private(address: str) -> None:
    assert is_private_address(address)
