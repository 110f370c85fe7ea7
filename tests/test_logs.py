"""``coinrelay serve`` logs what an operator needs with time, level and logger (issue 10 item 4).

A real ``coinrelay serve --sandbox`` process: Binance's mirrors are taken down through the
fault API, calls fail over, breakers open — and each of those is a log line, as text or JSON.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from coinrelay.server import logs

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_a_text_line_has_the_utc_time_the_level_and_the_logger() -> None:
    record = logging.LogRecord("coinrelay.relay", logging.WARNING, __file__, 1, "breaker %s: open", ("x",), None)
    line = logs.TextFormatter().format(record)
    assert re.fullmatch(rf"{TIME} WARNING coinrelay\.relay: breaker x: open", line), line


def test_a_json_line_is_one_object_with_the_traceback_when_there_is_one() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("coinrelay.relay", logging.ERROR, __file__, 1, "plugin bug", (), sys.exc_info())
    line = json.loads(logs.JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message", "exception"}
    assert re.fullmatch(TIME, line["time"])
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "coinrelay.relay", "plugin bug")
    assert "ValueError: boom" in line["exception"]


class Server:
    """``coinrelay serve --sandbox --port 0`` in a process of its own, its stderr collected."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COINRELAY_")}
        cmd = [sys.executable, "-c", "from coinrelay.cli import main; main()", "serve", "--sandbox", "--port", "0"]
        self.proc = subprocess.Popen([*cmd, *args], env=env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self.ready = threading.Event()
        self.url = ""
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                self.url = found.group(1)
                self.ready.set()
        self.ready.set()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=60)
        self._reader.join(timeout=60)
        if self.proc.stderr is not None and not self.proc.stderr.closed:
            self.proc.stderr.close()


@pytest.fixture
def json_server() -> Iterator[Server]:
    server = Server("--log-format", "json")
    assert server.ready.wait(timeout=60) and server.url, "".join(server.lines)
    yield server
    server.stop()


def test_serve_logs_breakers_and_failovers_as_json(json_server: Server) -> None:
    with httpx.Client(base_url=json_server.url, timeout=30) as client:
        assert client.post("/api/sandbox/faults/binance", json={"kind": "down"}).status_code == 200
        for symbol in ("BTC", "ETH", "SOL", "XRP"):
            assert client.get("/api/v1/price", params={"symbol": symbol}).status_code == 200
    json_server.stop()
    records = [json.loads(line) for line in json_server.lines]  # every line is one JSON object
    for record in records:
        assert re.fullmatch(TIME, record["time"]) and record["level"] and record["logger"], record
    relay = [r for r in records if r["logger"] == "coinrelay.relay"]
    opened = [r for r in relay if r["message"].startswith("breaker binance: closed -> open")]
    assert opened and opened[0]["level"] == "WARNING"
    failovers = [r for r in relay if "failover binance -> coincap" in r["message"]]
    assert failovers and failovers[0]["level"] == "INFO"
    assert any(r["logger"] == "coinrelay.server" and "SANDBOX mode" in r["message"] for r in records)
