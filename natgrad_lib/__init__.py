r"""natgrad_lib: the numerical core of the book *Natural Gradient and Fisher*.

Everything concerns the univariate Gaussian :math:`\mathcal N(\mu, \sigma^2)`
written in one of several charts (coordinate systems). Layers run one way:

``charts``  ->  ``divergences``, ``fisher``, ``likelihood``  ->  ``optimizers``  ->  ``checks``

The numerics import neither plotting, widgets nor SymPy.
"""

from .charts import CHARTS, COORDINATE_NAMES, chart_jacobian, check_chart, to_chart, validate_theta
from .checks import fisher_discrepancy
from .divergences import kl_divergence
from .fisher import (
    fisher_from_kl_hessian,
    fisher_from_neg_hessian,
    fisher_from_scores,
    fisher_information,
    fisher_scores_stderr,
    score,
)
from .likelihood import mean_nll, mean_nll_grad, sufficient_statistics
from .optimizers import gradient_descent, natural_gradient, natural_gradient_descent

__all__ = [
    "CHARTS",
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
    "kl_divergence",
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
