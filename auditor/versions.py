"""Release version numbers: ordering and ranges (npm semver, prereleases sort before their release)."""

from __future__ import annotations

import functools
import re

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@functools.lru_cache(maxsize=1 << 14)  # a long range's judgement orders the same few hundred versions millions of times
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


CHANNELS = ("stable", "preview", "nightly")
"""What `--channel` offers: a release's channel is told by its version (a vendor's dist-tags point into them)."""


def channel(version: str) -> str:
    """The channel a version belongs to: "stable" without a prerelease suffix, else the suffix's first word
    (`0.57.0-preview.0` → preview, `0.61.0-nightly.20260909.ged2ac40df` → nightly)."""
    pre = parse(version)[3]
    return "stable" if pre == (1,) else re.sub(r"[^a-z]", "", str(pre[1][1]).lower()) or "prerelease"


def sort(versions) -> list[str]:
    return sorted(versions, key=parse)


def between(versions, low: str, high: str, channel_: str = "stable") -> list[str]:
    """Releases of a channel (stable unless told) from low to high inclusive, in order."""
    lo, hi = parse(low), parse(high)
    return [v for v in sort(versions) if lo <= parse(v) <= hi and channel(v) == channel_]


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` (1 ≤ K ≤ N) as (K, N); ValueError otherwise."""
    k, sep, n = text.partition("/")
    if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ValueError(f"not a shard: {text!r} (use K/N with 1 ≤ K ≤ N, e.g. 2/4)")
    return int(k), int(n)


def shard(versions, k: int, n: int) -> list[str]:
    """Every n-th release in version order, starting with the k-th: shards 1..n of one list are disjoint
    and cover it, and a release published later only ever lands at the end (the others keep their shard)."""
    return [v for i, v in enumerate(sort(set(versions))) if i % n == k - 1]
