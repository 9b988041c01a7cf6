"""B12-K Planner: potassium, magnesium and phosphate planning around the start of vitamin B12."""

import os

__version__ = "0.1.0"

# Start-up cost (issue 7): the project uses no pydantic plugin. Without this, the first model
# class makes pydantic scan every installed package's entry points for plugins. A value set by
# the user (for example the name of one plugin to disable) is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
