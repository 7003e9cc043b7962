"""The benchmark's reading of the server's frame-lag histogram (bench/server_metrics.py)."""

from __future__ import annotations

from bench.server_metrics import frame_lag_from

METRICS = """\
# HELP cobrowse_frame_lag_seconds Age of the render pages' screencast frames
# TYPE cobrowse_frame_lag_seconds histogram
cobrowse_frame_lag_seconds_bucket{le="0.05"} 30.0
cobrowse_frame_lag_seconds_bucket{le="0.1"} 36.0
cobrowse_frame_lag_seconds_bucket{le="0.25"} 40.0
cobrowse_frame_lag_seconds_bucket{le="+Inf"} 40.0
cobrowse_frame_lag_seconds_count 40.0
cobrowse_frame_lag_seconds_sum 2.0
cobrowse_frames_sent_total 12.0
cobrowse_frames_repeated_total 6.0
cobrowse_frames_scaled_total 3.0
"""


def test_the_mean_age_and_the_shares_of_late_repeated_and_small_frames_are_read_off() -> None:
    assert frame_lag_from(METRICS) == {
        "frames": 40.0,
        "mean_ms": 50.0,
        "over_100ms_share": 0.1,
        "repeated_share": 0.15,
        "scaled_share": 0.25,  # Of the 12 frames sent.
    }


def test_no_frame_counted_gives_no_figure() -> None:
    assert frame_lag_from("cobrowse_frame_lag_seconds_count 0.0\n") is None
    assert frame_lag_from("") is None
