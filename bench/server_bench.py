"""Scenario 3: ``GET /api/v1/price`` of coinrelay's HTTP server (from cache) vs a bare FastAPI endpoint.

Each server runs in its own process under uvicorn; the load comes from ``wrk`` (Debian
package ``wrk``) in a third process, or from ``bench/loadgen.py`` when wrk is missing.
The upstream runs in a fourth process (only the first request reaches it).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import HERE, Row, ms, upstreams
from scenarios import Size

PATH = "/api/v1/price?symbol=BTC&quote=USD"
CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return bytes(resp.read())


class _Server:
    def __init__(self, kind: str, arg: str) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "apps.py"), kind, str(self.port), arg], stdin=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}{PATH}"
        deadline = time.monotonic() + 30
        while True:
            try:
                self.body = _get(self.url)
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.close()
                    raise RuntimeError(f"the {kind} server did not start") from None
                time.sleep(0.1)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def _wrk(url: str, seconds: float) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    found = {}
    for q in ("50", "99"):
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        found[q] = float(m.group(1)) * _UNITS[m.group(2)] if m else 0.0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": found["50"], "p99": found["99"], "errors": float(errors.group(1)) if errors else 0.0}


def _loadgen(url: str, seconds: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(HERE / "loadgen.py"), url, str(seconds), str(CONNECTIONS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def server(size: Size, label: str = "3") -> list[Row]:
    """Requests/s and p99 of both servers, interleaved rounds, best round of each."""
    tool = "wrk" if shutil.which("wrk") else "loadgen.py"
    load = _wrk if tool == "wrk" else _loadgen
    with upstreams("ok") as up, tempfile.TemporaryDirectory() as tmp:
        relay_srv = _Server("coinrelay", up.base())
        try:
            body_file = Path(tmp) / "body.json"
            body_file.write_bytes(relay_srv.body)
            bare_srv = _Server("bare", str(body_file))
            try:
                same = json.loads(bare_srv.body) == json.loads(relay_srv.body)
                runs: dict[str, list[dict[str, float]]] = {"coinrelay": [], "bare": []}
                for _ in range(size.server_rounds):
                    for name, srv in (("bare", bare_srv), ("coinrelay", relay_srv)):
                        load(srv.url, 0.5)  # warm up
                        runs[name].append(load(srv.url, size.server_seconds))
            finally:
                bare_srv.close()
        finally:
            relay_srv.close()
        upstream_calls = up.count()
    best = {k: max(v, key=lambda r: r["rps"]) for k, v in runs.items()}
    c, b = best["coinrelay"], best["bare"]
    s = f"{label}. HTTP server"
    return [
        Row(
            s,
            f"GET /api/v1/price from cache, req/s ({tool}, {CONNECTIONS} conns; vs bare FastAPI)",
            f"{c['rps']:,.0f}",
            f"{b['rps']:,.0f}",
            f"{c['rps'] / b['rps']:.2f}×",
            "≥ 0.7×",
            c["rps"] >= 0.7 * b["rps"],
        ),
        Row(s, "p99 latency (vs bare FastAPI)", ms(c["p99"]), ms(b["p99"]), f"{c['p99'] / b['p99']:.2f}×"),
        Row(
            s,
            "same JSON body; non-2xx answers; upstream requests",
            f"{same}; {c['errors']:.0f}; {upstream_calls}",
            "",
            "",
            "True; 0; 1",
            same and c["errors"] == 0 and upstream_calls == 1,
        ),
    ]
