"""Several nodes, one service: what nodes share through Redis (the live sessions, each node's
load, the join guard) and how a session's sockets reach the node that owns it (docs/deployment.md).
"""
