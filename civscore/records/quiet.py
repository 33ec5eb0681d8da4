"""Library warnings that say nothing to our users, silenced where records are handled."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_ibis() -> Iterator[None]:
    """Ibis 12 asks pandas 3 for an option pandas now calls deprecated, and calls a DuckDB method
    DuckDB 2 renamed; the warnings are the libraries', say nothing to our users, and would break
    notebooks whose stderr is compared. Usable as a decorator too."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        warnings.filterwarnings("ignore", message=".*fetch_arrow_table.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*copy keyword is deprecated.*")  # PySpark's pandas bridge
        yield
