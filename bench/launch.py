"""Processes of the API benchmarks (#3, #4): services started as deploy/services.sh starts them,
the bare baseline, the load generator, and py-spy on a server while the load runs."""

import asyncio
import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import orjson
from common import REPO, Stack

BIN = Path(sys.executable).parent
#: Secrets of the benchmark's throwaway databases (environment "test" accepts them).
BENCH_KEYS = {
    "NIK_ENCRYPTION_KEY": base64.b64encode(b"test-only-bench-key-0123456789ab").decode(),
    "NIK_HMAC_KEY": "test-only-bench-hmac-key-0123456789abcdef",
}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(stack: Stack, service: str, settings: dict[str, str]) -> dict[str, str]:
    """The environment of one service: the stack's connection variables, then ``settings``."""
    prefix = f"JANGKAU_{service.upper()}_"
    env = {**os.environ, **stack.env}
    env[f"{prefix}ENVIRONMENT"] = "test"
    env[f"{prefix}LOG_JSON"] = "true"
    env[f"{prefix}LOG_LEVEL"] = "WARNING"
    env[f"{prefix}KAFKA_BOOTSTRAP_SERVERS"] = stack.kafka
    env.update({f"{prefix}{k}": v for k, v in settings.items()})
    return env


@dataclass
class Server:
    """A server process of the benchmark, its port and log."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"


async def _ready(server: Server, limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{server.url}/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{server.name} did not become ready (log {server.log}):\n{tail}")


@contextlib.asynccontextmanager
async def serving(
    name: str, argv: Sequence[str], env: dict[str, str], logs: Path, *, port: int | None = None
) -> AsyncIterator[Server]:
    """Run ``argv`` (given ``--port``) until the block ends; SIGTERM, then SIGKILL after 20 s."""
    port = port or free_port()
    log = logs / f"{name}.log"
    out = await asyncio.to_thread(_open_log, log)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, "--port", str(port), env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    finally:
        out.close()
    server = Server(name, process, port, log)
    try:
        await _ready(server, 90.0)
        yield server
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


def _open_log(log: Path) -> IO[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    return log.open("wb")


def migrate(service: str, env: dict[str, str]) -> None:
    """``jangkau-SERVICE migrate``, as deploy/services.sh runs it before serving."""
    argv = [str(BIN / f"jangkau-{service}"), "migrate"]
    subprocess.run(argv, env=env, cwd=REPO, check=True, capture_output=True)  # noqa: S603


def service_argv(service: str) -> list[str]:
    """The serve command deploy/services.sh runs (it adds ``--port``)."""
    return [str(BIN / f"jangkau-{service}"), "serve", "--host", "127.0.0.1"]


async def load(*args: str, limit_seconds: float) -> dict[str, Any]:
    """Run bench/loadgen.py as its own process; return the JSON it prints."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "bench" / "loadgen.py"),
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=limit_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise TimeoutError(f"load generator ran over {limit_seconds:.0f}s: {' '.join(args)}") from None
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode}): {err.decode()[-3000:]}")
    result: dict[str, Any] = orjson.loads(out)
    return result


@contextlib.contextmanager
def profiling(server: Server, folder: Path | None, label: str) -> Any:
    """Sample ``server`` with py-spy while the block runs (when ``folder`` is given).

    Writes ``profile-LABEL.txt``: the hottest functions by own and by total samples, from py-spy's
    collapsed stacks (``--nonblocking``: the server is never paused).
    """
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / f"profile-{label}.collapsed"
    argv = [str(BIN / "py-spy"), "record", "--nonblocking", "--format", "raw", "--rate", "200"]
    spy = subprocess.Popen(  # noqa: S603 - py-spy of this environment
        [*argv, "--pid", str(server.process.pid), "--output", str(raw)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
        if raw.exists():
            (folder / f"profile-{label}.txt").write_text(summarize(raw.read_text(), label))
            raw.unlink()


def summarize(collapsed: str, label: str, top: int = 60) -> str:
    """A readable digest of collapsed stacks: share of samples per function, own and total."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")]
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    lines = [f"# py-spy profile: {label} ({samples} samples of the server's busy threads, 200/s)", ""]
    for title, counter in (("own time (where the CPU is)", own), ("total time (callers included)", total)):
        lines += [f"## {title}", ""]
        for frame, n in counter.most_common(top):
            lines.append(f"{100 * n / max(1, samples):5.1f}%  {frame}")
        lines.append("")
    return "\n".join(lines)


def _short(frame: str) -> str:
    """``function (path/to/site-packages/pkg/mod.py:12)`` -> ``function (pkg/mod.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.rsplit(marker, 1)[1]
            break
    return f"{name} ({path})"
