"""The published schemas: in sync with the models, complete, valid, and agreeing with samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from contract_samples import ASSETS, SCHEMAS, changed, sample
from jsonschema import Draft7Validator, Draft202012Validator

from problem_tracker.contracts.asyncapi import channel_id
from problem_tracker.contracts.export import drift
from problem_tracker.contracts.jsonschema import BASE_URI, DIALECT, schema_file_name
from problem_tracker.contracts.registry import CHANNELS, Direction, MessageSpec, message_specs

MESSAGES = message_specs()
ASYNCAPI_SPEC = ASSETS / "asyncapi" / "asyncapi-3.0.0.schema.json"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def validator(message: MessageSpec) -> Draft202012Validator:
    schema = load_json(SCHEMAS / schema_file_name(message))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def asyncapi() -> Any:
    return yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text(encoding="utf-8"))


def test_the_checked_in_schemas_match_the_models() -> None:
    assert drift(SCHEMAS) == [], "run `problem-tracker schemas export`"


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.name)
def test_every_message_type_has_a_draft_2020_12_schema_file(message: MessageSpec) -> None:
    schema = load_json(SCHEMAS / schema_file_name(message))

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == BASE_URI + schema_file_name(message)
    if message.event_type is not None:
        assert schema["properties"]["eventType"]["const"] == message.event_type
        assert "eventType" in schema["required"]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.name)
def test_every_sample_validates_against_its_schema(message: MessageSpec) -> None:
    validator(message).validate(sample(message.name))


@pytest.mark.parametrize(
    ("name", "pointer", "value"),
    [
        ("CustomerProblemReportCreateEvent", "/event/customerProblemReport/priority", 5),
        ("CustomerProblemReportCreateEvent", "/event/customerProblemReport/priority", "2"),
        ("CustomerProblemReportCreateEvent", "/event/customerProblemReport/id", "a b"),
        ("CustomerProblemReportCreateEvent", "/eventType", "CustomerProblemReportCloseEvent"),
        (
            "CustomerProblemCancelRequestEvent",
            "/event/customerProblemReport/statusChangeReason",
            "",
        ),
        ("CustomerProblemReportResolvedEvent", "/event/customerProblemReport/jeopardy", "late"),
        ("DeadLetterRecord", "/error/code", "teapot"),
    ],
)
def test_schemas_reject_what_the_contract_forbids(name: str, pointer: str, value: object) -> None:
    message = next(m for m in MESSAGES if m.name == name)

    assert not validator(message).is_valid(changed(name, pointer, value))


def test_the_asyncapi_document_is_valid_asyncapi_3_0_0(asyncapi: Any) -> None:
    spec = load_json(ASYNCAPI_SPEC)

    errors = [error.message for error in Draft7Validator(spec).iter_errors(asyncapi)]

    assert asyncapi["asyncapi"] == "3.0.0"
    assert errors == []


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.name)
def test_every_message_type_is_in_the_asyncapi_document(
    message: MessageSpec, asyncapi: Any
) -> None:
    component = asyncapi["components"]["messages"][message.name]
    channel = asyncapi["channels"][
        channel_id(next(c for c in CHANNELS if c.channel is message.channel))
    ]

    assert component["payload"]["schema"]["$ref"] == f"./{schema_file_name(message)}"
    assert (SCHEMAS / component["payload"]["schema"]["$ref"]).is_file()
    assert "key" in component["bindings"]["kafka"]
    assert channel["messages"][message.name] == {"$ref": f"#/components/messages/{message.name}"}


def test_every_topic_of_the_contract_is_a_channel_with_one_operation(asyncapi: Any) -> None:
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    actions = {
        operation["channel"]["$ref"].rsplit("/", 1)[1]: operation["action"]
        for operation in asyncapi["operations"].values()
    }

    assert addresses == {spec.channel.value for spec in CHANNELS}
    assert len(actions) == len(asyncapi["operations"]) == len(CHANNELS)
    for spec in CHANNELS:
        expected = "receive" if spec.direction is Direction.IN else "send"
        assert actions[channel_id(spec)] == expected
