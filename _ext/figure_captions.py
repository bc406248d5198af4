"""A figure's caption, written once: under the figure in JupyterLab, its caption in the HTML book.

A chapter draws a figure in a code cell, whose metadata gives the figure's name and alt text
(``mystnb: {figure: {name: fig-...}, image: {alt: ...}}``), and writes the caption as the first
paragraph of the markdown cell after it, introduced by a MyST comment::

    % caption: fig-kl-asymmetry
    $D_{KL}(p\\,\\|\\,q)$ (solid) and $D_{KL}(q\\,\\|\\,p)$ (dashed) for ...

JupyterLab hides the comment and shows the paragraph right under the figure, with its inline
``{eval}`` values. (A caption in the cell's metadata would show only in the HTML.) This
transform moves the paragraph into the figure as its caption, so the HTML book numbers the
figure ("Fig. 2.1") and shows the caption under it. A comment that names no figure of the page,
or that no paragraph follows, is reported as a warning: an error under ``-W``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

MARKER = re.compile(r"caption:\s*(\S+)")


class FigureCaptions(SphinxTransform):
    """Move the paragraph after each ``% caption: <name>`` comment into the figure ``<name>``."""

    default_priority = 200  # after MyST has built the page, before Sphinx collects figures and labels

    def apply(self, **kwargs) -> None:
        figures = {name: figure for figure in self.document.findall(nodes.figure)
                   for name in figure["names"]}
        for comment in list(self.document.findall(nodes.comment)):
            match = MARKER.fullmatch(comment.astext().strip())
            if not match:
                continue
            name = match.group(1)
            parent = comment.parent
            index = parent.index(comment)
            paragraph = parent[index + 1] if index + 1 < len(parent) else None
            figure = figures.get(name)
            if figure is None or not isinstance(paragraph, nodes.paragraph):
                logger.warning(f"caption comment for {name!r}: "
                               + ("no such figure on this page" if figure is None
                                  else "it must be followed by the caption's paragraph"),
                               location=comment)
                continue
            if any(isinstance(child, nodes.caption) for child in figure.children):
                logger.warning(f"figure {name!r} has a caption already", location=comment)
                continue
            caption = nodes.caption(paragraph.rawsource, "", *paragraph.children)
            caption.source, caption.line = paragraph.source, paragraph.line
            figure += caption
            parent.remove(paragraph)
            parent.remove(comment)


def setup(app):
    app.add_transform(FigureCaptions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
