"""No valid real body is refused: every real body the plugins parse passes the plugin and ``check()``."""

from __future__ import annotations

import pytest

from coinrelay.testing.oracle import Bench

from .cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_a_real_body_gives_a_plausible_value(case: Case) -> None:
    async with Bench([(case.name, case.plugin)], case.settings) as bench:
        verdict = await bench.serve(case.category, case.params, case.bodies)
    assert verdict.outcome == "ok", f"the real body is refused: {verdict.errors}"
