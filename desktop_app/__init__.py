"""B12-K Planner: potassium, magnesium and phosphate planning around the start of vitamin B12."""

import os

__version__ = "0.1.0"

#: pydantic's documented switch for its plugins (https://docs.pydantic.dev/latest/concepts/plugins/).
PYDANTIC_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"


def disable_pydantic_plugins() -> None:
    """Tell pydantic that this program uses no plugin; each entry point calls this first.

    Without it, pydantic looks through every installed package's entry points for plugins when
    the first model class is built. A value the user set (for example the name of the one plugin
    to disable) is kept. Importing the package does not do this: only starting a program does.
    """
    os.environ.setdefault(PYDANTIC_PLUGINS_ENV, "__all__")
