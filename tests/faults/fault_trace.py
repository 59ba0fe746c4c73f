"""What a failed scenario leaves for whoever looks into it: the workers' logs, and for a
few stuck groups every record about them on every topic of the app (inputs, internal
commands, changelogs, outputs), in the order of each partition."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from fault_cluster import Cluster
from fault_players import Group

TRACED_GROUPS = 3


def keep_logs(cluster: Cluster, out: Path) -> None:
    for member in cluster.workers:
        for log in sorted(cluster.home(member).glob("*.log")):
            shutil.copy(log, out / f"member-{member}-{log.name}")


def trace(bootstrap: str, group_id: str, names: list[str], groups: list[Group], out: Path) -> None:
    """Every record keyed by a report or the service of the first stuck groups, each
    marked with whether the workers' consumer group ``group_id`` has committed past it
    (``committed``: it counts as processed)."""
    stuck = [group for group in groups if not group.finished][:TRACED_GROUPS]
    if not stuck:
        return
    keys: dict[bytes, int] = {}
    for group in stuck:
        for report_id in group.reports:
            keys[report_id.encode()] = group.number
        service = group.reports[0].replace("CPR-", "svc-", 1).rsplit("-", 1)[0]
        keys[service.encode()] = group.number
        keys[f"STR-{service}-1".encode()] = group.number
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"fault-trace-{uuid.uuid4()}",
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=30)
        partitions = [
            TopicPartition(name, partition, OFFSET_BEGINNING)
            for name in names
            if name in metadata.topics
            for partition in metadata.topics[name].partitions
        ]
        ends = {
            (tp.topic, tp.partition): consumer.get_watermark_offsets(tp, timeout=10)[1]
            for tp in partitions
        }
        committed = {
            (tp.topic, tp.partition): tp.offset
            for tp in _committed(bootstrap, group_id, partitions)
        }
        (out / "committed-offsets.json").write_text(
            json.dumps({f"{t}[{p}]": o for (t, p), o in sorted(committed.items())}, indent=1)
        )
        consumer.assign(partitions)
        found: dict[int, list[dict[str, Any]]] = {group.number: [] for group in stuck}
        done = {tp for tp, end in ends.items() if end == 0}
        idle = 0
        while len(done) < len(ends) and idle < 50:
            batch = consumer.consume(1000, 0.2)
            idle = 0 if batch else idle + 1
            for record in batch:
                if record.error() is not None:
                    continue
                where = (record.topic(), record.partition())
                if record.offset() + 1 >= ends[where]:
                    done.add(where)
                number = keys.get(record.key() or b"")
                if number is not None:
                    row = _row(record)
                    row["committed"] = record.offset() < committed.get(where, -1)
                    found[number].append(row)
        for number, rows in found.items():
            path = out / f"trace-group-{number}.jsonl"
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    finally:
        consumer.close()


def _committed(
    bootstrap: str, group_id: str, partitions: list[TopicPartition]
) -> list[TopicPartition]:
    """The offsets ``group_id`` committed (read without joining the group)."""
    reader = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": group_id, "enable.auto.commit": False}
    )
    try:
        wanted = [TopicPartition(tp.topic, tp.partition) for tp in partitions]
        return list(reader.committed(wanted, timeout=30))
    finally:
        reader.close()


def _row(record: Any) -> dict[str, Any]:
    value = record.value()
    text = "" if value is None else value[:400].decode(errors="replace")
    headers = {name: (raw or b"").decode(errors="replace") for name, raw in record.headers() or []}
    return {
        "topic": record.topic(),
        "partition": record.partition(),
        "offset": record.offset(),
        "timestamp": record.timestamp()[1],
        "key": (record.key() or b"").decode(errors="replace"),
        "headers": headers,
        "value": text,
    }
