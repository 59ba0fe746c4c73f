"""The SLA of Track & Manage Customer Problem (eTOM 1.3.7.3), apart from the report.

``calendar`` (business time) → ``policy`` (rules, targets, ladders, partner OLAs; the
``builtin`` one when none is configured) → ``clock`` (one cycle's SLA time) → ``jeopardy``
(thresholds, breach, forecasts) and ``ladder`` (Escalate/End) → ``track`` (what a report
stores of its SLA, and when it next wants a tick).

Nothing here knows the report or its events: the report's steps ``timekeeping`` and
``escalation`` apply these rules to it (import-linter keeps it so).
"""
