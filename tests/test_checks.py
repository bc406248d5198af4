"""fisher_scores_stderr and fisher_discrepancy: the yardsticks the book checks with."""

import numpy as np
import pytest

import natgrad_lib as ng


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_stderr_matches_the_spread_over_seeds(chart):
    # the standard error predicted from one run's draws should match the actual
    # scatter of the estimate across independent seeds
    theta = ng.to_chart([0.7, 1.9], "mean_std", chart)
    n = 2_000
    estimates = np.array([ng.fisher_from_scores(theta, chart, n, seed) for seed in range(300)])
    observed = estimates.std(axis=0, ddof=1)
    predicted = ng.fisher_scores_stderr(theta, chart, n, seed=0)
    assert np.all(np.abs(observed / predicted - 1.0) < 0.3), (observed, predicted)


def test_stderr_is_reproducible_and_zero_for_one_sample():
    # one sample: the outer product is the estimate itself and its spread is zero
    theta = [0.0, 1.0]
    assert np.all(ng.fisher_scores_stderr(theta, "mean_std", 1, seed=3) == 0.0)
    a = ng.fisher_scores_stderr(theta, "mean_std", 500, seed=3)
    assert np.array_equal(a, ng.fisher_scores_stderr(theta, "mean_std", 500, seed=3))
    assert not np.array_equal(a, ng.fisher_scores_stderr(theta, "mean_std", 500, seed=4))


def test_discrepancy_is_invariant_to_rescaling_a_coordinate():
    F = np.array([[2.0, 0.3], [0.3, 5.0]])
    estimate = F + np.array([[0.01, -0.02], [-0.02, 0.04]])
    scale = np.diag([1e-6, 1e4])  # theta_new = theta / scale, F_new = scale F scale
    assert ng.fisher_discrepancy(scale @ estimate @ scale, scale @ F @ scale) == pytest.approx(
        ng.fisher_discrepancy(estimate, F), rel=1e-12
    )


def test_discrepancy_is_zero_only_for_equal_matrices():
    F = ng.fisher_information([1.0, 2.0], "mean_std")
    assert ng.fisher_discrepancy(F, F) == 0.0
    assert ng.fisher_discrepancy(F + [[0, 1e-9], [1e-9, 0]], F) > 0.0


@pytest.mark.parametrize(
    "estimate, F, word",
    [
        (np.eye(3), np.eye(2), "estimate"),
        (np.eye(2), [[1.0, 0.0], [0.0, np.nan]], "F"),
        (np.eye(2), [[1.0, 0.0], [0.0, -1.0]], "F"),
    ],
)
def test_discrepancy_rejects_bad_input(estimate, F, word):
    with pytest.raises(ValueError, match=word):
        ng.fisher_discrepancy(estimate, F)
