"""Two directives written the way ``jupyterlab-myst`` reads them, accepted the same by the build.

* **Unnumbered proofs.** jupyterlab-myst numbers every proof ("Proof 2.1") unless it carries
  ``:nonumber:``; sphinx-proof never numbers a proof but refuses the option. The chapters write
  ``:nonumber:``, and ``prf:proof`` accepts it here.
* **A solution's explanation inside ``solution-start``.** A gated solution runs from a
  ``solution-start`` cell to a ``solution-end`` cell. JupyterLab shows the start as a closed
  dropdown and the cells after it openly, so the chapters put the explanation in the body of
  ``solution-start``, where it stays folded. sphinx-exercise drops that body when it merges the
  gated cells into one solution; :class:`KeepSolutionStartBody` moves it out first, so that it
  leads the solution as in JupyterLab.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms import SphinxTransform


class KeepSolutionStartBody(SphinxTransform):
    """Put the body of each ``solution-start`` right after it, where the gated merge collects it."""

    default_priority = 5  # before sphinx-exercise's MergeGatedSolutions (10)

    def apply(self, **kwargs) -> None:
        from sphinx_exercise.nodes import solution_start_node

        for start in list(self.document.findall(solution_start_node)):
            for body in [c for c in start.children if isinstance(c, nodes.section)]:
                parent, index = start.parent, start.parent.index(start)
                for offset, child in enumerate(list(body.children)):
                    body.remove(child)
                    parent.insert(index + 1 + offset, child)


def setup(app):
    from sphinx_proof.directive import ProofDirective

    ProofDirective.option_spec = {**ProofDirective.option_spec, "nonumber": directives.flag}
    app.add_transform(KeepSolutionStartBody)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
