"""`seine-editor serve --engine NAME [engine options] [--host H] [--port P] [--token-file F] [--ray --replicas N]`:
the engine contract over HTTP for editors on other machines (see `engine.service.http_app`), alone on uvicorn or as
a Ray Serve farm (`engine.service.ray_app`)."""
from __future__ import annotations

import argparse
import ipaddress
import sys

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.registry import DEFAULT_ENGINE
    from seine_editor.cli.engine_flags import add_engine_arguments

    add_engine_arguments(parser, f"the engine to serve (default: {DEFAULT_ENGINE})", presets=False)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other "
                                                            "address needs --token-file)")
    parser.add_argument("--port", type=int, default=8750, help="port (default 8750)")
    parser.add_argument("--token-file", help="file holding the token on its first line; every request must send "
                                             "Authorization: Bearer TOKEN")
    parser.add_argument("--queue", type=int, default=8, help="jobs that may wait per replica before 429 (default 8)")
    parser.add_argument("--max-frames", type=int, default=1024, help="most frames one job may ask for or send")
    parser.add_argument("--in-process", action="store_true",
                        help="run the engine in the server's own process (default: a worker process, restarted "
                             "after a crash)")
    parser.add_argument("--ray", action="store_true",
                        help="serve as a Ray Serve deployment of --replicas replicas (one GPU each when the cluster "
                             "has GPUs); Ray places them, routes jobs and restarts a replica that dies")
    parser.add_argument("--replicas", type=int, default=1, help="Ray Serve replicas (default 1)")
    parser.add_argument("--address", help="the Ray cluster to join, e.g. auto or HEAD:6379 (default: a local one)")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from engine import registry
    from engine.errors import EngineError
    from engine.service.protocol import Limits
    from seine_editor.cli.engine_flags import engine_and_options
    from seine_editor.errors import SeineEditorError
    from seine_editor.jobs.remote import read_token

    try:
        token = read_token(args.token_file)
        if token is None and not _loopback(args.host):
            raise SeineEditorError(f"refusing to listen on {args.host} without a token: give --token-file, or "
                                   f"listen on 127.0.0.1")
        name, options = engine_and_options(args, registry.DEFAULT_ENGINE)
        name = name or registry.DEFAULT_ENGINE
        options = registry.check_options(name, options, deep=True)
        info = registry.engine_info(name)
        if not info.ready(options):
            needs = " or ".join(" and ".join(f"--{o.replace('_', '-')}" for o in g) for g in info.required)
            raise SeineEditorError(f"the {info.label} engine needs {needs}")
        if min(args.queue, args.max_frames, args.replicas) < 1 or not 0 < args.port < 65536:
            raise SeineEditorError("--queue, --max-frames and --replicas must be at least 1, --port within 1-65535")
    except (SeineEditorError, EngineError, OSError, ValueError) as error:
        print(f"seine-editor serve: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    limits = Limits(max_frames=args.max_frames)
    if args.ray:
        from engine.service.ray_app import serve_on_ray

        print(f"serving the {info.label} engine on Ray Serve ({args.replicas} replica(s)) at "
              f"http://{args.host}:{args.port}", file=sys.stderr)
        serve_on_ray(name, options, replicas=args.replicas, host=args.host, port=args.port, token=token,
                     limits=limits, queue_size=args.queue, address=args.address)
        return EXIT_OK
    import uvicorn

    from engine.service.http_app import create_app

    app = create_app(_engine_maker(name, options, args.in_process), token=token, limits=limits,
                     queue_size=args.queue)
    print(f"serving the {info.label} engine on http://{args.host}:{args.port}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _engine_maker(name: str, options: dict, in_process: bool):
    def make():
        if in_process:
            from engine import load_engine

            return load_engine(name, **options)
        from engine.service.worker import LocalWorker

        return LocalWorker(idle_s=None).get(name, options)
    return make
