"""The worker's own topics agree on their partition count, or it says what is wrong."""

from __future__ import annotations

import pytest

from problem_tracker.admin.topics import internal_topic_plan
from problem_tracker.config import TopicSettings
from problem_tracker.streaming.topics import InternalLayoutError, check_internal_layout


def test_the_plan_covers_the_repartition_topic_the_command_topics_and_every_changelog() -> None:
    names = [spec.name for spec in internal_topic_plan("pt", TopicSettings(partitions=4))]

    assert names == [
        "pt-customer-events-repartition",
        "pt-report-commands",
        "pt-service-trouble-commands",
        "pt-reports-changelog",
        "pt-service-troubles-changelog",
        "pt-deadlines-changelog",
    ]


def test_internal_topics_that_agree_pass() -> None:
    plan = internal_topic_plan("pt", TopicSettings(partitions=4))

    check_internal_layout(plan, {spec.name: 4 for spec in plan} | {"customer-problem.events": 1})


def test_an_internal_topic_with_another_count_is_named_with_the_way_out() -> None:
    plan = internal_topic_plan("pt", TopicSettings(partitions=4))
    counts = {spec.name: 4 for spec in plan} | {"pt-reports-changelog": 6}

    with pytest.raises(InternalLayoutError) as raised:
        check_internal_layout(plan, counts)

    message = str(raised.value)
    assert "pt-reports-changelog has 6" in message
    assert "must all have 4 partitions" in message
    assert "TOPICS__PARTITIONS" in message
