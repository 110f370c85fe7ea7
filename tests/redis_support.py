"""A real redis-server on loopback, and coinrelay replicas run as separate processes.

* :class:`RedisServer` starts ``redis-server --port <free port> --bind 127.0.0.1 --save ""
  --appendonly no`` and waits until it answers PING; ``stop()`` / ``start()`` again reuse
  the same port (the outage tests kill it mid-run).
* ``redis_server`` — a session-scoped fixture: one server for the whole test session.
  Without ``redis-server`` on PATH the tests FAIL with a clear message, unless
  ``COINRELAY_SKIP_REDIS=1`` is set explicitly (then they are skipped).
* :class:`Replica` — one ``tests/replica_worker.py`` process: a Relay with
  ``[state] backend = "redis"`` driven by JSON lines over stdin/stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

WORKER = Path(__file__).with_name("replica_worker.py")
SKIP_ENV = "COINRELAY_SKIP_REDIS"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_binary() -> str:
    """The redis-server executable; fails the test (or skips it under COINRELAY_SKIP_REDIS=1)."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"redis-server not installed and {SKIP_ENV}=1")
    pytest.fail(
        "redis-server is not installed: the Redis state backend tests need it "
        "(Debian: apt-get install redis-server). Set COINRELAY_SKIP_REDIS=1 to skip them explicitly.",
        pytrace=False,
    )


class RedisServer:
    """One redis-server process on a loopback port, in a temporary directory."""

    def __init__(self, port: int | None = None) -> None:
        self.binary = redis_binary()
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="coinrelay-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        cmd = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self.dir,
            "--protected-mode",
            "yes",
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {err}")
            if _ping(self.port):
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING within 10s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


class Replica:
    """A coinrelay replica process (``tests/replica_worker.py``) speaking JSON lines."""

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close(), outlives __init__
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            bufsize=1,
        )

    def send(self, op: str, **args: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"replica {self.name} died:\n{self.log()}")
        return json.loads(line)

    def ask(self, op: str, **args: Any) -> Any:
        self.send(op, **args)
        return self.recv()

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        self.stderr.close()


def all_ask(replicas: list[Replica], op: str, **args: Any) -> list[Any]:
    """Send ``op`` to every replica at once, then collect the answers (in order)."""
    for r in replicas:
        r.send(op, **args)
    return [r.recv() for r in replicas]
