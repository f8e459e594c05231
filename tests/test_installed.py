"""The wheel, installed into a fresh venv and run from outside the checkout, on fixture releases.

`.ci/run` builds the wheel, installs it and points $AUDITOR_INSTALLED at that venv's `audit`; without it
(a developer's quick run) this module is skipped, since building a venv here would install every
dependency again.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
INSTALLED = os.environ.get("AUDITOR_INSTALLED")

pytestmark = pytest.mark.skipif(not INSTALLED, reason="set AUDITOR_INSTALLED to an installed `audit` (.ci/run does)")


@pytest.fixture
def audit(releases, env, tmp_path):
    """Runs the installed `audit` in an empty folder outside the checkout, with the fixture registry."""
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([INSTALLED, *args], cwd=work, env=dict(os.environ), capture_output=True, text=True, timeout=300)
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_the_installed_package_is_not_the_checkout():
    python = Path(INSTALLED).parent / "python"
    where = subprocess.run([python, "-c", "import auditor; print(auditor.__file__)"], cwd="/", capture_output=True, text=True, check=True)
    assert not Path(where.stdout.strip()).is_relative_to(CHECKOUT)


def test_help(audit):
    out = audit("--help").stdout
    assert "diff" in out and "pin" in out
    assert "env var: AUDITOR_DB" in " ".join(audit("diff", "--help").stdout.split())


def test_diff_with_findings_uses_the_shipped_rules(audit, tmp_path):
    doc = json.loads(audit("diff", "2.1.1", "2.1.114", "--no-capture", "--format", "json", "--db", str(tmp_path / "x.db")).stdout)
    assert doc["findings"] and {f["verdict"] for f in doc["findings"]} <= {"documented", "partial", "undocumented"}
    assert (tmp_path / "x.db").exists()
    assert "anti_verbosity" in audit("diff", "2.1.1", "2.1.114", "--no-capture", "--db", str(tmp_path / "x.db")).stdout


def test_pin(audit):
    out = audit("pin", "--from", "2.1.1", "--no-capture").stdout
    assert "npm install" in out


def test_bad_input_is_one_line(audit):
    done = audit("diff", "2.1.1", "9.9.9", "--no-capture", ok=False)
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1, done.stderr
