"""Fisher information: closed form vs high precision, vs the three numerical
routes (KL Hessian, expected negative Hessian, Monte-Carlo scores); the score."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import natgrad_lib as ng
from ngtestkit import (
    CHART_NAMES,
    DPS,
    EXTREME_POINTS,
    FEW,
    MANY,
    SETTINGS,
    assert_fisher_close,
    charts,
    distributions,
    point_id,
    point_in_chart,
    ref_fisher,
    ref_fisher_float,
    ref_ms,
    ref_score,
)

EXTREME_CASES = [(c, p) for c in CHART_NAMES for p in EXTREME_POINTS]
EXTREME_IDS = [f"{c}-{point_id(p)}" for c, p in EXTREME_CASES]


# ----------------------------------------------------------------------------
# closed form
# ----------------------------------------------------------------------------
def _check_closed_form(mu, s, chart):
    theta = point_in_chart(mu, s, chart)
    F = np.asarray(ng.fisher_information(theta, chart))
    assert F.dtype.kind == "f"
    assert_fisher_close(F, ref_fisher(theta, chart), 1e-12,
                        what=f"fisher_information({theta!r}, {chart!r})")
    assert F[0, 1] == pytest.approx(F[1, 0], rel=1e-14, abs=0.0)


@MANY
@given(dist=distributions(), chart=charts)
def test_closed_form_matches_high_precision(dist, chart):
    _check_closed_form(*dist, chart)


@pytest.mark.parametrize("chart,point", EXTREME_CASES, ids=EXTREME_IDS)
def test_closed_form_extremes(chart, point):
    _check_closed_form(*point, chart)


def test_closed_form_mean_std_is_diagonal():
    # the spec's example: mean_std Fisher = diag(1/sigma^2, 2/sigma^2) exactly-zero off-diagonals
    F = np.asarray(ng.fisher_information(np.array([0.3, 0.5]), "mean_std"))
    np.testing.assert_allclose(F, np.diag([4.0, 8.0]), rtol=1e-15, atol=0)


# ----------------------------------------------------------------------------
# numerical routes vs closed form
# ----------------------------------------------------------------------------
NUMERICAL_ROUTES = {
    "kl_hessian": lambda theta, chart: ng.fisher_from_kl_hessian(theta, chart),
    "neg_hessian": lambda theta, chart: ng.fisher_from_neg_hessian(theta, chart),
}


@pytest.mark.parametrize("route", sorted(NUMERICAL_ROUTES))
@pytest.mark.parametrize("chart,point", EXTREME_CASES, ids=EXTREME_IDS)
def test_numerical_hessian_routes_extremes(route, chart, point):
    theta = point_in_chart(*point, chart)
    got = NUMERICAL_ROUTES[route](theta, chart)
    assert_fisher_close(got, ref_fisher(theta, chart), 1e-5,
                        what=f"fisher_from_{route}({theta!r}, {chart!r})")


@SETTINGS
@given(dist=distributions(), chart=charts, route=st.sampled_from(sorted(NUMERICAL_ROUTES)))
def test_numerical_hessian_routes_random(dist, chart, route):
    theta = point_in_chart(*dist, chart)
    got = NUMERICAL_ROUTES[route](theta, chart)
    assert_fisher_close(got, ref_fisher(theta, chart), 1e-5,
                        what=f"fisher_from_{route}({theta!r}, {chart!r})")


# ----------------------------------------------------------------------------
# Monte-Carlo route
# ----------------------------------------------------------------------------
N_MC = 20000


def _outer_product_sd(theta, chart, n=20000, seed=12345):
    """Per-entry standard deviation of the score outer products (estimated
    with our own sample and the library's `score`)."""
    mu, s = ref_ms(theta, chart)
    x = np.random.default_rng(seed).normal(mu, s, n)
    S = np.asarray(ng.score(x, theta, chart))
    assert S.shape == (n, 2)
    outer = S[:, :, None] * S[:, None, :]
    return outer.std(axis=0, ddof=1)


def _check_scores_route(theta, chart, n_samples, seed, z=5.5):
    F_mc = np.asarray(ng.fisher_from_scores(theta, chart, n_samples, seed))
    assert F_mc.shape == (2, 2)
    assert np.all(np.isfinite(F_mc))
    F = ref_fisher_float(theta, chart)
    se = _outer_product_sd(theta, chart) / np.sqrt(n_samples)
    err = np.abs(F_mc - F)
    scale = np.sqrt(np.abs(np.outer(np.diag(F), np.diag(F))))
    assert np.all(err <= z * se + 1e-12 * scale), (
        f"fisher_from_scores({theta!r}, {chart!r}, {n_samples}, {seed}) = {F_mc!r}\n"
        f"closed form {F!r}\nerror/standard-error = {err / se!r}"
    )
    assert abs(F_mc[0, 1] - F_mc[1, 0]) <= 1e-12 * scale[0, 1]


@pytest.mark.parametrize("chart,point", EXTREME_CASES, ids=EXTREME_IDS)
def test_scores_route_extremes(chart, point):
    theta = point_in_chart(*point, chart)
    _check_scores_route(theta, chart, N_MC, seed=2024)


@FEW
@given(dist=distributions(), chart=charts, seed=st.integers(0, 2**31 - 1))
def test_scores_route_random(dist, chart, seed):
    theta = point_in_chart(*dist, chart)
    _check_scores_route(theta, chart, 5000, seed)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_scores_route_converges(chart):
    # the Monte-Carlo error shrinks with n_samples (roughly like 1/sqrt(n))
    theta = point_in_chart(0.7, 1.3, chart)
    F = ref_fisher_float(theta, chart)
    scale = np.sqrt(np.outer(np.diag(F), np.diag(F)))

    def rms_err(n):
        errs = [np.max(np.abs(ng.fisher_from_scores(theta, chart, n, seed) - F) / scale)
                for seed in range(8)]
        return np.sqrt(np.mean(np.square(errs)))

    small, large = rms_err(200), rms_err(20000)
    assert large < small / 4, (small, large)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_scores_route_reproducible(chart):
    theta = point_in_chart(-0.4, 2.0, chart)
    np.random.seed(1)
    a = np.asarray(ng.fisher_from_scores(theta, chart, 500, 7))
    np.random.seed(2)  # the global numpy state must not matter
    b = np.asarray(ng.fisher_from_scores(theta, chart, 500, 7))
    c = np.asarray(ng.fisher_from_scores(theta, chart, 500, 8))
    assert np.array_equal(a, b), "same seed gave different results"
    assert not np.array_equal(a, c), "different seeds gave identical results"


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_scores_route_single_sample(chart):
    theta = point_in_chart(0.2, 0.8, chart)
    F1 = np.asarray(ng.fisher_from_scores(theta, chart, 1, 3))
    assert F1.shape == (2, 2) and np.all(np.isfinite(F1))
    # one outer product: symmetric, positive semi-definite, rank <= 1
    assert F1[0, 0] >= 0 and F1[1, 1] >= 0
    assert F1[0, 1] == pytest.approx(F1[1, 0], rel=1e-12)
    assert abs(F1[0, 0] * F1[1, 1] - F1[0, 1] * F1[1, 0]) <= 1e-10 * F1[0, 0] * F1[1, 1] + 1e-300


# ----------------------------------------------------------------------------
# score
# ----------------------------------------------------------------------------
def _check_score_values(theta, chart, x):
    S = np.asarray(ng.score(x, theta, chart))
    assert S.shape == (len(x), 2)
    assert np.all(np.isfinite(S))
    ref = ref_score(x, theta, chart)
    F = ref_fisher_float(theta, chart)
    mu, s = ref_ms(theta, chart)
    with mp.workdps(DPS):
        for k, xk in enumerate(x):
            z = abs((xk - mu) / s)
            for i in range(2):
                # score_i is sqrt(F_ii) times a quadratic in z; allow rounding
                # amplified by differences like x - mu ((|mu| + |x|) / sigma)
                cond = 1.0 + (abs(mu) + abs(xk)) / s
                tol = 1e-12 * cond * np.sqrt(F[i, i]) * (1 + z) ** 2
                err = float(abs(mp.mpf(float(S[k, i])) - ref[k][i]))
                assert err <= tol, (
                    f"score([{xk!r}], {theta!r}, {chart!r})[{i}] = {S[k, i]!r}, "
                    f"expected {mp.nstr(ref[k][i], 17)}"
                )


@MANY
@given(dist=distributions(), chart=charts, zs=st.lists(st.floats(-6, 6), min_size=1, max_size=5))
def test_score_matches_high_precision(dist, chart, zs):
    mu, s = dist
    theta = point_in_chart(mu, s, chart)
    x = np.array([mu + s * z for z in zs])
    _check_score_values(theta, chart, x)


@pytest.mark.parametrize("chart,point", EXTREME_CASES, ids=EXTREME_IDS)
def test_score_has_zero_mean(chart, point):
    theta = point_in_chart(*point, chart)
    mu, s = ref_ms(theta, chart)
    x = np.random.default_rng(99).normal(mu, s, 4000)
    S = np.asarray(ng.score(x, theta, chart))
    assert S.shape == (4000, 2) and np.all(np.isfinite(S))
    mean = S.mean(axis=0)
    se = S.std(axis=0, ddof=1) / np.sqrt(len(x))
    assert np.all(np.abs(mean) <= 5 * se), f"mean score {mean!r}, standard errors {se!r}"


@MANY
@given(dist=distributions(), chart=charts, seed=st.integers(0, 2**31 - 1),
       n=st.integers(1, 30))
def test_mean_nll_grad_is_minus_mean_score(dist, chart, seed, n):
    mu, s = dist
    theta = point_in_chart(mu, s, chart)
    x = mu + s * np.random.default_rng(seed).normal(0.3, 1.4, n)
    S = np.asarray(ng.score(x, theta, chart))
    g = np.asarray(ng.mean_nll_grad(x, theta, chart))
    assert g.shape == (2,)
    F = ref_fisher_float(theta, chart)
    cond = 1.0 + (abs(mu) + np.max(np.abs(x))) / s
    scale = np.sqrt(np.diag(F)) * (1 + np.max(np.abs(x - mu)) / s) ** 2
    assert np.all(np.abs(g + S.mean(axis=0)) <= 1e-12 * cond * scale), (
        f"mean_nll_grad={g!r} vs -mean(score)={-S.mean(axis=0)!r} at {theta!r} ({chart})"
    )
