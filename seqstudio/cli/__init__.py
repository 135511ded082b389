"""The ``seqstudio`` command line: ``generate``, ``export``, ``stats`` and, with no
subcommand, the desktop application.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a
parser whose ``func`` default runs it. Heavy libraries are imported inside the
subcommands, so ``seqstudio --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMAND_MODULES = (
    "seqstudio.cli.generate_cmd",
    "seqstudio.cli.export_cmd",
    "seqstudio.cli.merge_cmd",
    "seqstudio.cli.stats_cmd",
    "seqstudio.cli.data_cmd",
    "seqstudio.cli.desktop_cmd",
    "seqstudio.cli.doctor_cmd",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse API
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_shorten(message)}\n")


def _shorten(message: str, limit: int = 80) -> str:
    """Cut over-long quoted values (a 5,000-digit ``--seed``) out of a one-line message."""
    import re

    def cut(match: re.Match) -> str:
        value = match.group(1)
        return f"'{value[:20]}…' ({len(value):,} characters)"

    return re.sub("'([^']{" + str(limit) + ",})'", cut, message)


class _VersionAction(argparse.Action):
    """``--version``: one line with the versions a bug report needs (metadata only: fast)."""

    def __init__(
        self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None
    ):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from seqstudio.core.environment import version_summary

        print(version_summary())
        parser.exit()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand registered.

    When ``argv`` starts with the name of a subcommand whose module is
    ``seqstudio.cli.<name>_cmd``, only that one is registered: importing and building
    all of them costs ~30 ms of CPU, a tenth of ``seqstudio stats`` on 1,000 images.
    Anything else (``--help``, a typo, no subcommand) gets the full parser.
    """
    parser = CliArgumentParser(
        prog="seqstudio",
        description="Images of handwritten digit sequences with exact labels. "
        "Run without a subcommand to open the desktop application.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the seqstudio, Python, numpy, OpenCV, Qt and imgaug versions and exit "
        "(`seqstudio doctor` checks each part too)",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CliArgumentParser
    )
    named = f"seqstudio.cli.{argv[0].replace('-', '_')}_cmd" if argv else ""
    modules = (named,) if named in SUBCOMMAND_MODULES else SUBCOMMAND_MODULES
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """Print one line naming the problem on stderr and return the exit code."""
    print(f"seqstudio: error: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while modules load, before any handler is set
        return fail("interrupted", EXIT_INTERRUPTED)


def _main(argv: Sequence[str] | None) -> int:
    from seqstudio.core.errors import SeqstudioError

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        return _start_gui()
    try:
        return int(args.func(args) or 0)
    except SeqstudioError as exc:
        return fail(_with_option(exc))
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return fail(f"{exc.strerror or exc}{where}", 1)


def _with_option(exc: Exception) -> str:
    """The error's text, naming the command-line option rather than the spec field."""
    from seqstudio.core.errors import SpecError

    if isinstance(exc, SpecError) and not exc.field.startswith("-"):
        from seqstudio.cli.spec_args import option_for_field

        return f"{option_for_field(exc.field)}: {exc.message}"
    return str(exc)


def _missing_display() -> bool:
    """On Linux, whether Qt has no screen to open (it would abort the process)."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _start_gui() -> int:
    if _missing_display():
        return fail(
            "no display to open the app on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "run it in a desktop session, or use the commands: seqstudio --help"
        )
    from seqstudio.gui.app import run_app

    return run_app()
