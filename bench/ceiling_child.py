"""``python -m bench.ceiling_child VARIANT ...``: one ceiling process of ``bench ceilings``.

Each variant reads JSON records from ``--source``, parses them, writes them back as JSON
to ``--sink`` (same key) and runs until SIGTERM; the parent times it from the outputs
and reads its CPU time from /proc.

- ``raw``: confluent-kafka consume → json → produce in one loop, nothing else.
- ``faust``: a bare Faust agent (loads, dumps, send), the project's Faust settings.
- ``faust-table``: the same agent also writes each value into a RocksDB table with the
  project's store options, as the worker saves a state.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

VARIANTS = ("raw", "faust", "faust-table")
TABLE = "ceiling"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling_child")
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--data-dir", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.variant == "raw":
        return run_raw(args)
    return run_faust(args, with_table=args.variant == "faust-table")


def run_raw(args: argparse.Namespace) -> int:
    from confluent_kafka import Consumer, Producer

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "group.id": args.app_id,
            "auto.offset.reset": "earliest",
            "log_level": 3,
        }
    )
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5, "log_level": 3})
    consumer.subscribe([args.source])
    while not stopping:
        for record in consumer.consume(500, 0.1):
            if record.error() is not None:
                continue
            value = json.dumps(json.loads(record.value() or b"null")).encode()
            while True:
                try:
                    producer.produce(args.sink, key=record.key(), value=value)
                    break
                except BufferError:
                    producer.poll(0.05)
        producer.poll(0)
    producer.flush(10)
    consumer.close()
    return 0


def run_faust(args: argparse.Namespace, with_table: bool) -> int:
    import faust

    from problem_tracker.config import WorkerSettings

    app = faust.App(
        args.app_id,
        broker=f"kafka://{args.bootstrap}",
        store="rocksdb://" if with_table else "memory://",
        datadir=str(args.data_dir),
        processing_guarantee="at_least_once",
        topic_partitions=args.partitions,
        topic_allow_declare=True,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        autodiscover=False,
    )
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
    source = app.topic(args.source, **raw, key_serializer="raw", value_serializer="raw")
    sink = app.topic(args.sink, **raw, key_serializer="raw", value_serializer="raw")
    table = (
        app.Table(
            TABLE,
            partitions=args.partitions,
            key_type=bytes,
            value_type=bytes,
            options=WorkerSettings().rocksdb_options(),
        )
        if with_table
        else None
    )

    @app.agent(source)
    async def relay(stream: Any) -> None:
        async for event in stream.events():
            value = json.dumps(json.loads(event.value)).encode()
            if table is not None:
                table[event.key] = value
            await sink.send(key=event.key, value=value)

    faust.Worker(
        app, loglevel="WARNING", override_logging=False, redirect_stdouts=False
    ).execute_from_commandline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
