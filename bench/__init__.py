"""End-to-end benchmark of co-browse sessions (``python -m bench``): join latency, change-to-view
latency, agent action-to-dispatch latency, frame rate, bandwidth, and the server's CPU and memory
per session, against a real server; one session in real Chromium next to a plain rrweb
DOM-streaming baseline, then 1 to 50 concurrent sessions replaying a recorded capture stream.
"""
