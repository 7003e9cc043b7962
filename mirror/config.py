"""The server's configuration: one typed object, loaded and validated once from a TOML file.

Every key has a default (see CONTRACT.md); an unknown key or a wrong type stops start-up with a
message that names the key and the file.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from mirror.errors import ConfigError
from mirror.texts import Texts, text_errors


class ServerConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Sites that may embed cobrowse.js; empty means any site (development only).
    allowed_origins: list[str] = msgspec.field(default_factory=list)
    # Keys agents must present; empty means agents need none (development only).
    agent_keys: list[str] = msgspec.field(default_factory=list)
    # Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto headers are believed.
    trusted_proxies: list[str] = msgspec.field(default_factory=list)
    # Sites whose pages may host the agent's view; the server's own origin always may.
    agent_origins: list[str] = msgspec.field(default_factory=list)
    # Keys of supervisors, who may play back, export and delete recordings (agent keys may not).
    supervisor_keys: list[str] = msgspec.field(default_factory=list)


class SessionConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    inactivity_timeout_s: float = 600.0
    agent_reconnect_grace_s: float = 30.0
    customer_reconnect_grace_s: float = 30.0
    # "write": both sides act from the start (the seed); "ask": the agent's first action asks
    # the customer to allow control; "pointer": the agent only points.
    agent_control: Literal["write", "ask", "pointer"] = "write"


class MaskingConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    hidden: list[str] = msgspec.field(
        default_factory=lambda: ["input[type=password]", "[autocomplete^='cc-']"]
    )
    readonly: list[str] = msgspec.field(default_factory=list)
    blocked: list[str] = msgspec.field(default_factory=list)
    agent_can_submit: bool = False


class ChatConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    send_session_id: Literal["auto", "manual"] = "auto"


Positive = Annotated[float, msgspec.Meta(gt=0)]


class CaptureConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Budgets of the capture on the customer's page; past them the agent's view degrades (older
    canvas pictures, a notice) instead of the session stalling."""

    # Pictures per second of one changing canvas (a canvas redrawing at 60 fps sends this many).
    canvas_fps: Annotated[float, msgspec.Meta(gt=0, le=30)] = 10.0
    # WebP quality of canvas pictures, 0..1.
    canvas_quality: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.8
    # Canvas pictures from one page, in bytes per second; past it each canvas sends only its
    # newest picture once the budget allows.
    canvas_bytes_per_s: Annotated[int, msgspec.Meta(gt=0)] = 1_000_000
    # A page with more elements than this is captured without its canvases' pictures, and the
    # agent is told the view is partial.
    max_nodes: Annotated[int, msgspec.Meta(gt=0)] = 100_000
    # How long the capture waits for a same-origin frame to load before sending it as it is.
    iframe_load_timeout_s: Positive = 5.0
    # The render page also fetches images, fonts and stylesheets from other origins (a site's CDN),
    # from public addresses only; false limits it to the page's origin and allowed_origins.
    public_assets: bool = True


class LimitsConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What one client, or one session, may take of the server; past a limit the newcomer is
    refused "busy" (or the page's changes are held back), never anyone else."""

    # Co-browse sessions, and chats, one client address (an IPv6 /64) may hold live at once...
    live_per_client: Annotated[int, msgspec.Meta(gt=0)] = 20
    # ...and start within an hour. Loopback is not limited: it is this host's own tools and tests.
    starts_per_client_per_hour: Annotated[int, msgspec.Meta(gt=0)] = 60
    # Captured events one session may feed its render page, in bytes per second after a first
    # burst as large as a full snapshot; past it changes are dropped, the agent is told the view is
    # partial, and a fresh snapshot is asked for once the budget allows. Keep it well above
    # [capture] canvas_bytes_per_s.
    page_bytes_per_s: Annotated[int, msgspec.Meta(gt=0)] = 4_000_000
    # The largest page a render page rebuilds, counted as the JSON objects of its captured events
    # (about two per element); a larger snapshot ends the session (page_too_large).
    page_nodes: Annotated[int, msgspec.Meta(gt=0)] = 1_000_000


Scale = Annotated[float, msgspec.Meta(ge=0.25, le=1)]


class FramesConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The agent's frames: captured at the customer's screen's size, or smaller (the agent's
    page stretches them back), which costs less CPU a frame and fewer bytes, at less sharpness."""

    # The size frames are captured at, as a share of the customer's screen's width and height.
    scale: Scale = 1.0
    # The scale while the server's Chromium cannot keep up (its frames arrive late): every
    # session keeps getting frames, less sharp, instead of some getting none. 1: never smaller.
    scale_when_behind: Scale = 0.5
    # How Chromium's pixels are taken: "windows" (its pages drawn in windows on an X server of
    # the server's own, Xvfb, and only what changed read), "screencast" (its headless shell's
    # screencast, every frame whole: the only way for frames smaller than the screen), or
    # "auto": windows where Xvfb is installed and frames are at full scale (docs/benchmark.md,
    # Capture cost).
    capture: Literal["auto", "windows", "screencast"] = "auto"


class RecordingConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Recording what each agent was shown (mirror/recording/): the frames as sent and an event
    track, never the page's DOM nor a value."""

    enabled: bool = False
    # A directory (empty: "recordings" beside the database) or "s3://bucket/prefix", whose
    # credentials and endpoint come from the environment (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL...).
    store: str = ""
    # Recordings older than this are deleted (checked hourly).
    retention_days: Annotated[float, msgspec.Meta(gt=0)] = 30.0


class WebhooksConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Signed POSTs to the contact centre's URL on sessions' and chats' lifecycle
    (mirror/webhooks/): empty ``url``, none."""

    url: str = ""
    # HMAC-SHA256 key of the X-Cobrowse-Signature header; required with a url.
    secret: str = ""


# What one core carries of busy sessions, with room to spare (docs/benchmark.md).
MIRRORS_PER_CORE = 8


class ClusterConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Several nodes, one service: every node of a cluster shares this Redis (empty: this
    process is a cluster of one, as without it)."""

    redis_url: str = ""
    # Live sessions (each needs a render page once its agent joins) this node takes; 0 sizes it
    # from the machine's cores (MIRRORS_PER_CORE each).
    max_mirrors: Annotated[int, msgspec.Meta(ge=0)] = 0

    def capacity(self) -> int:
        return self.max_mirrors or MIRRORS_PER_CORE * (os.cpu_count() or 1)


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    server: ServerConfig = msgspec.field(default_factory=ServerConfig)
    session: SessionConfig = msgspec.field(default_factory=SessionConfig)
    masking: MaskingConfig = msgspec.field(default_factory=MaskingConfig)
    chat: ChatConfig = msgspec.field(default_factory=ChatConfig)
    capture: CaptureConfig = msgspec.field(default_factory=CaptureConfig)
    limits: LimitsConfig = msgspec.field(default_factory=LimitsConfig)
    frames: FramesConfig = msgspec.field(default_factory=FramesConfig)
    cluster: ClusterConfig = msgspec.field(default_factory=ClusterConfig)
    recording: RecordingConfig = msgspec.field(default_factory=RecordingConfig)
    webhooks: WebhooksConfig = msgspec.field(default_factory=WebhooksConfig)
    # The customer's widget texts, for every language or one ([texts.de]): mirror/texts.py.
    texts: Texts = msgspec.field(default_factory=dict)

    @property
    def dev_origins(self) -> bool:
        """True when any site may embed the script (no ``allowed_origins`` configured)."""
        return not self.server.allowed_origins


def parse_config(text: str, source: str = "<config>") -> Config:
    """Parse TOML text into a :class:`Config`, naming ``source`` in any error."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        config = msgspec.convert(raw, Config)
    except msgspec.ValidationError as exc:
        # msgspec names the key as a path such as "$.server.agent_keys[0]".
        raise ConfigError(f"{source}: {exc}") from exc
    try:
        parse_networks(config.server.trusted_proxies)
    except ValueError as exc:
        raise ConfigError(f"{source}: server.trusted_proxies: {exc}") from exc
    url = config.cluster.redis_url
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{source}: cluster.redis_url: {url!r} is not a redis:// URL")
    store = config.recording.store
    if store.startswith("s3://") and not store[5:].split("/")[0]:
        raise ConfigError(
            f"{source}: recording.store: {store!r} names no bucket (s3://bucket/prefix)"
        )
    hook = config.webhooks
    if hook.url and not hook.url.startswith(("http://", "https://")):
        raise ConfigError(f"{source}: webhooks.url: {hook.url!r} is not an http(s) URL")
    if hook.url and not hook.secret:
        raise ConfigError(f"{source}: webhooks.secret: a url needs a secret to sign with")
    if errors := text_errors(config.texts):
        raise ConfigError(f"{source}: {errors[0]}")
    for key in ("allowed_origins", "agent_origins"):
        for origin in getattr(config.server, key):
            if normalise_origin(origin) is None:
                raise ConfigError(
                    f"{source}: server.{key}: {origin!r} is not an origin "
                    "like 'https://shop.example' (scheme, host and optional port, nothing else)"
                )
    return config


def load_config(path: Path | None) -> Config:
    """Load the configuration file at ``path``; ``None`` gives every default."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror}") from exc
    return parse_config(text, str(path))


def normalise_origin(origin: str) -> str | None:
    """``'HTTPS://Shop.example:443/'`` -> ``'https://shop.example'``; None if not an origin."""
    from yarl import URL

    try:
        url = URL(origin.strip())
    except ValueError:
        return None
    # A DNS name is at most 253 characters; a longer "host" is forged, and would not fit history.
    if url.scheme not in ("http", "https") or not url.host or len(url.host) > 253:
        return None
    if url.path not in ("", "/") or url.query_string or url.fragment or url.user:
        return None
    default_port = {"http": 80, "https": 443}[url.scheme]
    port = "" if url.port in (None, default_port) else f":{url.port}"
    return f"{url.scheme}://{url.host.lower()}{port}"


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> list[Network]:
    """``["10.0.0.0/8", "127.0.0.1"]`` -> networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return networks
