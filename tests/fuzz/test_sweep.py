"""Every single-place mutation of every real body, in order: the deterministic half of the fuzz suite.

:func:`coinrelay.testing.check_mutations` (the contract kit's call) walks each place of each body
(:func:`~coinrelay.testing.mutations.paths`) with each kind of change, and each whole-body
replacement: about 16,000 calls over loopback HTTP, ~25 s. CoinGecko's ``/coins/{id}`` body
has 27,000 (its localized texts); its first :data:`LONG_BODY_LIMIT` are walked, hypothesis
draws from the rest.
"""

from __future__ import annotations

import pytest

from coinrelay.testing import check_mutations

from .cases import CASES, Case

LONG_BODY_LIMIT = 1500


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_every_single_mutation_is_refused_or_plausible(case: Case) -> None:
    tally = await check_mutations(
        case.plugin,
        case.name,
        bodies={case.category: case.bodies},
        params={case.category: case.params},
        errors=case.errors,
        provider_settings=case.settings,
        limit=LONG_BODY_LIMIT,
    )
    counts = tally[case.category]
    assert counts.get("ok", 0) + sum(counts.values()) > 0, counts
    assert sum(n for outcome, n in counts.items() if outcome != "ok") > 0, counts  # something was refused
