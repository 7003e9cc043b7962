"""rrweb's numbers for the events the customer's page captures, for the Python that reads them.

The values are rrweb's own (npm ``@rrweb/types``, which the browser side imports), listed only as
far as this side uses them: https://github.com/rrweb-io/rrweb/blob/master/packages/types/src/index.ts
(tests/unit/test_wire_numbers.py holds them to the installed package's).
"""

from __future__ import annotations

import enum


class EventType(enum.IntEnum):
    """An event's ``type``."""

    FULL_SNAPSHOT = 2
    INCREMENTAL_SNAPSHOT = 3
    META = 4


class IncrementalSource(enum.IntEnum):
    """An incremental snapshot's ``data.source``."""

    MUTATION = 0
    INPUT = 5


class NodeType(enum.IntEnum):
    """A serialised node's ``type`` in a full snapshot or a mutation."""

    DOCUMENT = 0
    ELEMENT = 2
    TEXT = 3
