"""Loopback upstreams for the benchmarks, run in their own process.

``python bench/upstream.py MODE [MODE ...]`` binds one 127.0.0.1 port per mode, prints
``{"ports": [...]}`` as one JSON line on stdout, and serves until its stdin closes (so it
dies with the benchmark that started it). Running in a separate process keeps the
server's CPU out of the client's measurements.

Every port speaks Binance's ``GET /api/v3/ticker/price?symbol=<PAIR>`` (the body is the
real one of ``../shared/providers/responses/binance/ticker_price_testnet_recorded.json``
with the requested pair; headers as Binance sends them make the response ~300 bytes).
Modes:

* ``ok`` — answer at once;
* ``delay:<ms>`` — answer after ``ms`` milliseconds;
* ``blackhole`` — accept and read, never answer;
* ``faults`` — by pair: ``ERR*`` → HTTP 503, ``BAD*`` → HTTP 200 with a non-JSON body,
  ``NOPE*`` → HTTP 400 with Binance's ``-1121`` invalid-symbol body; anything else ok;
* ``coincap`` — CoinCap v3's ``GET /v3/assets/<id>`` instead: the real body of
  ``../shared/providers/responses/coincap/v3_asset_bitcoin_2025.json`` with the
  requested id and ``timestamp`` set to now (so freshness checks pass).

``GET /__count`` answers ``{"count": n}`` (requests served on that port, ``/__*`` not
counted) in every mode; ``GET /__reset`` answers the same and sets it to 0.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import parse_qsl

PRICE = "65861.66000000"
_HEADERS = (
    "Content-Type: application/json;charset=UTF-8\r\n"
    "Server: bench-upstream\r\n"
    "x-mbx-uuid: 5b1c2a4e-9f3d-4d7a-8c55-0e2f6d1b3a77\r\n"
    "x-mbx-used-weight: 2\r\n"
    "x-mbx-used-weight-1m: 2\r\n"
    "Cache-Control: no-cache, no-store, must-revalidate\r\n"
)
_REASONS = {200: "OK", 400: "Bad Request", 503: "Service Unavailable"}


def _response(status: int, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} {_REASONS[status]}\r\n{_HEADERS}Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _price(pair: str) -> bytes:
    return _response(200, json.dumps({"symbol": pair, "price": PRICE}).encode())


#: CoinCap v3 ``/assets/bitcoin`` as recorded (``v3_asset_bitcoin_2025.json``); id and timestamp filled in.
_COINCAP = (
    '{"data":{"id":"%s","rank":"1","symbol":"BTC","name":"Bitcoin","supply":"19904934.0000000000000000",'
    '"maxSupply":"21000000.0000000000000000","marketCapUsd":"2383681877354.6630183733449790",'
    '"volumeUsd24Hr":"26076222906.8617342709921743","priceUsd":"119753.3173109070855685",'
    '"changePercent24Hr":"1.0278288570549161","vwap24Hr":"120456.6432440796867520",'
    '"explorer":"https://blockchain.info/","tokens":{}},"timestamp":%d}'
)


def _coincap(path: str) -> bytes:
    asset = path.rsplit("/", 1)[-1]
    body = (_COINCAP % (asset, int(time.time() * 1000))).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


_INVALID = _response(400, b'{"code":-1121,"msg":"Invalid symbol."}')
_UNAVAILABLE = _response(503, b"<html><body>503 Service Unavailable</body></html>")
_GARBAGE = _response(200, b"<html>maintenance</html>")


class _Port:
    """One listening port: its mode and request count."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.delay = float(mode.split(":", 1)[1]) / 1000 if mode.startswith("delay:") else 0.0
        self.count = 0
        self.cache: dict[str, bytes] = {}

    def answer(self, target: str) -> bytes | None:
        path, _, query = target.partition("?")
        if path.startswith("/__"):
            count = self.count
            if path == "/__reset":
                self.count = 0
            return _response(200, json.dumps({"count": count}).encode())
        self.count += 1
        if self.mode == "blackhole":
            return None
        if self.mode == "coincap":
            return _coincap(path)
        pair = dict(parse_qsl(query)).get("symbol", "BTCUSDT")
        if self.mode == "faults":
            if pair.startswith("ERR"):
                return _UNAVAILABLE
            if pair.startswith("BAD"):
                return _GARBAGE
            if pair.startswith("NOPE"):
                return _INVALID
        body = self.cache.get(pair)
        if body is None:
            body = self.cache[pair] = _price(pair)
        return body


class _Conn(asyncio.Protocol):
    """HTTP/1.1 keep-alive, GET only, one request at a time per connection (as clients send)."""

    def __init__(self, port: _Port) -> None:
        self.port = port
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            out = self.port.answer(parts[1] if len(parts) > 1 else "/")
            if out is None:
                continue
            if self.port.delay and not parts[1].startswith("/__"):
                asyncio.get_running_loop().call_later(self.port.delay, self._write, out)
            else:
                self._write(out)

    def _write(self, out: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(out)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _serve(modes: list[str]) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for mode in modes:
        port = _Port(mode)
        server = await loop.create_server(lambda p=port: _Conn(p), "127.0.0.1", 0, backlog=1024)
        servers.append(server)
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps({"ports": ports}), flush=True)
    # serve until the parent closes our stdin
    await loop.run_in_executor(None, sys.stdin.read)
    for s in servers:
        s.close()


def main() -> None:
    modes = sys.argv[1:] or ["ok"]
    try:
        import uvloop

        uvloop.run(_serve(modes))
    except ImportError:
        asyncio.run(_serve(modes))


if __name__ == "__main__":
    main()
