"""What masking secrets costs, against baselines in the same run.

* ``Response`` built with the provider's secrets (what ``ctx.http.get`` now does for every
  answer below 500) vs built without them — the only cost on the success path;
* :func:`coinrelay._redact.redact` on an error message that does not hold the key (the usual
  error) and on one that echoes it (an upstream echoing the key), vs the plain
  ``str.replace`` of the whole key that it replaces (which leaked cut-off pieces).

Usage: ``.venv/bin/python bench/secret_scrubbing.py [--rounds 5]``. Each figure is the best of
``rounds`` timeit repeats; ratios are scrubbing ÷ baseline.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from coinrelay._redact import redact
from coinrelay._response import Response

KEY = "CG-Ab3dEf6hIj9kLm2nP"  # 19 characters, like a CoinGecko demo key
SECRETS = {"api_key": KEY}
ANSWER = {
    "status_code": 200,
    "headers": {"content-type": "application/json"},
    "content": b'{"bitcoin":{"usd":67000.5}}',
    "url": "https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=usd",
    "endpoint": "https://api.coingecko.com/api/v3",
    "provider": "coingecko",
}
PLAIN_ERROR = "malformed JSON (HTTP 200) from https://api.coingecko.com/api/v3/simple/price: Expecting value"
ECHO_ERROR = "x" * 60 + f'apikey={KEY}" is not a valid key; see https://www.coingecko.com/en/api'


def best(fn: Callable[[], object], number: int, rounds: int) -> float:
    """Seconds per call, best of ``rounds``."""
    return min(timeit.repeat(fn, number=number, repeat=rounds)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows: list[tuple[str, float, float]] = []
    values = SECRETS.values()
    rows.append(
        (
            "Response(...) with the provider's secrets (vs without)",
            best(lambda: Response(**ANSWER, secrets=values), 200_000, args.rounds),  # type: ignore[arg-type]
            best(lambda: Response(**ANSWER), 200_000, args.rounds),  # type: ignore[arg-type]
        )
    )
    for label, text in (("an error without the key", PLAIN_ERROR), ("an error echoing the key", ECHO_ERROR)):
        rows.append(
            (
                f"redact(...) of {label} (vs str.replace of the whole key)",
                best(lambda text=text: redact(text, [KEY]), 20_000, args.rounds),
                best(lambda text=text: text.replace(KEY, "***"), 20_000, args.rounds),
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'scrubbing':>10}  {'baseline':>9}  {'added':>9}  ratio")
    for label, mine, base in rows:
        added = (mine - base) * 1e6
        print(f"{label:<{width}}  {mine * 1e6:>8.2f}µs  {base * 1e6:>7.2f}µs  {added:>7.2f}µs  {mine / base:.1f}×")


if __name__ == "__main__":
    main()
