"""Every system around Track & Manage Customer Problem, simulated on real Kafka.

Upstream customer channels, the KEDB and inventory, Service Problem Management and
partners, and Close Customer Problem, for the demo, the benchmarks and the tests.

- ``Simulation(settings, SimulationOptions(...)).run()`` plays a whole run.
- ``ScenarioGenerator(seed).reports(count, now)`` yields Create envelopes as dicts;
  ``plans(count)`` the full per-report scripts; ``reference_data(now)`` the KEDB and
  ownership records.
- ``Responders(ResponderPolicy(...))`` answers delegated work requests, fed by the caller.
"""

from problem_tracker.simulate.faults import BadKind
from problem_tracker.simulate.messages import SimMessage, Topic
from problem_tracker.simulate.plans import ReportPlan, ScenarioMix
from problem_tracker.simulate.responders import ResponderPolicy, Responders
from problem_tracker.simulate.scenario import EventIds, ScenarioGenerator
from problem_tracker.simulate.simulation import Simulation, SimulationOptions, SimulationReport
from problem_tracker.simulate.upstream import Upstream

__all__ = [
    "BadKind",
    "EventIds",
    "ReportPlan",
    "ResponderPolicy",
    "Responders",
    "ScenarioGenerator",
    "ScenarioMix",
    "SimMessage",
    "Simulation",
    "SimulationOptions",
    "SimulationReport",
    "Topic",
    "Upstream",
]
