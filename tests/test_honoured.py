"""Findings of type "setting no longer honoured", and a report led by the user's plan: pure functions on hand-made changes."""

from __future__ import annotations

from auditor import audit, honoured, targets
from auditor.changelog import Entry, Release
from auditor.diff import Change, diff_range
from auditor.report import DiffReport

YES = 'yes (output_config.effort: "low")'
NO = 'no (output_config.effort: "medium")'
PUBLISHED = {v: None for v in ("2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.1.5", "2.1.6", "2.1.7", "2.1.8")}


def honours(values: dict[str, str | None], scenario: str = "settings-effort", setting: str = "effortLevel") -> list[Change]:
    """The changes diff makes of a scenario's `honours` fact along releases (None: not captured there)."""
    series = [(v, {"capture": {f"honours {setting}": value} if value else {}}) for v, value in values.items()]
    return diff_range(series, scenario=scenario)


def test_a_setting_that_stops_being_honoured_is_a_high_undocumented_finding():
    changes = honours({"2.1.1": YES, "2.1.2": YES, "2.1.3": NO})
    [finding] = honoured.findings(changes, [Release("2.1.3", None, (Entry("Fixed a crash"),))], PUBLISHED)
    assert (finding.severity, finding.verdict, finding.category, finding.introduced_in) == ("high", "undocumented", "reasoning", "2.1.3")
    assert finding.evidence["type"] == "setting no longer honoured" and finding.evidence["before"] == YES
    assert finding.title == 'effortLevel no longer honoured (scenario settings-effort): output_config.effort "medium" sent, was "low"'
    assert finding.changes == tuple(changes)


def test_the_changelog_is_searched_for_the_settings_name_in_and_next_to_the_release():
    changes = honours({"2.1.1": YES, "2.1.4": NO})
    near = [Release("2.1.5", None, (Entry("`effortLevel` in settings now only applies to Opus"),))]
    [finding] = honoured.findings(changes, near, PUBLISHED)
    assert finding.verdict == "documented" and finding.changelog_refs[0].version == "2.1.5"
    far = [Release("2.1.7", None, (Entry("`effortLevel` in settings now only applies to Opus"),))]
    assert honoured.findings(changes, far, PUBLISHED)[0].verdict == "undocumented"


def test_a_plain_word_setting_needs_the_word_setting_too():
    changes = honours({"2.1.1": 'yes (model: "claude-haiku-4-5")', "2.1.2": 'no (model: "claude-sonnet-4-6")'}, "settings-model", "model")
    about_models = [Release("2.1.2", None, (Entry("Opus 4.6 is now the default model"),))]
    [finding] = honoured.findings(changes, about_models, PUBLISHED)
    assert finding.verdict == "undocumented" and finding.category == "model-routing"
    about_the_setting = [Release("2.1.2", None, (Entry("The model setting is now ignored in print mode"),))]
    assert honoured.findings(changes, about_the_setting, PUBLISHED)[0].verdict == "documented"


def test_every_turn_is_reported_and_missing_captures_or_requests_are_not_a_change():
    not_sent = "not sent (no main request)"
    changes = honours({"2.1.1": YES, "2.1.2": NO, "2.1.3": None, "2.1.4": not_sent, "2.1.5": YES, "2.1.6": NO})
    found = [(f.introduced_in, f.evidence["type"], f.severity) for f in honoured.findings(changes, [], PUBLISHED)]
    assert found == [("2.1.2", "setting no longer honoured", "high"), ("2.1.5", "setting honoured again", "low"),
                     ("2.1.6", "setting no longer honoured", "high")]


def test_a_setting_never_honoured_or_always_honoured_gives_nothing():
    assert honoured.findings(honours({"2.1.1": NO, "2.1.2": NO}), [], PUBLISHED) == []
    assert honoured.findings(honours({"2.1.1": YES, "2.1.2": YES.replace("low", "low ")}), [], PUBLISHED) == []


def test_split_keeps_other_changes_for_the_rules():
    other = Change(kind="request_param", key="turn 0: max_tokens", label="x", before=1, after=2, introduced_in="2.1.2")
    mine = honours({"2.1.1": YES, "2.1.2": NO})
    assert honoured.split([other, *mine]) == (mine, [other])


def test_the_report_leads_with_the_users_plan():
    def change(scenario: str | None) -> Change:
        return Change(kind="request_param", key="turn 0: model", label="m", before="a", after="b", introduced_in="2.1.2", scenario=scenario)

    changes = [change(None), change("plan-pro"), change("plan-max-opus"), change("plan-max")]
    findings = [*honoured.findings(honours({"2.1.1": YES, "2.1.2": NO}, "plan-pro"), [], PUBLISHED),
                *honoured.findings(honours({"2.1.1": YES, "2.1.2": NO}, "plan-max"), [], PUBLISHED)]
    report = DiffReport(target="t", platform="p", from_version="2.1.1", to_version="2.1.2", versions=["2.1.1", "2.1.2"],
                        changes=changes, scenarios=["print-default", "plan-pro", "plan-max", "plan-max-opus"], notes=["n"],
                        findings=findings)
    audit.lead_with(report, "max")
    assert [f.changes[0].scenario for f in report.findings] == ["plan-max", "plan-pro"]
    assert report.scenarios == ["plan-max", "plan-max-opus", "print-default", "plan-pro"]
    assert [c.scenario for c in report.changes] == ["plan-max-opus", "plan-max", None, "plan-pro"]
    assert report.notes == ["your plan: max; what plan-max and plan-max-opus captured comes first", "n"]
    assert audit.plan_scenarios("team") == ("plan-team", "plan-team-opus")


def test_plan_option_adds_the_plans_scenarios_and_rejects_unknown_plans():
    from click.testing import CliRunner

    from auditor import cli

    names = [s.name for s in cli._scenarios("claude-code", (), None, False, "team")]
    assert names == [*targets.get("claude-code").default_scenarios, "plan-team", "plan-team-opus"]
    assert [s.name for s in cli._scenarios("claude-code", ("plan-max",), None, False, "max")] == ["plan-max", "plan-max-opus"]
    assert cli._scenarios("claude-code", (), None, True, "max") == []
    result = CliRunner().invoke(cli.cli, ["diff", "2.1.1", "2.1.2", "--plan", "free"])
    assert result.exit_code == 2 and "'free' is not one of" in result.output
    result = CliRunner().invoke(cli.cli, ["diff", "2.1.1", "2.1.2"], env={"AUDITOR_PLAN": "gold"})
    assert result.exit_code == 2 and "'gold' is not one of" in result.output
