"""Coordinate Customer Problem (eTOM 1.3.7.3): hand the faulty components to whoever fixes
them — one shared service trouble per internal service, one S/P problem request per
partner-owned entity — and name those requests so replies can be routed back.
"""

from __future__ import annotations

SERVICE_TROUBLE_PREFIX = "STR-"
PARTNER_REQUEST_PREFIX = "SPR-"


def service_trouble_request_id(service_id: str, generation: int) -> str:
    """``STR-<serviceId>-<generation>``: the request of one generation of a service trouble."""
    return f"{SERVICE_TROUBLE_PREFIX}{service_id}-{generation}"


def partner_request_id(report_id: str, n: int) -> str:
    """``SPR-<reportId>-<n>``: the n-th partner request of a report."""
    return f"{PARTNER_REQUEST_PREFIX}{report_id}-{n}"


def service_of_request(request_id: str) -> str | None:
    """The service id a service trouble request belongs to (its aggregate key)."""
    return _owner_of_request(request_id, SERVICE_TROUBLE_PREFIX)


def report_of_partner_request(request_id: str) -> str | None:
    """The report id a partner request belongs to (its aggregate key)."""
    return _owner_of_request(request_id, PARTNER_REQUEST_PREFIX)


def _owner_of_request(request_id: str, prefix: str) -> str | None:
    if not request_id.startswith(prefix):
        return None
    owner, separator, number = request_id[len(prefix) :].rpartition("-")
    if not separator or not owner or not number.isascii() or not number.isdigit():
        return None
    return owner
