"""Atomic writing: a temporary file beside the target, then a rename, so an output is whole or absent.

An output is also refused, before anything is written, when it could not be replaced safely: a
folder, a named pipe or a device (a rename would swap a regular file in for it), or one of the
run's own input files (an output that is the input, or a link to it, would destroy the input).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from civscore.errors import OutputError
from civscore.words import say

# A file name may have 255 bytes on every common file system; the temporary name adds a dot,
# a random part of 8 characters and ".tmp" to the target's name, so a long name is shortened.
MAX_NAME_BYTES = 255
_TMP_EXTRA = len(".") + len(".") + 8 + len(".tmp")


def check_output_target(target: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Raise :class:`civscore.errors.OutputError` if ``target`` must not be written.

    ``inputs`` are the run's input files; the target may not be any of them, whatever the path
    says (the same file under another name, through a symbolic or a hard link, counts).
    """
    target = Path(target)
    try:
        st = os.stat(target)  # follows symlinks: what a rename would really replace the link of
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(
            str(target),
            say(f"无法检查：{exc.strerror}；未写入任何文件", f"cannot be checked: {exc.strerror}; nothing was written"),
        ) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(
                str(target),
                say("是文件夹；请给出要写入的文件名", "is a folder; give the name of a file to write"),
            )
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(
                str(target),
                say(
                    "不是普通文件（命名管道或设备）；结果只写入普通文件",
                    "is not a regular file (a named pipe or a device); results are only written to regular files",
                ),
            )
        for source in inputs:
            try:
                same = os.path.samefile(target, source)
            except OSError:
                continue
            if same:
                raise OutputError(
                    str(target),
                    say(
                        f"就是输入文件 {source}（或指向它的链接）；写入会毁掉输入，请换一个输出文件名",
                        f"is the input file {source} (or a link to it); writing it would destroy the input; "
                        "choose another output name",
                    ),
                )


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    check_output_target(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{_short_name(target.name)}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # a read-only or missing folder: name it, not our temporary file
        raise OutputError(
            str(target),
            say(
                f"无法在文件夹 {folder} 中写入（{exc.strerror}）；未写入任何文件",
                f"cannot be written in the folder {folder} ({exc.strerror}); nothing was written",
            ),
        ) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, _output_mode(target))  # mkstemp makes 0600 files; honour umask
        os.replace(tmp_path, target)
    except OSError as exc:  # name the file the user asked for, not our temporary one
        tmp_path.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _short_name(name: str) -> str:
    """``name`` cut (at a character boundary) so the temporary name fits in MAX_NAME_BYTES."""
    room = MAX_NAME_BYTES - _TMP_EXTRA
    encoded = os.fsencode(name)
    if len(encoded) <= room:
        return name
    return encoded[:room].decode("utf-8", "ignore") or "out"


def _output_mode(target: Path) -> int:
    """The mode a replaced file keeps, or what a plainly created file would get under the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(target: str | Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(tmp_path)`` (its return value is ignored) and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    """Write ``text`` to ``target`` as UTF-8, atomically."""
    return write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
