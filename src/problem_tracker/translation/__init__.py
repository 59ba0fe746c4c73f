"""Translation between the wire (``contracts``) and the domain: the one place where what
other systems send becomes what Track & Manage Customer Problem (eTOM 1.3.7.3) decides on,
and where its decisions become what they are told.

- ``to_domain``: inbound wire messages → domain commands and reference data;
- ``from_domain``: domain events → outbound wire messages; ``snapshot``: the report as
  customers and Close Customer Problem see it;
- ``internal``: commands between our own aggregates on internal topics (and ticks);
- ``state``: an aggregate's state as a versioned table value.

Wire models never reach the domain, and ``contracts`` never sees a domain type
(import-linter keeps both so).
"""
