"""A tiny TCP proxy on loopback that can cut the connection in the middle of a response.

Used by the fault tests and the benchmark: the request reaches the real server (which
applies it), but the client sees its answer stop half way — a lost response, exactly as a
mobile link dropping in a village would produce.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._cuts = 0
        self._cut_to = b""
        self.cut_done = 0
        self.bytes_to_client = 0
        self.bytes_to_server = 0
        self._closing = False
        self._down = False
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_next_responses(self, count: int = 1, *, to: bytes = b"") -> None:
        """The next ``count`` responses are cut half way through their first chunk (only
        responses to requests starting with ``to``, e.g. ``b"POST /v1/push"``, when given)."""
        with self._lock:
            self._cuts += count
            self._cut_to = to

    def go_down(self) -> None:
        """The link is gone (a village without signal): open connections drop and new
        ones are closed at once, until :meth:`come_back`."""
        self._down = True
        for s in list(self._sockets):
            with contextlib.suppress(OSError):
                s.close()

    def come_back(self) -> None:
        self._down = False

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self._listener.close()
        for s in list(self._sockets):
            with contextlib.suppress(OSError):
                s.close()

    # --- plumbing ----------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=30)
            except OSError:
                client.close()  # upstream down: the client sees a refused/closed link
                continue
            self._sockets.update((client, upstream))
            asked: list[bytes] = [b""]  # the connection's latest request line
            threading.Thread(
                target=self._to_server, args=(client, upstream, asked), daemon=True
            ).start()
            threading.Thread(
                target=self._to_client, args=(upstream, client, asked), daemon=True
            ).start()

    def _take_cut(self, request: bytes) -> bool:
        with self._lock:
            if self._cuts > 0 and request.startswith(self._cut_to):
                self._cuts -= 1
                return True
            return False

    def _to_server(
        self, client: socket.socket, upstream: socket.socket, asked: list[bytes]
    ) -> None:
        try:
            while data := client.recv(65536):
                if data[:8].split(b" ", 1)[0] in (b"GET", b"POST", b"PUT", b"PATCH", b"DELETE"):
                    asked[0] = data[:64]
                self.bytes_to_server += len(data)
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_WR)

    def _to_client(
        self, upstream: socket.socket, client: socket.socket, asked: list[bytes]
    ) -> None:
        try:
            while data := upstream.recv(65536):
                if self._take_cut(asked[0]):
                    client.sendall(data[: max(1, len(data) // 2)])
                    self.cut_done += 1
                    break
                self.bytes_to_client += len(data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()
                self._sockets.discard(s)
