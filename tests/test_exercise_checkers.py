"""The exercise checkers accept right answers and explain wrong ones."""

import math

import numpy as np
import pytest

import natgrad_lib as ng


def closed_form_fisher(chart):
    return lambda theta: ng.fisher_information(theta, chart)


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_check_fisher_accepts_a_right_answer(chart):
    report = ng.check_fisher(closed_form_fisher(chart), chart)
    assert report.passed and bool(report), str(report)
    assert "all 10 random points" in report.summary


def test_check_fisher_names_the_wrong_entry():
    # mean_var Fisher with the variance entry off by a factor 2
    report = ng.check_fisher(lambda t: np.diag([1 / t[1], 1 / t[1] ** 2]), "mean_var")
    assert not report.passed
    text = str(report)
    assert "F[1, 1]" in text and "F[0, 0]" not in text


def test_check_fisher_spots_another_charts_fisher():
    # the reader returns the mean_std Fisher while working in mean_var
    def wrong(theta):
        mu, sigma = ng.to_chart(theta, "mean_var", "mean_std")
        return ng.fisher_information([mu, sigma], "mean_std")

    report = ng.check_fisher(wrong, "mean_var")
    assert not report.passed
    assert "'mean_std' chart" in str(report) and "J^T F_b J" in str(report)


def test_check_fisher_spots_a_constant_factor():
    report = ng.check_fisher(lambda t: 3.0 * ng.fisher_information(t, "natural"), "natural")
    assert not report.passed and "3 times" in str(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda t: 1 / 0, "ZeroDivisionError"),
        (lambda t: np.eye(3), "2x2"),
        (lambda t: np.full((2, 2), np.nan), "NaN"),
    ],
)
def test_check_fisher_reports_broken_functions_without_raising(fn, phrase):
    report = ng.check_fisher(fn, "mean_std")
    assert not report.passed and phrase in str(report)
    assert "Not yet" in report._repr_markdown_()


def test_checkers_reject_bad_arguments():
    with pytest.raises(ValueError, match="fn"):
        ng.check_fisher("not a function", "mean_std")
    with pytest.raises(ValueError, match="chart"):
        ng.check_kl(lambda p, q: 0.0, "polar")
    with pytest.raises(ValueError, match="n_cases"):
        ng.check_natural_step(lambda g, F, c: g, n_cases=0)


def reader_kl(p, q):
    return math.log(q[1] / p[1]) + (p[1] ** 2 + (p[0] - q[0]) ** 2) / (2 * q[1] ** 2) - 0.5


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_check_kl_accepts_a_right_answer_in_every_chart(chart):
    def kl(p, q):
        return reader_kl(ng.to_chart(p, chart, "mean_std"), ng.to_chart(q, chart, "mean_std"))

    assert ng.check_kl(kl, chart).passed


def test_check_kl_explains_swapped_arguments_and_sign():
    swapped = ng.check_kl(lambda p, q: reader_kl(q, p), "mean_std")
    assert not swapped.passed and "KL(q || p)" in str(swapped)
    negated = ng.check_kl(lambda p, q: -reader_kl(p, q), "mean_std")
    assert not negated.passed and "sign" in str(negated)


def test_check_natural_step_accepts_the_closed_form_and_explains_mistakes():
    assert ng.check_natural_step(ng.natural_gradient_step).passed
    ascent = ng.check_natural_step(lambda g, F, c: -ng.natural_gradient_step(g, F, c))
    assert not ascent.passed and "ascent" in str(ascent)
    unnormalised = ng.check_natural_step(lambda g, F, c: -np.linalg.solve(F, g))
    assert not unnormalised.passed and "constraint" in str(unnormalised)
    euclidean = ng.check_natural_step(lambda g, F, c: -np.sqrt(2 * c) * g / np.linalg.norm(g))
    assert not euclidean.passed


def test_an_unwritten_function_is_the_readers_turn_not_an_error():
    def todo(theta):
        raise NotImplementedError

    report = ng.check_fisher(todo, "mean_std")
    assert not report.passed and report.your_turn
    assert "not implemented yet" in report.summary
    shown = report._repr_markdown_()
    assert "Your turn" in shown and "Not yet" not in shown and "first call" not in shown
    assert "YOUR TURN" in str(report)
