"""``python -m bench.stored_frame``: what a decision pays for the table value's frame.

A report's value holds its state and the records of its recent decisions (kept until their
input's offset is committed, see ``contracts.stored``). Each decision loads the value,
keeps the entries not yet committed and saves the state with its own records added. This
times exactly that, without the state codec (the same in every frame): ``decode_stored``
of a value holding the create's records, then ``encode_stored`` of the next value, built
as ``AggregateTable`` builds it.

It runs against whichever ``problem_tracker`` is importable, so the same command compares
two checkouts: ``PYTHONPATH=<other checkout>/src python -m bench.stored_frame``. No Kafka.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

from problem_tracker.contracts import stored

RECORD_BYTES = 1400
STATE_BYTES = 1200


def record(topic: str, key: str, size: int) -> Any:
    body = json.dumps({"event": {"id": key, "pad": "x" * size}}).encode()
    return stored.SentRecord(topic, None, key.encode(), body, (("eventType", b"Event"),), 1.7e9)


def entry(event_id: str, offset: int, records: Sequence[Any]) -> Any:
    """A decided input, in whichever form this checkout builds it."""
    decided: Any = stored.DecidedInput
    if hasattr(decided, "of"):
        return decided.of(event_id, "customer-events", 0, offset, records)
    return decided(event_id, "customer-events", 0, offset, tuple(records))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stored_frame")
    parser.add_argument("--decisions", type=int, default=20000)
    args = parser.parse_args(argv)
    state = b'{"v":5,"state":{"pad":"' + b"s" * STATE_BYTES + b'"}}'
    create = entry(
        "evt-1",
        1,
        [record("notifications", "CPR-1", RECORD_BYTES) for _ in range(2)]
        + [record("service-trouble-commands", "svc-1", RECORD_BYTES // 2)],
    )
    value = stored.encode_stored(stored.Stored(state, (create,)))
    link_records = [record("notifications", "CPR-1", RECORD_BYTES)]
    started = time.perf_counter()
    for i in range(args.decisions):
        loaded = stored.decode_stored(value)
        kept = [e for e in loaded.decided if e.offset >= 0]
        stored.encode_stored(stored.Stored(state, (*kept, entry(f"evt-{i}", 2, link_records))))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "frame": stored.MAGIC.decode("latin-1"),
                "value_bytes": len(value),
                "decisions": args.decisions,
                "us_per_decision": round(seconds / args.decisions * 1e6, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
