"""The server's logs: every line with its time, level and logger, as text or as JSON.

``coinrelay serve`` calls :func:`configure` once at start-up. What the relay logs is then
visible with its context:

=========================  ========  =========================================================
logger                     level     what
=========================  ========  =========================================================
``coinrelay.relay``        WARNING   a breaker opens (provider or endpoint), a provider is paused
``coinrelay.relay``        INFO      a breaker half-opens or closes; a failover within a call
``coinrelay.relay``        ERROR     a plugin bug, with its traceback (credentials scrubbed)
``coinrelay.state.redis``  WARNING   the shared state backend is unreachable (once per outage),
                                     and back
``coinrelay.server``       WARNING   sandbox mode; an unexpected error while serving
``uvicorn.error``          INFO      the server starting and stopping
=========================  ========  =========================================================

Text lines read ``2026-11-30T16:59:36.123Z WARNING coinrelay.relay: breaker binance: closed ->
open (...)``. With ``--log-format json`` (``[server] log_format = "json"``) each line is one
JSON object: ``{"time": ..., "level": ..., "logger": ..., "message": ...}`` plus ``"exception"``
(the formatted traceback) when there is one — for log shippers.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Literal

LogFormat = Literal["text", "json"]
#: Loggers the server's handler serves (uvicorn's own configuration is replaced by this one).
LOGGERS = ("coinrelay", "uvicorn", "uvicorn.error")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _utc_iso(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """``<UTC time> <LEVEL> <logger>: <message>`` (and the traceback on the following lines)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` (+ ``exception``)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc_iso(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "info", fmt: LogFormat = "text") -> logging.Handler:
    """Send coinrelay's and uvicorn's logs to stderr, each line with time, level and logger.

    :param level: the lowest level shown (``debug``, ``info``, ``warning``, ``error``).
    :param fmt: ``text`` or ``json``.
    :return: the handler installed (replacing any this function installed before).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.set_name("coinrelay")
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "coinrelay" or name.startswith("uvicorn")]:
            logger.removeHandler(old)
        logger.setLevel(level.upper())
        if name in ("coinrelay", "uvicorn"):
            logger.addHandler(handler)
            logger.propagate = False
        else:
            logger.propagate = True  # uvicorn.error reaches the uvicorn logger's handler
    return handler
