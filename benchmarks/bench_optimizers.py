"""Speed of the optimisers and of the Monte-Carlo Fisher estimate.

Prints, for n = 1e2, 1e4, 1e6 data points, the time of 10 000 natural-GD steps with
``natgrad_lib.natural_gradient_descent`` (which works from the sufficient statistics)
and with a straightforward version that passes over the data at every step, and their
ratio (target: >= 10x at n = 1e4). Then the time of ``fisher_from_scores`` with 1e6
samples (target: < 0.2 s on a 2-core machine). Best of several repeats.

    .venv/bin/python benchmarks/bench_optimizers.py
"""

from __future__ import annotations

import time

import numpy as np

import natgrad_lib as ng

STEPS, LR, CHART = 10_000, 1e-3, "mean_var"


def naive_natural_gradient_descent(data, theta0, lr, steps):
    """Natural GD in (mu, sigma^2) that recomputes the gradient from all data at every step.

    Everything else is as lean as in the library (scalar arithmetic, the diagonal Fisher
    inverted by hand), so the ratio measures the cost of the passes over the data.
    """
    mu, var = float(theta0[0]), float(theta0[1])
    path = [(mu, var)]
    for _ in range(steps):
        r = data - mu
        g_mu = -float(np.mean(r)) / var
        g_var = 0.5 / var - float(np.mean(r * r)) / (2.0 * var * var)
        # F = diag(1/var, 1/(2 var^2)) in this chart
        mu, var = mu - lr * var * g_mu, var - lr * 2.0 * var * var * g_var
        if not (np.isfinite(mu) and np.isfinite(var) and var > 0):
            break
        path.append((mu, var))
    return np.array(path)


def best_time(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    rng = np.random.default_rng(0)
    theta0 = [0.0, 1.0]
    print(f"{STEPS} natural-GD steps, chart {CHART!r}, lr={LR}")
    for n in [10**2, 10**4, 10**6]:
        data = rng.normal(2.0, 3.0, size=n)
        fast, path = best_time(lambda: ng.natural_gradient_descent(data, theta0, CHART, LR, STEPS), 5)
        # at n = 1e6 the naive loop takes ~30 s: time a tenth of the steps and scale up
        naive_steps = STEPS if n <= 10**4 else STEPS // 10
        naive, naive_path = best_time(lambda: naive_natural_gradient_descent(data, theta0, LR, naive_steps), 3)
        naive *= STEPS / naive_steps
        assert np.allclose(path[: len(naive_path)], naive_path, rtol=1e-9, atol=1e-12), "versions disagree"
        note = "" if naive_steps == STEPS else f" ({naive_steps} steps timed, scaled)"
        print(f"n = {n:>9,d}: natgrad_lib {fast * 1e3:8.1f} ms   naive {naive * 1e3:9.1f} ms   "
              f"ratio {naive / fast:7.1f} x{note}")
    theta = ng.to_chart([1.0, 2.0], "mean_std", "natural")
    t, _ = best_time(lambda: ng.fisher_from_scores(theta, "natural", 10**6, 0), 5)
    print(f"fisher_from_scores with 1e6 samples: {t * 1e3:.1f} ms (target < 200 ms)")


if __name__ == "__main__":
    main()
