"""Pick the writer by extension and write atomically: ``write_result`` and ``write_table``."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pandas as pd

import civscore.writers
from civscore.scoring.scored import Scored
from civscore.words import say
from civscore.writers.atomic import write_atomic


def _formats() -> dict[str, ModuleType]:
    """Every module of this package with a ``SUFFIX`` is a format: adding one is adding a file."""
    found = {}
    for info in pkgutil.iter_modules(civscore.writers.__path__):
        module = importlib.import_module(f"civscore.writers.{info.name}")
        if hasattr(module, "SUFFIX"):
            found[module.SUFFIX] = module
    return found


FORMATS = _formats()
# a format's ORDER is its place in messages listing the formats (unnumbered ones come last)
RESULT_FORMATS = tuple(sorted(FORMATS, key=lambda s: (getattr(FORMATS[s], "ORDER", len(FORMATS)), s)))


class UnsupportedFormat(ValueError):
    """An output path whose extension picks no known format."""


def check_output_path(path: str | Path, formats: tuple[str, ...] = RESULT_FORMATS) -> str:
    """The output format for ``path`` ('.csv', ...), or UnsupportedFormat naming the choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in formats:
        raise UnsupportedFormat(
            say(
                f"无法写出 {str(path)!r}：扩展名必须是 {'、'.join(formats)} 之一",
                f"cannot write {str(path)!r}: the extension must be one of {', '.join(formats)}",
            )
        )
    return suffix


def write_result(result: Scored, path: str | Path) -> Path:
    """Write ``result`` to ``path``; the extension picks the format. Atomic: all or nothing."""
    fmt = FORMATS[check_output_path(path)]
    _check_fits(fmt, result.table, path)
    whole = getattr(fmt, "write_result_file", None)  # a format that may write files beside the output
    if whole is not None:
        return whole(result, path)
    return write_atomic(path, lambda tmp: fmt.write_result(result, tmp))


def write_table(table: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> Path:
    """Write any table (problems, gaps, comparisons) by extension: .csv, .xlsx or .parquet."""
    fmt = FORMATS[check_output_path(path)]
    _check_fits(fmt, table, path)
    return write_atomic(path, lambda tmp: fmt.write_table(table, tmp, sheet))


def _check_fits(fmt: ModuleType, table: pd.DataFrame, path: str | Path) -> None:
    """A format with size limits (Excel's sheet size) refuses a table before anything is written."""
    check = getattr(fmt, "check_fits", None)
    if check is not None:
        check(table, path)
