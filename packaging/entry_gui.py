"""Entry point of the built folder's `b12k-planner` window (PyInstaller runs this as __main__)."""

import sys

from desktop_app.app import main

sys.exit(main())
