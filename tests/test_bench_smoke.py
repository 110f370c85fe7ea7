"""``bench/run.py --quick`` still runs every scenario and prints the table (no timing is checked).

The benchmarks are plain scripts nobody imports; without this they could rot unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.")


def test_quick_bench_prints_a_row_for_every_scenario(tmp_path: Path) -> None:
    out_json = tmp_path / "rows.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-uvloop", "--json", str(out_json)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("| ")]
    header, rows = lines[0], lines[1:]
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "scenario",
        "measure",
        "coinrelay",
        "baseline",
        "ratio",
        "target",
        "met",
    ]
    for sid in SCENARIOS:
        assert any(r.split("|")[1].strip().startswith(sid) for r in rows), f"no row for scenario {sid}"
    assert "targets met:" in proc.stdout
    recorded = json.loads(out_json.read_text())
    assert len(recorded["rows"]) == len(rows)
    assert all(r["coinrelay"] for r in recorded["rows"])  # every row measured something
    # scenario 1 measures the synthetic plugin and the shipped binance plugin on each transport
    scenario1 = {r["scenario"] for r in recorded["rows"] if r["scenario"].startswith("1.")}
    for plugin in ("synthetic", "binance"):
        for transport in ("aiohttp", "wreq"):
            assert f"1. overhead · {plugin} · {transport}" in scenario1


def test_invariants_bench_runs_and_checks_plausible_results() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "invariants.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [line.split()[0] for line in proc.stdout.splitlines()[1:]] == ["price", "ohlcv,", "orderbook,"]
