"""The `civscore` command. Thin: it parses arguments, calls the public API and prints plain words.

Each sub-command is one module of this package with a ``register(subparsers)`` function (and an
``ORDER``, its place in ``civscore --help``); the package is walked, so adding a command is
adding a module. Command modules call only the public API (``civscore.*``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import logging
import os
import pkgutil
import re
import signal
import sys
import traceback
from collections.abc import Sequence
from contextlib import nullcontext
from types import ModuleType
from typing import NoReturn

import civscore
from civscore.cli.common import check_outputs
from civscore.cli.terminal import EscapingStream
from civscore.words import LANGUAGES, say, using_language

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


# argparse's own words for the commonest usage errors, in Chinese (the rest stay as argparse says them)
_ARGPARSE_ZH = (
    (re.compile(r"^the following arguments are required: (.*)$"), "缺少必需的参数：{}"),
    (re.compile(r"^unrecognized arguments: (.*)$"), "无法识别的参数：{}"),
    (re.compile(r"^argument (.*): expected one argument$"), "参数 {} 需要一个值"),
)


class Parser(argparse.ArgumentParser):
    """argparse with its framing words (usage, error, section titles, -h) in the message language."""

    def __init__(self, *args, **kwargs):
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = say("位置参数", "positional arguments")
        self._optionals.title = say("选项", "options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=say("显示此帮助信息并退出", "show this help message and exit"),
            )

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, prefix=_usage_prefix())
        return formatter.format_help()

    def format_help(self) -> str:
        # argparse builds the help with add_usage(prefix=None): swap in our prefix the same way
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, prefix=_usage_prefix())
        formatter.add_text(self.description)
        for action_group in self._action_groups:
            formatter.start_section(action_group.title)
            formatter.add_text(action_group.description)
            formatter.add_arguments(action_group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def error(self, message: str):
        self.print_usage(sys.stderr)
        for pattern, zh in _ARGPARSE_ZH:
            match = pattern.match(message)
            if match:
                message = say(zh.format(*match.groups()), message)
                break
        self.exit(2, say(f"{self.prog}：错误：{message}\n", f"{self.prog}: error: {message}\n"))


def _usage_prefix() -> str:
    return say("用法：", "usage: ")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser, its help in the current message language."""
    parser = Parser(
        prog="civscore",
        description=say(
            "按文明创建测评体系（YAML）为社区打分、排名。",
            "Score and rank communities against civilisation-creation rubrics (文明创建测评).",
        ),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=say(
            "消息语言：zh（中文，默认）或 en（英文）；也可设置环境变量 CIVSCORE_LANG；可写在子命令前或后",
            "language of messages: zh (Chinese, the default) or en (English); also CIVSCORE_LANG; "
            "before or after the command",
        ),
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


def _take_language(argv: list[str]) -> tuple[list[str], str | None, str | None]:
    """Remove every ``--lang X`` / ``--lang=X`` (before or after the command, up to ``--``).

    Returns the remaining arguments, the language chosen (the last one given) and a value that
    is not a language, if one was given, for a usage error.
    """
    rest: list[str] = []
    chosen = bad = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg == "--lang" or arg.startswith("--lang="):
            if arg == "--lang":
                value = argv[i + 1] if i + 1 < len(argv) else ""
                i += 2
            else:
                value = arg.split("=", 1)[1]
                i += 1
            if value in LANGUAGES:
                chosen = value
            else:
                bad = value
            continue
        rest.append(arg)
        i += 1
    return rest, chosen, bad


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: with ``argv`` None (the process's own arguments) it
    ends the process with the exit status (see :func:`_end_process`); given a list of
    arguments (tests, other programs) it returns the status."""
    _utf8_streams()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(sys.stdout), EscapingStream(sys.stderr)
    try:
        code = _main(argv)
    finally:
        sys.stdout, sys.stderr = streams
        if argv is None:
            # The process ends now. A command ends through _end_process, without a teardown;
            # argparse's --help and usage errors leave by SystemExit, and there the collector's
            # last pass over every object left (pandas' frames, the modules) would only find
            # garbage the exit frees anyway, 0.1-0.2 s.
            gc.freeze()
    if argv is None:
        _end_process(code)
    return code


def _end_process(code: int) -> NoReturn:
    """End the command's process with ``code`` once its output is flushed, without the
    interpreter's teardown: there Arrow's and DuckDB's native thread pools are destroyed while a
    worker may still be alive, which now and then aborts a process that has done all its work
    ("terminate called without an active exception", exit status 134; apache/arrow#34314, seen
    once in `make test`). Every output is closed and renamed by now, and nothing of civscore's
    waits on an exit handler (a Spark JVM ends when its Python process does)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader left (`| head`) or the stream is closed
            pass
    logging.shutdown()
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    rest, lang, bad = _take_language(list(sys.argv[1:] if argv is None else argv))
    with using_language(lang) if lang else nullcontext():
        return _run(rest, bad)


def _run(argv: list[str], bad_language: str | None) -> int:
    parser = build_parser()
    if bad_language is not None:
        parser.error(
            say(
                f"--lang 只能是 {' 或 '.join(LANGUAGES)}，不能是 {bad_language!r}",
                f"--lang must be {' or '.join(LANGUAGES)}, not {bad_language!r}",
            )
        )
    args = parser.parse_args(argv)
    previous = _sigterm_as_interrupt()
    try:
        check_outputs(args)
        with civscore.using_issuer(getattr(args, "issuer", None)):  # --issuer, where a command has it
            return int(args.run(args) or EXIT_OK)
    except civscore.CivscoreError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `civscore explain ... | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # e.g. the output is open in Excel, or the folder is read-only
        reason = exc.strerror or exc
        where = exc.filename
        text = say(
            f"civscore: 无法写入{f' {where}' if where else '文件'}：{reason}。没有改动任何文件。",
            f"civscore: cannot write {where or 'a file'}: {reason}. Nothing was changed.",
        )
        print(text, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(say("已中断；没有写出任何文件", "interrupted; nothing was written"), file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: say so plainly, details only on request
        if os.environ.get("CIVSCORE_DEBUG"):
            traceback.print_exc()
        print(
            say(
                f"civscore: 内部错误（{type(exc).__name__}: {exc}）。没有写出任何文件。"
                "设置 CIVSCORE_DEBUG=1 可查看详情，请报告这个问题。",
                f"civscore: internal error ({type(exc).__name__}: {exc}). Nothing was written. "
                "Set CIVSCORE_DEBUG=1 for details and please report it.",
            ),
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
