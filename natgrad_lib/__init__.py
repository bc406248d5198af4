r"""natgrad_lib: the numerical core of the book *Natural Gradient and Fisher*.

Everything concerns the univariate Gaussian :math:`\mathcal N(\mu, \sigma^2)`
written in one of several charts (coordinate systems). Layers run one way:

``charts``  ->  ``divergences``, ``fisher``, ``likelihood``  ->  ``optimizers``, ``geometry``
->  ``checks``, ``plotting``, ``symbolic``, ``widgets``

The numerics import neither plotting, widgets nor SymPy; those modules load on
first use as ``natgrad_lib.plotting``, ``natgrad_lib.symbolic`` and ``natgrad_lib.widgets``.

The chapters beyond the post use three more models, each in its own module, also
loaded on first use: ``natgrad_lib.regression`` (linear regression; the empirical
Fisher), ``natgrad_lib.logistic`` (logistic regression; Fisher scoring, IRLS, Newton)
and ``natgrad_lib.online`` (online estimation of a Gaussian mean; Fisher efficiency).
The part "Natural gradient elsewhere" adds ``natgrad_lib.fisher_rao`` (the Fisher-Rao
geometry of the Gaussian family), ``natgrad_lib.evolution`` (natural evolution
strategies) and ``natgrad_lib.policy`` (the natural policy gradient on a small MDP);
``natgrad_lib.live_geodesic`` is the kernel-free geodesic figure beside ``natgrad_lib.live``.
"""

from .charts import CHARTS, COORDINATE_NAMES, chart_jacobian, check_chart, to_chart, validate_theta
from .checks import (
    CheckReport,
    check_fisher,
    check_fisher_vector_product,
    check_kl,
    check_logistic_fisher,
    check_natural_step,
    fisher_discrepancy,
)
from .divergences import kl_by_quadrature, kl_divergence
from .fisher import (
    fisher_from_kl_hessian,
    fisher_from_neg_hessian,
    fisher_from_scores,
    fisher_information,
    fisher_scores_stderr,
    kl_hessian,
    score,
)
from .geometry import kl_ellipse, natural_gradient_step
from .likelihood import mean_nll, mean_nll_grad, sufficient_statistics
from .optimizers import gradient_descent, natural_gradient, natural_gradient_descent

__all__ = [
    "CHARTS",
    "CheckReport",
    "check_fisher",
    "check_fisher_vector_product",
    "check_kl",
    "check_logistic_fisher",
    "check_natural_step",
    "kl_ellipse",
    "natural_gradient_step",
    "display",
    "evolution",
    "fisher_rao",
    "live_geodesic",
    "logistic",
    "online",
    "plotting",
    "policy",
    "regression",
    "symbolic",
    "COORDINATE_NAMES",
    "chart_jacobian",
    "check_chart",
    "fisher_from_kl_hessian",
    "fisher_from_neg_hessian",
    "fisher_discrepancy",
    "fisher_from_scores",
    "fisher_information",
    "fisher_scores_stderr",
    "gradient_descent",
    "kl_by_quadrature",
    "kl_divergence",
    "kl_hessian",
    "mean_nll",
    "mean_nll_grad",
    "natural_gradient",
    "natural_gradient_descent",
    "score",
    "sufficient_statistics",
    "to_chart",
    "validate_theta",
]

__version__ = "0.1.0"

# Plotting (Matplotlib), symbolic helpers (SymPy) and widgets (ipywidgets) sit on top of
# the numerics and are imported on first use, so `import natgrad_lib` stays light.
_LAZY_SUBMODULES = {"display", "evolution", "expfam", "fisher_rao", "live", "live_geodesic", "logistic", "network", "online",
                    "plotting", "policy", "regression", "symbolic", "widgets"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
