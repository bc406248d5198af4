"""Number the figures of each unnumbered chapter from 1.

Sphinx numbers the figures of documents outside the numbered part of the table of contents with
one counter shared by all of them, so the second back-matter chapter would open with "Fig. 7".
JupyterLab numbers each notebook's figures from 1. After Sphinx has assigned the numbers, this
restarts the count in every document that has no section number, keeping the order.
"""

from __future__ import annotations


def restart_unnumbered(app, env):
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        if env.toc_secnumbers.get(docname):
            continue  # a numbered chapter: "Fig. 9.1" is already per chapter
        for numbers in by_type.values():
            for position, figure_id in enumerate(sorted(numbers, key=numbers.get), start=1):
                if numbers[figure_id] != (position,):
                    numbers[figure_id] = (position,)
                    changed.append(docname)
    # Sphinx compares the next build's shared count with these numbers and rewrites the
    # page again; returning the document here makes this build write it too
    return sorted(set(changed))


def setup(app):
    # after the TocTreeCollector (priority 500) has numbered the figures
    app.connect("env-get-updated", restart_unnumbered, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
