"""Seine Editor: a non-linear video editor whose timeline is an OpenTimelineIO document."""
import os

# Before any hub-aware import: a hub lookup without network hangs for ~23 s before failing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"


def _make_none_immortal() -> None:
    """PySide6 6.12's shiboken returns `None` from every void Qt call without a new reference, as if `None` were
    immortal (true from CPython 3.12 on). On 3.11 each such call (painter.drawLine, widget.update, undo pushes...)
    drops one reference and the interpreter aborts with "none_dealloc" after a few thousand calls. Giving `None`
    a practically endless reference count makes it as immortal as 3.12 does; `None` is never freed anyway."""
    import ctypes
    import sys

    if sys.version_info < (3, 12) and sys.getrefcount(None) < 1 << 40:
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_make_none_immortal()
