"""The throwaway CA of the first-party route: usable only for the hosts it answers for, for hours, its key never on disk."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from auditor.capture.tls import LIFETIME, Certificates, make

HOST = "api.anthropic.com"


def handshake(ca_pem: bytes, cert: Path, key: Path, server_hostname: str) -> None:
    """A TLS handshake over a socket pair: a client trusting only `ca_pem`, a server presenting `cert`."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cadata=ca_pem.decode())
    client_ctx.load_verify_locations(cadata=ca_pem.decode())
    a, b = socket.socketpair()
    with a, b:
        def serve() -> None:
            try:
                with server_ctx.wrap_socket(b, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with client_ctx.wrap_socket(a, server_hostname=server_hostname):
                pass
        finally:
            a.close()
            thread.join()


def test_the_leaf_is_trusted_for_its_host(tmp_path):
    with Certificates([HOST]) as certs:
        handshake(certs.ca_file.read_bytes(), certs.cert_file, certs.key_file, HOST)


def test_the_ca_cannot_vouch_for_any_other_host(tmp_path):
    """Hostile: someone who got hold of the CA and its key signs a certificate for another host; a client
    that trusts the CA still refuses it (critical name constraints)."""
    ca, ca_key, _, leaf_key = make([HOST], datetime.now(UTC))
    other = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca.subject).public_key(leaf_key.public_key())
             .serial_number(2).not_valid_before(ca.not_valid_before_utc).not_valid_after(ca.not_valid_after_utc)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName("github.com")]), critical=False)
             .sign(ca_key, hashes.SHA256()))
    (tmp_path / "leaf.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))
    with pytest.raises(ssl.SSLCertVerificationError, match="permitted subtree violation"):
        handshake(ca.public_bytes(serialization.Encoding.PEM), tmp_path / "leaf.pem", tmp_path / "leaf.key", "github.com")
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical and constraints.value.permitted_subtrees == [x509.DNSName(HOST)]


def test_hours_of_validity_and_no_ca_key_on_disk():
    now = datetime.now(UTC)
    with Certificates([HOST]) as certs:
        ca = x509.load_pem_x509_certificate(certs.ca_file.read_bytes())
        leaf = x509.load_pem_x509_certificate(certs.cert_file.read_bytes())
        for cert in (ca, leaf):
            assert cert.not_valid_after_utc - cert.not_valid_before_utc <= LIFETIME + timedelta(minutes=10)
            assert cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
        assert LIFETIME <= timedelta(hours=12)
        assert sorted(p.name for p in certs.directory.iterdir()) == ["ca.pem", "leaf.key", "leaf.pem"]  # no ca.key
        assert stat.S_IMODE(certs.directory.stat().st_mode) == 0o700
        assert stat.S_IMODE(certs.key_file.stat().st_mode) == 0o600
    assert not certs.directory.exists()
