import pytest

from problem_tracker.cli import build_parser
from problem_tracker.config import Settings
from problem_tracker.simulate.command import options_from
from problem_tracker.simulate.simulation import Simulation, SimulationOptions


def _options(*argv: str) -> SimulationOptions:
    return options_from(build_parser().parse_args(["simulate", *argv]))


def test_defaults_play_both_sides_with_a_little_bad_input() -> None:
    options = _options()
    assert options.upstream
    assert options.responders
    assert options.seed is None
    assert 0 < options.bad_rate < 0.1
    assert options.topic_prefix is None


def test_every_option_reaches_the_simulation() -> None:
    options = _options(
        "--count", "7", "--rate", "3.5", "--seed", "42", "--duration", "9",
        "--bad-rate", "0.5", "--reject-rate", "0.25", "--resolve-after", "1.5",
        "--topic-prefix", "demo.", "--no-responders", "--no-topic-creation",
    )  # fmt: skip
    assert options == SimulationOptions(
        count=7,
        rate=3.5,
        seed=42,
        duration=9.0,
        bad_rate=0.5,
        reject_rate=0.25,
        resolve_after=1.5,
        responders=False,
        create_topics=False,
        topic_prefix="demo.",
    )


def test_responders_only_sends_no_upstream_traffic() -> None:
    options = _options("--responders-only")
    assert not options.upstream
    assert options.responders


@pytest.mark.parametrize(
    "argv",
    [
        ["--bad-rate", "1.5"],
        ["--rate", "0"],
        ["--count", "-1"],
        ["--no-responders", "--responders-only"],
    ],
)
def test_nonsense_is_refused_at_the_command_line(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        _options(*argv)


def test_a_simulation_must_play_at_least_one_side() -> None:
    with pytest.raises(ValueError, match="upstream"):
        Simulation(Settings(), SimulationOptions(upstream=False, responders=False))
