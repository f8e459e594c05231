"""`audit pin --format renovate / dependabot`: valid against the bots' published schemas (offline copies in
tests/fixtures/schemas, see its README), holding the package at the recommendation, with why."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from auditor.judge import Finding
from auditor.pin import Policy, dependabot_config, recommend, renovate_rule
from auditor.targets.claude_code import CLAUDE_CODE

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
PUBLISHED = {f"2.1.{i}": f"2026-04-{i:02d}T12:00:00+00:00" for i in range(1, 11)}
NOW = datetime(2026, 4, 30, tzinfo=UTC)


def schema(name: str) -> jsonschema.Draft7Validator:
    with gzip.open(SCHEMAS / name, "rt", encoding="utf-8") as f:
        return jsonschema.Draft7Validator(json.load(f))


def finding(title: str = "Terse-output instruction now unconditional") -> Finding:
    return Finding("0123456789ab", "output-length", "high", "undocumented", title, {}, (), "2.1.8", None, 0.8)


def yaml(text: str):
    return YAML(typ="safe").load(io.StringIO(text))


def test_renovate_rule_is_valid_against_renovates_schema_and_holds_the_recommendation():
    rec = recommend([finding()], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    doc = json.loads(rec.renovate())
    validator = schema("renovate-schema.json.gz")
    assert list(validator.iter_errors(doc)) == []
    rule = doc["packageRules"][0]
    assert rule["matchPackageNames"] == ["@anthropic-ai/claude-code"] and rule["allowedVersions"] == "<=2.1.7"
    assert rule["description"].startswith("auditor: hold @anthropic-ai/claude-code at 2.1.7 (from 2.1.3)")
    assert "the first in 2.1.8: undocumented high output-length, id 0123456789ab" in rule["description"]
    # the schema is no rubber stamp: a misspelt option or a wrongly typed one is refused
    assert list(validator.iter_errors({"packageRules": [{**rule, "allowedVersions": ["<=2.1.7"]}]}))
    assert list(validator.iter_errors({"packageRules": "<=2.1.7"}))


def test_dependabot_config_is_valid_against_its_schema_and_ignores_what_is_newer():
    rec = recommend([finding()], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    text = rec.dependabot()
    doc = yaml(text)
    validator = schema("dependabot-2.0.json.gz")
    assert list(validator.iter_errors(doc)) == []
    assert doc["updates"][0]["ignore"] == [{"dependency-name": "@anthropic-ai/claude-code", "versions": [">2.1.7"]}]
    assert "      # auditor: hold @anthropic-ai/claude-code at 2.1.7 (from 2.1.3)" in text
    broken = {**doc, "updates": [{k: v for k, v in doc["updates"][0].items() if k != "schedule"}]}
    assert list(validator.iter_errors(broken)) and list(validator.iter_errors({**doc, "version": 3}))


def test_staying_on_the_baseline_holds_it_and_says_so():
    rec = recommend([finding()], {v: PUBLISHED[v] for v in ("2.1.7", "2.1.8")}, "2.1.7", Policy(), NOW, target=CLAUDE_CODE)
    assert json.loads(rec.renovate())["packageRules"][0]["allowedVersions"] == "<=2.1.7"
    assert "stays on 2.1.7" in rec.dependabot()


@pytest.mark.parametrize("why", ['x"\n      - dependency-name: "evil"\n        versions: ["*"]', "a\r\n# b\u2028c", '}"]} ,{"'])
def test_a_hostile_why_stays_inside_the_comment(why):
    """Whatever the why says (it is made of titles and ids today; vendor text tomorrow), it adds no YAML
    or JSON of its own."""
    doc = yaml(dependabot_config("@anthropic-ai/claude-code", "2.1.7", why))
    assert doc["updates"][0]["ignore"] == [{"dependency-name": "@anthropic-ai/claude-code", "versions": [">2.1.7"]}]
    assert list(schema("dependabot-2.0.json.gz").iter_errors(doc)) == []
    rule = json.loads(renovate_rule("@anthropic-ai/claude-code", "2.1.7", why))["packageRules"]
    assert len(rule) == 1 and set(rule[0]) == {"description", "matchPackageNames", "allowedVersions"} and "\n" not in rule[0]["description"]
