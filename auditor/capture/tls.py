"""A throwaway certificate authority, so the CLI can talk HTTPS to its real API host while the fake answers.

Pointing ANTHROPIC_BASE_URL elsewhere makes Claude Code treat the API as a third-party gateway: it
then drops first-party-only behaviour (tool search with deferred tools, globally cached system
prompt blocks, some betas), so such a capture is not what users talking to Anthropic send. The
first-party route keeps the real host and intercepts it in the proxy instead; the CLI trusts this CA
through NODE_EXTRA_CA_CERTS (node and Bun builds both read it), and nothing else ever trusts it.
The stdlib cannot make certificates, so this calls the `openssl` command.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import CaptureError


class Certificates:
    """Context manager: a fresh CA and one leaf certificate for `hosts`, in a temporary folder removed on exit.

    Attributes once entered: `ca_file` (give to the client), `cert_file` and `key_file` (for the server).
    """

    def __init__(self, hosts: list[str]) -> None:
        if not hosts:
            raise ValueError("at least one host")
        self.hosts = hosts
        self.directory = Path(tempfile.mkdtemp(prefix="auditor-tls-"))
        self.ca_file = self.directory / "ca.pem"
        self.cert_file = self.directory / "leaf.pem"
        self.key_file = self.directory / "leaf.key"

    def __enter__(self) -> Certificates:
        openssl = shutil.which("openssl")
        if openssl is None:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise CaptureError("the first-party route needs the openssl command to make a throwaway CA; install it or use route = \"base-url\"")
        d = self.directory
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        (d / "leaf.ext").write_text(
            "subjectAltName=" + ",".join(f"DNS:{h}" for h in self.hosts) + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        )
        steps = [
            ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=auditor sandbox CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={self.hosts[0]}"],
            ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "1",
             "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext"],
        ]
        for step in steps:
            done = subprocess.run([openssl, *step], cwd=d, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if done.returncode != 0:
                self.__exit__()
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise CaptureError(f"openssl could not make the sandbox certificates: {last}")
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
