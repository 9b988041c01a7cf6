"""`python -m desktop_app` starts the GUI."""

import sys

from desktop_app.app import main

sys.exit(main())
