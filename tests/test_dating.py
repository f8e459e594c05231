"""Release dating by the earliest trustworthy evidence, the releases current around a date, a user's
metric series, and `audit around`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from auditor import dating
from auditor.changelog.history import ChangelogHistory, SectionRecord
from auditor.cli import cli
from auditor.errors import AuditorError, MetricError

# npm's times on the registry these machines reach: 2.1.67 and 2.1.68 were stamped months late
NPM = {
    "2.1.66": "2026-03-03T20:00:00Z",
    "2.1.67": "2026-09-14T11:01:37Z",
    "2.1.68": "2026-08-23T23:26:21Z",
    "2.1.69": "2026-03-05T20:24:06Z",
    "2.1.70-beta.1": "2026-03-05T21:00:00Z",
    "2.1.70": "2026-03-06T09:00:00Z",
}
SECTIONS = {"2.1.68": "2026-03-04T10:10:30+00:00", "2.1.69": "2026-03-05T00:25:31+00:00", "2.1.70": "2026-03-09T00:00:00+00:00"}


def test_a_late_npm_time_gives_way_to_the_changelog_commit_or_the_neighbours():
    dates = dating.date_releases(NPM, SECTIONS)
    assert list(dates) == ["2.1.66", "2.1.67", "2.1.68", "2.1.69", "2.1.70"]  # prereleases are not dated
    assert (dates["2.1.68"].day, dates["2.1.68"].source) == ("2026-03-04", "changelog")
    assert dates["2.1.68"].note == "npm says 2026-08-23, its changelog section is dated 2026-03-04"
    assert (dates["2.1.67"].day, dates["2.1.67"].source) == ("2026-03-04", "neighbours") and "no later than" in dates["2.1.67"].note
    assert (dates["2.1.69"].day, dates["2.1.69"].source, dates["2.1.69"].note) == ("2026-03-05", "npm", "")  # they agree within a day
    assert (dates["2.1.70"].source, dates["2.1.70"].note) == ("npm", "")  # a late changelog does not move the release
    assert (dates["2.1.66"].source, dates["2.1.66"].day) == ("npm", "2026-03-03")


def test_sections_of_the_historys_first_commit_have_no_date():
    history = ChangelogHistory(commits=["a", "b"], baseline="a", sections={"1.0.0": SectionRecord("a", "2025-01-01"), "1.0.1": SectionRecord("b", "2025-02-01")})
    assert dating.section_dates(history) == {"1.0.1": "2025-02-01"}
    assert dating.section_dates(None) == {}


def test_current_on_is_the_release_out_when_the_window_opened_and_those_inside():
    dates = dating.date_releases(NPM, SECTIONS)
    window = dating.current_on(dates, dating.parse_day("2026-03-05"), days=1)
    assert [d.version for d in window] == ["2.1.68", "2.1.69"]  # 2.1.67 is dated no later than 2.1.68, so 2.1.68 was current
    assert [d.version for d in dating.current_on(dates, dating.parse_day("2026-03-03"))] == ["2.1.66"]
    assert dating.current_on(dates, dating.parse_day("2026-01-01"), days=3) == []
    assert dating.parse_day("2026-03-05") == datetime(2026, 3, 5, 23, 59, 59, 999999, tzinfo=UTC)
    with pytest.raises(AuditorError, match="not a date"):
        dating.parse_day("March 5")


def test_stamps_replace_npm_times_with_the_dates():
    dates = dating.date_releases(NPM, SECTIONS)
    stamped = dating.stamps(dates, NPM)
    assert stamped["2.1.68"].startswith("2026-03-04") and stamped["2.1.70-beta.1"] == NPM["2.1.70-beta.1"]


def test_metric_files_are_read_with_or_without_a_header_and_bad_lines_are_named(tmp_path):
    good = tmp_path / "m.csv"
    good.write_text("date,pass_rate\n2026-03-05,0.5\n2026-03-03,0.61\n\n")
    series = dating.read_metric(good)
    assert series == {"2026-03-03": 0.61, "2026-03-05": 0.5}
    assert dating.metric_on(series, "2026-03-04") == 0.61 and dating.metric_on(series, "2026-03-01") is None
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-03-03,0.6\n2026-03-04,high\n")
    with pytest.raises(MetricError, match=r"bad.csv:2: expected date,value"):
        dating.read_metric(bad)
    with pytest.raises(MetricError, match="cannot read"):
        dating.read_metric(tmp_path / "missing.csv")


def test_audit_around_lists_the_releases_of_the_window_with_their_findings(releases, env):
    (env / "m.csv").write_text("2026-04-02,0.7\n2026-04-03,0.4\n")
    result = CliRunner().invoke(cli, ["around", "2026-04-03", "--days", "1", "--no-capture", "--metric", str(env / "m.csv")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Releases current from 2026-04-02 to 2026-04-03: 2" in out
    assert "2026-04-03     0.4  2.1.113" in out
    assert "2.1.2  2026-04-02 (npm)  (current when the window opened)" in out
    block = out.split("2.1.113  2026-04-03 (npm)")[1]
    assert "undocumented high" in block  # the fixture's unconditional output-length section


def test_audit_around_a_day_before_every_release_is_one_line(releases, env):
    result = CliRunner().invoke(cli, ["around", "2020-01-01", "--no-capture"])
    assert result.exit_code == 1 and "no release" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_bad_metric_file_stops_the_tui_before_it_starts(releases, env):
    (env / "bad.csv").write_text("2026-04-01,0.5\n2026-04-02,n/a\n")
    result = CliRunner().invoke(cli, ["tui", "--metric", str(env / "bad.csv")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1 and "bad.csv:2" in result.output
