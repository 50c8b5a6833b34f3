"""The service's listening socket, bound before anything else starts: a taken port is refused
with a Chinese message and exit code 1 before the engine, the demo or any banner."""

from __future__ import annotations

import socket
import sys

import typer


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), or exit 1 with the reason (port taken, no such address)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        taken = getattr(exc, "errno", None) == 98
        why = "端口已被占用" if taken else f"无法监听（{exc.strerror or exc}）"
        print(f"错误 [PORT_UNAVAILABLE] {host}:{port} {why}，服务未启动", file=sys.stderr)
        raise typer.Exit(1) from None
    sock.set_inheritable(True)
    return sock


def public_url(host: str, port: int, *, tls: bool = False) -> str:
    """The URL a local client reaches the service at (a wildcard host: loopback)."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{'https' if tls else 'http'}://{shown}:{port}"
