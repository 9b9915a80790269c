"""The boundaries of ARCHITECTURE §3, checked on every run."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (not inside functions): what importing the file costs."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_cli_and_app_modules_import_no_heavy_package_at_module_level():
    heavy = {"torch", "diffusers", "transformers"}
    offenders = {str(p.relative_to(ROOT)): sorted(_top_level_imports(p) & heavy)
                 for p in (ROOT / "seine_editor").rglob("*.py") if _top_level_imports(p) & heavy}
    assert offenders == {}


def test_help_does_not_import_torch():
    code = ("import sys, contextlib, io\nfrom seine_editor.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    try: main(['--help'])\n    except SystemExit: pass\n"
            "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\nprint(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_only_widgets_and_app_import_qtwidgets():
    allowed = {ROOT / "seine_editor" / "widgets", ROOT / "seine_editor" / "app.py"}
    offenders = []
    for path in (ROOT / "seine_editor").rglob("*.py"):
        if any(path == a or a in path.parents for a in allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.startswith("PySide6.QtWidgets") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _engine_name_uses(path: Path, names: set[str]) -> list[str]:
    """Places that compare with an engine's name or list one: `x == "morph"`, `x in ("seine", ...)`, and any
    string that is exactly a name other than "seine" (which is also the metadata namespace)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                found += [f"{path.name}:{node.lineno} compares with {v.value!r}" for v in values
                          if isinstance(v, ast.Constant) and v.value in names]
        elif isinstance(node, ast.Constant) and node.value in names - {"seine"}:
            found.append(f"{path.name}:{node.lineno} names {node.value!r}")
    return sorted(set(found))


def test_nothing_above_engine_branches_on_an_engines_name():
    from engine import engine_names

    names = set(engine_names())
    offenders = [use for path in (ROOT / "seine_editor").rglob("*.py") for use in _engine_name_uses(path, names)]
    assert offenders == []
