"""Benchmarks of problem-tracker against its speed and memory goals.

``python -m bench <benchmark> [options]``; each benchmark prints a table and writes a
JSON result to ``bench/results/<benchmark>-<date>.json``. BENCHMARKS.md at the repository
root says what each one measures, the goal, and the figures measured so far.

- ``due-index``: memory, schedule, pop and rebuild cost of the tick due-index (pure Python).
- ``domain``: the pure decision core and the table codec, per report (no Kafka).
- ``pipeline``: one worker on a real broker, end to end (create → acknowledged).
- ``ticks``: jeopardy/escalation delay after their due time on a real broker.
"""
