"""Deterministic identities: the same input always yields the same ids, so a replayed or
redelivered input produces exactly the same outbound events (and downstream duplicate
detection recognises them)."""

from __future__ import annotations

import uuid

EVENT_ID_NAMESPACE = uuid.UUID("6f1c1a52-5d0e-4c55-9a55-0e7a7f1d3c21")
"""Fixed namespace of every derived event id; changing it changes every outbound id."""


def derive_event_id(cause_event_id: str, kind: str, index: int) -> str:
    """The id of the ``index``-th output of ``kind`` caused by ``cause_event_id``."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{cause_event_id}/{kind}/{index}"))


def aggregate_event_id(aggregate_id: str, cause_event_id: str, kind: str, index: int) -> str:
    """The id of an event of one aggregate: the aggregate id is part of the cause, so one
    inbound event fanned out to several reports still yields distinct outbound ids."""
    return derive_event_id(f"{aggregate_id}/{cause_event_id}", kind, index)
