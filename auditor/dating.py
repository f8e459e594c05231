"""When each release came out, by the earliest trustworthy evidence, and which releases were current on
a given day. Pure functions.

npm's publish time is wrong for some releases on the registry these machines reach: 2.1.68 says
2026-08-23 and 2.1.67 2026-09-14, yet 2.1.68's changelog section was committed 2026-03-04 and 2.1.69
was published 2026-03-05 (republished packages get a new time, months late). So a release is dated by:

- npm's publish time, unless it is later than a newer release's date (a release comes out before
  the releases after it): then it is not trusted;
- the commit that first added its changelog section (sections already in the history's first commit
  have no known date), else the date its release notes carry (GitHub's `published_at`, a heading's);
- the earliest of those two that is trusted (npm's time when they agree within a day: it is when
  users could install it); with neither, its neighbours: no later than the next release's date.

Where npm's time and the chosen date are more than a day apart, the release says so (`note`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import versions
from .changelog.history import ChangelogHistory, instant
from .changelog.model import Changelog
from .errors import AuditorError, MetricError

SLACK = timedelta(days=1)  # clocks and time zones: closer than this is agreement


@dataclass(frozen=True)
class Dated:
    """A release's date, where it came from (`npm`, `changelog`, `neighbours`, or `unknown` with no
    date), both sources' own dates, and a note when they disagree."""

    version: str
    when: datetime | None
    source: str
    npm: datetime | None = None
    changelog: datetime | None = None
    note: str = ""

    @property
    def day(self) -> str:
        return self.when.date().isoformat() if self.when else ""

    @property
    def stamp(self) -> str | None:
        return self.when.isoformat() if self.when else None


def section_dates(history: ChangelogHistory | None) -> dict[str, str]:
    """Version → when its changelog section was first committed (those of the history's first commit
    are left out: they predate the history, so when they appeared is unknown)."""
    if history is None:
        return {}
    return {v: s.first_date for v, s in history.sections.items() if s.first_sha != history.baseline}


def changelog_dates(changelog: Changelog) -> dict[str, str]:
    """Version → when the changelog says it came out: its section's first commit (`section_dates`), else
    the date its release carries (a GitHub release's publication, a heading's day)."""
    carried = {}
    for release in changelog.releases:
        try:
            carried[release.version] = instant(release.date).isoformat() if release.date else None
        except ValueError:  # a heading's "2026-02-30"
            continue
    return {**{v: d for v, d in carried.items() if d}, **section_dates(changelog.history)}


def date_releases(published: Mapping[str, str | None], sections: Mapping[str, str]) -> dict[str, Dated]:
    """Every stable release of `published` (npm's version → time map) dated as the module says."""
    stable = versions.sort(v for v in published if versions.is_version(v) and not versions.is_prerelease(v))
    npm = {v: instant(t) for v in stable if (t := published.get(v))}
    log = {v: instant(sections[v]) for v in stable if v in sections}
    out: dict[str, Dated] = {}
    bound: datetime | None = None  # the earliest date of any newer release: an upper bound for this one
    for version in reversed(stable):
        n, c = npm.get(version), log.get(version)
        trusted = n if n is not None and (bound is None or n <= bound + SLACK) else None
        if trusted is not None and (c is None or c >= trusted - SLACK):
            when, source = trusted, "npm"
        elif c is not None:
            when, source = c, "changelog"
        elif bound is not None:
            when, source = bound, "neighbours"
        else:
            when, source = None, "unknown"
        out[version] = Dated(version, when, source, n, c, _note(n, c, when, source, bound))
        if when is not None:
            bound = when if bound is None else min(bound, when)
    return {v: out[v] for v in stable}


def _note(npm: datetime | None, log: datetime | None, when: datetime | None, source: str, bound: datetime | None) -> str:
    if npm is None or when is None or abs(npm - when) <= SLACK:
        return ""
    why = f"npm says {npm.date()}"
    if source == "changelog" and log is not None:
        return f"{why}, its changelog section is dated {log.date()}"
    if source == "neighbours" and bound is not None:
        return f"{why}, after a newer release ({bound.date()}): dated no later than that"
    return f"{why}, dated {when.date()} ({source})"


def stamps(dates: Mapping[str, Dated], published: Mapping[str, str | None]) -> dict[str, str | None]:
    """`published` with each dated release's time replaced by its date (prereleases keep npm's)."""
    return {v: dates[v].stamp if v in dates else t for v, t in published.items()}


def current_on(dates: Mapping[str, Dated], moment: datetime, days: float = 0) -> list[Dated]:
    """The releases users had during the `days` before `moment`: the newest one out when the window
    opened, and every one dated inside the window, in version order."""
    start = moment - timedelta(days=days)
    dated = [d for d in dates.values() if d.when is not None]
    before = [d for d in dated if d.when is not None and d.when <= start]
    opening = max(before, key=lambda d: versions.parse(d.version)) if before else None
    inside = [d for d in dated if d.when is not None and start < d.when <= moment]
    chosen = {d.version: d for d in ([opening] if opening else []) + inside}
    return [chosen[v] for v in versions.sort(chosen)]


def parse_day(text: str) -> datetime:
    """`2026-03-05` (or a full ISO time) as the end of that day in UTC, so releases of that day count."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), datetime.max.time(), tzinfo=UTC)
        return instant(text.strip())
    except ValueError:
        raise AuditorError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def read_metric(path: Path) -> dict[str, float]:
    """A user's daily series, `date,value` per line (a header line is allowed): day → value."""
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise MetricError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc.__class__.__name__})") from None
    series: dict[str, float] = {}
    for number, row in enumerate(rows, 1):
        if not row or not "".join(row).strip():
            continue
        try:
            day, value = date.fromisoformat(row[0].strip()[:10]).isoformat(), float(row[1])
        except (ValueError, IndexError):
            if number == 1:
                continue  # a header
            raise MetricError(f"{path}:{number}: expected date,value (e.g. 2026-03-05,0.42), got {','.join(row)!r}") from None
        series[day] = value
    if not series:
        raise MetricError(f"{path}: no date,value lines")
    return dict(sorted(series.items()))


def metric_on(series: Mapping[str, float], day: str) -> float | None:
    """The series' value on `day`, or its last value before it (None before the series starts)."""
    known = [d for d in series if d <= day]
    return series[max(known)] if known else None


def window_days(moment: datetime, days: float) -> Iterable[str]:
    """The days from `days` before `moment` to it, oldest first (ISO dates)."""
    first = (moment - timedelta(days=days)).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((moment.date() - first).days + 1)]
