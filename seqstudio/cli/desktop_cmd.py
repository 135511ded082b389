"""``seqstudio install-desktop``: add (or remove) the application launcher for this user.

Writes the freedesktop entry ``$XDG_DATA_HOME/applications/seqstudio.desktop`` (its
``Exec`` runs this very installation) and the icons under
``$XDG_DATA_HOME/icons/hicolor/<size>/apps/`` — no root rights, nothing outside the
user's data folder. ``packaging/seqstudio.desktop`` is the same entry with ``Exec=seqstudio``,
for distribution packages.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from seqstudio.core.errors import SeqstudioError
from seqstudio.core.fileio import write_atomic

APP_ID = "seqstudio"
DESKTOP_FILE = f"{APP_ID}.desktop"
ICON_SIZES = (16, 32, 48, 64, 128, 256)

_ENTRY = """\
[Desktop Entry]
Type=Application
Name=seqstudio
GenericName=Digit Sequence Generator
Comment=Create images of handwritten digit sequences with exact labels, boxes and masks
Exec={exec}
Icon={icon}
Terminal=false
Categories=Science;ImageProcessing;DataVisualization;
Keywords=MNIST;digits;handwriting;dataset;synthetic;
StartupNotify=true
StartupWMClass=seqstudio
"""
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``install-desktop`` subcommand."""
    parser = subparsers.add_parser(
        "install-desktop",
        help="add seqstudio to this user's application menu (or --uninstall it)",
        description="Install the desktop launcher and icons into $XDG_DATA_HOME "
        "(default ~/.local/share) for the current user; --uninstall removes them.",
    )
    parser.add_argument("--uninstall", action="store_true", help="remove the launcher and icons")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Install or uninstall; list the files touched."""
    if args.uninstall:
        removed = uninstall_desktop()
        for path in removed:
            print(f"removed {path}")
        if not removed:
            print(f"nothing to remove: no seqstudio launcher in {xdg_data_home()}")
        return 0
    for path in install_desktop():
        print(f"installed {path}")
    return 0


def xdg_data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """The command that starts this installation of seqstudio.

    A frozen (PyInstaller) app runs itself; otherwise the ``seqstudio`` script beside the
    running interpreter, or ``python -m seqstudio`` with that interpreter.
    """
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.executable).parent / "seqstudio"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(Path(sys.executable)), "-m", "seqstudio"]


def desktop_entry_text(command: Sequence[str], icon: str = APP_ID) -> str:
    """The ``.desktop`` file for ``command``, quoted as the Desktop Entry spec requires."""
    return _ENTRY.format(exec=" ".join(_quote_exec_arg(a) for a in command), icon=icon)


def _quote_exec_arg(arg: str) -> str:
    if arg and not (_RESERVED & set(arg)) and "%" not in arg:
        return arg
    inner = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
    # The whole value is then a desktop-file string, whose own escape doubles backslashes.
    return '"' + inner.replace("\\", "\\\\") + '"'


def _installed_files(data_home: Path) -> list[tuple[Path, Path | None]]:
    """(target, bundled source) pairs; the entry has no source (it is generated)."""
    from seqstudio.core.resources import resource_path

    icons = resource_path("icons")
    pairs: list[tuple[Path, Path | None]] = [(data_home / "applications" / DESKTOP_FILE, None)]
    for size in ICON_SIZES:
        rel = f"{size}x{size}/apps/{APP_ID}.png"
        pairs.append((data_home / "icons/hicolor" / rel, Path(str(icons / "hicolor" / rel))))
    pairs.append(
        (
            data_home / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg",
            Path(str(icons / f"{APP_ID}.svg")),
        )
    )
    return pairs


def install_desktop(data_home: Path | None = None) -> list[Path]:
    """Install the launcher and icons; return the files written.

    Each file is written to a temporary name and renamed into place; if any step fails the
    files this call created are removed again.

    Raises
    ------
    SeqstudioError
        If a bundled icon is missing or the data folder cannot be written.
    """
    home = data_home or xdg_data_home()
    pairs = _installed_files(home)
    for _, source in pairs:
        if source is not None and not source.is_file():
            raise SeqstudioError(f"{source}: bundled icon missing; this installation is incomplete")
    written: list[Path] = []
    created: list[Path] = []
    try:
        for target, source in pairs:
            data = (
                desktop_entry_text(launcher_command()).encode()
                if source is None
                else source.read_bytes()
            )
            if not target.exists():
                created.append(target)
            _write_atomic(target, data)
            written.append(target)
    except OSError as exc:
        for path in created:
            with contextlib.suppress(OSError):
                path.unlink()
        where = exc.filename or home
        raise SeqstudioError(
            f"{where}: cannot install the launcher ({exc.strerror or exc})"
        ) from None
    return written


def uninstall_desktop(data_home: Path | None = None) -> list[Path]:
    """Remove the launcher and icons that :func:`install_desktop` writes; return those removed."""
    removed = []
    for target, _ in _installed_files(data_home or xdg_data_home()):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise SeqstudioError(f"{target}: cannot remove ({exc.strerror or exc})") from None
        removed.append(target)
    return removed


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
