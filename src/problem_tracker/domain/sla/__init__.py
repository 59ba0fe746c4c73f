"""The SLA of Track & Manage Customer Problem (eTOM 1.3.7.3), apart from the report.

``calendar`` (business time) → ``policy`` (rules, targets, ladders, partner OLAs; the
``builtin`` one when none is configured) → ``clock`` (one cycle's SLA time) → ``jeopardy``
(thresholds, breach, forecasts), ``ladder`` (Escalate/End: who is called, and the end)
and ``partner_legs`` (partner OLAs) → ``track`` (what a report stores of its SLA, what
falls due on it, and when it next wants a tick).

Nothing here knows the report, its commands or its events (import-linter keeps it so):
the report's steps ``timekeeping`` and ``escalation`` apply these rules to it and turn the
signals into the report's events.
"""
