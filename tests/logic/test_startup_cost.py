"""Start-up cost guards (issue 7): what importing the Qt-free core must not do.

Each check runs in a fresh interpreter, as the program starts.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import desktop_app
from tests.logic.helpers import ROOT

#: The start path of the window's Qt-free core (desktop_app/app.py imports these first).
START_IMPORTS = "import desktop_app.demo, desktop_app.logic.engine, desktop_app.storage.settings\n"


def _fresh(code: str, env: dict[str, str] | None = None) -> object:
    """Run `code` in a new interpreter; it must print one JSON value, which is returned."""
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    environ.update(env or {})
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, check=True, cwd=ROOT, env=environ,
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
    code = (
        "import json, os\nimport desktop_app\n"
        "print(json.dumps(os.environ['PYDANTIC_DISABLE_PLUGINS']))\n"
    )
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


def test_the_core_start_path_does_not_import_importlib_metadata() -> None:
    """pydantic's plugin loader is replaced by a stand-in that returns no plugin (as the real
    one does when the variable disables all), so importlib.metadata (~15-20 ms) is not loaded."""
    code = (
        "import json, sys\n" + START_IMPORTS + "from pydantic.plugin import _schema_validator\n"
        "from desktop_app.storage.settings import Preferences\n"
        "Preferences()\n"
        "print(json.dumps({'metadata': 'importlib.metadata' in sys.modules,\n"
        "                  'validator': type(Preferences.__pydantic_validator__).__name__}))\n"
    )
    assert _fresh(code) == {"metadata": False, "validator": "SchemaValidator"}


def test_with_a_plugin_named_the_real_loader_is_used() -> None:
    code = (
        "import json, sys\n" + START_IMPORTS + "from pydantic.plugin import _loader\n"
        "print(json.dumps({'real': hasattr(_loader, 'entry_points'),\n"
        "                  'metadata': 'importlib.metadata' in sys.modules}))\n"
    )
    named = {"PYDANTIC_DISABLE_PLUGINS": "some-plugin"}
    assert _fresh(code, named) == {"real": True, "metadata": True}


def test_loader_already_imported_is_left_alone() -> None:
    code = (
        "import json\n"
        "from pydantic.plugin import _loader\n"
        "import desktop_app\n"
        "from pydantic.plugin import _loader as after\n"
        "print(json.dumps(after is _loader))\n"
    )
    assert _fresh(code) is True


def test_the_stand_in_matches_what_pydantic_uses_from_its_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If a pydantic upgrade uses more of its loader than get_plugins(), or its loader stops
    returning no plugin for the values the stand-in is installed for, this fails."""
    import pydantic.plugin._schema_validator as schema_validator

    tree = ast.parse(inspect.getsource(schema_validator))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "_loader" and node.level == 1
        for alias in node.names
    }
    assert imported == {"get_plugins"}

    # The real loader, loaded from its file under another name, returns no plugin for each value.
    path = Path(schema_validator.__file__).with_name("_loader.py")
    spec = importlib.util.spec_from_file_location("_real_pydantic_plugin_loader", path)
    assert spec is not None and spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real)

    def refuse(**_: object) -> None:
        raise AssertionError("entry points scanned")

    monkeypatch.setattr(real, "entry_points", refuse)
    for value in desktop_app._ALL_PLUGINS_DISABLED:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", value)
        assert tuple(real.get_plugins()) == ()


def test_a_protocol_load_checks_the_protocol_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading validates once: building LoadedProtocol must not run the cross-checks again."""
    from desktop_app.logic import protocol as protocol_module
    from tests.logic.helpers import UK

    walks: list[object] = []
    real_scan = protocol_module._scan

    def counting(obj: object, rules: dict[str, list[object]], sources: set[str] | None) -> None:
        if isinstance(obj, protocol_module.Protocol):
            walks.append(obj)
        real_scan(obj, rules, sources)

    monkeypatch.setattr(protocol_module, "_scan", counting)
    data = UK.read_bytes()
    loaded = protocol_module.load_protocol_bytes(data, "uk-default.json")
    assert len(walks) == 1
    validated = protocol_module.LoadedProtocol(
        protocol=loaded.protocol, sha256=loaded.sha256, source_name="uk-default.json", data=data
    )
    assert loaded == validated
    assert loaded.model_fields_set == validated.model_fields_set
    assert loaded.data == data


def test_protocol_parts_are_built_only_as_parts_of_protocol() -> None:
    """The parts' schemas are built into Protocol's at import; their own validators wait until a
    part is used on its own (about 1 ms once), which the start path never does."""
    code = (
        "import json\n" + START_IMPORTS + "from datetime import datetime, timezone\n"
        "from desktop_app.logic import protocol as P\n"
        "from desktop_app.logic.engine import evaluate\n"
        "from desktop_app.demo import demo_inputs\n"
        "from desktop_app.storage.protocols import load_protocol\n"
        "now = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)\n"
        "evaluate(load_protocol(), demo_inputs(), now=now)\n"
        "print(json.dumps(sorted(n for n, c in vars(P).items() if isinstance(c, type)\n"
        "                        and issubclass(c, P.BaseModel) and c.__pydantic_complete__)))\n"
    )
    assert _fresh(code) == ["LoadedProtocol", "Protocol"]


def test_a_protocol_part_used_on_its_own_validates_as_inside_protocol() -> None:
    from pydantic import ValidationError

    from desktop_app.logic.protocol import Num
    from tests.logic.helpers import proto

    rule = proto().protocol.potassium.normal_low
    assert Num.model_validate(rule.model_dump()) == rule
    with pytest.raises(ValidationError, match="must be marked local_policy"):
        Num.model_validate({**rule.model_dump(), "grade": None, "local_policy": False})


def test_model_annotations_are_evaluated_when_the_classes_are_defined() -> None:
    """Postponed annotations (`from __future__ import annotations`) make pydantic compile and
    evaluate every annotation string when the model classes are built (~8 ms at start)."""
    from pydantic import BaseModel

    import desktop_app.logic.models
    import desktop_app.logic.plan
    import desktop_app.logic.protocol
    import desktop_app.storage.settings

    modules = (
        desktop_app.logic.models,
        desktop_app.logic.plan,
        desktop_app.logic.protocol,
        desktop_app.storage.settings,
    )
    postponed = [
        f"{module.__name__}.{name}"
        for module in modules
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, BaseModel)
        and cls.__module__ == module.__name__
        and any(isinstance(a, str) for a in cls.__dict__.get("__annotations__", {}).values())
    ]
    assert postponed == []
