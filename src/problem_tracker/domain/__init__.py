"""The pure core of eTOM 1.3.7.3 Track & Manage Customer Problem.

Read the flow off the modules: ``intake`` (Start) → ``diagnosis`` (Perform Initial
Diagnosis) → ``known_errors`` (Check Known Error) → ``coordination`` (Coordinate Customer
Problem, with the shared ``service_trouble``) → ``resolution`` (Monitor Resolution Update)
→ ``cancellation`` (Cancel Customer Problem). ``lifecycle`` is the status table,
``decider`` / ``evolution`` / ``trail`` the report aggregate, ``report`` / ``commands`` /
``events`` its types, ``identity`` the deterministic ids.

The SLA: ``sla_policy`` (rules, targets, ladders, partner OLAs), ``sla`` (the clock),
``calendar`` (business time), ``jeopardy`` and ``escalation`` (Escalate/End) are the
rules; ``sla_tracking`` keeps a report's clock in step with the report,
``jeopardy_management`` signals what falls due, ``sla_track`` is what the report stores
of it, ``timers`` says when it wants its next tick, and ``builtin_sla`` is the policy used
when none is configured.
"""
