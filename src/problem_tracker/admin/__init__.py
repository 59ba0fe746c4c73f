"""Cluster administration: the client config every tool shares, and the topics of CONTRACT.md."""

from problem_tracker.admin.client_config import confluent_config
from problem_tracker.admin.topics import EnsureReport, TopicSpec, ensure_topics, topic_plan

__all__ = ["EnsureReport", "TopicSpec", "confluent_config", "ensure_topics", "topic_plan"]
