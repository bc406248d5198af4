"""Links into another chapter that work in the HTML book and in JupyterLab.

JupyterLab renders one notebook at a time, so a role such as ``{eq}`eq-kl``` that points into
another chapter can only show its label there. The chapters therefore write such a reference as
a Markdown link to the other notebook with the target's label as the fragment, and say in the
link text which chapter and which number they mean::

    the first expectation in [(3) of *KL divergence*](kl_divergence.ipynb#eq-kl-expectation)

In JupyterLab the link opens the other chapter. MyST-Parser resolves a fragment in another
document only when it is a heading slug; this extension resolves it first when it is the label
of an equation or of any other target (a figure, a theorem, a section), so the HTML link lands on
the equation itself. A fragment that is neither stays for MyST-Parser, which warns (an error
under ``-W``). ``tests/test_book.py`` checks that every such link's text names the target's
chapter and number.

Citations are links of the same kind into the bibliography (``chapter_links_bibliography``,
``chapters/bibliography``), whose entries are labelled with their BibTeX keys::

    the Fisher information ([Amari, 1998](bibliography.ipynb#amari1998natural))

Such a link gets the class ``citation-link`` instead of ``chapter-link`` and, as a tooltip, the
entry it leads to (``tools/bibliography.py`` writes the entries; ``tests/test_citations.py``
checks the labels).
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform


def target_anchor(env, docname: str, label: str) -> str | None:
    """The HTML id of ``label`` if it labels a target in ``docname``.

    Equations, labelled targets (figures, sections), theorems (sphinx-proof) and exercises
    (sphinx-exercise) each keep their labels in their own registry.
    """
    equation = env.get_domain("math").equations.get(label)
    if equation and equation[0] == docname:
        return nodes.make_id(f"equation-{label}")
    std = env.get_domain("std").labels.get(label) or env.get_domain("std").anonlabels.get(label)
    if std and std[0] == docname:
        return std[1]
    for registry in (getattr(env, "proof_list", {}), getattr(env, "sphinx_exercise_registry", {})):
        entry = registry.get(label)
        if entry and entry.get("docname") == docname:
            return label
    return None


def entry_text(env, docname: str, anchor: str) -> str:
    """The text of the element with id ``anchor`` in ``docname`` (a bibliography entry)."""
    for node in env.get_doctree(docname).findall(nodes.Element):
        if anchor in node.get("ids", ()):
            return " ".join(node.astext().split())
    return ""


class ChapterLinks(SphinxPostTransform):
    """Resolve ``[text](chapter.ipynb#label)`` to the labelled target in that chapter."""

    default_priority = 8  # before MyST-Parser's reference resolver (9)

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
                continue
            docname, label = node.get("reftarget"), node.get("reftargetid")
            if not label or docname not in self.env.all_docs:
                continue
            anchor = target_anchor(self.env, docname, label)
            if anchor is None:
                continue
            uri = self.app.builder.get_relative_uri(self.env.docname, docname)
            citation = docname == self.config.chapter_links_bibliography
            reference = nodes.reference("", "", internal=True, refuri=f"{uri}#{anchor}",
                                        classes=["citation-link" if citation else "chapter-link"])
            if citation:
                reference["reftitle"] = entry_text(self.env, docname, anchor)
            reference += node.children
            node.replace_self(reference)


def setup(app):
    app.add_config_value("chapter_links_bibliography", "chapters/bibliography", "env", [str])
    app.add_post_transform(ChapterLinks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
