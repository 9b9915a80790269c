"""Seine Editor: a non-linear video editor whose timeline is an OpenTimelineIO document."""
import os

# Before any hub-aware import: a hub lookup without network hangs for ~23 s before failing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"

