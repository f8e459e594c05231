"""How much one release may take. The registry (or a mirror) decides what is downloaded and unpacked, so
each is capped: a tarball's size as received, its size unpacked and its number of members. The defaults
are far above any real release (2.1.332: 177 MB download, 383 MB unpacked, 4 members) and far below what
would fill a disk or exhaust memory."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_DOWNLOAD = 1 << 30
DEFAULT_MAX_UNPACKED = 2 << 30
DEFAULT_MAX_FILES = 20_000


@dataclass(frozen=True)
class Limits:
    download: int = DEFAULT_MAX_DOWNLOAD
    """Bytes of one tarball as received, after any Content-Encoding is undone."""
    unpacked: int = DEFAULT_MAX_UNPACKED
    """Bytes of one package's files unpacked."""
    files: int = DEFAULT_MAX_FILES
    """Members of one package archive."""
