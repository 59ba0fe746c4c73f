"""Request ids name their aggregate, so replies can be routed back; event ids are derived."""

from __future__ import annotations

import pytest

from problem_tracker.domain.identity import (
    MAX_REQUEST_ID,
    MAX_SERVICE_KEY,
    derive_event_id,
    partner_request_id,
    report_of_partner_request,
    service_of_request,
    service_trouble_key,
    service_trouble_request_id,
)


@pytest.mark.parametrize("service_id", ["svc-1", "a-b-c", "x", "svc:9.2"])
def test_a_service_trouble_request_id_leads_back_to_its_service(service_id: str) -> None:
    assert service_of_request(service_trouble_request_id(service_id, 12)) == service_id


@pytest.mark.parametrize("report_id", ["CPR-1", "2026-11-26-0001", "r"])
def test_a_partner_request_id_leads_back_to_its_report(report_id: str) -> None:
    request_id = partner_request_id(report_id, 3)
    assert request_id == f"SPR-{report_id}-3"
    assert report_of_partner_request(request_id) == report_id


@pytest.mark.parametrize(
    "request_id", ["SPR-CPR-1-2", "STR-", "STR-svc", "STR--1", "STR-svc-x", "STR-svc-", "STR-s-²"]
)
def test_a_request_id_not_of_our_service_trouble_format_routes_nowhere(request_id: str) -> None:
    assert service_of_request(request_id) is None


def test_a_request_id_not_of_our_partner_format_routes_nowhere() -> None:
    assert report_of_partner_request("STR-svc-1-1") is None
    assert report_of_partner_request("SPR-CPR") is None


def test_event_ids_are_derived_deterministically_from_their_cause() -> None:
    first = derive_event_id("evt-1", "StatusChanged", 0)
    assert first == derive_event_id("evt-1", "StatusChanged", 0)
    assert first == "15675081-1061-55e6-805f-3953b18fbb46", "outbound ids must stay stable"
    assert len({first, derive_event_id("evt-2", "StatusChanged", 0)}) == 2
    assert len({first, derive_event_id("evt-1", "StatusChanged", 1)}) == 2
    assert len({first, derive_event_id("evt-1", "ReportResolved", 0)}) == 2


LONGEST_SERVICE_ID = "s" * 199 + "-" + "x" * 56
"""256 characters, the longest entity id the contract accepts."""


@pytest.mark.parametrize(
    "service_id", [LONGEST_SERVICE_ID, "é" * 256, "svc-" * 64, "y" * MAX_SERVICE_KEY + "z"]
)
def test_any_valid_service_id_gives_a_request_id_that_fits(service_id: str) -> None:
    request_id = service_trouble_request_id(service_id, 10**12)

    assert len(request_id) <= MAX_REQUEST_ID
    assert request_id.startswith(f"STR-{service_id[:100]}")
    assert service_of_request(request_id) == service_trouble_key(service_id)


def test_a_long_service_id_keeps_a_readable_prefix_and_a_stable_digest() -> None:
    key = service_trouble_key(LONGEST_SERVICE_ID)

    assert len(key) == MAX_SERVICE_KEY
    assert key == service_trouble_key(LONGEST_SERVICE_ID)
    assert key.startswith("s" * 183 + "~")
    assert key != service_trouble_key(LONGEST_SERVICE_ID[:-1] + "y")


def test_a_service_id_that_fits_is_its_own_key() -> None:
    fitting = "f" * MAX_SERVICE_KEY

    assert service_trouble_key(fitting) == fitting
    assert service_trouble_request_id(fitting, 1) == f"STR-{fitting}-1"


def test_the_longest_report_id_gives_a_partner_request_id_that_fits() -> None:
    request_id = partner_request_id("r" * 64, 10**12)

    assert len(request_id) <= MAX_REQUEST_ID
    assert report_of_partner_request(request_id) == "r" * 64
