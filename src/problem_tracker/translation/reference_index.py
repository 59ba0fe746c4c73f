"""Reference data in memory, indexed the way Perform Initial Diagnosis and Check Known
Error look it up: the domain's ``ReferenceData``, fed one decoded record at a time (by a
worker's loader following the compacted topics, or by a replay in record-time order)."""

from __future__ import annotations

from collections.abc import Sequence

from problem_tracker.contracts.outcomes import Decoded, Deletion, ReferenceKind
from problem_tracker.contracts.reference import KnownErrorEvent, ReferenceEvent
from problem_tracker.domain.report import KnownError, Owner
from problem_tracker.translation import to_domain


class ReferenceIndex:
    """Ownership by entity id and known errors by symptom code (the domain's ReferenceData)."""

    def __init__(self) -> None:
        self._owners: dict[str, Owner] = {}
        self._known_errors: dict[str, KnownError] = {}
        self._by_symptom: dict[str, dict[str, KnownError]] = {}

    def owner_of(self, entity_id: str) -> Owner | None:
        return self._owners.get(entity_id)

    def known_errors_for(self, symptom_code: str) -> Sequence[KnownError]:
        return tuple(self._by_symptom.get(symptom_code, {}).values())

    def sizes(self) -> dict[str, int]:
        return {"owners": len(self._owners), "known_errors": len(self._known_errors)}

    def apply(self, outcome: Decoded[ReferenceEvent] | Deletion) -> None:
        """Upsert an entity, or forget it on a tombstone."""
        if isinstance(outcome, Deletion):
            if outcome.kind is ReferenceKind.COMPONENT_OWNERSHIP:
                self._owners.pop(outcome.key, None)
            else:
                self._forget_known_error(outcome.key)
        elif isinstance(outcome.message, KnownErrorEvent):
            error = to_domain.known_error_entry(outcome.message)
            self._forget_known_error(error.id)
            self._known_errors[error.id] = error
            self._by_symptom.setdefault(error.symptom_code, {})[error.id] = error
        else:
            entity_id, owner = to_domain.ownership_entry(outcome.message)
            self._owners[entity_id] = owner

    def _forget_known_error(self, known_error_id: str) -> None:
        previous = self._known_errors.pop(known_error_id, None)
        if previous is not None:
            bucket = self._by_symptom.get(previous.symptom_code, {})
            bucket.pop(known_error_id, None)
            if not bucket:
                self._by_symptom.pop(previous.symptom_code, None)
