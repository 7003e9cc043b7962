"""What one benchmark run does: the session counts of the scale steps, the Chromium sessions, and
the length of each phase."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CUSTOMER_PATH = "/shop/checkout.html"
CUSTOMER_VIEWPORT = {"width": 1280, "height": 800}
AGENT_VIEWPORT = {"width": 1600, "height": 1100}
FULL_SESSIONS = (1, 10, 25, 50)
QUICK_SESSIONS = (1, 10)


@dataclass(frozen=True)
class ClusterOptions:
    """The cluster part (``--nodes N``, N of at least 3): see bench/cluster_run.py."""

    nodes: int = 3
    # Rounds of two replayed sessions at once, one with every role on one node and one with its
    # three roles on three nodes, for the latency each way.
    rounds: int = 3
    failovers: int = 5  # Kills of the render page's node, each with a session of its own
    busy_sessions: int = 5  # Sessions of the Redis windows
    window_s: float = 10.0  # Each Redis window's length

    @classmethod
    def create(
        cls,
        quick: bool,
        nodes: int,
        failovers: int | None = None,
        busy_sessions: int | None = None,
        window_s: float | None = None,
    ) -> ClusterOptions:
        return cls(
            nodes=nodes,
            rounds=1 if quick else 3,
            failovers=failovers if failovers is not None else (2 if quick else 5),
            busy_sessions=busy_sessions if busy_sessions is not None else (3 if quick else 5),
            window_s=window_s if window_s is not None else (5.0 if quick else 10.0),
        )


@dataclass(frozen=True)
class RecordingOptions:
    """The recording part (``--recording``): see bench/recording.py."""

    # Each kind of session (busy, reading, idle) is recorded this long, all three at once.
    window_s: float = 60.0
    # Off/on pairs of the CPU steps, alternating: two cores are noisy, so a range is given.
    repeats: int = 2
    sessions: int = 10  # Sessions of each CPU step, as the 10-session scale step.
    # Changes per session of a CPU step: 30 s at 5 a second, past a keyframe interval (20 s),
    # so a keyframe is inside the change phase whose CPU is read.
    changes: int = 150
    # The length of the synthetic recording played back (bench/playback.py).
    playback_minutes: float = 60.0

    @classmethod
    def create(
        cls, quick: bool, window_s: float | None = None, repeats: int | None = None
    ) -> RecordingOptions:
        return cls(
            window_s=window_s if window_s is not None else (20.0 if quick else 60.0),
            repeats=repeats if repeats is not None else (1 if quick else 2),
            changes=60 if quick else 150,
            playback_minutes=10.0 if quick else 60.0,
        )


# ``--mix``: the scale steps' sessions as a contact centre's, of every ten: two typing (changes at
# the set rate), four reading (a change every READING_EVERY of those intervals: scrolling), four
# idle (joined, nothing changing). Each typing or reading session changes for as long.
MIX = ("typing",) * 2 + ("reading",) * 4 + ("idle",) * 4
READING_EVERY = 5


@dataclass(frozen=True)
class Options:
    """One run's settings; ``quick`` only picks shorter defaults."""

    # Concurrent sessions of each scale step: replayed customers and socket agents.
    sessions: tuple[int, ...] = FULL_SESSIONS
    # Concurrent sessions with Chromium customers and agents (and as many baseline sessions).
    browser_sessions: int = 1
    quick: bool = False
    changes: int = 100
    changes_per_second: float = 5.0
    idle_s: float = 3.0
    settle_s: float = 1.0
    clicks: int = 60
    # Agent clicks per session in the scale steps: fewer, as each costs a hit test in the mirror.
    scale_clicks: int = 20
    clicks_per_second: float = 4.0
    # Join-only sessions after the Chromium sessions, one at a time, so the join figures are a
    # p50 of several joins rather than one per Chromium session.
    joins: int = 6
    baseline: bool = True
    # The customer's page of the Chromium sessions and the baseline: a path on the sample site,
    # or any http(s) URL (bench/customers.py adds the script to a page that does not embed it).
    page: str = CUSTOMER_PATH
    # Every fixture page's agent view against the customer's screen (bench/fidelity_report.py).
    fidelity: bool = True
    results_dir: Path = RESULTS_DIR
    # The cluster part, with ``--nodes N`` for N of 3 or more; None: one server only.
    cluster: ClusterOptions | None = None
    mix: bool = False  # The scale steps' sessions as MIX says, rather than all typing.
    # How the server takes Chromium's pixels ([frames] capture): "auto" (its default),
    # "screencast" or "windows".
    capture: str = "auto"
    # The recording part, with ``--recording``; None: not measured.
    recording: RecordingOptions | None = None
    healing: bool = False  # The time from each fault the node heals to the view back.
    join_cost: bool = False  # What a join costs the customer's page on a long page.
    capture_cost: bool = False  # What taking pixels costs: screencast against X windows.
    layout: bool = False  # Where WebKit puts the fixture pages' elements against Chromium.

    @property
    def change_interval_ms(self) -> int:
        return max(1, round(1000 / self.changes_per_second))

    def customer_url(self, site: str) -> str:
        """The customer's page: ``page`` on the sample site at ``site``, or ``page`` itself."""
        return f"{site}{self.page}" if self.page.startswith("/") else self.page

    def scale_pace(self, index: int) -> tuple[int, int]:
        """(changes, interval in ms) of the scale steps' session ``index``."""
        kind = MIX[index % len(MIX)] if self.mix else "typing"
        if kind == "typing":
            return self.changes, self.change_interval_ms
        if kind == "reading":
            return self.changes // READING_EVERY, self.change_interval_ms * READING_EVERY
        return 0, self.changes * self.change_interval_ms

    @property
    def click_interval_ms(self) -> int:
        return max(1, round(1000 / self.clicks_per_second))

    @classmethod
    def create(
        cls,
        quick: bool,
        sessions: tuple[int, ...] | None = None,
        browser_sessions: int = 1,
        changes: int | None = None,
        changes_per_second: float = 5.0,
        idle_s: float | None = None,
        results_dir: Path = RESULTS_DIR,
        clicks: int | None = None,
        scale_clicks: int | None = None,
        baseline: bool = True,
        joins: int | None = None,
    ) -> Options:
        return cls(
            sessions=sessions
            if sessions is not None
            else (QUICK_SESSIONS if quick else FULL_SESSIONS),
            browser_sessions=browser_sessions,
            quick=quick,
            changes=changes if changes is not None else (30 if quick else 100),
            changes_per_second=changes_per_second,
            idle_s=idle_s if idle_s is not None else 3.0,
            settle_s=0.5 if quick else 1.0,
            clicks=clicks if clicks is not None else (20 if quick else 60),
            scale_clicks=scale_clicks if scale_clicks is not None else (10 if quick else 20),
            baseline=baseline,
            results_dir=results_dir,
            joins=joins if joins is not None else (3 if quick else 6),
        )
