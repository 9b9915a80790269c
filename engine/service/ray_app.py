"""The engine's HTTP app as a Ray Serve deployment: N replicas, each holding its own engine (one GPU each when the
cluster has GPUs, else one CPU), behind Ray's proxy on one address. Ray places the replicas, routes each job to the
least busy one and restarts a replica whose process dies; nothing here schedules.

A replica runs one job at a time; jobs wait in Ray's router for a free replica. The health endpoint reports the
farm's slots and capacity, so a client sends as many jobs at once as the farm takes. The engine runs in the replica's own process:
a crash ends that replica, Ray starts another, and the client's retry lands on a live one.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Mapping, Optional

from engine.service.protocol import Limits

APP_NAME = "seine-engine"


def _replica_app(name: str, options: Mapping[str, Any], entries: Mapping[str, tuple[str, str]], token: Optional[str],
                 limits: Limits, queue_size: int, replicas: int):
    """Built inside each replica: its registry (for engines registered at run time) and its app."""
    from engine import load_engine, registry
    from engine.service.http_app import create_app

    for engine_name, (module, cls) in entries.items():
        registry.register(engine_name, module, cls)
    return create_app(functools.partial(load_engine, name, **options), token=token, limits=limits,
                      queue_size=queue_size, farm_slots=replicas)


def build_application(name: str, options: Mapping[str, Any], *, replicas: int = 1, token: Optional[str] = None,
                      limits: Limits = Limits(), queue_size: int = 8, gpus: Optional[bool] = None):
    """The Serve application (call inside a connected Ray). ``gpus`` None: one GPU a replica when the cluster has
    any, else one CPU."""
    import ray
    from ray import serve

    from engine import registry

    if gpus is None:
        gpus = ray.cluster_resources().get("GPU", 0) > 0
    arguments = (name, dict(options), registry.entries(), token, limits, queue_size, replicas)

    def builder():  # a plain function: Serve calls it once in each replica (a partial would pass for an ASGI app)
        return _replica_app(*arguments)

    deployment = serve.deployment(
        serve.ingress(builder)(), name="SeineEngine", num_replicas=replicas,
        ray_actor_options={"num_gpus": 1, "num_cpus": 1} if gpus else {"num_cpus": 1},
        # a running job and one request more (health, cancel), so a busy replica still answers; further jobs wait in
        # Ray's router for the first free replica (handing them out early split 8 jobs 5:3 over 2 replicas), up to
        # `queue_size` a replica, beyond which Ray answers 503
        max_ongoing_requests=2, max_queued_requests=queue_size * replicas)
    return deployment.bind()


def run_on_ray(name: str, options: Mapping[str, Any], *, replicas: int, host: str, port: int,
               token: Optional[str], limits: Limits, queue_size: int) -> None:
    """Deploy on the connected Ray cluster behind its proxy at ``host:port`` (returns once it is running)."""
    from ray import serve

    serve.start(http_options={"host": host, "port": port})
    serve.run(build_application(name, options, replicas=replicas, token=token, limits=limits, queue_size=queue_size),
              name=APP_NAME, route_prefix="/")


def serve_on_ray(name: str, options: Mapping[str, Any], *, replicas: int, host: str, port: int,
                 token: Optional[str], limits: Limits, queue_size: int, address: Optional[str]) -> None:
    """`seine-editor serve --ray`: join the cluster at ``address`` (None: start a local one), deploy, serve until
    interrupted, then take the deployment down."""
    import ray
    from ray import serve

    ray.init(address=address, log_to_driver=False)
    try:
        run_on_ray(name, options, replicas=replicas, host=host, port=port, token=token, limits=limits,
                   queue_size=queue_size)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        serve.shutdown()
        ray.shutdown()
