"""One exception hierarchy: every failure a user can cause or meet ends as one clear line."""


class AuditorError(Exception):
    """Base class; the CLI turns any of these into a one-line error and a non-zero exit."""


class RegistryError(AuditorError):
    """The package registry answered badly or not at all."""


class UnknownPackage(RegistryError):
    """The registry has no such package."""


class UnknownVersion(RegistryError):
    """The package has no such published version."""


class DownloadError(RegistryError):
    """A download broke off, was truncated, or is not the archive it claims to be."""


class IntegrityError(DownloadError):
    """A download's bytes do not match the registry's dist.integrity."""


class TooLarge(DownloadError):
    """A download, or a package unpacked, exceeds a size limit (limits.py); the message names the option."""


class BundleNotFound(AuditorError):
    """No JavaScript bundle could be found in a package or native binary."""


class CatalogError(AuditorError):
    """A native binary holds no model catalogue auditor can read (missing, malformed, or beyond a bound)."""


class StoreError(AuditorError):
    """The snapshot store is unusable (locked by another collector, corrupt, wrong schema)."""


class StoreBusy(StoreError):
    """Another collector holds the store's write lock."""


class Cancelled(AuditorError):
    """The user stopped a collect (the TUI's Esc); what was stored before stays, whole."""


class ChangelogError(AuditorError):
    """A changelog could not be fetched or parsed."""


class RuleError(AuditorError):
    """A rule file is invalid; the message names the file and line."""


class PolicyError(AuditorError):
    """A pin policy file is invalid; the message names the file and line."""


class CaptureError(AuditorError):
    """A sandboxed run of the CLI crashed, hung, or never called the API."""


class ProxyError(AuditorError):
    """The recording proxy cannot start: port in use, bad upstream URL, no store file."""


class GitHubError(AuditorError):
    """GitHub refused or could not answer: no token, a missing permission (named), no such issue, a rate
    limit that outlasted its Retry-After, the network down. `status` is the HTTP status GitHub answered
    with, when it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class MergeError(StoreError):
    """A store to merge or import is unusable: unreadable, not a store, or not the bytes its digest names."""


class MetricError(AuditorError):
    """A metric file (`date,value` CSV) cannot be read; the message names the file and line."""
