"""A throwaway certificate authority, so the CLI can talk HTTPS to its real API host while the fake answers.

Pointing ANTHROPIC_BASE_URL elsewhere makes Claude Code treat the API as a third-party gateway: it
then drops first-party-only behaviour (tool search with deferred tools, globally cached system
prompt blocks, some betas), so such a capture is not what users talking to Anthropic send. The
first-party route keeps the real host and intercepts it in the proxy instead; the CLI trusts this CA
through NODE_EXTRA_CA_CERTS (node and Bun builds both read it), and nothing else ever trusts it.

Even so the CA is made to be worth nothing to anyone who finds it: its name constraints allow only the
hosts it answers for, it is valid for a few hours, and its private key never leaves memory (only the
CA certificate and the leaf's key and certificate are written, 0600 in a 0700 temporary folder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where certificates are made: a diff that captures nothing does not load it (25 ms)
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

LIFETIME = timedelta(hours=4)
"""A capture of one release takes minutes; the certificates outlive it by far and a leaked CA by little."""
_SKEW = timedelta(minutes=5)  # valid from a little before now: the CLI's clock may lag ours


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
        from cryptography.hazmat.primitives import serialization

        try:
            ca, _, leaf, leaf_key = make(self.hosts, datetime.now(UTC))  # the CA key dies with this frame
            _write(self.ca_file, ca.public_bytes(serialization.Encoding.PEM))
            _write(self.cert_file, leaf.public_bytes(serialization.Encoding.PEM))
            _write(self.key_file, leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def make(hosts: list[str], now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A CA that may only vouch for `hosts` (critical name constraints) and a server certificate for
    them, both valid from just before `now` for LIFETIME: (CA, its key, leaf, its key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auditor sandbox CA")])
    names = [x509.DNSName(h) for h in hosts]
    start, end = now - _SKEW, now + LIFETIME
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.NameConstraints(permitted_subtrees=names, excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])).issuer_name(ca_name)
        .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca, ca_key, leaf, leaf_key


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
