"""Real servers for the tests that need them: PostgreSQL, Redis, HAProxy and moto's S3 API, each
started on a free loopback port in a temporary directory and stopped afterwards. They live in the
package (:mod:`mirror.cluster.services`), where ``cobrowse cluster`` starts them too; ``make
setup`` installs them, and a missing one fails the test that needs it with the package to
install."""

from __future__ import annotations

from mirror.cluster.services import (
    Balancer,
    Postgres,
    Redis,
    S3Server,
    ServiceError,
    free_port,
    haproxy_server,
    postgres_server,
    redis_server,
    s3_server,
)

__all__ = [
    "Balancer",
    "Postgres",
    "Redis",
    "S3Server",
    "ServiceError",
    "free_port",
    "haproxy_server",
    "postgres_server",
    "redis_server",
    "s3_server",
]
