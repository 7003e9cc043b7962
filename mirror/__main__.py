"""``python -m mirror``: the same command line as ``cobrowse``."""

from mirror.cli import main

raise SystemExit(main())
