"""End-to-end benchmark of a co-browse session: join latency, change-to-view latency, frame rate,
bandwidth and server memory, measured in real Chromium against a real server (``python -m bench``).
"""
