"""docs/prediction.md shows exactly the backtest table bench/backtest_forecast.py prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_backtest_table_in_the_docs_is_reproduced_by_the_script() -> None:
    spec = importlib.util.spec_from_file_location("backtest_forecast", ROOT / "bench" / "backtest_forecast.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        table = module.table(module.scores())
    finally:
        del sys.modules[spec.name]
    assert table.count("\n") >= 5
    assert table in (ROOT / "docs" / "prediction.md").read_text(encoding="utf-8")
