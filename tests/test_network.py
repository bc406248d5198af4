"""natgrad_lib.network: the hand-written network, its curvature matrices and its optimisers."""

from __future__ import annotations

import numpy as np
import pytest

import natgrad_lib as ng
from natgrad_lib import network as net

X, Y = net.spiral_data(30, seed=3)
SMALL = (2, 5, 4, 3)


@pytest.fixture(params=[net.SIZES, SMALL], ids=["book", "small"])
def sizes(request):
    return request.param


def test_gradient_matches_central_differences(sizes):
    theta = net.init_theta(sizes, seed=1)
    _, g = net.loss_and_grad(theta, X, Y, sizes)
    h = 1e-6
    fd = np.array([(net.loss_and_grad(theta + h * e, X, Y, sizes)[0]
                    - net.loss_and_grad(theta - h * e, X, Y, sizes)[0]) / (2 * h) for e in np.eye(theta.size)])
    assert np.max(np.abs(fd - g)) / np.max(np.abs(g)) < 1e-7


def test_per_example_grads_average_to_the_gradient(sizes):
    theta = net.init_theta(sizes, seed=2)
    G = net.per_example_grads(theta, X, Y, sizes)
    np.testing.assert_allclose(G.mean(axis=0), net.loss_and_grad(theta, X, Y, sizes)[1], rtol=1e-12, atol=1e-15)


def test_fisher_is_the_expected_outer_product_of_scores(sizes):
    """F = (1/n) sum_i E_{y ~ p_i}[g g^T], formed the long way, equals (1/n) sum J^T H J."""
    theta = net.init_theta(sizes, seed=4) * 2
    p = net.softmax(net.forward(theta, X, sizes)[0])
    long_way = sum((net.per_example_grads(theta, X, np.full(len(X), k), sizes) * p[:, [k]]).T
                   @ net.per_example_grads(theta, X, np.full(len(X), k), sizes) for k in range(3)) / len(X)
    F = net.fisher(theta, X, sizes)
    assert np.max(np.abs(F - long_way)) / np.max(np.abs(F)) < 1e-12
    assert np.linalg.eigvalsh(F).min() > -1e-12 * np.abs(F).max()


def test_hessian_is_indefinite_and_symmetric():
    theta = net.init_theta(SMALL, seed=0)
    H = net.hessian(theta, X, Y, SMALL)
    assert np.array_equal(H, H.T)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() < -1e-4 < 1e-4 < eig.max()


def test_hessian_matches_fisher_plus_the_dropped_term_at_a_linear_model():
    """With no hidden layer the logits are linear in theta, the dropped term is 0, and H = F."""
    sizes = (2, 3)
    theta = net.init_theta(sizes, seed=5)
    H = net.hessian(theta, X, Y, sizes)
    F = net.fisher(theta, X, sizes)
    assert np.max(np.abs(H - F)) / np.max(np.abs(F)) < 1e-7


def test_fisher_vector_product_equals_dense(sizes):
    theta = net.init_theta(sizes, seed=6) * 1.5
    v = np.random.default_rng(0).standard_normal(theta.size)
    Fv = net.fisher(theta, X, sizes) @ v
    assert np.max(np.abs(net.fisher_vector_product(theta, X, v, sizes) - Fv)) / np.max(np.abs(Fv)) < 1e-12


def test_conjugate_gradient_solves_the_damped_system():
    theta = net.init_theta(net.SIZES, seed=7)
    _, g = net.loss_and_grad(theta, X, Y)
    dense = np.linalg.solve(net.fisher(theta, X) + 1e-2 * np.eye(theta.size), g)
    x, k = net.conjugate_gradient(lambda u: net.fisher_vector_product(theta, X, u) + 1e-2 * u, g, tol=1e-12)
    assert np.max(np.abs(x - dense)) / np.max(np.abs(dense)) < 1e-8
    assert 0 < k < theta.size


def test_conjugate_gradient_refuses_an_indefinite_matrix():
    A = np.diag([1.0, -1.0])
    with pytest.raises(ValueError, match="not positive definite"):
        net.conjugate_gradient(lambda v: A @ v, np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="tol"):
        net.conjugate_gradient(lambda v: v, np.ones(2), tol=0.0)


def _kron_block(A, G, i, o):
    """A (x) G in the parameter order of one layer: W row-major, then b."""
    K = np.kron(G, A)
    perm = [r * (i + 1) + c for r in range(o) for c in range(i)] + [r * (i + 1) + i for r in range(o)]
    return K[np.ix_(perm, perm)]


def test_kfac_is_exact_for_one_data_point(sizes):
    theta = net.init_theta(sizes, seed=8)
    F = net.fisher(theta, X[:1], sizes)
    at = 0
    for (A, G), (i, o) in zip(net.kfac_factors(theta, X[:1], sizes), zip(sizes[:-1], sizes[1:])):
        block = F[at:at + o * i + o, at:at + o * i + o]
        assert np.max(np.abs(_kron_block(A, G, i, o) - block)) <= 1e-12 * np.max(np.abs(block))
        at += o * i + o


def test_kfac_direction_inverts_its_own_damped_kronecker_blocks():
    theta = net.init_theta(SMALL, seed=9)
    _, g = net.loss_and_grad(theta, X, Y, SMALL)
    d = net.kfac_direction(theta, X, g, SMALL, damping=1e-2)
    at = 0
    for (A, G), (i, o) in zip(net.kfac_factors(theta, X, SMALL), zip(SMALL[:-1], SMALL[1:])):
        gamma = 0.1
        B = _kron_block(A + gamma * np.eye(i + 1), G + gamma * np.eye(o), i, o)
        sl = slice(at, at + o * i + o)
        np.testing.assert_allclose(B @ d[sl], g[sl], rtol=1e-9, atol=1e-12)
        at += o * i + o


def test_kfac_exact_damping_inverts_the_kronecker_product_plus_zeta():
    theta = net.init_theta(SMALL, seed=9)
    _, g = net.loss_and_grad(theta, X, Y, SMALL)
    zeta = 1e-2
    d = net.kfac_direction(theta, X, g, SMALL, damping=zeta, scheme="exact")
    at = 0
    for (A, G), (i, o) in zip(net.kfac_factors(theta, X, SMALL), zip(SMALL[:-1], SMALL[1:])):
        B = _kron_block(A, G, i, o) + zeta * np.eye(o * i + o)
        sl = slice(at, at + o * i + o)
        np.testing.assert_allclose(B @ d[sl], g[sl], rtol=1e-9, atol=1e-12)
        at += o * i + o
    # the factored damping adds more than zeta: the two directions differ
    assert np.max(np.abs(d - net.kfac_direction(theta, X, g, SMALL, damping=zeta))) > 1e-3 * np.max(np.abs(d))


def test_step_multiply_adds_follows_the_code_shapes():
    n, (i0, h1, h2, K) = 7, SMALL
    M = net.n_params(SMALL)
    w, w_up = i0 * h1 + h1 * h2 + h2 * K, h1 * h2 + h2 * K
    grad = n * (2 * w + w_up)  # forward n w, backward n (w + w_up)
    assert net.step_multiply_adds("gd", n, SMALL) == net.step_multiply_adds("adam", n, SMALL) == grad
    # the dense step: Jacobians (a forward and K backward passes), a second forward pass,
    # R^T J (n K^2 M), (RJ)^T (RJ) (n K M^2), and the LU solve (M^3/3 + M^2)
    dense = n * w + K * n * (w + w_up) + n * w + n * K * K * M + n * K * M * M + M**3 // 3 + M * M
    assert net.step_multiply_adds("ngd", n, SMALL) == grad + dense
    # through the n K x n K matrix: Jacobians, J J^T, C times it, the LU solve, J g, J^T y
    nK = n * K
    gram = n * w + K * n * (w + w_up) + nK * nK * M + n * K * K * nK + nK**3 // 3 + nK * nK + 2 * nK * M
    assert net.step_multiply_adds("gram", n, SMALL) == grad + gram
    # each CG iteration: one Fisher-vector product (forward, forward-mode 2 n w, backward) + 5M
    product = n * w + 2 * n * w + n * (w + w_up) + 5 * M
    costs = [net.step_multiply_adds("cg", n, SMALL, n_cg=k) for k in (1, 2, 3)]
    assert costs[0] == grad + product and costs[2] - costs[1] == costs[1] - costs[0] == product
    # K-FAC: the gradient, the factors (n-proportional) and the small solves (not)
    kfac = [net.step_multiply_adds("kfac", k * n, SMALL) - k * grad for k in (1, 2, 3)]
    solves = sum(o**3 // 3 + o * o * (i + 1) + (i + 1) ** 3 // 3 + (i + 1) ** 2 * o
                 for i, o in zip(SMALL[:-1], SMALL[1:]))
    assert kfac[2] - kfac[1] == kfac[1] - kfac[0] == kfac[0] - solves > 0


def test_the_dense_step_grows_like_m_cubed_and_cg_like_m():
    big = [(2, width, width, 3) for width in (256, 512)]
    M = np.array([net.n_params(s) for s in big], float)
    dense = np.array([net.step_multiply_adds("ngd", 300, s) for s in big], float)
    cg = np.array([net.step_multiply_adds("cg", 300, s) for s in big], float)
    assert 2.9 < np.log(dense[1] / dense[0]) / np.log(M[1] / M[0]) < 3.0
    assert 0.99 < np.log(cg[1] / cg[0]) / np.log(M[1] / M[0]) < 1.01
    gram = np.array([net.step_multiply_adds("gram", 300, s) for s in big], float)
    assert 0.99 < np.log(gram[1] / gram[0]) / np.log(M[1] / M[0]) < 1.05


@pytest.mark.parametrize("method", net.METHODS)
def test_every_optimiser_lowers_the_loss(method):
    theta = net.init_theta(SMALL, seed=0)
    lr = {"gd": 1.0, "adam": 0.03, "kfac": 0.3, "ngd": 0.3}[method]
    run = net.train(method, theta, X, Y, lr, 30, SMALL, damping=1e-2)
    assert len(run["losses"]) == 31 and not run["diverged"]
    assert run["losses"][-1] < 0.9 * run["losses"][0]
    assert np.all(np.diff(run["seconds"]) >= 0)


def test_a_blown_up_run_stops_and_says_so():
    run = net.train("gd", net.init_theta(SMALL, seed=0), X, Y, 1e4, 50, SMALL)
    assert run["diverged"] and len(run["losses"]) < 51 and np.all(np.isfinite(run["losses"]))


def test_train_stops_at_the_target():
    run = net.train("kfac", net.init_theta(SMALL, seed=0), X, Y, 0.3, 500, SMALL, damping=1e-2, target=0.6)
    assert run["losses"][-1] <= 0.6 < run["losses"][-2]


@pytest.mark.parametrize("call, message", [
    (lambda: net.spiral_data(1), "n_per_class"),
    (lambda: net.spiral_data(5, seed=-1), "seed"),
    (lambda: net.spiral_data(5, noise=float("nan")), "noise"),
    (lambda: net.n_params((2,)), "sizes"),
    (lambda: net.n_params((2, 3, 1)), "classes"),
    (lambda: net.unpack(np.zeros(5)), "theta must be a finite vector of length 231"),
    (lambda: net.unpack(np.full(231, np.nan)), "theta"),
    (lambda: net.loss_and_grad(net.init_theta(), X[:, :1], Y), r"X must be a finite array of shape \(n, 2\)"),
    (lambda: net.loss_and_grad(net.init_theta(), X, Y + 3), r"y must hold .* labels in \[0, 2\]"),
    (lambda: net.train("sgd", net.init_theta(), X, Y, 0.1, 5), "method must be one of"),
    (lambda: net.train("gd", net.init_theta(), X, Y, 0.0, 5), "lr"),
    (lambda: net.train("gd", net.init_theta(), X, Y, 0.1, 0), "epochs"),
    (lambda: net.kfac_direction(net.init_theta(), X, np.zeros(231), damping=0.0), "damping"),
    (lambda: net.kfac_direction(net.init_theta(), X, np.zeros(231), scheme="pi"), "scheme must be one of"),
    (lambda: net.step_multiply_adds("sgd", 10), "method must be one of"),
    (lambda: net.step_multiply_adds("gd", 0), "n must be"),
    (lambda: net.step_multiply_adds("cg", 10, n_cg=0), "n_cg must be"),
])
def test_bad_input_raises_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_check_fisher_vector_product_marks_right_wrong_and_unwritten():
    assert ng.check_fisher_vector_product(lambda theta, X, v: net.fisher_vector_product(theta, X, v)).passed
    wrong = ng.check_fisher_vector_product(lambda theta, X, v: len(X) * net.fisher_vector_product(theta, X, v))
    assert not wrong.passed and "1/n" in " ".join(wrong.details)

    def unwritten(theta, X, v):
        raise NotImplementedError

    assert ng.check_fisher_vector_product(unwritten).your_turn
