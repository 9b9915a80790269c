"""The demo project for `make run` and a first start with no project: `ensure_demo(folder)`.

The maker lives with the other resources in resources/demo/make_demo.py (it paints the shots and bakes a
transition with the weight-free morph engine); this module loads it from there, so callers need not know
where the resources sit or have them on sys.path.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from seine_editor.errors import SeineEditorError

MAKER = Path(__file__).resolve().parents[1] / "resources" / "demo" / "make_demo.py"
_MODULE_NAME = "seine_editor_demo_maker"


def maker() -> ModuleType:
    """resources/demo/make_demo.py as a module (loaded once)."""
    module = sys.modules.get(_MODULE_NAME)
    if module is not None:
        return module
    if not MAKER.is_file():
        raise SeineEditorError(f"the demo maker {MAKER} is missing; this installation has no resources folder")
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, MAKER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module  # dataclasses look their module up while the file executes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_MODULE_NAME]
        raise
    return module


def ensure_demo(folder=None, *, small: bool = False) -> Path:
    """The demo project file in ``folder``, built there first unless it is already whole (see make_demo).
    ``small``: a tiny demo (160x96, 12-frame shots) that builds in a few seconds, for tests."""
    demo = maker()
    return Path(demo.ensure_demo(folder, demo.DemoSpec.small() if small else demo.DemoSpec()))
