"""Unnumbered proofs in both front ends: ``:nonumber:`` on ``prf:proof``.

``jupyterlab-myst`` numbers every proof ("Proof 2.1") unless it carries ``:nonumber:``;
sphinx-proof never numbers a proof but refuses the option. This extension lets the proof
directive accept it, so the chapters can write it and both readers see an unnumbered "Proof".
"""

from __future__ import annotations

from docutils.parsers.rst import directives


def setup(app):
    from sphinx_proof.directive import ProofDirective

    ProofDirective.option_spec = {**ProofDirective.option_spec, "nonumber": directives.flag}
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
