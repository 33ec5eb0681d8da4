"""The `civscore` command. Thin: it parses arguments, calls the public API and prints plain words.

Each sub-command is one module of this package with a ``register(subparsers)`` function (and an
``ORDER``, its place in ``civscore --help``); the package is walked, so adding a command is
adding a module. Command modules call only the public API (``civscore.*``).
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import pkgutil
import signal
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType

import civscore
from civscore.cli.common import check_outputs
from civscore.cli.terminal import EscapingStream

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civscore",
        description="Score and rank communities against civilisation-creation rubrics (文明创建测评).",
    )
    parser.add_argument("--version", action="version", version=f"civscore {civscore.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in command_modules():
        module.register(sub)
    return parser


def command_modules() -> list[ModuleType]:
    """Every module of this package with a ``register`` function, in ``ORDER``."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):  # __main__ runs the command when imported
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "register", None)):
            found.append(module)
    return sorted(found, key=lambda m: (getattr(m, "ORDER", len(found)), m.__name__))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    _utf8_streams()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(sys.stdout), EscapingStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = _sigterm_as_interrupt()
    try:
        check_outputs(args)
        return int(args.run(args) or EXIT_OK)
    except civscore.CivscoreError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `civscore explain ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # e.g. the output is open in Excel, or the folder is read-only
        where = exc.filename or "a file"
        print(f"civscore: cannot write {where}: {exc.strerror or exc}. Nothing was changed.", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: say so plainly, details only on request
        if os.environ.get("CIVSCORE_DEBUG"):
            traceback.print_exc()
        print(
            f"civscore: internal error ({type(exc).__name__}: {exc}). Nothing was written. "
            "Set CIVSCORE_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _sigterm_as_interrupt():
    """Let `kill` (SIGTERM) unwind like Ctrl-C, so atomic writes remove their temp files."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _utf8_streams() -> None:
    # Windows consoles and some CI runners default to a narrow encoding; Chinese must print.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # a StringIO or other stand-in has no encoding to change
            try:
                stream.reconfigure(errors="replace")
            except ValueError:
                pass


if __name__ == "__main__":
    sys.exit(main())
