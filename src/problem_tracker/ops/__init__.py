"""The operator's daily jobs on the cluster: read the output topics (``tail``), replay the
DLQ (``dlq replay``). Plain confluent-kafka clients built from the same settings as every
other tool; nothing here joins the workers' group or imports the stream processor."""
