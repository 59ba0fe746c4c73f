"""The pure core of eTOM 1.3.7.3 Track & Manage Customer Problem.

Read the flow off the step modules: ``intake`` (Start) → ``diagnosis`` (Perform Initial
Diagnosis) → ``known_errors`` (Check Known Error) → ``coordination`` (Coordinate Customer
Problem, with the shared ``service_trouble``) → ``resolution`` (Monitor Resolution Update)
→ ``cancellation`` (Cancel Customer Problem); all along, ``timekeeping`` keeps the
report's SLA in step with it and ``escalation`` is Jeopardy & Escalate/End.

``lifecycle`` is the status table, ``decider`` / ``evolution`` / ``trail`` the report
aggregate, ``report`` / ``commands`` / ``events`` its types, ``delegated_work`` its record
of delegated work, ``context`` what a decision may consult, ``identity`` the deterministic
ids. The SLA rules themselves (calendars, policy, clock, jeopardy, escalation ladder, the
stored track) are the ``sla`` subpackage, which knows nothing of the report.
"""
