"""Built-in ``technical`` plugin: indicators computed from ``ohlcv`` (placeholder until the indicator module lands)."""
