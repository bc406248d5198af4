"""Keep the source post's equation numbers in the book.

The book displays each of the post's equations with ``\\tag{N}`` so that it carries the
post's number, and gives it a label, e.g.::

    $$
    D_{KL}(p \\,\\|\\, q) = \\int p \\log \\frac{p}{q} \\, dx \\tag{2}
    $$ (eq-kl)

Sphinx would number labelled equations itself (1, 2, 3 ... per page) and print that
number beside MathJax's tag. This extension makes the tag the equation's number: the
block shows only MathJax's ``(2)``, and ``{eq}`eq-kl``` renders as "(2)" on every page.
A multi-line tagged equation puts its lines in ``\\begin{aligned} ... \\end{aligned}`` with
the tag after it. A labelled equation without a tag is reported as a warning (an error under ``-W``):
equations the book adds get tags of their own, such as ``\\tag{15a}``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

TAG = re.compile(r"\\tag(\*?)\{([^{}]+)\}")


def use_post_numbers(app, doctree):
    domain = app.env.get_domain("math")
    for node in doctree.findall(nodes.math_block):
        label, text = node.get("label"), node.astext()
        match = TAG.search(text)
        if label and match and not match.group(1):
            domain.equations[label] = (app.env.docname, match.group(2))
            node["number"] = None  # MathJax draws the tag; no second number beside it
        elif label:
            # Sphinx's own 1, 2, 3... would collide with the post's numbers.
            logger.warning(f"labelled equation {label!r} has no \\tag{{...}}; give it one", location=node)
        if match and "\\\\" in text:
            # Sphinx wraps a display containing \\ in a split environment, where MathJax
            # refuses \tag. Multi-line equations put their lines in an aligned block, so the
            # display can go to MathJax as it is, between the display delimiters.
            opening, closing = app.config.mathjax_display
            node.children = [nodes.Text(f"{opening}{text}{closing}")]
            node["nowrap"] = True


def setup(app):
    app.connect("doctree-read", use_post_numbers)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
