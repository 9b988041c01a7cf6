"""B12-K Planner: potassium, magnesium and phosphate planning around the start of vitamin B12."""

import os
import sys
import types

__version__ = "0.1.0"

# Start-up cost (issue 7): the project uses no pydantic plugin. Without this, the first model
# class makes pydantic scan every installed package's entry points for plugins. A value set by
# the user (for example the name of one plugin to disable) is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

#: What pydantic's own loader returns for this variable: no plugin at all.
_ALL_PLUGINS_DISABLED = ("__all__", "1", "true")


def _skip_plugin_loader() -> None:
    """With every plugin disabled, stand in for pydantic's plugin loader before it is imported.

    pydantic imports `pydantic.plugin._loader` for its first model class even when plugins are
    disabled, and that module imports `importlib.metadata` (with email, zipfile, csv...: about
    15-20 ms at start) only to scan entry points. When the variable disables every plugin, the
    real `get_plugins()` returns `()` without looking at them, so this stand-in returns `()` too.
    tests/logic/test_startup_cost.py checks this against the installed pydantic.
    """
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in _ALL_PLUGINS_DISABLED:
        return
    if "pydantic.plugin._loader" in sys.modules:  # pydantic already built a model: too late
        return
    loader = types.ModuleType("pydantic.plugin._loader", "Stand-in: every plugin is disabled.")
    loader.__dict__["get_plugins"] = _no_plugins
    sys.modules["pydantic.plugin._loader"] = loader


def _no_plugins() -> tuple[()]:
    return ()


_skip_plugin_loader()
