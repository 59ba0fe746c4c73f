"""The pure core of eTOM 1.3.7.3 Track & Manage Customer Problem.

Read the flow off the modules: ``intake`` (Start) → ``diagnosis`` (Perform Initial
Diagnosis) → ``known_errors`` (Check Known Error) → ``coordination`` (Coordinate Customer
Problem, with the shared ``service_trouble``) → ``resolution`` (Monitor Resolution Update)
→ ``cancellation`` (Cancel Customer Problem). ``lifecycle`` is the status table,
``decider`` / ``evolution`` the report aggregate, ``report`` / ``commands`` / ``events``
its types, ``identity`` the deterministic ids.
"""
