"""A virtual X display of its own (Xvfb, Debian's xvfb, installed by `make setup`): for the
customers in other engines and for the benchmark's windows on an X screen."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator


@contextlib.contextmanager
def virtual_display(screen: str = "1600x1200x24", *options: str) -> Iterator[str]:
    """An X display whose one screen is ``screen`` (width x height x depth), started with Xvfb's
    ``options`` too: Xvfb picks a free number and says which (-displayfd)."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp", *options],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start (is another display server in the way?)")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
