"""What Prometheus users get (issue 15 item 6): alerting rules and a Grafana dashboard in ``ops/``.

The rules are checked and unit-tested with ``promtool`` (on ``PATH``, or next to the Python
running the tests: ``scripts/install-system-deps.sh`` unpacks it from Debian's ``prometheus``
package into ``.venv/bin``); these tests fail when it is missing unless
``COINRELAY_SKIP_PROMTOOL=1`` is set explicitly. Every metric name in the rules and the
dashboard must be one ``/metrics`` really exposes, and every dashboard query must parse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coinrelay import Blame, Outcome, Relay
from coinrelay._config import ProviderSettings, Settings
from coinrelay._events import BreakerStateChanged, CallFinished, FailoverHappened, RequestFinished
from coinrelay.server.metrics import MetricsListener

from .support import price_provider

OPS = Path(__file__).resolve().parents[1] / "ops"
RULES = OPS / "prometheus" / "alerts.yml"
RULE_TESTS = OPS / "prometheus" / "alerts.test.yml"
DASHBOARD = OPS / "grafana" / "coinrelay.json"
#: Grafana's variables, as a query sees them once Grafana has filled them in.
GRAFANA_VARS = {
    "$__rate_interval": "5m",
    "$__range": "6h",
    "$job": ".*",
    "$instance": ".*",
    "$category": ".*",
    "$provider": ".*",
}


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    beside = Path(sys.executable).parent / "promtool"
    tool = shutil.which("promtool") or (str(beside) if beside.is_file() else None)
    if tool is None:
        if os.environ.get("COINRELAY_SKIP_PROMTOOL") == "1":
            pytest.skip("COINRELAY_SKIP_PROMTOOL=1 and promtool missing")
        pytest.fail(
            "promtool not found: install Debian's prometheus package (scripts/install-system-deps.sh does), "
            "or set COINRELAY_SKIP_PROMTOOL=1 to skip these checks explicitly"
        )
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_alerting_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def test_alerting_rules_unit_tests() -> None:
    done = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def dashboard_queries(dash: dict[str, Any]) -> list[str]:
    """Every PromQL expression of the dashboard: panel targets and annotations."""
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    exprs += [a["expr"] for a in dash["annotations"]["list"]]
    return exprs


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    dash = json.loads(DASHBOARD.read_text())
    exprs = dashboard_queries(dash)
    assert len(exprs) >= 12
    rules = []
    for i, expr in enumerate(exprs):
        for var, value in GRAFANA_VARS.items():
            expr = expr.replace(var, value)
        assert "$" not in expr, expr  # a variable the test does not know
        rules.append(f"      - record: coinrelay:dashboard_query_{i}\n        expr: {json.dumps(expr)}\n")
    path = tmp_path / "queries.yml"
    path.write_text("groups:\n  - name: dashboard\n    rules:\n" + "".join(rules))
    done = promtool("check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_dashboard_is_well_formed() -> None:
    dash = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in dash["templating"]["list"]}
    assert {"datasource", "job", "instance", "category", "provider"} <= variables
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"] and p["description"], p["title"]
    titles = " ".join(p["title"] for p in dash["panels"])
    for needed in ("Calls by how they were served", "Success rate", "latency", "Failovers", "breakers"):
        assert needed in titles


def exposed_names() -> set[str]:
    """The sample names /metrics exposes once each kind of event has happened."""
    settings = Settings(providers={"a": ProviderSettings(endpoints=["http://127.0.0.1:9"])}, chains={"price": ["a"]})
    relay = Relay(settings, plugins=[("a", price_provider("a"))], load_entry_points=False)
    m = MetricsListener(relay)
    m.on_request_finished(RequestFinished("a", "http://127.0.0.1:9", "price", Outcome.FAILED, 0.1, "x", Blame.ENDPOINT))
    m.on_call_finished(CallFinished("price", "provider", "a", Outcome.OK, 0.1))
    m.on_failover(FailoverHappened("price", "a", "b", "failed"))
    m.on_breaker_state_change(BreakerStateChanged("a", None, "closed", "open", "x", None))
    return set(re.findall(r"^(coinrelay_\w+)[{ ]", m.exposition().decode(), re.M))


def test_rules_and_dashboard_name_only_metrics_that_exist() -> None:
    exposed = exposed_names()
    assert {"coinrelay_attempts_total", "coinrelay_calls_total", "coinrelay_call_duration_seconds_bucket"} <= exposed
    for path in (RULES, DASHBOARD):
        named = set(re.findall(r"\b(coinrelay_[a-z_]+)", path.read_text()))
        assert named, path
        assert named <= exposed, (path.name, named - exposed)
