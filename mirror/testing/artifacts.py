"""Evidence of a failed test: for each of its co-browse sessions, the agent's view and the
customer's screen (PNG) and the history record (JSON), saved to a folder and attached to the
test's report (a report section, JUnit properties and, with pytest-html, extras)."""

from __future__ import annotations

import base64
import importlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mirror.testing.session import CobrowseSession

DEFAULT_FOLDER = "cobrowse-artifacts"


@dataclass
class SessionEvidence:
    """What was saved for one session; ``problems`` says what could not be."""

    number: int
    session_id: str
    files: dict[str, Path] = field(default_factory=dict)
    record: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    def section(self) -> tuple[str, str]:
        lines = [f"{kind}: {path}" for kind, path in self.files.items()]
        lines += [f"not saved: {problem}" for problem in self.problems]
        if self.record is not None:
            lines.append(json.dumps(self.record, indent=2))
        return f"cobrowse session {self.number} ({self.session_id})", "\n".join(lines)


def artifacts_root(config: pytest.Config) -> Path:
    """``--cobrowse-artifacts``, relative to the directory pytest was started from."""
    folder = Path(config.getoption("--cobrowse-artifacts") or DEFAULT_FOLDER)
    return folder if folder.is_absolute() else config.invocation_params.dir / folder


def folder_for_test(root: Path, nodeid: str) -> Path:
    """One folder per test, named after its node ID, emptied of an earlier run's files."""
    name = re.sub(r"[^\w.\-]+", "-", nodeid).strip("-")[:150]
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def save_session(number: int, session: CobrowseSession, folder: Path) -> SessionEvidence:
    """Save what there is to save; a page or server that is gone leaves a note, not an error,
    so the test's own failure stays the one reported."""
    evidence = SessionEvidence(number, session.id)
    prefix = folder / f"session-{number}"

    def save_view(path: Path) -> None:
        session.view_image().save(path)

    def save_customer(path: Path) -> None:
        session.customer.screenshot(path=path)

    steps = [("view", save_view)] if session.agent is not None else []
    for kind, save in [*steps, ("customer", save_customer)]:
        path = prefix.with_name(f"{prefix.name}-{kind}.png")
        try:
            save(path)
            evidence.files[kind] = path
        except Exception as exc:  # noqa: BLE001 - evidence is best effort.
            evidence.problems.append(f"{kind}: {exc}")
    try:
        evidence.record = session.server.record(session.uuid)
        path = prefix.with_name(f"{prefix.name}-record.json")
        path.write_text(json.dumps(evidence.record, indent=2))
        evidence.files["record"] = path
    except Exception as exc:  # noqa: BLE001 - evidence is best effort.
        evidence.problems.append(f"record: {exc}")
    return evidence


def attach(item: pytest.Item, report: pytest.TestReport, saved: list[SessionEvidence]) -> None:
    """Add the evidence to the report: sections for the terminal, user properties for JUnit
    XML, and extras for pytest-html where that plugin is in use."""
    for evidence in saved:
        report.sections.append(evidence.section())
        for kind, path in evidence.files.items():
            name = f"cobrowse_session_{evidence.number}_{kind}"
            report.user_properties.append((name, str(path)))
            # JUnit XML writes the properties of the teardown report, which copies the item's.
            item.user_properties.append((name, str(path)))
    if not item.config.pluginmanager.hasplugin("html"):
        return
    extras_module = importlib.import_module("pytest_html.extras")
    extras = list(getattr(report, "extras", []))
    for evidence in saved:
        for kind, path in evidence.files.items():
            name = f"cobrowse session {evidence.number}: {kind}"
            if path.suffix == ".png":
                content = base64.b64encode(path.read_bytes()).decode()
                extras.append(extras_module.png(content, name=name))
        if evidence.record is not None:
            extras.append(
                extras_module.json(evidence.record, name=f"cobrowse session {evidence.number}")
            )
    report.extras = extras  # type: ignore[attr-defined]


def save_and_attach(
    item: pytest.Item, report: pytest.TestReport, sessions: list[CobrowseSession]
) -> None:
    if not sessions:
        return
    folder = folder_for_test(artifacts_root(item.config), item.nodeid)
    saved = [save_session(n, s, folder) for n, s in enumerate(sessions, start=1)]
    attach(item, report, saved)
