"""python -m desktop_app.cli"""

import sys

from desktop_app import disable_pydantic_plugins

disable_pydantic_plugins()  # before any model class is built (main repeats it)

from desktop_app.cli import main  # noqa: E402

sys.exit(main())
