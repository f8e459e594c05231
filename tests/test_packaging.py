"""The wheel's contents are declared by hand (the shipped rules live outside the package folder), so a
new subpackage must be added to pyproject.toml: this test says which one was forgotten."""

import tomllib
from pathlib import Path

import auditor
from auditor import rules

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_in_the_wheel():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "auditor").rglob("__init__.py")}
    assert found | {"auditor.default_rules"} == declared


def test_version_has_one_home():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "auditor.__version__"}
    assert auditor.__version__


def test_the_shipped_rules_are_the_top_level_rules_folder():
    shipped = sorted(p.name for p in rules.default_dir().iterdir() if p.name.endswith(".toml"))
    assert shipped == sorted(p.name for p in (ROOT / "rules").glob("*.toml")) and shipped
