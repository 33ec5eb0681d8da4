"""civscore's version: set from git by setuptools-scm when the package is installed."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def installed_version() -> str:
    """The installed version (e.g. ``0.1.dev52+g86ebd04``), or a fallback when civscore runs
    from a source tree that was never installed."""
    try:
        return version("civscore")
    except PackageNotFoundError:
        return "0.0.0+unknown"


__version__ = installed_version()
