"""Hostile HTTP servers on a loopback socket, for what the simulator cannot do: trickle."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

TRICKLE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
)


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _trickle(conn: socket.socket, stop: threading.Event, every: float) -> None:
    with conn:
        try:
            _read_request(conn)
            conn.sendall(TRICKLE_HEAD)
            while not stop.is_set():
                conn.sendall(b" ")  # one byte at a time: never idle long enough to time out
                stop.wait(every)
        except OSError:
            pass  # the client hung up: what we want


@contextmanager
def trickling_server(every: float = 0.05) -> Iterator[str]:
    """Yields `http://127.0.0.1:PORT/v1`: every request gets a 200 whose 100 kB body comes
    one byte per `every` seconds (about 80 minutes in all)."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_trickle, args=(conn, stop, every), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        time.sleep(0)  # let the connection threads see `stop`


@contextmanager
def silent_server() -> Iterator[tuple[str, list[bytes], threading.Event]]:
    """Yields (base URL, requests received, an Event set at each request): every request
    is read whole and then never answered, as a server holding a POST's answer."""
    stop = threading.Event()
    got = threading.Event()
    received: list[bytes] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]

    def hold(conn: socket.socket) -> None:
        with conn:
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return  # the client hung up before a whole request
                    data += chunk
                received.append(data.split(b"\r\n", 1)[0])
                got.set()
                stop.wait()
            except OSError:
                pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1", received, got
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
