"""Keep ``import civscore`` light when PySpark is installed (the civscore[spark] extra).

pandera, on importing its pandas (and Ibis) API, imports ``pyspark.pandas`` whenever PySpark
is installed (for pandas-on-Spark type hints, which civscore never uses): a second or more and a
JVM-facing package on every ``import civscore``, though only ``--engine spark`` needs Spark.
pandera's modules are imported here with PySpark hidden for that moment (pandera then treats
it as absent); Spark itself is imported normally, later, by the Spark engine. When PySpark is
already loaded (a notebook that started Spark first), nothing is hidden.
"""

from __future__ import annotations

import importlib
import sys


def import_without_pyspark(*modules: str) -> None:
    """Import ``modules`` (pandera's) without letting them import PySpark."""
    if all(m in sys.modules for m in modules):
        return
    hide = "pyspark" not in sys.modules
    if hide:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark...` raises ImportError
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        if hide and sys.modules.get("pyspark", False) is None:
            del sys.modules["pyspark"]


import_without_pyspark("pandera", "pandera.pandas")
