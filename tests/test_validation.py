"""Input validation (ValueError naming the argument), API signatures, and
inputs never being modified."""

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import natgrad_lib as ng
from ngtestkit import CHART_NAMES, MANY, SETTINGS, charts, message_names, point_in_chart

SPEC_SIGNATURES = {
    "to_chart": ["theta", "from_chart", "to_chart"],
    "chart_jacobian": ["theta", "from_chart", "to_chart"],
    "fisher_information": ["theta", "chart"],
    "kl_divergence": ["theta_p", "theta_q", "chart"],
    "fisher_from_kl_hessian": ["theta", "chart"],
    "fisher_from_neg_hessian": ["theta", "chart"],
    "fisher_from_scores": ["theta", "chart", "n_samples", "seed"],
    "score": ["x", "theta", "chart"],
    "mean_nll": ["data", "theta", "chart"],
    "mean_nll_grad": ["data", "theta", "chart"],
    "gradient_descent": ["data", "theta0", "chart", "lr", "steps"],
    "natural_gradient_descent": ["data", "theta0", "chart", "lr", "steps"],
}

DATA = np.array([0.3, -1.2, 2.5, 0.9])


def _valid_args(name, chart="mean_std"):
    """Valid positional arguments (dict by parameter name) for API function `name`."""
    theta = point_in_chart(0.4, 1.3, chart)
    values = {
        "theta": theta, "theta_p": theta, "theta_q": point_in_chart(-0.2, 0.8, chart),
        "theta0": theta, "from_chart": chart, "to_chart": "mean_var", "chart": chart,
        "n_samples": 50, "seed": 0, "x": np.array([0.1, 2.0]), "data": DATA.copy(),
        "lr": 0.05, "steps": 3,
    }
    return {p: values[p] for p in SPEC_SIGNATURES[name]}


def _call(name, args):
    return getattr(ng, name)(*[args[p] for p in SPEC_SIGNATURES[name]])


def _expect_value_error(name, args, argname):
    with pytest.raises(ValueError) as excinfo:
        _call(name, args)
    assert message_names(excinfo.value, argname), (
        f"{name}: ValueError message does not name the argument {argname!r}: {excinfo.value!s}"
    )


@pytest.mark.parametrize("name", sorted(SPEC_SIGNATURES))
def test_public_api_signature(name):
    fn = getattr(ng, name)
    params = list(inspect.signature(fn).parameters)
    assert params[: len(SPEC_SIGNATURES[name])] == SPEC_SIGNATURES[name], params


@pytest.mark.parametrize("name", sorted(SPEC_SIGNATURES))
def test_valid_calls_work(name):
    for chart in CHART_NAMES:
        out = _call(name, _valid_args(name, chart))
        assert np.all(np.isfinite(np.asarray(out, dtype=float)))


# ----------------------------------------------------------------------------
# invalid points
# ----------------------------------------------------------------------------
BAD_DOMAIN = {
    "mean_std": [[0.0, 0.0], [0.0, -1.0], [1.0, -1e-300]],
    "mean_var": [[0.0, 0.0], [0.0, -2.0]],
    "mean_precision": [[0.0, 0.0], [0.0, -0.5]],
    "mean_logstd": [],
    "natural": [[1.0, 0.0], [1.0, 0.5], [0.0, 1e-300]],
}
NON_FINITE = [[np.nan, 1.0], [0.0, np.nan], [np.inf, 1.0], [-np.inf, 1.0], [0.0, np.inf], [0.0, -np.inf]]
BAD_SHAPES = [np.array(1.0), np.array([1.0]), np.array([0.0, 1.0, 2.0]),
              np.array([[0.0], [1.0]]), np.array([[0.0, 1.0]]), np.eye(2), np.array([])]

THETA_ARGS = [(name, p) for name, ps in SPEC_SIGNATURES.items() for p in ps
              if p in ("theta", "theta_p", "theta_q", "theta0")]


def _bad_points(chart):
    pts = [np.array(p) for p in BAD_DOMAIN[chart]]
    pts += [np.array(p) for p in NON_FINITE]
    return pts + BAD_SHAPES


@pytest.mark.parametrize("name,argname", THETA_ARGS, ids=[f"{n}-{a}" for n, a in THETA_ARGS])
@pytest.mark.parametrize("chart", CHART_NAMES)
def test_invalid_theta_raises(name, argname, chart):
    for bad in _bad_points(chart):
        args = _valid_args(name, chart)
        args[argname] = bad
        _expect_value_error(name, args, argname)


@pytest.mark.parametrize("chart", ["mean_std", "mean_var", "mean_precision", "natural"])
@MANY
@given(a=st.floats(-1e3, 1e3), b=st.floats(0.0, 1e6))
def test_random_out_of_domain_points_raise(chart, a, b):
    # second coordinate <= 0 (>= 0 for eta2 in the natural chart)
    bad = np.array([a, -b if chart != "natural" else b])
    for name, argname in THETA_ARGS:
        args = _valid_args(name, chart)
        args[argname] = bad
        _expect_value_error(name, args, argname)


# ----------------------------------------------------------------------------
# chart names
# ----------------------------------------------------------------------------
CHART_ARGS = [(name, p) for name, ps in SPEC_SIGNATURES.items() for p in ps
              if p in ("chart", "from_chart", "to_chart")]


@pytest.mark.parametrize("name,argname", CHART_ARGS, ids=[f"{n}-{a}" for n, a in CHART_ARGS])
@pytest.mark.parametrize("bad", ["foo", "", "mean std", "natural_", "std"])
def test_unknown_chart_raises(name, argname, bad):
    args = _valid_args(name, "mean_std")
    args[argname] = bad
    _expect_value_error(name, args, argname)


# ----------------------------------------------------------------------------
# data / x
# ----------------------------------------------------------------------------
BAD_DATA = [np.array([]), np.array([1.0, np.nan]), np.array([np.inf, 0.0]),
            np.array([0.0, -np.inf, 1.0]), np.array([[1.0, 2.0], [3.0, 4.0]]),
            np.array([[1.0, 2.0, 3.0]])]
DATA_ARGS = [n for n, ps in SPEC_SIGNATURES.items() if "data" in ps]


@pytest.mark.parametrize("name", DATA_ARGS)
@pytest.mark.parametrize("bad", BAD_DATA, ids=["empty", "nan", "inf", "-inf", "2d", "2d-row"])
def test_invalid_data_raises(name, bad):
    for chart in CHART_NAMES:
        args = _valid_args(name, chart)
        args["data"] = bad
        _expect_value_error(name, args, "data")


@pytest.mark.parametrize("bad", [np.array([0.0, np.nan]), np.array([np.inf]), np.array([-np.inf, 1.0])],
                         ids=["nan", "inf", "-inf"])
def test_score_non_finite_x_raises(bad):
    for chart in CHART_NAMES:
        args = _valid_args("score", chart)
        args["x"] = bad
        _expect_value_error("score", args, "x")


# ----------------------------------------------------------------------------
# optimiser hyper-parameters
# ----------------------------------------------------------------------------
OPTIMISERS = ["gradient_descent", "natural_gradient_descent"]


@pytest.mark.parametrize("name", OPTIMISERS)
@pytest.mark.parametrize("lr", [0.0, -0.1, -np.inf, np.inf, np.nan, -1e-300])
def test_invalid_lr_raises(name, lr):
    args = _valid_args(name)
    args["lr"] = lr
    _expect_value_error(name, args, "lr")


@pytest.mark.parametrize("name", OPTIMISERS)
@pytest.mark.parametrize("steps", [-1, -10, 2.5, "3", True, False, None, np.nan],
                         ids=["-1", "-10", "2.5", "str3", "True", "False", "None", "nan"])
def test_invalid_steps_raises(name, steps):
    args = _valid_args(name)
    args["steps"] = steps
    _expect_value_error(name, args, "steps")


@pytest.mark.parametrize("name", OPTIMISERS)
def test_numpy_integer_steps_accepted(name):
    args = _valid_args(name)
    args["steps"] = np.int64(3)
    traj = np.asarray(_call(name, args))
    assert traj.shape == (4, 2)


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, "3", None, np.nan], ids=["0", "-1", "2.5", "str3", "None", "nan"])
def test_invalid_n_samples_raises(n_samples):
    args = _valid_args("fisher_from_scores")
    args["n_samples"] = n_samples
    _expect_value_error("fisher_from_scores", args, "n_samples")


# ----------------------------------------------------------------------------
# inputs are never modified
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SPEC_SIGNATURES))
@pytest.mark.parametrize("chart", CHART_NAMES)
def test_inputs_not_modified(name, chart):
    args = _valid_args(name, chart)
    if name in OPTIMISERS:
        args["steps"] = 5
    copies = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
    # read-only arrays: any in-place write would raise
    for v in args.values():
        if isinstance(v, np.ndarray):
            v.setflags(write=False)
    out = _call(name, args)
    for k, v in args.items():
        if isinstance(v, np.ndarray):
            assert np.array_equal(v, copies[k]) and v.dtype == copies[k].dtype, f"{name} modified {k}"


@pytest.mark.parametrize("method", OPTIMISERS)
@SETTINGS
@given(chart=charts, lr=st.floats(1e-3, 1e6))
def test_optimisers_do_not_modify_inputs(method, chart, lr):
    theta0 = point_in_chart(0.4, 1.3, chart)
    data = DATA.copy()
    t_copy, d_copy = theta0.copy(), data.copy()
    getattr(ng, method)(data, theta0, chart, lr, 20)
    assert np.array_equal(theta0, t_copy) and np.array_equal(data, d_copy)



# ----------------------------------------------------------------------------
# valid but extreme points (far outside the accuracy range): the library may
# raise ValueError or overflow to +-inf, but must not return NaN or crash with
# another exception type
# ----------------------------------------------------------------------------
EXTREME_VALID = {
    "mean_std": [(m, s) for m in (0.0, 1e5, 1e300) for s in (1e-300, 1e-160, 1e160, 1e300)],
    "mean_var": [(m, v) for m in (0.0, 1e5, 1e300) for v in (1e-300, 1e300)],
    "mean_precision": [(m, t) for m in (0.0, 1e5, 1e300) for t in (1e-300, 1e300)],
    "mean_logstd": [(m, l) for m in (0.0, -706.0, 1e300) for l in (-700.0, -248.0, 300.0, 700.0)],
    "natural": [(e, f) for e in (0.0, 1e5, 1e300) for f in (-1e-300, -1e300)],
}

EXTREME_CALLS = {
    "to_chart": lambda th, c: ng.to_chart(th, c, "mean_std"),
    "chart_jacobian": lambda th, c: ng.chart_jacobian(th, c, "natural"),
    "fisher_information": lambda th, c: ng.fisher_information(th, c),
    "kl_divergence": lambda th, c: ng.kl_divergence(th, th.copy(), c),
    "score": lambda th, c: ng.score(np.array([0.3, -1.2, 5.0]), th, c),
    "mean_nll": lambda th, c: ng.mean_nll(np.array([0.3, -1.2, 5.0]), th, c),
    "mean_nll_grad": lambda th, c: ng.mean_nll_grad(np.array([0.3, -1.2, 5.0]), th, c),
    "gradient_descent": lambda th, c: ng.gradient_descent(np.array([0.3, -1.2, 5.0]), th, c, 0.1, 3),
    "natural_gradient_descent":
        lambda th, c: ng.natural_gradient_descent(np.array([0.3, -1.2, 5.0]), th, c, 0.1, 3),
}


@pytest.mark.parametrize("name", sorted(EXTREME_CALLS))
def test_no_silent_nan_at_extreme_valid_points(name):
    import warnings

    problems = []
    for chart, pts in EXTREME_VALID.items():
        for p in pts:
            theta = np.array(p)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    out = np.asarray(EXTREME_CALLS[name](theta, chart), dtype=float)
                except ValueError:
                    continue
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"{chart} {p}: {type(exc).__name__}: {exc}")
                    continue
            if np.any(np.isnan(out)):
                problems.append(f"{chart} {p}: NaN in {out.ravel().tolist()}")
    assert not problems, f"{name} at valid extreme points:\n" + "\n".join(problems)
