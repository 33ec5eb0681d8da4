"""Atomic writing: a temporary file beside the target, then a rename, so an output is whole or absent."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
