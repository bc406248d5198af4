"""Wall-clock costs of *Natural gradient at scale*: the convergence table and the cost of one step.

Timings change from machine to machine and run to run, so the chapter shows none: it counts
multiply-adds (``network.step_multiply_adds``). This script times what the chapter counts, with
one BLAS thread (set before NumPy loads) and the median of repeats, and prints the time per
counted multiply-add, which says how far the count predicts the clock:

1. the four optimisers of the chapter (full-batch gradient descent, Adam, K-FAC, exact damped
   natural gradient) on its 231-parameter network and spiral data, each at its best learning rate
   from the chapter's grid: epochs to reach the loss threshold and wall-clock time (median of 3);
2. one damped natural-gradient step, dense (form F, solve) against 50 conjugate-gradient products,
   for hidden widths 8 to 64 (median of 5), with the exponents fitted over the three largest
   networks, beside the chapter's counted exponents.

    .venv/bin/python benchmarks/bench_scale.py
"""

from __future__ import annotations

import os

# one BLAS thread, before NumPy loads: a multi-threaded BLAS makes the dense step's time depend on
# what else the machine runs
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from natgrad_lib import network as net  # noqa: E402

TARGET, MAX_EPOCHS, DAMPING = 0.15, 600, 1e-2
# the chapter's grids
LR_GRID = {"gd": [0.3, 1.0, 3.0, 5.0], "adam": [0.01, 0.03, 0.1, 0.2, 0.5, 1.0],
           "kfac": [0.1, 0.3, 0.5, 0.7, 1.0], "ngd": [0.1, 0.3, 0.5, 0.7, 1.0]}
NAMES = {"gd": "gradient descent (full batch)", "adam": "Adam", "kfac": "K-FAC", "ngd": "exact damped NGD"}
WIDTHS = [8, 16, 24, 32, 48, 64]
N_CG = 50


def race(X, y, theta0):
    print(f"{'optimiser':32s} {'best lr':>8s} {'epochs':>7s} {'time (ms)':>10s} {'ms/epoch':>9s} {'ns/madd':>8s}")
    for method, grid in LR_GRID.items():
        runs = [net.train(method, theta0, X, y, lr, MAX_EPOCHS, damping=DAMPING, target=TARGET) | {"lr": lr}
                for lr in grid]
        best = min((r for r in runs if r["losses"][-1] <= TARGET), key=lambda r: len(r["losses"]))
        times = [net.train(method, theta0, X, y, best["lr"], MAX_EPOCHS, damping=DAMPING,
                           target=TARGET)["seconds"][-1] for _ in range(3)]
        epochs = len(best["losses"]) - 1
        ms = 1e3 * statistics.median(times)
        madds = net.step_multiply_adds(method, len(y)) * epochs
        print(f"{NAMES[method]:32s} {best['lr']:8g} {epochs:7d} {ms:10.1f} {ms / epochs:9.2f} "
              f"{1e6 * ms / madds:8.2f}")


def median_of(fn, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaling(X, y):
    ps, dense, cg = [], [], []
    for width in WIDTHS:
        sizes = (2, width, width, 3)
        theta = net.init_theta(sizes, seed=0)
        _, g = net.loss_and_grad(theta, X, y, sizes)
        p = net.n_params(sizes)
        ps.append(p)
        dense.append(median_of(lambda: np.linalg.solve(net.fisher(theta, X, sizes) + DAMPING * np.eye(p), g)))
        cg.append(median_of(lambda: net.conjugate_gradient(
            lambda u: net.fisher_vector_product(theta, X, u, sizes) + DAMPING * u, g, tol=1e-30, maxiter=N_CG)))
        n_dense = net.step_multiply_adds("ngd", len(y), sizes) - net.step_multiply_adds("gd", len(y), sizes)
        n_cg = net.step_multiply_adds("cg", len(y), sizes, n_cg=N_CG) - net.step_multiply_adds("gd", len(y), sizes)
        print(f"M = {p:5d}: dense {1e3 * dense[-1]:8.1f} ms ({1e9 * dense[-1] / n_dense:5.2f} ns/madd), "
              f"{N_CG} CG products {1e3 * cg[-1]:7.1f} ms ({1e9 * cg[-1] / n_cg:5.2f} ns/madd)")
    ps, dense, cg = map(np.array, (ps, dense, cg))
    slope_dense = np.polyfit(np.log(ps[-3:]), np.log(dense[-3:]), 1)[0]
    slope_cg = np.polyfit(np.log(ps[-3:]), np.log(cg[-3:]), 1)[0]
    print(f"fitted exponents over M = {ps[-3]}..{ps[-1]}: dense {slope_dense:.2f}, CG {slope_cg:.2f}")


if __name__ == "__main__":
    X, y = net.spiral_data(100, seed=0)
    race(X, y, net.init_theta(net.SIZES, seed=0))
    scaling(X, y)
