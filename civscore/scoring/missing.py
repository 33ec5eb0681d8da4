"""Missing-value policies (contract section 4) applied to the raw points, column by column.

The engine fills each column of its points matrix in place (:func:`fill_column`) and keeps
only the ``missing``, ``not_applicable`` and ``gated`` masks; which cells were excluded or
imputed follows from those and the policies, so the ``applicable`` and ``imputed`` matrices
are built only when something asks for them (issue 16: at 1M units each is another 100 MB).
"""

from __future__ import annotations

import numpy as np


def apply_missing(
    raw: np.ndarray, policies: list[str], n_base: int, not_applicable: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply each indicator's missing policy to its column of raw points (NaN = missing).

    Returns (earned, applicable, imputed). For bonus columns (index >= n_base) ``exclude``
    simply earns 0, as the contract says. ``not_applicable`` (same shape, True where a 不适用
    cell makes the indicator not apply, section 9) excludes those cells whatever the policy:
    they earn 0, leave the unit's base, and do not count in a ``mean``.
    """
    if not_applicable is not None and not not_applicable.any():
        not_applicable = None
    earned = raw.copy(order="K")  # keeps the column-major layout, unlike np.where
    missing = np.isnan(raw)
    if not_applicable is not None:
        missing &= ~not_applicable
    for j, policy in enumerate(policies):
        fill_column(earned[:, j], policy, None if not_applicable is None else not_applicable[:, j])
    return (
        earned,
        applicable_matrix(missing, policies, n_base, not_applicable),
        imputed_matrix(missing, policies),
    )


def fill_column(
    points: np.ndarray, policy: str, not_applicable: np.ndarray | None = None, nan: np.ndarray | None = None
) -> None:
    """In place, one indicator's points (NaN where missing or 不适用): NaN earns 0, except that
    under ``mean`` a missing cell (not a 不适用 one) earns the mean of the cells with points.
    ``nan``: ``np.isnan(points)`` when the caller has it already."""
    nan = np.isnan(points) if nan is None else nan
    if not nan.any():
        return
    if policy == "mean":
        fill_with_mean(points, column_mean(points, not_applicable, nan), not_applicable, nan)
    else:
        points[nan] = 0.0  # a few cells: cheaper than copyto(where=), which visits every cell


def column_mean(
    points: np.ndarray, not_applicable: np.ndarray | None = None, nan: np.ndarray | None = None
) -> float | None:
    """The mean a ``mean`` column's missing cells earn: that of the cells with points (0 if
    none has), or None when no cell is missing (NaN only where 不适用, or nowhere)."""
    nan = np.isnan(points) if nan is None else nan
    fill = nan if not_applicable is None else nan & ~not_applicable
    if not fill.any():
        return None
    present = points[~nan]
    return float(present.mean()) if present.size else 0.0


def fill_with_mean(
    points: np.ndarray, mean: float | None, not_applicable: np.ndarray | None = None, nan: np.ndarray | None = None
) -> None:
    """In place: NaN earns 0, then the missing cells (not the 不适用 ones) earn ``mean`` (see
    :func:`column_mean`; None: nothing to fill). On any block of rows of a column, what
    :func:`fill_column` does to the whole column under ``mean``."""
    nan = np.isnan(points) if nan is None else nan
    points[nan] = 0.0
    if mean is not None:
        points[nan if not_applicable is None else nan & ~not_applicable] = mean


def applicable_matrix(
    filled: np.ndarray, policies: list[str], n_base: int, not_applicable: np.ndarray | None = None
) -> np.ndarray:
    """False where 不适用 or ``exclude`` left the indicator out of the unit's base.

    ``filled``: True where the missing policy decided the points (a missing value that no
    closed gate set to 0). Laid out as ``filled``.
    """
    applicable = np.ones_like(filled)
    for j in excluded_columns(filled, policies, n_base, not_applicable):
        applicable[:, j] = ~_excluded(filled, policies, not_applicable, j)
    return applicable


def excluded_columns(
    filled: np.ndarray, policies: list[str], n_base: int, not_applicable: np.ndarray | None = None
) -> list[int]:
    """Base columns in which some unit's indicator is out of its base (不适用 or ``exclude``)."""
    return [j for j in range(n_base) if _excluded(filled, policies, not_applicable, j).any()]


def excluded_cells(
    filled: np.ndarray, policies: list[str], not_applicable: np.ndarray | None, columns: list[int]
) -> np.ndarray:
    """Units x len(columns): True where the indicator is out of the unit's base."""
    out = np.empty((filled.shape[0], len(columns)), dtype=bool, order="F")
    for i, j in enumerate(columns):
        out[:, i] = _excluded(filled, policies, not_applicable, j)
    return out


def imputed_matrix(filled: np.ndarray, policies: list[str]) -> np.ndarray:
    """True where ``mean`` filled the points in; laid out as ``filled``."""
    imputed = np.zeros_like(filled)
    for j, policy in enumerate(policies):
        if policy == "mean":
            imputed[:, j] = filled[:, j]
    return imputed


def _excluded(filled: np.ndarray, policies: list[str], not_applicable: np.ndarray | None, j: int) -> np.ndarray:
    na = None if not_applicable is None else not_applicable[:, j]
    return excluded_into(np.empty(filled.shape[0], bool), filled[:, j], policies[j], na)


def excluded_into(
    out: np.ndarray, filled: np.ndarray, policy: str, not_applicable: np.ndarray | None = None
) -> np.ndarray:
    """Into ``out``, for cells of one base column: out of the unit's base, i.e. ``filled`` (the
    missing policy decided the points) under ``exclude``, or 不适用."""
    if policy == "exclude":
        np.copyto(out, filled)
    else:
        out.fill(False)
    if not_applicable is not None:
        out |= not_applicable
    return out
