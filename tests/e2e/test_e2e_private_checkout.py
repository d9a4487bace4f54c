"""A checkout in a directory only its owner can read (issue 21): state outside it is found and removed.

As root, the ``postgres`` user cannot reach a clone under /root or in a ``mktemp -d`` folder, so
deploy/postgres.sh places the cluster outside the checkout, in ``/var/tmp/jangkau-<hash>/pg``,
linked from ``.jangkau/<profile>/pg``; a socket path that would be too long does the same for any
user. These tests copy the deploy scripts and the Makefile into a fresh ``mktemp -d`` directory
(mode 0700) and run their own PostgreSQL there, on free ports (nothing shared with the test stack):

- the log scan of the PII and secrets tests (``support.log_files``) reads the relocated
  ``pg/postgres.log``, and fails naming it when it is missing;
- ``stack.sh down`` of profile test deletes the relocated cluster, so none piles up in /var/tmp;
- ``make down`` says where dev data lives, ``make status`` lists stale clusters of checkouts that
  no longer exist, and ``make clean`` deletes every piece of state, asks before dev data (refuses
  without a terminal unless FORCE=1), and leaves alone the directories it did not make.
"""

import contextlib
import hashlib
import os
import pty
import shutil
import socket
import stat
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import REPO, log_files, wait_for

pytestmark = pytest.mark.e2e

PORT_VARIABLES = (
    "JANGKAU_KAFKA_PORT",
    "JANGKAU_KAFKA_CONTROLLER_PORT",
    "JANGKAU_PG_PORT",
    "JANGKAU_PROMETHEUS_PORT",
    "JANGKAU_REGISTRATION_PORT",
    "JANGKAU_CAMPAIGNS_PORT",
    "JANGKAU_METRICS_PORT",
)
#: A checkout folder name long enough that the socket path under ``.jangkau/<profile>/pg`` is too
#: long: the cluster is placed outside the checkout for root and for an ordinary user alike.
#: deploy/lib.sh's JANGKAU_PG_RELOCATE_DIR when unset.
DEFAULT_RELOCATE_DIR = "/var/tmp"  # noqa: S108 - only ever the scripts' own jangkau-<hash> dirs in it
LONG_NAME = "a-checkout-whose-path-is-too-long-for-the-unix-socket-of-postgresql-" + "x" * 12


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


@dataclass
class Checkout:
    """A copy of deploy/ and the Makefile in a 0700 directory, with ports of its own."""

    root: Path
    env: dict[str, str]
    made: list[Path] = field(default_factory=list)

    def state(self, profile: str = "test") -> Path:
        return self.root / ".jangkau" / profile

    def base(self, profile: str = "test", state: Path | None = None) -> Path:
        """Where deploy/lib.sh's relocated_base places a cluster of that state dir."""
        digest = hashlib.sha256(str(state or self.state(profile)).encode()).hexdigest()[:12]
        return Path(self.env.get("JANGKAU_PG_RELOCATE_DIR", DEFAULT_RELOCATE_DIR)) / f"jangkau-{digest}"

    def run(
        self, *argv: str, profile: str = "test", stdin: int = subprocess.DEVNULL, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            argv,
            cwd=self.root,
            env={**self.env, "JANGKAU_PROFILE": profile},
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=90,
        )
        if check:
            assert done.returncode == 0, f"{' '.join(argv)}: {done.stdout}{done.stderr}"
        return done

    def remove(self) -> None:
        """Stop its clusters and delete what it made, whatever a test left."""
        for profile in ("dev", "test"):
            link = self.state(profile) / "pg"
            if link.exists():
                self.run("bash", "deploy/postgres.sh", "stop", profile=profile, check=False)
            bases = {self.base(profile)} | ({link.readlink().parent} if link.is_symlink() else set())
            for marker in (base / "state-dir" for base in bases):
                if marker.is_file() and marker.read_text() == f"{self.state(profile)}\n":
                    shutil.rmtree(marker.parent)
        for path in reversed(self.made):
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.exists():
                shutil.rmtree(path)


@pytest.fixture
def private_checkout() -> Iterator[Callable[..., Checkout]]:
    """Make copies of the checkout in fresh ``mktemp -d`` directories; all removed afterwards."""
    made: list[Checkout] = []

    def make(name: str = "jk", *, relocate_dir: bool = False) -> Checkout:
        parent = Path(tempfile.mkdtemp(prefix="jk-private-")).resolve()
        # Its own ports and dirs; not the make of a `make test` around (jobserver, flags).
        outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("JANGKAU_") and k not in outer}
        env.update(zip(PORT_VARIABLES, map(str, _free_ports(len(PORT_VARIABLES))), strict=True))
        checkout = Checkout(parent / name, env, [parent])
        made.append(checkout)
        if relocate_dir:
            # Not /var/tmp: `make clean` deletes every stale cluster of this user in that dir.
            relocate = Path(tempfile.mkdtemp(prefix="jk-relocate-")).resolve()
            relocate.chmod(0o755)  # the postgres user must reach the clusters in it
            checkout.made.append(relocate)
            env["JANGKAU_PG_RELOCATE_DIR"] = str(relocate)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO / "deploy", checkout.root / "deploy", ignore=ignore)
        shutil.copy2(REPO / "Makefile", checkout.root / "Makefile")
        return checkout

    yield make
    for checkout in made:
        checkout.remove()


def _log_needle(checkout: Checkout, profile: str = "test") -> str:
    """Make the cluster write a unique word to its log; return it."""
    needle = f"issue21-{uuid.uuid4().hex}"
    sql = f"DO $$ BEGIN RAISE LOG '{needle}'; END $$"
    checkout.run("bash", "deploy/postgres.sh", "psql", "-v", "ON_ERROR_STOP=1", "-c", sql, profile=profile)
    return needle


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["jk", LONG_NAME], ids=["private-dir", "long-path"])
def test_the_log_scan_reads_the_postgres_log_outside_the_checkout_and_down_deletes_it(
    private_checkout: Callable[..., Checkout], name: str
) -> None:
    checkout = private_checkout(name)
    state, base = checkout.state(), checkout.base()
    # As postgres.sh decides: root runs the server as the postgres user, who cannot reach a 0700
    # directory; and a unix socket path has at most 107 bytes.
    relocated = os.geteuid() == 0 or len(str(state / "pg")) + 20 > 100
    assert stat.S_IMODE(checkout.root.parent.stat().st_mode) == 0o700

    checkout.run("bash", "deploy/postgres.sh", "start")
    assert (state / "pg").is_symlink() is relocated
    if relocated:
        assert (state / "pg").resolve() == (base / "pg").resolve()
        assert (base / "state-dir").read_text() == f"{state}\n"
    needle = _log_needle(checkout)
    hits = wait_for(
        lambda: [
            f.relative_to(state).as_posix()
            for f in log_files(state, required={"pg/postgres.log"})
            if needle.encode() in f.read_bytes()
        ],
        until=bool,
        timeout=15,
        interval=0.1,
        what="the scan finding the word the cluster logged",
    )
    assert hits == ["pg/postgres.log"]

    down = checkout.run("bash", "deploy/stack.sh", "down")
    assert f"data of profile 'test' kept in {state}" in down.stderr
    if relocated:
        assert not base.exists(), down.stderr
        assert not (state / "pg").is_symlink()
        assert needle in (state / "postgres-last-run.log").read_text()
        with pytest.raises(AssertionError, match=r"missing under .*'pg/postgres\.log'"):
            log_files(state, required={"pg/postgres.log"})
    else:
        assert needle in (state / "pg" / "postgres.log").read_text()


def test_the_log_scan_fails_naming_a_required_log_behind_a_link_to_nowhere(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "services").mkdir(parents=True)
    (state / "services" / "registration.log").write_text("started\n")
    gone = tmp_path / "var-tmp" / "jangkau-0123456789ab" / "pg"
    (state / "pg").symlink_to(gone)
    required = {"services/registration.log", "pg/postgres.log"}

    pointing_nowhere = r"\['pg/postgres\.log'\].*pg -> .*jangkau-0123456789ab/pg \(missing\)"
    with pytest.raises(AssertionError, match=pointing_nowhere):
        log_files(state, required=required)

    gone.mkdir(parents=True)
    (gone / "postgres.log").write_text("ready\n")
    assert {f.relative_to(state).as_posix() for f in log_files(state, required=required)} == required


def _fake_cluster(base: Path, state: Path, *extra: str) -> Path:
    """A cluster dir as postgres.sh makes one for ``state`` (plus ``extra`` files it never makes)."""
    (base / "pg" / "data").mkdir(parents=True)
    (base / "pg" / "data" / "PG_VERSION").write_text("15\n")
    (base / "state-dir").write_text(f"{state}\n")
    for name in extra:
        (base / name).write_text("not made by the deploy scripts\n")
    return base


def _postmaster_pid(base: Path) -> int:
    return int((base / "pg" / "data" / "postmaster.pid").read_text().split()[0])


@pytest.mark.timeout(150)
def test_make_down_status_and_clean_account_for_every_cluster_outside_the_checkout(
    private_checkout: Callable[..., Checkout],
) -> None:
    checkout = private_checkout(LONG_NAME, relocate_dir=True)
    relocate = Path(checkout.env["JANGKAU_PG_RELOCATE_DIR"])
    dev, dev_base = checkout.state("dev"), checkout.base("dev")
    gone = checkout.root.parent / "deleted-checkout" / ".jangkau"
    stale = _fake_cluster(checkout.base(state=gone / "test"), gone / "test")
    foreign = _fake_cluster(checkout.base(state=gone / "dev"), gone / "dev", "notes.txt")
    misnamed = _fake_cluster(relocate / "jangkau-0123456789ab", gone / "test")
    linked = relocate / f"jangkau-{'f' * 12}"
    linked.symlink_to(misnamed)

    checkout.run("bash", "deploy/postgres.sh", "start", profile="dev")
    assert (dev / "pg").resolve() == (dev_base / "pg").resolve()
    down = checkout.run("make", "down", profile="dev")
    assert f"data of profile 'dev' kept in {dev}" in down.stderr
    assert f"PostgreSQL cluster outside the checkout, in {dev_base}/pg" in down.stderr
    assert (dev_base / "pg" / "data" / "PG_VERSION").is_file()

    status = checkout.run("make", "status", profile="dev").stdout
    assert f"postgres cluster outside the checkout: {dev_base}/pg" in status
    assert f"stale postgres cluster: {stale} " in status
    assert [line for line in status.splitlines() if line.startswith("stale ")] == [
        line for line in status.splitlines() if str(stale) in line
    ]

    checkout.run("bash", "deploy/postgres.sh", "start", profile="dev")
    pid = _postmaster_pid(dev_base)
    refused = checkout.run("make", "clean", profile="dev", check=False)
    assert refused.returncode != 0
    assert "stdin is not a terminal" in refused.stderr
    assert "make clean FORCE=1" in refused.stderr
    master, terminal = pty.openpty()
    try:
        os.write(master, b"n\n")
        declined = checkout.run("make", "clean", profile="dev", stdin=terminal, check=False)
    finally:
        os.close(terminal)
        os.close(master)
    assert declined.returncode != 0
    assert "nothing deleted (dev data kept)" in declined.stderr
    assert Path(f"/proc/{pid}").exists()
    assert dev.is_dir()
    assert stale.is_dir()

    checkout.run("make", "clean", "FORCE=1", profile="dev")
    assert not (checkout.root / ".jangkau").exists()
    assert not dev_base.exists()
    assert not stale.exists()
    wait_for(lambda: Path(f"/proc/{pid}").exists(), until=lambda alive: not alive, timeout=10, what="pg gone")
    assert sorted(p.name for p in relocate.iterdir()) == sorted([foreign.name, misnamed.name, linked.name])
    assert (foreign / "notes.txt").is_file()
    assert (misnamed / "pg" / "data" / "PG_VERSION").is_file()


def test_make_clean_without_dev_data_asks_nothing(private_checkout: Callable[..., Checkout]) -> None:
    checkout = private_checkout(relocate_dir=True)
    (checkout.state() / "kafka").mkdir(parents=True)
    (checkout.state() / "kafka" / "kafka.log").write_text("stopped\n")
    own = _fake_cluster(checkout.base(), checkout.state())
    (checkout.state() / "pg").symlink_to(own / "pg")

    cleaned = checkout.run("make", "clean")

    assert not (checkout.root / ".jangkau").exists()
    assert not own.exists()
    assert "Delete the dev data" not in cleaned.stderr
    assert "make clean" not in checkout.run("make", "status").stdout
