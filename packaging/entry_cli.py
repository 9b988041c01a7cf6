"""Entry point of the built folder's `b12k` command (PyInstaller runs this file as __main__)."""

import sys

from desktop_app.cli import main

sys.exit(main())
