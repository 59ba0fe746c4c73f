"""``problem-tracker demo``: the whole of Track & Manage Customer Problem in one command.

A local Kafka (or a given cluster), the contract's topics, one worker as a child process
with the fast SLA policy, simulated customers, SPM and partners, then a summary read off
the output topics.

- ``Demo(settings, DemoOptions(...), console, environ).run() -> DemoResult`` plays a run;
- ``read_outputs(kafka, topics) -> Outputs`` and ``summarise(outputs) -> DemoSummary``
  tell what the processor published.
"""

from problem_tracker.demo.outputs import Outputs, read_outputs
from problem_tracker.demo.run import Demo, DemoError, DemoOptions, DemoResult
from problem_tracker.demo.summary import DemoSummary, ReportStory, summarise

__all__ = [
    "Demo",
    "DemoError",
    "DemoOptions",
    "DemoResult",
    "DemoSummary",
    "Outputs",
    "ReportStory",
    "read_outputs",
    "summarise",
]
