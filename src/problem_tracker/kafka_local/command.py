"""``problem-tracker kafka up|down|status|fetch``: the project's own broker for dev and demo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from problem_tracker.config import LocalKafkaSettings, Settings
from problem_tracker.kafka_local.broker import LocalKafka

STATUS_DOWN = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("kafka", help="run a local single-node Apache Kafka")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="fetch (first time), start and wait until it answers")
    _common(up)
    up.add_argument("--port", type=int, help="client port (default: settings, 9092)")
    up.add_argument("--controller-port", type=int, help="KRaft port (default: --port + 1)")
    up.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for it")
    up.set_defaults(handler=_up)
    down = actions.add_parser("down", help="stop it (SIGTERM, SIGKILL after --timeout)")
    _common(down)
    down.add_argument("--timeout", type=float, default=30.0)
    down.set_defaults(handler=_down)
    status = actions.add_parser("status", help="bootstrap address and up/down (exit 3: down)")
    _common(status)
    status.set_defaults(handler=_status)
    fetch = actions.add_parser("fetch", help="only resolve the jars into the cache")
    fetch.set_defaults(handler=_fetch)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="broker state and logs (default: settings)")


def _broker(args: argparse.Namespace, settings: Settings) -> LocalKafka:
    return LocalKafka(local_settings(args, settings.local_kafka))


def local_settings(args: argparse.Namespace, base: LocalKafkaSettings) -> LocalKafkaSettings:
    """The settings with the command line's overrides; a custom port moves the controller too."""
    update: dict[str, object] = {}
    if getattr(args, "data_dir", None) is not None:
        update["data_dir"] = args.data_dir
    if getattr(args, "port", None) is not None:
        update["port"] = args.port
        update["controller_port"] = args.port + 1
    if getattr(args, "controller_port", None) is not None:
        update["controller_port"] = args.controller_port
    return base.model_copy(update=update)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    broker = _broker(args, settings)
    running = broker.running_bootstrap()
    if running is not None:
        print(f"{running} already up (data dir {broker.data_dir})")
        return 0
    bootstrap = broker.start(timeout=args.timeout)
    print(f"{bootstrap} up (Kafka {broker.settings.version}, data dir {broker.data_dir})")
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    broker = _broker(args, settings)
    address = broker.running_bootstrap() or broker.bootstrap
    print(f"{address} {'stopped' if broker.stop(timeout=args.timeout) else 'was not running'}")
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    broker = _broker(args, settings)
    running = broker.running_bootstrap()
    if running is None:
        print(f"{broker.bootstrap} down")
        return STATUS_DOWN
    print(f"{running} up (pid {broker.pid()}, data dir {broker.data_dir})")
    return 0


def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    print(LocalKafka(settings.local_kafka).ensure_fetched())
    return 0
