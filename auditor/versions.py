"""Release version numbers: ordering and ranges (npm semver, prereleases sort before their release)."""

from __future__ import annotations

import re

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse(version: str) -> tuple:
    """A sort key for a version string; raises ValueError on anything that is not semver."""
    m = _SEMVER.match(version.strip())
    if not m:
        raise ValueError(f"not a version: {version!r}")
    major, minor, patch, pre = m.groups()
    pre_key: tuple = (1,) if pre is None else (0, *((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
    return (int(major), int(minor), int(patch), pre_key)


def is_version(text: str) -> bool:
    return _SEMVER.match(text.strip()) is not None


def is_prerelease(version: str) -> bool:
    return parse(version)[3] != (1,)


def sort(versions) -> list[str]:
    return sorted(versions, key=parse)


def between(versions, low: str, high: str) -> list[str]:
    """Stable releases from low to high inclusive, in order."""
    lo, hi = parse(low), parse(high)
    return [v for v in sort(versions) if lo <= parse(v) <= hi and not is_prerelease(v)]
