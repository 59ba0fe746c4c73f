"""Wire contract v1 (CONTRACT.md): versioned pydantic models and the codec around them.

- ``common``, ``envelope``: shared vocabulary and the envelope of every message;
- ``inbound`` (customer-problem.events), ``delegated`` (service-trouble / partner-problem
  requests and answers), ``reference`` (known-errors, component-ownership), ``outbound``
  (notifications), ``escalations``, ``dlq``: one model per message type;
- ``registry``: every topic and its messages; ``codec``: bytes ⇄ models, rejections
  (``outcomes``, ``limits``);
- ``stored``: the frame of a table value (a state and the records its decisions sent);
- ``jsonschema``, ``asyncapi``, ``export``, ``command``: the generated ``schemas/``.

Nothing here knows the domain: translation to and from it is ``problem_tracker.translation``
(import-linter keeps it so).
"""
