"""Start-up cost guards (issue 7): what importing the Qt-free core must not do.

Each check runs in a fresh interpreter, as the program starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.logic.helpers import ROOT

#: The start path of the window's Qt-free core (desktop_app/app.py imports these first).
START_IMPORTS = "import desktop_app.demo, desktop_app.logic.engine, desktop_app.settings\n"


def _fresh(code: str, env: dict[str, str] | None = None) -> object:
    """Run `code` in a new interpreter; it must print one JSON value, which is returned."""
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    environ.update(env or {})
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=environ
    )
    return json.loads(out.stdout)


def test_importing_desktop_app_disables_pydantic_plugin_discovery() -> None:
    code = (
        "import json, os\n"
        "import desktop_app\n"
        "from pydantic.plugin import _loader\n"
        "print(json.dumps({'env': os.environ.get('PYDANTIC_DISABLE_PLUGINS'),\n"
        "                  'plugins': list(_loader.get_plugins())}))\n"
    )
    assert _fresh(code) == {"env": "__all__", "plugins": []}


def test_a_value_the_user_set_is_kept() -> None:
    code = "import json, os\nimport desktop_app\nprint(json.dumps(os.environ['PYDANTIC_DISABLE_PLUGINS']))\n"
    assert _fresh(code, {"PYDANTIC_DISABLE_PLUGINS": "some-plugin"}) == "some-plugin"


def test_pydantic_scans_no_entry_points_when_plugins_are_disabled() -> None:
    """What the variable relies on: pydantic's loader returns no plugin without a scan."""
    code = (
        "import json, importlib.metadata\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('entry points scanned')\n"
        "importlib.metadata.entry_points = refuse\n"
        "import desktop_app\n"
        "from pydantic.plugin import _loader\n"
        "_loader.entry_points = refuse\n"
        "print(json.dumps({'plugins': list(_loader.get_plugins())}))\n"
    )
    assert _fresh(code) == {"plugins": []}
