"""Another system's fonts for a customer's Chromium on this machine: a fontconfig file under
which "Segoe UI" and the system's interface font (system-ui) are Carlito, as on a Windows machine
they are Segoe UI, while the server keeps its own. Tests and the benchmark launch a customer's
Chromium with ``FONTCONFIG_FILE`` pointing at it."""

from __future__ import annotations

import os
from pathlib import Path

OTHER_SYSTEM = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="pattern">
    <test name="family"><string>Segoe UI</string></test>
    <edit name="family" mode="assign" binding="same"><string>Carlito</string></edit>
  </match>
  <match target="pattern">
    <test name="family"><string>sans-serif</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Carlito</string></edit>
  </match>
</fontconfig>
"""


def other_system_fonts(folder: Path) -> dict[str, str]:
    """The environment of a browser with OTHER_SYSTEM's fonts, its file written in ``folder``."""
    conf = folder / "fonts.conf"
    conf.write_text(OTHER_SYSTEM)
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}
