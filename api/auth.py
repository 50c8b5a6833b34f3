"""Authentication over HTTP: ``POST /auth/token`` (OAuth2 password and refresh-token grants) and
the bearer-token check every GraphQL request passes first.

Refusals are HTTP 401 with ``{"error", "code": "UNAUTHENTICATED", "reason", "message"}`` and a
``WWW-Authenticate`` header (RFC 6749 §5.2, RFC 6750 §3); nothing is answered with a 200. A
throttled login is HTTP 429 ``RATE_LIMITED``/``LOGIN_THROTTLED`` with ``Retry-After``.
"""

from __future__ import annotations

import shlex
import sys
import uuid
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response

from api.tls import presented_certificate
from graph_service.bootstrap import Runtime
from graph_service.domain.accounts import IssuedCredentials, Principal
from graph_service.errors import BadUserInput, GraphUnavailableError, RateLimited, Unauthenticated
from graph_service.services.authentication import Caller
from graph_service.services.certificates import cert_refused

router = APIRouter()
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_REALM = 'Bearer realm="union-tree"'


def caller_of(request: Request) -> Caller:
    """Client address and request id, for the audit log."""
    return Caller(client_address=client_address(request), request_id=request_id(request))


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str:
    """The id the observability middleware gave this request (or a fresh one)."""
    return getattr(request.state, "request_id", None) or uuid.uuid4().hex


async def principal_from_request(request: Request) -> Principal:
    """The caller of a request (also a FastAPI dependency): a bearer token (bound to the
    connection's certificate when it was issued over one), or, without a token, the bound
    certificate the connection presents (api/tls.py); UNAUTHENTICATED otherwise."""
    runtime: Runtime = request.app.state.runtime
    auth = runtime.services.accounts.auth
    certificate, via_gateway = presented_certificate(request, runtime.settings)
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await auth.principal(
            token.strip(), certificate=certificate, verify_issuer=via_gateway
        )
    if certificate is not None:
        if _cross_origin(request):
            # a browser presents its certificate on any site's request, like a cookie: a page
            # elsewhere must not act as the holder (CSRF); it needs a token from /auth/token
            raise Unauthenticated(
                "跨站请求不能仅凭数字证书认证，请先换取访问令牌", reason="CERT_CROSS_ORIGIN"
            )
        return await auth.certificate_principal(certificate, verify_issuer=via_gateway)
    raise Unauthenticated("请先登录", reason="TOKEN_MISSING")


def _cross_origin(request: Request) -> bool:
    """The browser says the request comes from a page of another origin."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    _, _, authority = origin.partition("://")
    return authority.lower() != (request.headers.get("host") or "").lower()


@router.post("/auth/token")
async def token(
    request: Request,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    totp: Annotated[str | None, Form(description="6-digit code of the authenticator app")] = None,
    refresh_token: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Exchange a password (+ TOTP), a refresh token or the connection's bound client
    certificate (``client_certificate``) for an access and a new refresh token."""
    runtime: Runtime = request.app.state.runtime
    auth = runtime.services.accounts.auth
    certificate, via_gateway = presented_certificate(request, runtime.settings)
    if grant_type == "client_certificate":
        if certificate is None:
            raise cert_refused("CERT_REQUIRED")
        pair = await auth.certificate_login(
            certificate, caller=caller_of(request), verify_issuer=via_gateway
        )
    elif grant_type == "password":
        if not username or not password:
            raise BadUserInput("请填写用户名和密码", reason="MISSING_CREDENTIALS", field="username")
        pair = await auth.login(
            username=username, password=password, totp=totp, caller=caller_of(request)
        )
    elif grant_type == "refresh_token":
        if not refresh_token:
            raise BadUserInput(
                "缺少刷新令牌", reason="MISSING_REFRESH_TOKEN", field="refresh_token"
            )
        pair = await auth.refresh(
            refresh_token, caller=caller_of(request), certificate=certificate
        )
    else:
        return JSONResponse(
            {"error": "unsupported_grant_type", "code": "BAD_USER_INPUT",
             "reason": "GRANT_TYPE",
             "message": "grant_type 须为 password、refresh_token 或 client_certificate"},
            status_code=400, headers=_NO_STORE,
        )  # fmt: skip
    body = {
        "access_token": pair.access_token,
        "token_type": "bearer",
        "expires_in": pair.expires_in,
        "refresh_token": pair.refresh_token,
    }
    return JSONResponse(body, headers=_NO_STORE)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request) -> Response:
    """End the bearer token's session: its refresh token and all its access tokens stop working
    (204; 401 when the token is already refused)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("请先登录", reason="TOKEN_MISSING")
    runtime: Runtime = request.app.state.runtime
    certificate, via_gateway = presented_certificate(request, runtime.settings)
    await runtime.services.accounts.auth.logout(
        token.strip(), caller=caller_of(request), certificate=certificate,
        verify_issuer=via_gateway,
    )  # fmt: skip
    return Response(status_code=204, headers=_NO_STORE)


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthenticated)
    at_token_endpoint = request.url.path == "/auth/token"  # /auth/logout: a bearer refusal
    body = {
        "error": "invalid_grant" if at_token_endpoint else "invalid_token",
        "code": exc.code,
        "reason": exc.reason,
        "message": exc.message,
    }
    challenge = _REALM
    if not at_token_endpoint and exc.reason != "TOKEN_MISSING":
        challenge += ', error="invalid_token"'
    return JSONResponse(
        body, status_code=401, headers={"WWW-Authenticate": challenge, **_NO_STORE}
    )


async def _bad_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BadUserInput)
    return JSONResponse(
        {"error": "invalid_request", "message": exc.message, **exc.extensions()},
        status_code=400,
        headers=_NO_STORE,
    )


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return JSONResponse(
        {"error": "slow_down", "message": exc.message, **exc.extensions()},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after), **_NO_STORE},
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GraphUnavailableError)
    return JSONResponse(
        {"code": exc.code, "message": GraphUnavailableError.default_message}, status_code=503
    )


def install_auth(app: FastAPI) -> None:
    """Add ``/auth/token`` and the HTTP answers for refusals raised outside GraphQL."""
    app.include_router(router)
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(BadUserInput, _bad_input)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(GraphUnavailableError, _unavailable)


def announce_demo_credentials(
    issued: IssuedCredentials, *, base_url: str = "http://127.0.0.1:8000"
) -> None:
    """Print the demo admin's credentials to stdout once (never to the log)."""
    lines = [
        "",
        "==== 演示管理员账号（demo admin）====",
        f"用户名 username: {issued.account.username}",
        f"密码 password:   {issued.password.get_secret_value()}",
    ]
    if issued.totp_secret is not None and issued.otpauth_uri is not None:
        lines += [
            f"TOTP 密钥 secret: {issued.totp_secret.get_secret_value()}",
            f"otpauth URI:     {issued.otpauth_uri.get_secret_value()}",
        ]
    lines += [
        f"GraphiQL: {base_url}/graphql",
        f"登录 login: POST {base_url}/auth/token (grant_type=password, username, password, totp)",
    ]
    if issued.totp_secret is not None:
        code = (
            f'$({shlex.quote(sys.executable)} -c "import pyotp; '
            f"print(pyotp.TOTP('{issued.totp_secret.get_secret_value()}').now())\")"
        )
        lines += [
            "例 e.g. (GraphiQL: headers {\"Authorization\": \"Bearer <access_token>\"}):",
            f"  curl -s -d grant_type=password -d username={issued.account.username} "
            f"-d password={shlex.quote(issued.password.get_secret_value())} -d totp={code} "
            f"{base_url}/auth/token",
        ]
    lines.append("")
    print("\n".join(lines), flush=True)
