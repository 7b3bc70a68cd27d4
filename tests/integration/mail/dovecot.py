"""A Dovecot IMAP server of the test's own: its configuration, passwd-file users and
maildirs under a temporary directory, on a free loopback port, started as a child process
(``dovecot -F -c``) and stopped by its PID; never the system's service."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port, port_open, wait_until
from tests.support import service_missing

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "support", "imap-secret-Pa55"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = tessera-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int = 0  # implicit TLS; 0 when configured without certificates
    process: subprocess.Popen[bytes] | None = None

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"

    @classmethod
    def configure(cls, *, tls: bool = False) -> Dovecot:
        """In a directory of its own under the system's temporary directory: Dovecot's
        unprivileged processes must reach it (pytest's ``tmp_path`` is private to root)."""
        if not Path(DOVECOT).is_file():
            service_missing(
                "Dovecot", f"{DOVECOT} is not installed (apt-get install dovecot-imapd)"
            )
        root = Path(tempfile.mkdtemp(prefix="tessera-dovecot-"))
        root.chmod(0o755)
        port = free_port()
        tls_port = free_port() if tls else 0
        ssl = "ssl = no"
        if tls:
            _self_signed(root)
            ssl = f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
        for folder in ("run", "state", "mail", "home"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        uid, gid = os.getuid(), os.getgid()
        if uid == 0:  # Dovecot runs neither its login processes nor mail users as root
            internal, login, group = "dovecot", "dovenull", "dovecot"
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
            for folder in ("mail", "home"):
                os.chown(root / folder, uid, gid)
        else:
            internal = login = pwd.getpwuid(uid).pw_name
            group = grp.getgrgid(gid).gr_name
        config = _CONFIG.format(
            root=root,
            port=port,
            tls_port=tls_port,
            ssl=ssl,
            uid=uid,
            gid=gid,
            internal=internal,
            login=login,
            group=group,
        )
        (root / "dovecot.conf").write_text(config)
        return cls(root=root, port=port, tls_port=tls_port)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until(lambda: port_open(self.port), timeout=15, what="Dovecot to listen")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _self_signed(root: Path) -> None:
    """A certificate for ``localhost`` and 127.0.0.1, which the tests trust explicitly."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (root / "key.pem").chmod(0o644)
