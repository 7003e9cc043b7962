"""End-to-end benchmark of a co-browse session: join latency, change-to-view latency, agent
action-to-dispatch latency, frame rate, bandwidth and server memory, measured in real Chromium
against a real server, next to a plain rrweb DOM-streaming baseline (``python -m bench``).
"""
