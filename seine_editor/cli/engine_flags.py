"""Engine flags of the command line, built from the engines' own descriptions: ``--engine`` and one flag per option
name (``--weights``, ``--device``, ...), each applied to the engine that declares it; ``--preset`` offers every
engine's presets."""
from __future__ import annotations

import argparse
from typing import Any, Optional

_TYPES = {"int": int, "float": float}
PREFIX = "option_"


def add_engine_arguments(parser: argparse.ArgumentParser, engine_help: str, *, presets: bool = True,
                         server: bool = False) -> None:
    """The engine flags; with ``server``, --server and --token-file too (where the engine runs)."""
    from engine import engine_info, engine_names

    parser.add_argument("--engine", choices=engine_names(), help=engine_help)
    infos = [engine_info(name) for name in engine_names()]
    declared: dict[str, list[str]] = {}
    for info in infos:
        for option in info.options:
            declared.setdefault(option.name, []).append(info.label)
    group = parser.add_argument_group("engine options (local files only; nothing downloads)")
    for info in infos:
        for option in info.options:
            if option.name not in declared:
                continue  # declared by an earlier engine too: one flag
            kwargs = {"action": argparse.BooleanOptionalAction} if option.kind == "bool" else \
                {"choices": option.choices} if option.kind == "choice" else {"type": _TYPES.get(option.kind, str)}
            group.add_argument("--" + option.name.replace("_", "-"), dest=PREFIX + option.name, default=None,
                               help=f"{option.help} ({', '.join(declared.pop(option.name))})", **kwargs)
    if presets:
        names = sorted({p.name for info in infos for p in info.presets})
        parser.add_argument("--preset", choices=names, help="quality preset for this run (default: each item's own)")
    if server:
        parser.add_argument("--server", metavar="URL", help="run the engine on a `seine-editor serve` server")
        parser.add_argument("--token-file", help="file holding the server's token on one line")


def engine_and_options(args: argparse.Namespace, default: Optional[str]) -> tuple[Optional[str], dict[str, Any]]:
    """(engine of this run or None, the option flags given). Option flags without --engine go to ``default`` when
    it declares them all, else to the first engine that does. SettingsError when no engine takes them together,
    or when they set part of an engine's required group (``--checkpoint`` without ``--sd-path``)."""
    from engine import engine_info, engine_names
    from seine_editor.errors import SettingsError

    given = {key[len(PREFIX):]: value for key, value in vars(args).items()
             if key.startswith(PREFIX) and value is not None}
    name = args.engine
    if name is None and given:
        candidates = [n for n in (default, *engine_names()) if n in engine_names()]
        takes_all = [n for n in candidates if set(given) <= {o.name for o in engine_info(n).options}]
        if not takes_all:
            raise SettingsError(f"no engine takes all of {', '.join(sorted(given))} together")
        name = takes_all[0]
    if name is not None:
        info = engine_info(name)
        unknown = sorted(set(given) - {o.name for o in info.options})
        if unknown:
            raise SettingsError(f"the {info.label} engine does not take {', '.join('--' + u for u in unknown)}")
        touched = [group for group in info.required if set(group) & set(given)]
        if touched and not info.ready(given):
            needs = " or ".join(" and ".join(f"--{o.replace('_', '-')}" for o in group) for group in info.required)
            raise SettingsError(f"{info.label} needs {needs} together")
    return name, given


def settings_for_run(settings, args: argparse.Namespace):
    """``settings`` (the project's, or this computer's) with this run's --engine, option flags and --server."""
    from dataclasses import replace

    name, options = engine_and_options(args, settings.engine)
    if name is not None:
        settings = replace(settings, engine=name).with_options(name, **options)
    if getattr(args, "server", None):
        settings = replace(settings, host="server", server_url=args.server, token_file=args.token_file)
    return settings


def engine_flags_given(args: argparse.Namespace) -> bool:
    """Whether any engine flag (--engine, an option, --server) was given."""
    return bool(args.engine or getattr(args, "server", None) or
                any(v is not None for k, v in vars(args).items() if k.startswith(PREFIX)))
