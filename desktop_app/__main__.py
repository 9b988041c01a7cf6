"""`python -m desktop_app` starts the GUI."""

import sys

from desktop_app import disable_pydantic_plugins

disable_pydantic_plugins()  # before any model class is built (app.main repeats it)

from desktop_app.app import main  # noqa: E402

sys.exit(main())
