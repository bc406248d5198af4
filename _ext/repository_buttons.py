"""One knob for every repository-dependent button: ``repository.url`` in ``_config.yml``.

With a URL (a GitHub repository), pages get the launch buttons configured under
``launch_buttons`` (Binder, Colab), a link to the repository and an "edit this page"
link. Without one, all of them are switched off here, before the theme reads its
options: otherwise sphinx-book-theme would warn (and fail a ``-W`` build) or point
the buttons at Jupyter Book's own repository.
"""

from __future__ import annotations

LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url")
REPOSITORY_BUTTONS = ("use_repository_button", "use_edit_page_button")


def configure(app, config):
    options = config.html_theme_options
    if options.get("repository_url"):
        # Jupyter Book refuses these flags in _config.yml without a URL, so they are set here
        for key in REPOSITORY_BUTTONS:
            options[key] = True
        return
    launch = dict(options.get("launch_buttons", {}))
    for key in LAUNCHERS:
        launch[key] = ""
    options["launch_buttons"] = launch
    for key in REPOSITORY_BUTTONS:
        options[key] = False


def setup(app):
    app.connect("config-inited", configure, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
