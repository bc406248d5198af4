"""kl_by_quadrature and kl_hessian: independent numerical routes the chapters check against."""

import numpy as np
import pytest

import natgrad_lib as ng


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_quadrature_agrees_with_the_closed_form(chart):
    rng = np.random.default_rng(7)
    for _ in range(5):
        p, q = (ng.to_chart([rng.uniform(-3, 3), 10 ** rng.uniform(-1, 1)], "mean_std", chart)
                for _ in range(2))
        assert ng.kl_by_quadrature(p, q, chart) == pytest.approx(ng.kl_divergence(p, q, chart), rel=1e-9)


def test_kl_hessian_away_from_the_diagonal_matches_the_analytic_entries():
    # Gaussian in (mu, sigma): Hessian of KL(p_theta || p_theta') in theta' is
    # [[1/s'^2, 2 (mu-mu')/s'^3], [., (3 s^2 + 3 (mu-mu')^2 - s'^2)/s'^4]]
    mu, s, mu2, s2 = 0.3, 1.2, -0.4, 2.1
    H = ng.kl_hessian([mu, s], [mu2, s2], "mean_std")
    expected = np.array([[1 / s2**2, 2 * (mu - mu2) / s2**3],
                         [2 * (mu - mu2) / s2**3, (3 * s**2 + 3 * (mu - mu2) ** 2 - s2**2) / s2**4]])
    assert ng.fisher_discrepancy(H, expected) < 1e-7
    # ... which is neither F(theta) nor F(theta')
    for point in ([mu, s], [mu2, s2]):
        assert ng.fisher_discrepancy(H, ng.fisher_information(point, "mean_std")) > 0.1


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_kl_hessian_on_the_diagonal_is_the_fisher(chart):
    theta = ng.to_chart([1.5, 0.4], "mean_std", chart)
    assert np.array_equal(ng.kl_hessian(theta, theta, chart), ng.fisher_from_kl_hessian(theta, chart))
    assert ng.fisher_discrepancy(ng.kl_hessian(theta, theta, chart), ng.fisher_information(theta, chart)) < 1e-6
