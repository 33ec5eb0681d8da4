"""Wording shared by every output: number formatting and the Chinese/English choice of messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd


def fmt(x: object, decimals: int = 4) -> str:
    """A number as an analyst writes it: no trailing zeros, at most ``decimals`` decimals."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "缺失"
    if isinstance(x, (bool, np.bool_)):
        return "是" if x else "否"
    if isinstance(x, (int, float, np.integer, np.floating)):
        text = np.format_float_positional(float(x), precision=decimals, unique=True, trim="-")
        return "0" if text in ("-0", "-0.") else text
    return str(x)


def fmt_points(x: object) -> str:
    """Points with at most two decimals (the precision a 细则 is written in)."""
    return fmt(x, 2)


def fmt_all(values: np.ndarray | pd.Series, decimals: int = 4) -> np.ndarray:
    """:func:`fmt` over a whole column, formatting each distinct value once (points repeat a lot)."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiu":
        arr = arr.astype(object)
        # True == 1.0 to a hash table: spell yes/no out first so a mixed column keeps them apart
        flags = np.fromiter((isinstance(v, (bool, np.bool_)) for v in arr), bool, len(arr))
        if flags.any():
            arr = arr.copy()
            arr[flags] = np.where(arr[flags].astype(bool), "是", "否")
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    texts = np.array([fmt(u, decimals) for u in uniques] + ["缺失"], dtype=object)
    return texts[codes]  # code -1 (missing) picks the trailing "缺失"


LANGUAGES = ("zh", "en")
_chosen: ContextVar[str | None] = ContextVar("civscore_language", default=None)


def language() -> str:
    """The language of messages: the one set with :func:`set_language` or :func:`using_language`,
    else ``CIVSCORE_LANG`` from the environment, else Chinese (contract section 10)."""
    chosen = _chosen.get() or os.environ.get("CIVSCORE_LANG", "").strip().lower()
    return chosen if chosen in LANGUAGES else "zh"


def set_language(lang: str) -> None:
    """Choose ``"zh"`` (the default) or ``"en"`` for every message from now on."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    _chosen.set(lang)


@contextmanager
def using_language(lang: str) -> Iterator[None]:
    """Messages in ``lang`` inside the ``with`` block only."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    token = _chosen.set(lang)
    try:
        yield
    finally:
        _chosen.reset(token)


def say(zh: str, en: str) -> str:
    """The message in the current language. Every user-facing message is written once, here,
    in both languages side by side, so that neither can be forgotten when the other changes."""
    return en if language() == "en" else zh


def quantity_label(expression: str) -> str:
    """An indicator's value expression as a reader would write it (backticks dropped)."""
    return expression.replace("`", "").strip()
