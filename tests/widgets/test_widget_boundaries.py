"""Widgets see only frozen *Info snapshots and Project methods: no OTIO import, no reaching into the document
(its live timeline included), no assignment to project settings (they change through undoable intents)."""
import ast
from pathlib import Path

WIDGETS = Path(__file__).resolve().parents[2] / "seine_editor" / "widgets"


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n.split(".")[0] == "opentimelineio" for n in names):
            found.append(f"line {node.lineno}: imports opentimelineio")
        if isinstance(node, ast.Attribute) and node.attr == "document":
            found.append(f"line {node.lineno}: reads .document")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "settings" and isinstance(t.value, ast.Attribute)
                   and t.value.attr == "generation" for t in targets):
                found.append(f"line {node.lineno}: assigns generation.settings")
    return sorted(found, key=lambda text: int(text.split(":")[0].split()[1]))


def test_no_widget_module_touches_otio_or_the_document():
    offenders = {str(p.relative_to(WIDGETS)): _offences(p) for p in sorted(WIDGETS.rglob("*.py"))}
    assert {name: lines for name, lines in offenders.items() if lines} == {}


def test_the_scan_catches_each_kind_of_offence(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import opentimelineio as otio\nfrom opentimelineio import schema\n"
                      "t = project.document.timeline\nproject.generation.settings = None\n")
    assert _offences(sample) == ["line 1: imports opentimelineio", "line 2: imports opentimelineio",
                                 "line 3: reads .document", "line 4: assigns generation.settings"]
