"""Argument checks shared by the public functions.

Every public function validates its inputs here so that bad input fails early
with a ``ValueError`` naming the argument and the allowed values, instead of
propagating NaN through the numerics.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np


def as_vector(value, name: str, size: int) -> np.ndarray:
    """Return ``value`` as a fresh finite float array of shape (size,)."""
    words = {2: "two"}.get(size, str(size))
    try:
        arr = np.array(value, dtype=float)  # np.array copies: inputs are never modified
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of {words} real numbers, got {value!r}") from exc
    if arr.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def as_vector2(value, name: str) -> np.ndarray:
    """Return ``value`` as a fresh finite float array of shape (2,)."""
    return as_vector(value, name, 2)


def as_data(data, name: str = "data") -> np.ndarray:
    """Return ``data`` as a finite, non-empty 1-D float array (a copy)."""
    try:
        arr = np.array(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of real numbers") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {arr.ndim} dimensions (shape {arr.shape})")
    if arr.size == 0:
        raise ValueError(f"{name} must contain at least one value, got an empty array")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_design(X, name: str = "X") -> np.ndarray:
    """Return a design matrix ``X`` as a finite, non-empty 2-D float array of shape (N, d) (a copy)."""
    try:
        arr = np.array(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 2-D array of real numbers") from exc
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array of shape (N, d), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def finite_float(value, name: str) -> float:
    """Return ``value`` as a float, checking it is a finite real number."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return value


def positive_float(value, name: str) -> float:
    """Return ``value`` as a float, checking it is finite and > 0."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number > 0, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return value


def count(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int, checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def optional_seed(value, name: str = "seed"):
    """Accept ``None`` or a non-negative integer seed for ``numpy.random.default_rng``."""
    if value is None:
        return None
    return count(value, name, 0)


def finite_result(func):
    """Decorate a public numerical function so that it never returns NaN or inf silently.

    Points that pass validation can still lie so far out (sigma = 1e-300, say) that an
    intermediate overflows or underflows. Rather than special-casing every formula, the
    whole call runs with NumPy's floating-point warnings silenced and its result is
    checked once: a non-finite result, or a Python float overflow or division by an
    underflowed zero, becomes a ``ValueError`` that says so.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with np.errstate(all="ignore"):
                result = func(*args, **kwargs)
        except ArithmeticError as exc:
            raise ValueError(_out_of_range_message(func, args)) from exc
        if not np.all(np.isfinite(result)):
            raise ValueError(_out_of_range_message(func, args))
        return result

    return wrapper


def _out_of_range_message(func, args) -> str:
    shown = ", ".join(np.array2string(np.asarray(a), threshold=6) if not isinstance(a, str) else repr(a)
                      for a in args)
    return (
        f"{func.__name__}({shown}): the result overflows or underflows double precision at these "
        "arguments; keep sigma and |mu| within a few hundred orders of magnitude of 1 "
        "(the library is tested for 1e-3 <= sigma <= 1e3, |mu| <= 1e3)"
    )
