"""Scoring methods (contract section 3), one module per method, found by walking this package.

A method module subclasses :class:`~civscore.methods.base.Method` and registers one instance
with :func:`~civscore.methods.registry.register`: its keys and their rules, the data it reads,
its points, rule text, next step and summary all live in that one file. Nothing else in
civscore names a method; callers ask :func:`method_of`, which refuses an unknown name.
"""

from __future__ import annotations

import importlib
import pkgutil

from civscore.methods.base import Method
from civscore.methods.registry import METHODS, all_keys, method_of, names, points_for

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "registry"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "Method", "all_keys", "method_of", "names", "points_for"]
