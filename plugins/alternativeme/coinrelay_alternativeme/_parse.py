"""JSON -> :class:`~coinrelay._models.Sentiment` for Alternative.me (transform; no I/O).

The body documented at alternative.me/crypto/fear-and-greed-index/#api::

    {"name": "Fear and Greed Index",
     "data": [{"value": "40", "value_classification": "Fear", "timestamp": "1551157200",
               "time_until_update": "68499"},
              {"value": "47", "value_classification": "Neutral", "timestamp": "1551070800"}],
     "metadata": {"error": null}}

``value``, ``timestamp`` (epoch seconds, 00:00 UTC of the day) and ``time_until_update``
(seconds) are strings holding integers; ``time_until_update`` is only on ``data[0]``;
readings are newest first; ``metadata.error`` is the API's error channel.

Identity: the index has no symbol or quote; the answer's count (``limit``) is the core's check.
"""

from __future__ import annotations

from typing import Any

from coinrelay.plugin import Sentiment, SentimentPoint, Source, bad, field, from_s, integer, parsing

PROVIDER = "alternativeme"

#: The only labels the index uses, lowest to highest.
CLASSIFICATIONS: tuple[str, ...] = ("Extreme Fear", "Fear", "Neutral", "Greed", "Extreme Greed")


@parsing(PROVIDER, "/fng")
def parse_fng(body: Any, limit: int, source: Source) -> Sentiment:
    """The newest reading of ``body``, with its ``limit`` newest readings as ``history``.

    :raises InvalidResponse: ``metadata.error`` is set; ``data`` is missing, empty or not
        newest first; a reading has a value outside 0-100, an unknown classification or
        a non-integer field.
    """
    if not isinstance(body, dict):
        raise bad(PROVIDER, f"expected a JSON object with 'data', got {type(body).__name__}")
    meta = body.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise bad(PROVIDER, f"field 'metadata' is {type(meta).__name__}, expected an object")
        error = meta.get("error")
        if error is not None:
            raise bad(PROVIDER, f"alternative.me reported an error in metadata.error: {str(error)[:200]}")
    data = field(body, "data", list, PROVIDER)
    if not data:
        raise bad(PROVIDER, "field 'data' is empty: no fear-and-greed reading")
    points = [parse_point(item, f"data[{i}]") for i, item in enumerate(data[:limit])]
    for i in range(1, len(points)):
        if points[i].timestamp >= points[i - 1].timestamp:
            raise bad(PROVIDER, f"'data' is not newest first: data[{i}].timestamp is not before data[{i - 1}]'s")
    newest = points[0]
    raw_ttu = data[0].get("time_until_update")
    time_until_update = None if raw_ttu is None else integer(raw_ttu, "data[0].time_until_update", PROVIDER)
    if time_until_update is not None and time_until_update < 0:
        raise bad(PROVIDER, f"field 'data[0].time_until_update' is negative ({time_until_update})")
    return Sentiment(
        value=newest.value,
        classification=newest.classification,
        timestamp=newest.timestamp,
        time_until_update=time_until_update,
        history=points,
        source=source,
    )


def parse_point(item: Any, where: str) -> SentimentPoint:
    """One element of ``data``."""
    if not isinstance(item, dict):
        raise bad(PROVIDER, f"{where} is {type(item).__name__}, expected an object")
    value = integer(field(item, "value", (str, int), PROVIDER, where), f"{where}.value", PROVIDER)
    if not 0 <= value <= 100:
        raise bad(PROVIDER, f"field '{where}.value' is {value}, outside the index range 0-100")
    label = field(item, "value_classification", str, PROVIDER, where)
    if label not in CLASSIFICATIONS:
        allowed = ", ".join(CLASSIFICATIONS)
        raise bad(PROVIDER, f"field '{where}.value_classification' is {label[:40]!r}; expected one of {allowed}")
    when = from_s(field(item, "timestamp", (str, int), PROVIDER, where), f"{where}.timestamp", PROVIDER)
    return SentimentPoint(value=value, classification=label, timestamp=when)
