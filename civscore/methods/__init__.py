"""Scoring methods (contract section 3), one module per method, found by walking this package.

Adding a method is adding one module here that registers itself with
:func:`civscore.methods.registry.method`; nothing else in civscore names the methods.
"""

from __future__ import annotations

import importlib
import pkgutil

from civscore.methods.registry import METHODS, points_for

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "points_for"]
