"""Dynamic capture: run a real CLI release in a sandbox against a loopback fake Messages API and record what it sends."""

from .normalize import Volatiles, normalize_request, normalize_text, normalize_value
from .runner import DEFAULT_API_HOST, ERROR, OK, UNSUPPORTED, ScenarioResult, capture, capture_scenario
from .sandbox import FAKE_API_KEY, RunOutcome, Sandbox, ScenarioUnsupported
from .scenarios import Scenario, ScenarioError, load_scenario, load_scenarios
from .server import Egress, FakeAPI, RecordedRequest, Turn
from .tls import Certificates

__all__ = [
    "DEFAULT_API_HOST", "ERROR", "FAKE_API_KEY", "OK", "UNSUPPORTED",
    "Certificates", "Egress", "FakeAPI", "RecordedRequest", "RunOutcome", "Sandbox", "Scenario", "ScenarioError",
    "ScenarioResult", "ScenarioUnsupported", "Turn", "Volatiles",
    "capture", "capture_scenario", "load_scenario", "load_scenarios",
    "normalize_request", "normalize_text", "normalize_value",
]
