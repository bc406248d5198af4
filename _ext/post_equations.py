"""Keep the source post's equation numbers in the book, in the HTML and in JupyterLab.

Each of the post's equations is a ``math`` directive with a label and the post's number as its
``enumerator``::

    ```{math}
    :label: eq-kl
    :enumerator: 2

    D_{KL}(p \\,\\|\\, q) = \\int p \\log \\frac{p}{q} \\, dx
    ```

``enumerator`` is MyST's own option for an explicit number, so ``jupyterlab-myst`` shows "(2)"
beside the equation and renders ``{eq}`eq-kl``` as "(2)". Sphinx's ``math`` directive does not
know the option; this extension adds it, and makes the number the equation's number: the block
shows "(2)" and ``{eq}`eq-kl``` renders as "(2)" on every page (Sphinx would otherwise count
1, 2, 3 ... per page). Equations the book adds carry numbers of their own, such as ``15a``.

A labelled equation without an enumerator, or one that still carries ``\\tag{...}`` (which
JupyterLab would show beside its own number), is reported as a warning: an error under ``-W``.
An unlabelled display may show a ``\\tag*{...}`` (the Errata quote the post that way); a
multi-line one is passed to MathJax unwrapped, because Sphinx would put it in a ``split``
environment, where MathJax refuses ``\\tag``.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.patches import MathDirective
from sphinx.util import logging

logger = logging.getLogger(__name__)

TAG = re.compile(r"\\tag\*?\{([^{}]+)\}")


class NumberedMathDirective(MathDirective):
    """Sphinx's ``math`` directive, plus MyST's ``:enumerator:`` (the equation's number)."""

    option_spec = {**MathDirective.option_spec, "enumerator": directives.unchanged_required}

    def run(self):
        result = super().run()
        enumerator = self.options.get("enumerator")
        for node in result:
            if isinstance(node, nodes.math_block):
                node["enumerator"] = enumerator
        return result


def use_post_numbers(app, doctree):
    domain = app.env.get_domain("math")
    for node in doctree.findall(nodes.math_block):
        label, text = node.get("label"), node.astext()
        enumerator, tag = node.get("enumerator"), TAG.search(text)
        if label and tag:
            logger.warning(f"labelled equation {label!r} carries \\tag{{{tag.group(1)}}}; "
                           f"give its number as `:enumerator: {tag.group(1)}` instead", location=node)
        elif label and enumerator:
            domain.equations[label] = (app.env.docname, enumerator)
            node["number"] = enumerator
        elif label:
            # Sphinx's own 1, 2, 3... would collide with the post's numbers.
            logger.warning(f"labelled equation {label!r} has no `:enumerator:`; give it one",
                           location=node)
        if tag and "\\\\" in text:
            opening, closing = app.config.mathjax_display
            node.children = [nodes.Text(f"{opening}{text}{closing}")]
            node["nowrap"] = True


def setup(app):
    app.add_directive("math", NumberedMathDirective, override=True)
    app.connect("doctree-read", use_post_numbers)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
