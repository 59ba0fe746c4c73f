"""The simulated operator's world: services, the resources they run on, who owns what,
which symptoms customers describe and which known errors the KEDB holds.

Check Known Error and Coordinate Customer Problem decide from this reference data: a
report about a service owned internally goes to Service Problem Management, one naming a
partner-owned resource goes to that partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OwnerRole = Literal["internal", "partner"]


@dataclass(frozen=True)
class Owner:
    """Who is accountable for fixing a component."""

    id: str
    role: OwnerRole
    name: str


@dataclass(frozen=True)
class Component:
    """A service or resource in inventory, with its owner."""

    id: str
    referred_type: Literal["Service", "Resource"]
    name: str
    owner: Owner


@dataclass(frozen=True)
class Product:
    """A product line: its services, the resources they ride on and what customers say."""

    name: str
    services: tuple[Component, ...]
    resources: tuple[Component, ...]
    symptoms: tuple[str, ...]


@dataclass(frozen=True)
class KnownError:
    """A KEDB entry matched by symptom code and, when set, the affected service."""

    id: str
    symptom_code: str
    affected_service: Component | None
    workaround: str
    status: Literal["active", "retired"]


@dataclass(frozen=True)
class Catalogue:
    """Everything the simulator may name in traffic."""

    products: tuple[Product, ...]
    known_errors: tuple[KnownError, ...]
    withdrawn_known_error: str
    """A known error published and then deleted with a tombstone."""

    @property
    def services(self) -> tuple[Component, ...]:
        return tuple(s for p in self.products for s in p.services)

    @property
    def components(self) -> tuple[Component, ...]:
        return tuple(c for p in self.products for c in (*p.services, *p.resources))

    def product_of(self, service: Component) -> Product:
        return next(p for p in self.products if service in p.services)

    def resource_of(self, service: Component) -> Component:
        """The access resource a service rides on (fixed, so outages cluster)."""
        product = self.product_of(service)
        return product.resources[product.services.index(service) % len(product.resources)]

    def known_error_for(self, symptom_code: str, service: Component | None) -> KnownError | None:
        """The active known error Check Known Error would match, if any."""
        for error in self.known_errors:
            if error.status != "active" or error.symptom_code != symptom_code:
                continue
            if error.affected_service is None or error.affected_service == service:
                return error
        return None


FIBRECO = Owner("partner-fibreco", "partner", "FibreCo")
TOWERCO = Owner("partner-towerco", "partner", "TowerCo")
BROADBAND_OPS = Owner("team-broadband-ops", "internal", "Broadband Operations")
VOICE_OPS = Owner("team-voice-ops", "internal", "Voice Operations")
TV_OPS = Owner("team-tv-ops", "internal", "TV Operations")
NETWORK_OPS = Owner("team-network-ops", "internal", "Network Operations")


def _services(product: str, label: str, count: int, owner: Owner) -> tuple[Component, ...]:
    return tuple(
        Component(f"svc-{product}-{n}", "Service", f"{label} {n}", owner)
        for n in range(1, count + 1)
    )


def _resources(kind: str, label: str, count: int, owner: Owner) -> tuple[Component, ...]:
    return tuple(
        Component(f"res-{kind}-{n}", "Resource", f"{label} {n}", owner) for n in range(1, count + 1)
    )


def default_catalogue() -> Catalogue:
    """20 services over three products; fibre and mast resources belong to partners."""
    broadband = Product(
        "broadband",
        _services("broadband", "Broadband access", 12, BROADBAND_OPS),
        (
            *_resources("olt", "Fibre OLT", 3, FIBRECO),
            *_resources("bras", "BRAS", 2, NETWORK_OPS),
        ),
        ("NO_SYNC", "SLOW_SPEED", "INTERMITTENT_DROP"),
    )
    voice = Product(
        "voice",
        _services("voice", "Voice line", 4, VOICE_OPS),
        _resources("mast", "Radio mast", 2, TOWERCO),
        ("NO_DIAL_TONE", "CALL_DROP"),
    )
    iptv = Product(
        "iptv",
        _services("iptv", "IPTV channel pack", 4, TV_OPS),
        _resources("headend", "TV head-end", 1, NETWORK_OPS),
        ("PIXELATION", "NO_SIGNAL"),
    )
    by_id = {s.id: s for s in (*broadband.services, *iptv.services)}
    known_errors = (
        KnownError(
            "KE-1001",
            "NO_SYNC",
            by_id["svc-broadband-3"],
            "Power-cycle the router; a firmware fix is rolling out.",
            "active",
        ),
        KnownError(
            "KE-1002",
            "SLOW_SPEED",
            None,
            "Move the router off Wi-Fi channel 13 until the driver update.",
            "active",
        ),
        KnownError(
            "KE-1003",
            "PIXELATION",
            by_id["svc-iptv-2"],
            "Switch the set-top box to the backup multicast group.",
            "active",
        ),
        KnownError("KE-0901", "CALL_DROP", None, "Superseded by a network fix.", "retired"),
    )
    return Catalogue((broadband, voice, iptv), known_errors, withdrawn_known_error="KE-0902")
