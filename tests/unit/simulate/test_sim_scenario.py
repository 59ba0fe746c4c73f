from collections import Counter
from datetime import UTC, datetime

from problem_tracker.simulate.faults import BadKind
from problem_tracker.simulate.plans import Action, ScenarioMix
from problem_tracker.simulate.scenario import EventIds, ScenarioGenerator

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_the_same_seed_reproduces_the_same_reports_and_event_ids() -> None:
    first = list(ScenarioGenerator(7).reports(30, NOW))
    again = list(ScenarioGenerator(7).reports(30, NOW))
    assert first == again
    assert len({e["eventId"] for e in first}) == 30


def test_another_seed_gives_other_reports() -> None:
    ids = [e["eventId"] for e in ScenarioGenerator(7).reports(5, NOW)]
    other = [e["eventId"] for e in ScenarioGenerator(8).reports(5, NOW)]
    assert set(ids).isdisjoint(other)


def test_many_customers_report_each_service_in_an_outage() -> None:
    generator = ScenarioGenerator(3)
    per_service = Counter(plan.service.id for plan in generator.plans(200))
    assert len(generator.outages) == 3
    for outage in generator.outages:
        assert per_service[outage.id] >= 20
    customers = {p.customer.id for p in generator.plans(200) if p.service == generator.outages[0]}
    assert len(customers) >= 20


def test_one_outage_sits_on_a_partner_owned_resource() -> None:
    generator = ScenarioGenerator(11)
    owners = {generator.catalogue.resource_of(s).owner.role for s in generator.outages}
    assert "partner" in owners


def test_a_create_carries_what_the_contract_requires_on_create() -> None:
    for envelope in ScenarioGenerator(5).reports(50, NOW):
        report = envelope["event"]["customerProblemReport"]
        assert envelope["eventType"] == "CustomerProblemReportCreateEvent"
        assert envelope["correlationId"] == report["id"]
        assert envelope["eventTime"] == "2026-11-26T10:00:00.000Z"
        assert report["severity"] in {"critical", "major", "minor"}
        assert report["priority"] in {1, 2, 3, 4}
        assert report["description"]
        (customer,) = report["relatedParty"]
        assert customer["role"] == "customer"
        assert customer["segment"] in {"gold", "silver", "standard"}


def test_some_reports_arrive_without_an_affected_entity() -> None:
    plans = list(ScenarioGenerator(5).plans(200))
    without = [p for p in plans if not p.names_entities]
    assert 10 <= len(without) <= 60
    create = without[0].create_resource(NOW)
    assert "relatedEntity" not in create


def test_bad_input_rotates_through_every_kind() -> None:
    mix = ScenarioMix(bad_rate=1.0)
    plans = list(ScenarioGenerator(2, mix=mix).plans(len(BadKind) * 3))
    assert {p.bad_input for p in plans} == set(BadKind)


def test_an_illegal_close_never_targets_a_report_a_known_error_could_resolve() -> None:
    plans = list(ScenarioGenerator(4, mix=ScenarioMix(bad_rate=1.0)).plans(300))
    illegal = [p for p in plans if p.bad_input is BadKind.ILLEGAL_TRANSITION]
    assert illegal
    assert all(p.known_error is None for p in illegal)
    assert any(p.known_error is not None for p in plans)


def test_no_bad_input_at_a_zero_bad_rate() -> None:
    plans = ScenarioGenerator(2, mix=ScenarioMix(bad_rate=0.0)).plans(300)
    assert all(p.bad_input is None for p in plans)


def test_reference_data_names_an_owner_for_every_component_and_partners_for_some() -> None:
    generator = ScenarioGenerator(1)
    ownership = [m for m in generator.reference_data(NOW) if m.label == "ComponentOwnershipEvent"]
    assert len(ownership) == len(generator.catalogue.components)
    assert len([m for m in ownership if m.key.startswith("svc-")]) == 20
    owners = {m.value["event"]["componentOwnership"]["owner"]["id"] for m in ownership}
    assert {"partner-fibreco", "partner-towerco"} <= owners
    assert all(m.key == m.value["event"]["componentOwnership"]["entityId"] for m in ownership)


def test_the_kedb_publishes_active_and_retired_errors_and_withdraws_one() -> None:
    messages = ScenarioGenerator(1).reference_data(NOW)
    known = [m for m in messages if m.label == "KnownErrorEvent"]
    statuses = Counter(m.value["event"]["knownError"]["status"] for m in known)
    assert statuses["retired"] == 1
    assert statuses["active"] >= 3
    tombstone = messages[-1]
    assert tombstone.value is None
    assert tombstone.key == "KE-0902"


def test_event_ids_depend_only_on_seed_and_cause() -> None:
    assert EventIds(1).event_id("r", "close", 1) == EventIds(1).event_id("r", "close", 1)
    assert EventIds(1).event_id("r", "close", 1) != EventIds(1).event_id("r", "close", 2)
    assert EventIds(1).event_id("r", "close", 1) != EventIds(2).event_id("r", "close", 1)


def test_operators_assign_reports_and_ask_customers_without_changing_the_customers_script() -> None:
    busy = ScenarioMix(assign_rate=1.0, ask_rate=1.0)
    idle = ScenarioMix(assign_rate=0.0, ask_rate=0.0)
    with_operators = list(ScenarioGenerator(5, mix=busy).plans(50))
    without = list(ScenarioGenerator(5, mix=idle).plans(50))

    operator_actions = {Action.ASSIGN, Action.ASK_CUSTOMER}
    for plan, bare in zip(with_operators, without, strict=True):
        actions = [step.action for step in plan.follow_ups]
        assert actions.count(Action.ASSIGN) == actions.count(Action.ASK_CUSTOMER) == 1
        assert [s for s in plan.follow_ups if s.action not in operator_actions] == list(
            bare.follow_ups
        )
        assert [s.after for s in plan.follow_ups] == sorted(s.after for s in plan.follow_ups)
