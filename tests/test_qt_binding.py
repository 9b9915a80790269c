"""The pinned Qt binding must not leak references to None: PySide6 6.12 on CPython 3.11 drops one per void call
(`widget.update()`, `painter.drawLine`, `QUndoStack.push`) and the interpreter aborts after a few thousand."""
import sys


def test_void_qt_calls_keep_the_reference_count_of_none(qapp):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.update()
    assert sys.getrefcount(None) >= before - 10
