"""TLS the service terminates itself, and the client certificate of each request.

- ``server_ssl_context``: TLS 1.2 minimum, forward-secret AEAD suites only, no compression or
  renegotiation; with ``client_ca`` clients *may* present a certificate (``CERT_OPTIONAL``: a
  presented one must chain to that CA and be in its validity period, or the handshake fails).
- ``PeerAwareHTTP``: uvicorn's HTTP protocol that puts the connection's client certificate in
  the ASGI scope as the TLS extension says (``scope["extensions"]["tls"]["client_cert_chain"]``,
  PEM; uvicorn 0.55 does not) and the transport's peer address (``union_tree.peer``) before
  uvicorn's proxy-header middleware may rewrite ``scope["client"]``.
- ``presented_certificate``: that certificate, or, from a trusted proxy address only, the one a
  TLS-terminating gateway (国密 SM2/TLCP) verified and passed in a header (URL-encoded PEM, as
  nginx's ``$ssl_client_escaped_cert``); the header from any other address is ignored.
- ``Hsts``: ``Strict-Transport-Security`` on every HTTPS response.
- ``check_plain_http``: plain HTTP only on loopback unless ``allow_plain_http``.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
import sys
from typing import Any
from urllib.parse import unquote

import typer
import uvicorn
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from graph_service.services.certificates import ClientCertificate, cert_refused
from graph_service.settings import Settings

HSTS = "max-age=31536000"
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!RC4:!3DES"
"""TLS 1.2 suites: ECDHE key exchange and AEAD ciphers only (TLS 1.3's suites are all AEAD)."""
PEER = "union_tree.peer"


def tls_error(message: str) -> typer.Exit:
    print(f"错误 [TLS_CONFIG] {message}，服务未启动", file=sys.stderr)
    return typer.Exit(1)


def server_ssl_context(settings: Settings) -> ssl.SSLContext:
    """The server's context; exit 1 with TLS_CONFIG when a file cannot be used."""
    if settings.tls_cert is None or settings.tls_key is None:
        raise tls_error("须同时指定 --tls-cert 与 --tls-key（UNION_TREE_TLS_CERT/TLS_KEY）")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(CIPHERS)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.options |= getattr(ssl, "OP_NO_RENEGOTIATION", 0)
    try:
        ctx.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise tls_error(f"无法载入服务器证书或私钥（{_why(exc)}）") from None
    if settings.client_ca is not None:
        try:
            ctx.load_verify_locations(cafile=settings.client_ca)
        except (OSError, ssl.SSLError) as exc:
            raise tls_error(f"无法载入客户端证书 CA 文件（{_why(exc)}）") from None
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def _why(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def uvicorn_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """A ``uvicorn.Config`` with the protocol that reads the peer (always) and, when a
    certificate is configured, our SSL context (exit 1 TLS_CONFIG when a file is unusable).
    The context is put in place after ``load()`` rather than through uvicorn's TLS options,
    which set no minimum version and no cipher policy of ours (and differ between versions)."""
    config = uvicorn.Config(app, http=PeerAwareHTTP, **options)
    if settings.tls_cert is not None or settings.tls_key is not None:
        context = server_ssl_context(settings)
        config.load()
        config.ssl = context
    return config


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_plain_http(host: str, settings: Settings) -> None:
    """Exit 1 (PLAIN_HTTP_REFUSED) when plain HTTP would be served on a non-loopback address."""
    if settings.tls_cert is not None or is_loopback(host) or settings.allow_plain_http:
        return
    print(
        f"错误 [PLAIN_HTTP_REFUSED] 不在本机回环地址（{host}）上提供明文 HTTP：请用 --tls-cert 与 "
        "--tls-key 启用 HTTPS；仅当前方有终止 TLS 的网关时可设 UNION_TREE_ALLOW_PLAIN_HTTP=true，"
        "服务未启动",
        file=sys.stderr,
    )
    raise typer.Exit(1)


class PeerAwareHTTP(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol, adding the connection's client certificate and peer address to
    every request's scope."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        extensions: dict[str, Any] = {}
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            extensions["tls"] = {
                "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)],
                "client_cert_name": None,
                "client_cert_error": None,
                "tls_version": None,
                "cipher_suite": None,
            }
        peer = transport.get_extra_info("peername")
        extensions[PEER] = {"host": peer[0] if peer else None}
        inner: ASGIApp = self.app  # type: ignore[has-type]

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope["extensions"] = {**(scope.get("extensions") or {}), **extensions}
            await inner(scope, receive, send)

        self.app = app


class Hsts:
    """``Strict-Transport-Security`` on HTTPS responses (never on plain HTTP, where it means
    nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def _trusted(host: str | None, proxies: list[str]) -> bool:
    if not host or not proxies:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in proxies:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def presented_certificate(
    request: Request, settings: Settings
) -> tuple[ClientCertificate | None, bool]:
    """The request's client certificate and whether it came from a gateway's header (the
    service then checks its issuer itself). None: no certificate."""
    extensions = request.scope.get("extensions") or {}
    chain = (extensions.get("tls") or {}).get("client_cert_chain") or []
    if chain:
        return _parsed(chain[0]), False
    if not settings.trusted_proxies:
        return None, False
    peer = (extensions.get(PEER) or {}).get("host")
    if not _trusted(peer, settings.trusted_proxies):
        return None, False  # the header from anyone else is ignored
    value = request.headers.get(settings.client_cert_header, "").strip()
    if not value or value == "(null)":
        return None, False
    try:
        return _parsed(unquote(value)), True
    except ValueError:
        raise cert_refused("CERT_INVALID") from None


@functools.lru_cache(maxsize=1024)
def _parsed(pem: str) -> ClientCertificate:
    """A PEM certificate read once (a kept-alive connection presents it on every request)."""
    return ClientCertificate.from_der(ssl.PEM_cert_to_DER_cert(pem))
