"""``coinrelay new-provider``: the generated plugin installs, registers its entry point and its tests pass.

The slow tests build a throw-away venv (``--without-pip``) whose ``.pth`` adds the shared
venv's site-packages (so coinrelay, pytest, vcrpy... are importable) without installing
anything into the shared venv; the generated plugin is pip-installed there (no deps, no
index, no build isolation: nothing is downloaded), then its own test suite runs in a
subprocess, as a plugin author would run it, and ``coinrelay serve --sandbox`` serves it
from its own fake (issue 12: a third-party plugin joins the sandbox without a core change).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import tomllib
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from coinrelay.cli import cli
from coinrelay.scaffold import MAX_NAME

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_FILES = {
    "pyproject.toml",
    "README.md",
    "coinrelay_{name}/__init__.py",
    "coinrelay_{name}/_parse.py",
    "coinrelay_{name}/_sandbox.py",
    "coinrelay_{name}/_sandbox_bodies/price.json",
    "coinrelay_{name}/_sandbox_bodies/README.md",
    "tests/conftest.py",
    "tests/test_parse.py",
    "tests/test_contract.py",
    "tests/test_errors.py",
    "tests/test_cassettes.py",
    "tests/test_sandbox.py",
    "tests/cassettes/test_cassettes/test_price.yaml",
    "tests/fixtures/price.json",
    "tests/fixtures/README.md",
}


def scaffold(tmp_path: Path, name: str) -> Path:
    result = CliRunner().invoke(cli, ["new-provider", name, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"distribution coinrelay-{name.replace('_', '-')}" in result.output
    return tmp_path / name


def test_layout_and_packaging_metadata(tmp_path):
    target = scaffold(tmp_path, "acme_x")
    files = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert files == {f.format(name="acme_x") for f in EXPECTED_FILES}
    assert not any("{{" in p.read_text() for p in target.rglob("*") if p.is_file()), "a placeholder was left"
    meta = tomllib.loads((target / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "coinrelay-acme-x"
    assert meta["project"]["entry-points"]["coinrelay.plugins"] == {"acme_x": "coinrelay_acme_x"}
    assert meta["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["coinrelay_acme_x"]
    cassette = (target / "tests/cassettes/test_cassettes/test_price.yaml").read_text()
    assert "uri: https://api.acme-x.example/v1/price?symbol=BTC&quote=USD" in cassette


@pytest.mark.parametrize(
    "name",
    ["Acme", "1acme", "acme-x", "acme__x", "_acme", "acme_", "acme x", "a" * (MAX_NAME + 1), "technical", "price"],
)
def test_bad_name_is_one_clear_line(tmp_path, name):
    result = CliRunner().invoke(cli, ["new-provider", name, "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: invalid provider name {name!r}")
    assert not any(tmp_path.iterdir()), "nothing may be written for a bad name"


def test_generated_plugin_imports_only_the_public_plugin_api(tmp_path):
    """The plugin imports ``coinrelay.plugin``; its tests add ``coinrelay.testing``: nothing else of coinrelay."""
    import ast

    target = scaffold(tmp_path, "acme")
    imported: dict[str, set[str]] = {}
    for path in target.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                if module.split(".")[0] == "coinrelay":
                    imported.setdefault(path.relative_to(target).parts[0], set()).add(module)
    assert imported["coinrelay_acme"] == {"coinrelay.plugin"}
    assert imported["tests"] == {"coinrelay.plugin", "coinrelay.testing"}


def test_existing_directory_is_not_overwritten(tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["new-provider", "acme", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert [p.name for p in (tmp_path / "acme").iterdir()] == ["keep.txt"]


def test_generated_code_passes_the_repository_ruff_config(tmp_path):
    ruff = Path(sys.executable).with_name("ruff")
    assert ruff.is_file(), "ruff is a dev dependency (requirements-dev.txt)"
    # Mimic the monorepo: the root pyproject.toml above plugins/<name>.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = scaffold(tmp_path / "plugins", "acme_exchange")
    for cmd in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        proc = subprocess.run([str(ruff), *cmd, str(target)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _venv(tmp_path: Path) -> Path:
    """A venv seeing the shared venv's packages through a .pth file; returns its python."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    Path(purelib, "_coinrelay_shared_venv.pth").write_text(f"import site; site.addsitedir({shared!r})\n")
    return python


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("COINRELAY_", "PYTEST_", "VIRTUAL_ENV"))}


def _pytest(python: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-rs"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=180,
        env=_clean_env(),
    )


def _install(python: Path, target: Path) -> None:
    """pip-install ``target`` into the venv of ``python`` (no deps, no index: nothing is downloaded)."""
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=_clean_env(),
    )
    assert install.returncode == 0, install.stdout + install.stderr


@pytest.mark.slow
def test_generated_plugin_installs_and_its_tests_pass(tmp_path):
    target = scaffold(tmp_path / "src", "acme_feed")
    python = _venv(tmp_path)
    _install(python, target)

    proc = _pytest(python, target)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    passed = re.search(r"(\d+) passed", out)
    assert passed is not None and int(passed.group(1)) >= 10, out
    assert not re.search(r"\d+ (failed|skipped|error)", out), out

    # The generated tests can fail: a parser that reads the wrong field is caught.
    parser = target / "coinrelay_acme_feed" / "_parse.py"
    parser.write_text(parser.read_text().replace('field(data, "price"', 'field(data, "time"'))
    broken = _pytest(python, target)
    assert broken.returncode == 1, broken.stdout
    assert re.search(r"\d+ failed", broken.stdout), broken.stdout


class Server:
    """``coinrelay serve`` in a subprocess; :meth:`url` waits for uvicorn's "running on" line."""

    def __init__(self, python: Path, *args: str, cwd: Path) -> None:
        cmd = [str(python), "-c", "from coinrelay.cli import main; main()", "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=_clean_env(), stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        self._drain = threading.Thread(target=lambda: self.log.extend(self.proc.stderr or ()), daemon=True)

    def url(self) -> str:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # blocks until uvicorn reports (the test timeout bounds it)
            self.log.append(line)
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                self._drain.start()  # keep reading, so the server never blocks on a full pipe
                return found.group(1)
        raise AssertionError("the server exited before serving:\n" + "".join(self.log))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C: uvicorn shuts down, the sandbox closes
        self.proc.wait(timeout=60)
        if self._drain.is_alive():
            self._drain.join(timeout=60)
        assert self.proc.stderr is not None
        self.proc.stderr.close()


@pytest.mark.slow
def test_generated_plugin_joins_serve_sandbox_with_its_own_fake(tmp_path):
    """Installed from ``new-provider`` output as is, nothing in the core changed: the real server
    answers a data request from the plugin's own sandbox upstream, and its faults reach it."""
    target = scaffold(tmp_path / "src", "acme_feed")
    python = _venv(tmp_path)
    _install(python, target)
    config = tmp_path / "coinrelay.toml"
    config.write_text('[chains]\nprice = ["acme_feed"]\n')

    server = Server(python, "--sandbox", "--config", str(config), cwd=tmp_path)
    try:
        url = server.url()
        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            price = http.get("/api/v1/price", params={"symbol": "ETH", "quote": "USD"})
            controls = http.get("/api/sandbox/faults").json()
            down = http.post("/api/sandbox/faults/acme_feed", json={"kind": "down"})
            refused = http.get("/api/v1/price", params={"symbol": "SOL", "quote": "USD"})
    finally:
        server.stop()

    assert price.status_code == 200, price.text
    assert price.headers["x-coinrelay-sandbox"] == "1"
    body = price.json()
    assert (body["symbol"], body["quote"]) == ("ETH", "USD")
    assert body["source"]["provider"] == "acme_feed"
    assert body["source"]["sandbox"] is True
    assert body["source"]["endpoint"].startswith("http://127.0.0.1:")
    assert 1000 < float(body["price"]) < 10000  # the sandbox market's ETH, parsed by the plugin's own parser
    assert "acme_feed" in controls["providers"]
    assert down.status_code == 200, down.text
    assert refused.status_code == 503, refused.text
    assert [a["provider"] for a in refused.json()["attempts"]] == ["acme_feed"]
    log = "".join(server.log)
    assert re.search(r"SANDBOX mode: .*\bacme_feed\b", log), log
    assert "Traceback" not in log, log
