"""Small repairs to the HTML that Sphinx writes, for assistive technology.

docutils writes the bibliography (sphinxcontrib-bibtex's citations) as
``<div role="list" class="citation-list">`` whose children are ``role="doc-biblioentry"``
entries, not list items: an axe-core "aria-required-children" violation (critical), since a
screen reader announces a list and then finds no items. The container needs no role; each entry
keeps its ``doc-biblioentry`` role.
"""

from __future__ import annotations

LIST_ROLE = '<div role="list" class="citation-list">'


def drop_citation_list_role(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and LIST_ROLE in body:
        context["body"] = body.replace(LIST_ROLE, '<div class="citation-list">')


def setup(app):
    app.connect("html-page-context", drop_citation_list_role)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
