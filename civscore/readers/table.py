"""read_table(): any supported data file as a DataFrame of cells, the format picked by extension.

Every module of this package with a ``SUFFIX`` is a source format (``read(path, label, sheet)``,
``ORDER`` for messages, ``SHEETS`` when a file holds several tables): the package is walked, so
adding an input format is adding one module.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pandas as pd

import civscore.readers
from civscore.errors import DataError
from civscore.readers.safety import _check_file, _check_frame
from civscore.words import say


def _sources() -> dict[str, ModuleType]:
    found = []
    for info in pkgutil.iter_modules(civscore.readers.__path__):
        module = importlib.import_module(f"civscore.readers.{info.name}")
        if hasattr(module, "SUFFIX"):
            found.append(module)
    return {m.SUFFIX: m for m in sorted(found, key=lambda m: (getattr(m, "ORDER", len(found)), m.SUFFIX))}


def _either(words: list[str]) -> str:
    if len(words) < 2:
        return words[0]
    return say("、".join(words[:-1]) + f" 或 {words[-1]}", ", ".join(words[:-1]) + f" or {words[-1]}")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a data file into a DataFrame without interpreting it against any rubric.

    The frame's ``attrs["source"]`` names the file, ``attrs["first_row"]`` the spreadsheet row
    of its first data row (so that problems can be reported as a user would find them) and
    ``attrs["sha256"]`` the SHA-256 of the file's bytes (printed on the outputs' 说明 sheets).
    """
    path = Path(path)
    label = str(path)
    suffix = path.suffix.lower()
    source = SOURCES.get(suffix)
    if source is None:
        shown = repr(suffix) if suffix else say("（无）", "'(none)'")
        raise DataError(
            label,
            say(
                f"不支持的文件类型 {shown}；请使用 {_either(list(SUPPORTED))}",
                f"unsupported file type {shown}; use {_either(list(SUPPORTED))}",
            ),
        )
    if sheet is not None and not source.SHEETS:
        with_sheets = [s for s, m in SOURCES.items() if m.SHEETS]
        raise DataError(
            label,
            say(
                f"--sheet 只适用于 {_either(with_sheets)} 文件", f"--sheet applies only to {_either(with_sheets)} files"
            ),
        )
    # a packed format is bounded by its unpacked size (checked by its reader), not its file size
    _check_file(path, label, bound_size=getattr(source, "SIZE_BOUND", True))
    try:
        frame = source.read(path, label, sheet)
        digest = frame.attrs.get("sha256") or _sha256(path)  # a reader that read all bytes has it
    except OSError as exc:  # permissions, a file removed while reading, a network drive gone
        raise DataError(label, f"cannot be read: {exc.strerror or exc}") from None
    _check_frame(frame, label)
    frame.attrs["source"] = label
    frame.attrs["first_row"] = 2  # row 1 is the header in every supported format
    frame.attrs["sha256"] = digest
    return frame


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# after read_table: a format module that imports it (readers.data, through the walk) finds it
SOURCES = _sources()
SUPPORTED = tuple(SOURCES)
