"""``kafka up`` right after ``kafka down``: a port whose last connections linger in
TIME_WAIT is free for a new listener, and the probe says so."""

from __future__ import annotations

import socket

from problem_tracker.kafka_local.broker import port_is_free


def _listen() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_a_port_in_time_wait_after_its_listener_closed_is_free() -> None:
    server = _listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end lingers in TIME_WAIT
    client.close()
    server.close()

    assert port_is_free(port)


def test_a_port_someone_listens_on_is_taken() -> None:
    server = _listen()
    try:
        assert not port_is_free(server.getsockname()[1])
    finally:
        server.close()
