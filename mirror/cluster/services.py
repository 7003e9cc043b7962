"""The servers a cluster stands on, each started on a free loopback port in a temporary directory
and stopped afterwards: PostgreSQL (shared history), Redis (shared state and messaging), HAProxy
(the balancer in front of the nodes) and moto's S3 API (recordings, for tests and the demo).
``cobrowse cluster`` and the tests use them; ``make setup`` installs them, and a missing one is
named with the package to install."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from mirror.errors import CobrowseError

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class ServiceError(CobrowseError):
    """A server the cluster needs is not installed, or did not start; the message says which."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str, package: str, extra_dirs: tuple[Path, ...] = ()) -> str:
    for folder in extra_dirs:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise ServiceError(f"{name} not found: install Debian's {package} (make setup does)")
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"{what} exited at start ({process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)  # ok-sleep: polling a server's start, bounded by the deadline.
    raise ServiceError(f"{what} did not accept connections on port {port}")


def reserve(port: int, what: str) -> socket.socket:
    """A socket bound to ``port``, not listening: while it is open no free port chosen here, nor
    any connection's own port, can be it. Fails now, by name, if another program has it."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError as exc:
        s.close()
        raise ServiceError(f"{what}: port {port} is in use ({exc.strerror})") from exc
    return s


def ensure_free(port: int, what: str) -> None:
    """Fail now, by name, rather than wait on a port some other program already answers on."""
    reserve(port, what).close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_TIMEOUT_S)
    if process.poll() is None:
        process.kill()
        process.wait()


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- PostgreSQL ------------------------------------------------------------------------------


def _postgres_bin() -> tuple[Path, ...]:
    """Debian keeps the server's programs per version, off the PATH: the newest first."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    return tuple(versions[::-1])


@dataclass(frozen=True)
class Postgres:
    port: int
    user: str = "cobrowse"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = f"t{os.urandom(6).hex()}"
        psql = _binary("psql", "postgresql-client", _postgres_bin())
        subprocess.run(
            [psql, self.url(), "-q", "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """initdb and a server on a free port; as root, both run as the ``postgres`` user, since
    initdb refuses root."""
    bins = _postgres_bin()
    initdb, pg_ctl = _binary("initdb", "postgresql", bins), _binary("pg_ctl", "postgresql", bins)
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    try:
        init = [initdb, "-D", str(data), "-A", "trust", "-U", "cobrowse"]
        subprocess.run([*as_user, *init], check=True, capture_output=True)
        options = f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off"
        start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        subprocess.run([*as_user, *start], check=True, capture_output=True)
        _wait_for_port(port, None, "postgres")
        yield Postgres(port)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=True,
            )
        shutil.rmtree(folder, ignore_errors=True)


# -- Redis -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redis:
    port: int
    password: str | None = field(default=None, repr=False)  # Kept out of logs and reports.

    @property
    def url(self) -> str:
        secret = f":{quote(self.password, safe='')}@" if self.password is not None else ""
        return f"redis://{secret}127.0.0.1:{self.port}/0"


def _redis_quoted(value: str) -> str:
    """A value for redis.conf that no character can break out of: every byte escaped."""
    return '"' + "".join(f"\\x{byte:02x}" for byte in value.encode()) + '"'


@contextlib.contextmanager
def redis_server(password: str | None = None) -> Iterator[Redis]:
    """redis-server on a free port, nothing saved to disk; with ``password``, clients must
    authenticate. Nodes exchange large pub/sub messages (a page's snapshot among them), so the
    limit past which Redis drops a pub/sub subscriber is raised well beyond them."""
    binary = _binary("redis-server", "redis-server")
    folder, port = Path(tempfile.mkdtemp(prefix="cobrowse-redis-")), free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        # The password goes in a file of the private temporary directory, not on the command
        # line, where any local user could read it (ps, /proc).
        conf = folder / "redis.conf"
        conf.touch(0o600)
        conf.write_text(f"requirepass {_redis_quoted(password)}\n" if password is not None else "")
        args = [binary, str(conf), "--port", str(port), "--bind", "127.0.0.1"]
        args += ["--dir", str(folder), "--save", "", "--appendonly", "no"]
        args += ["--protected-mode", "yes", "--client-output-buffer-limit", "pubsub 256mb 64mb 60"]
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        _wait_for_port(port, process, "redis-server")
        yield Redis(port, password)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


# -- HAProxy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balancer:
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def haproxy_config(backends: list[tuple[str, int]], port: int) -> str:
    """Round robin over equal nodes with no affinity: any node serves any socket. A node that
    stops answers two health checks late and leaves the rotation; a request whose connection it
    refuses meanwhile is retried on another."""
    servers = [
        f"    server node{i} {host}:{backend_port} check inter 500 fall 2 rise 1"
        for i, (host, backend_port) in enumerate(backends)
    ]
    return "\n".join(
        [
            "global",
            "    maxconn 4096",
            "defaults",
            "    mode http",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 60s",
            # An open WebSocket is a tunnel: it may stay quiet far longer than a request.
            "    timeout tunnel 1h",
            # Headers that trickle in hold a connection; past this the client is cut off.
            "    timeout http-request 10s",
            "    option forwardfor",
            "    option redispatch",
            "    retries 2",
            "frontend cobrowse",
            f"    bind 127.0.0.1:{port}",
            # The scheme the client used, replacing whatever the client claimed.
            "    http-request set-header X-Forwarded-Proto http",
            "    default_backend nodes",
            "backend nodes",
            "    balance roundrobin",
            "    option httpchk GET /healthz",
            *servers,
            "",
        ]
    )


@contextlib.contextmanager
def haproxy_server(backends: list[tuple[str, int]], port: int | None = None) -> Iterator[Balancer]:
    """HAProxy in the foreground on ``port`` (a free one by default) of the loopback address,
    balancing HTTP and WebSocket requests over ``backends`` (host, port)."""
    binary, port = _binary("haproxy", "haproxy"), port or free_port()
    ensure_free(port, "haproxy")
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-haproxy-"))
    config, log = folder / "haproxy.cfg", folder / "log"
    process: subprocess.Popen[bytes] | None = None
    try:
        config.write_text(haproxy_config(backends, port))
        with log.open("wb") as output:
            process = subprocess.Popen(
                [binary, "-db", "-f", str(config)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_port(port, process, "haproxy")
        except ServiceError as exc:
            raise ServiceError(f"{exc}:\n{_log_tail(log)}") from exc
        yield Balancer(port)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


# -- S3 (moto) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Server:
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_bucket(self, name: str) -> None:
        """An empty bucket. moto checks no signature, so a bare path-style PUT will do."""
        request = urllib.request.Request(f"{self.endpoint}/{quote(name)}", method="PUT")
        with urllib.request.urlopen(request, timeout=START_TIMEOUT_S) as response:
            response.read()


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's server mode on a free port: the S3 API, objects kept in its memory, with no bucket
    until one is created. Any access key is accepted."""
    if importlib.util.find_spec("moto") is None:
        raise ServiceError("moto not found: install the test extra (pip install -e '.[test]')")
    folder, port = Path(tempfile.mkdtemp(prefix="cobrowse-s3-")), free_port()
    log = folder / "log"
    process: subprocess.Popen[bytes] | None = None
    try:
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_port(port, process, "moto server")
        except ServiceError as exc:
            raise ServiceError(f"{exc}:\n{_log_tail(log)}") from exc
        yield S3Server(port)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)
