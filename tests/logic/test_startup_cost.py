"""Start-up cost guards (issue 7): what importing the Qt-free core must not do.

Each check runs in a fresh interpreter, as the program starts.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

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
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environ,
    )
    return json.loads(out.stdout)


def test_importing_desktop_app_leaves_the_environment_alone() -> None:
    """Setting pydantic's variable is the entry points' job, not a side effect of an import."""
    code = (
        "import json, os, sys\n"
        "import desktop_app, desktop_app.app, desktop_app.cli\n"
        "print(json.dumps([os.environ.get('PYDANTIC_DISABLE_PLUGINS'),\n"
        "                  sorted(m for m in sys.modules if m.startswith('pydantic.plugin'))]))\n"
    )
    assert _fresh(code) == [None, []]


@pytest.mark.parametrize(
    "entry",
    [
        "import desktop_app.__main__",
        "import desktop_app.cli.__main__",
        "from desktop_app.app import main; main([])",
        "from desktop_app.cli import main; main(['--version'])",
    ],
)
def test_every_entry_point_disables_pydantic_plugins_before_starting(entry: str) -> None:
    """The GUI entry points stop at once here (no display); the CLI ones print the version."""
    code = (
        "import atexit, json, os, sys\n"
        "atexit.register(lambda: sys.__stderr__.write(\n"
        "    'ENV=' + json.dumps(os.environ.get('PYDANTIC_DISABLE_PLUGINS')) + '\\n'))\n"
        f"{entry}\n"
    )
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYDANTIC_DISABLE_PLUGINS", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=environ,
    )
    assert 'ENV="__all__"' in done.stderr.splitlines(), done.stderr


def test_an_entry_point_keeps_a_value_the_user_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some-plugin")
    desktop_app.disable_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "some-plugin"
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    desktop_app.disable_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"


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
        protocol=loaded.protocol,
        sha256=loaded.sha256,
        source_name="uk-default.json",
        data=data,
        approval_state=loaded.approval_state,
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
    # ApprovalState (logic/approval.py, imported by protocol) is built at import: its DRAFT
    # default is an instance.
    assert _fresh(code) == ["ApprovalState", "LoadedProtocol", "Protocol"]


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
        and any(isinstance(a, str) for a in inspect.get_annotations(cls).values())
    ]
    assert postponed == []
