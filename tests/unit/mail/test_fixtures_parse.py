"""Every message of tests/fixtures/mail parses as its manifest says: sender, subject,
charset, the new text of a reply, sanitised HTML, parts, and machine-written or malformed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tessera.domain.mail.message import MalformedMailError
from tessera.infrastructure.mail_intake.parsing import parse_mail

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text("utf-8"))
OWN = ("support@support.example.com",)


def test_the_fixtures_folder_has_a_manifest_entry_for_every_message() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.eml")}
    assert on_disk == set(MANIFEST)
    assert len(on_disk) >= 20


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture_parses_as_its_manifest_says(name: str) -> None:
    expect = MANIFEST[name]
    raw = (FIXTURES / name).read_bytes()
    if expect["outcome"] == "failed":
        with pytest.raises(MalformedMailError) as failure:
            parse_mail(raw, own_addresses=OWN)
        assert expect["reason_contains"] in failure.value.message
        return
    mail = parse_mail(raw, own_addresses=OWN)
    if expect["outcome"] == "ignored_auto_reply":
        assert mail.automatic is not None
        assert expect["reason_contains"] in mail.automatic
        return
    assert mail.automatic is None, mail.automatic
    assert expect["text_contains"] in mail.text
    if "text_excludes" in expect:
        assert expect["text_excludes"] not in mail.text
    for fragment in expect.get("html_excludes", ()):
        assert mail.html is not None and fragment not in mail.html
    actual = {
        "sender": mail.sender,
        "sender_name": mail.sender_name,
        "subject": mail.subject,
        "html": mail.html is not None,
        "attachments": len(mail.attachments),
        "inline": sum(part.inline for part in mail.attachments),
        "filenames": [part.filename for part in mail.attachments],
        "cc": list(mail.cc),
        "message_id": mail.message_id,
    }
    checked = {key: expect[key] for key in actual if key in expect}
    assert {key: actual[key] for key in checked} == checked
