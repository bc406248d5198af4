r"""Comparisons the book uses to check one computation against another."""

from __future__ import annotations

import numpy as np


def fisher_discrepancy(estimate, F) -> float:
    r"""Largest entrywise error of ``estimate`` against ``F``, each entry on its natural scale.

    .. math:: \max_{i,j} \frac{|\hat F_{ij} - F_{ij}|}{\sqrt{F_{ii} F_{jj}}}

    Measuring entry :math:`(i, j)` against :math:`\sqrt{F_{ii}F_{jj}}` rather than
    :math:`|F_{ij}|` keeps the measure meaningful where an off-diagonal entry is 0, and
    makes it invariant to rescaling a coordinate.

    Parameters
    ----------
    estimate, F : array_like, shape (2, 2)
        A candidate and the reference Fisher matrix (positive diagonal).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes are not (2, 2), an entry is not finite, or ``F`` has a
        non-positive diagonal entry.

    Examples
    --------
    >>> fisher_discrepancy([[1.0, 0.1], [0.1, 4.0]], [[1.0, 0.0], [0.0, 4.0]])
    0.05
    """
    estimate, F = np.array(estimate, dtype=float), np.array(F, dtype=float)
    for name, value in (("estimate", estimate), ("F", F)):
        if value.shape != (2, 2) or not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must be a finite array of shape (2, 2), got {value.tolist()}")
    diag = np.diag(F)
    if np.any(diag <= 0):
        raise ValueError(f"F must have a positive diagonal, got {diag.tolist()}")
    return float(np.max(np.abs(estimate - F) / np.sqrt(np.outer(diag, diag))))
