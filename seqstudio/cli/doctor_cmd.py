"""``seqstudio doctor``: the versions and parts a bug report needs, each checked live.

Every library the product uses is imported for real (imgaug through the augmentation
backend, which restores the numpy names it needs; Qt through PySide6), so a broken
install shows here with its error instead of as a silent failure in the app.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

EXIT_BROKEN = 1


@dataclass(frozen=True)
class Check:
    """One line of the report: a part, whether it works, and the detail (version or error)."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="print Python and library versions and check each part works (for bug reports)",
        description="Print the Python, numpy, OpenCV, Qt and imgaug versions in use and check "
        "that each part of seqstudio works here: the libraries import, augmentation "
        "(imgaug on this numpy), the desktop app (Qt and a display), the glyph sources "
        "and the optional extras. Exits 1 when a required part is broken.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def _probe(name: str, probe: Callable[[], str], required: bool = True) -> Check:
    try:
        return Check(name, True, probe(), required)
    except Exception as exc:  # noqa: BLE001 - every failure is the report's content
        detail = f"{type(exc).__name__}: {exc}" if required else str(exc)
        return Check(name, False, detail, required)


def _numpy() -> str:
    import numpy

    return numpy.__version__


def _opencv() -> str:
    from seqstudio.core.cv import cv2

    return cv2.__version__


def _imgaug() -> str:
    from seqstudio.core.augment.imgaug_backend import describe_backend

    versions = describe_backend()  # imports imgaug the way an augmentation op does
    return f"{versions['imgaug']} (imports with numpy {versions['numpy']})"


def _qt() -> str:
    import PySide6
    from PySide6.QtCore import qVersion

    return f"Qt {qVersion()}, PySide6 {PySide6.__version__}"


def _display() -> str:
    platform_name = os.environ.get("QT_QPA_PLATFORM")
    if platform_name:
        return f"QT_QPA_PLATFORM={platform_name}"
    for variable in ("WAYLAND_DISPLAY", "DISPLAY"):
        if os.environ.get(variable):
            return f"{variable}={os.environ[variable]}"
    raise RuntimeError("no display (DISPLAY and WAYLAND_DISPLAY unset): the commands still work")


def _sources() -> list[Check]:
    from seqstudio.core.datasets import available_sources

    checks = []
    kinds = set()
    for info in available_sources():
        kinds.add(info.kind)
        where = f" at {info.location}" if info.location is not None else ""
        detail = f"{info.source!r}{where}" if info.available else (info.problem or "unusable")
        checks.append(Check(f"glyphs: {info.kind}", info.available, detail, info.kind == "bundled"))
    if "downloaded" not in kinds:
        checks.append(
            Check("glyphs: full MNIST", False, "not downloaded (seqstudio data download)", False)
        )
    return checks


def collect() -> dict:
    """Gather the whole report (versions, live checks, extras) as JSON-ready data."""
    from seqstudio._version import __version__
    from seqstudio.core import environment

    checks = [
        _probe("numpy", _numpy),
        _probe("OpenCV", _opencv),
        _probe("imgaug (augmentation)", _imgaug),
        _probe("Qt (desktop app)", _qt),
        _probe("display", _display, required=False),
    ]
    try:
        checks += _sources()
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("glyphs", False, f"{type(exc).__name__}: {exc}"))
    for extra, requirements in environment.optional_extras().items():
        missing = [dist for dist, version in requirements if version is None]
        detail = (
            ", ".join(f"{dist} {version}" for dist, version in requirements)
            if not missing
            else f'missing {", ".join(missing)} (pip install "seqstudio[{extra}]")'
        )
        checks.append(Check(f"extra: {extra}", not missing, detail, False))
    return {
        "seqstudio": __version__,
        "python": environment.python_description(),
        "executable": environment.executable(),
        "installed": environment.library_versions(),
        "checks": [asdict(c) for c in checks],
    }


def format_report(report: dict) -> str:
    """The report as aligned text lines."""
    lines = [f"seqstudio {report['seqstudio']}", f"{'Python':<26}{report['python']}"]
    lines.append(f"{'':<26}{report['executable']}")
    for shown, version in report["installed"].items():
        lines.append(f"{shown:<26}{version or 'NOT INSTALLED'}")
    lines.append("")
    lines.append("checks")
    for check in report["checks"]:
        state = "ok" if check["ok"] else ("BROKEN" if check["required"] else "no")
        lines.append(f"  {check['name']:<24}{state:<8}{check['detail']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a required part is broken."""
    report = collect()
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    broken = [c for c in report["checks"] if c["required"] and not c["ok"]]
    return EXIT_BROKEN if broken else 0
