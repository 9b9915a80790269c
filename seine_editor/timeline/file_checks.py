"""What an .otio file must be before OpenTimelineIO reads it: a regular file, no deeper than a timeline needs,
finite positive rates, and the editor's own metadata of the types it writes. A file from a damaged disk, a fuzzer or
a hostile sender is refused with a `ProjectFileError` that says where, never a crash, a hang or a wrong frame later.

The walk is iterative (a file nested 10,000 deep must not exhaust Python's stack) and reads every node once.
"""
from __future__ import annotations

import math
import stat
from pathlib import Path
from typing import Any, Callable, Optional

from seine_editor.errors import ProjectFileError
from seine_editor.timeline.generated import KINDS

MAX_DEPTH = 200  # JSON levels; a timeline needs about 12, and 6 more for each stack nested in it
_TYPES = {  # a generative clip's metadata["seine"] keys and the types the editor writes
    "id": (str,), "kind": (str,), "params": (dict,), "sources": (list,), "takes": (list,), "fingerprint": (str,),
    "status": (str,), "sound": (bool,), "fit": (str,), "gain_db": (int, float), "link": (str,), "mute_audio": (bool,),
}


def check_regular_file(path: Path) -> None:
    """Refuse FIFOs, devices, sockets and folders before opening (reading a FIFO waits forever)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ProjectFileError(path, "no such file") from None
    except OSError as exc:
        raise ProjectFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise ProjectFileError(path, "is a folder, not a timeline file")
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise ProjectFileError(path, f"is {kind}, not a timeline file; only regular files are opened")


def check_tree(path: Path, tree: Any, schema_check: Optional[Callable[[str, Callable[[], str]], None]] = None,
               opaque: frozenset = frozenset()) -> None:
    """Walk the parsed JSON; ProjectFileError at the first node that breaks a rule, naming where it is.
    ``schema_check(label, where)`` is called for each OTIO_SCHEMA outside the ``opaque`` keys (metadata: another
    tool's data). Where a node is, is worked out only for the error: a long timeline has a million nodes."""
    trail: list[tuple[int, Any]] = [(-1, None)]  # per container met: (its parent's entry, its key or index)
    pending = [(tree, 0, 0, False)]
    while pending:
        node, at, depth, inside_opaque = pending.pop()
        if depth > MAX_DEPTH:
            raise ProjectFileError(path, f"nests deeper than {MAX_DEPTH} levels (at {_where(trail, at)}); a "
                                         "timeline needs far fewer")
        if isinstance(node, dict):
            schema = node.get("OTIO_SCHEMA")
            if isinstance(schema, str):
                if schema.startswith("RationalTime."):
                    _check_time(path, node, lambda at=at: _where(trail, at))
                elif schema.startswith(("LinearTimeWarp.", "FreezeFrame.")):
                    _check_time_warp(path, node, lambda at=at: _where(trail, at))
                if schema_check is not None and not inside_opaque:
                    schema_check(schema, lambda at=at: _schema_where(trail, at))
            metadata = node.get("metadata")
            if isinstance(metadata, dict) and isinstance(metadata.get("seine"), dict) \
                    and metadata["seine"].get("kind") in KINDS:
                _check_generative(path, metadata["seine"], _where(trail, at))  # few: named at once
            children = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            continue
        for key, value in children:
            if isinstance(value, (dict, list)):
                trail.append((at, key))
                pending.append((value, len(trail) - 1, depth + 1, inside_opaque or key in opaque))


def _keys(trail: list, at: int) -> list:
    keys = []
    while at > 0:
        at, key = trail[at]
        keys.append(key)
    return keys[::-1]


def _where(trail: list, at: int) -> str:
    """"tracks.children[0].source_range": how the file check names a place."""
    where = "top level"
    for key in _keys(trail, at):
        where = f"{where}[{key}]" if isinstance(key, int) else key if where == "top level" else f"{where}.{key}"
    return where


def _schema_where(trail: list, at: int) -> str:
    """"top level > tracks > children[0]": how the schema check names a place."""
    where = "top level"
    for key in _keys(trail, at):
        where = f"{where}[{key}]" if isinstance(key, int) else f"{where} > {key}"
    return where


def _check_time(path: Path, node: dict, where: Callable[[], str]) -> None:
    rate, value = node.get("rate"), node.get("value")
    if not _number(rate) or not math.isfinite(rate) or rate <= 0:
        raise ProjectFileError(path, f"invalid frame rate {rate!r} at {where()}: rates are finite and above 0")
    if not _number(value) or not math.isfinite(value):
        raise ProjectFileError(path, f"time value {value!r} at {where()} is not allowed: times are finite numbers")


def _check_time_warp(path: Path, node: dict, where: Callable[[], str]) -> None:
    scalar = node.get("time_scalar", 1.0)
    if not _number(scalar) or not math.isfinite(scalar):
        raise ProjectFileError(path, f"speed (time_scalar) {scalar!r} at {where()} is not allowed: a speed is a "
                                     f"finite number (1 plays as recorded, 0 holds a frame)")


def _check_generative(path: Path, seine: dict, where: str) -> None:
    for key, types in _TYPES.items():
        if key in seine and seine[key] is not None and (not isinstance(seine[key], types)
                                                        or isinstance(seine[key], bool) and bool not in types):
            wanted = " or ".join(t.__name__ for t in types)
            raise ProjectFileError(path, f"generative metadata {key!r} at {where} is {type(seine[key]).__name__}, "
                                         f"not {wanted}")
    for name in ("sources", "takes"):
        for index, entry in enumerate(seine.get(name) or []):
            if not isinstance(entry, dict):
                raise ProjectFileError(path, f"generative metadata {name}[{index}] at {where} is "
                                             f"{type(entry).__name__}, not an object")
    for index, take in enumerate(seine.get("takes") or []):
        if not isinstance(take.get("key"), str) or not isinstance(take.get("path"), str):
            raise ProjectFileError(path, f"generative take {index} at {where} needs a text key and path")
    for index, source in enumerate(seine.get("sources") or []):
        frame = source.get("frame", 0)
        if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
            raise ProjectFileError(path, f"generative source {index} at {where} has frame {frame!r}; frames are "
                                         "whole numbers from 0")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
