"""Settings from the environment (prefix ``UNION_TREE_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may set; defaults run the embedded engine in ./data."""

    model_config = SettingsConfigDict(env_prefix="UNION_TREE_", env_file=".env", extra="ignore")

    graph_url: str | None = None
    """Unset: the embedded FalkorDB. ``falkordb://host:port/graph``, ``neo4j://`` or ``bolt://``."""
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    graph_name: str = "union_tree"
    data_dir: Path = Path("./data")
    appendfsync: Literal["always", "everysec"] = "always"
    """``always``: every acknowledged write is on disk; ``everysec``: up to a second can be lost."""
    engine_start_timeout_s: float = 300.0
    """Replaying a large append-only file at start can take minutes on a big province."""
    engine_supervise: bool = True
    """Restart the embedded engine on the same data dir when it dies (no restart loop)."""
    query_timeout_ms: int = 60_000
    pool_size: int = 16
    write_batch_size: int = 5_000
    transfer_expiry_days: int = 90
    demo: bool = False
    # operations (api/logging_setup.py, api/observability.py, graph_service/metrics.py)
    metrics_enabled: bool = True
    """Serve Prometheus metrics at /metrics and time every engine statement."""
    log_level: str = "INFO"
    """Level of the JSON log lines `union-tree serve` writes to stderr."""
    shutdown_timeout_s: int = 60
    """On SIGTERM/SIGINT, how long in-flight requests and imports may run before they are cut."""
    # accounts and authentication (api/auth.py, graph_service/services/accounts.py)
    token_secret: SecretStr | None = None
    """HS256 key for access tokens (≥ 32 characters); unset: generated once in <data_dir>/token.key.
    Set it (the same on every instance) when several API processes share one graph."""
    access_token_minutes: int = 15
    refresh_idle_minutes: int = 30
    """A refresh token unused this long is refused (idle timeout)."""
    refresh_max_hours: int = 12
    """A login session ends this long after the password was entered, however active."""
    login_free_failures: int = Field(3, ge=0)
    """Failed logins per (username, client address) answered without delay; each later one
    doubles the wait before the next attempt from that address is even checked."""
    login_delay_base_seconds: float = Field(1.0, gt=0)
    """The first wait after the free failures (then 2x, 4x, ...)."""
    login_delay_max_seconds: float = Field(900.0, gt=0)
    """The longest wait between attempts for one (username, client address)."""
    login_throttle_forget_hours: int = Field(24, ge=1)
    """A (username, client address) without an attempt for this long starts afresh."""
    totp_key: SecretStr | None = None
    """AES-256 key (base64 of 32 bytes) sealing TOTP secrets at rest; unset: generated once in
    <data_dir>/totp.key (mode 0600). Set it (the same on every instance) when several API
    processes share one graph. Kept apart from the graph: never in a backup of it."""
    totp_roles: list[str] = ["operator", "admin"]
    """Roles that must give a TOTP code at login (JSON list in the environment)."""
    password_min_length: int = 12
    principal_cache_seconds: float = 5.0
    """How long a checked account (enabled, scope union exists) is trusted without a read (≤ 5)."""
    demo_admin_password: SecretStr | None = None
    """Demo mode: the demo admin's password (unset: a fresh random one at every start)."""
    import_certificates_per_hour: int = Field(100_000, ge=1)
    """HTTP imports (dry runs alike): certificates one account may have checked per rolling hour
    (api/import_budget.py)."""
    import_taken_per_day: int = Field(1_000, ge=1)
    """HTTP imports: "certificate taken by another union" answers per account per rolling day."""
    # audit and GraphQL hardening (graph_service/services/audit.py, api/hardening.py)
    audit_retention_days: int = Field(default=180, ge=180)
    """`union-tree audit prune` removes audit records older than this (legal minimum: 180)."""
    cors_origins: list[str] = []
    """Browser origins allowed to call the API (JSON list); empty: no CORS headers at all."""
    # hostile files (loaders/limits.py): checked while streaming, before anything is parsed
    import_max_file_mb: int = Field(default=200, ge=1)
    """Largest file an import accepts, as uploaded (compressed for xlsx/ods)."""
    import_max_part_mb: int = Field(default=2048, ge=1)
    """Largest uncompressed part of an xlsx/ods zip (a sheet's XML, the shared strings)."""
    import_max_ratio: int = Field(default=100, ge=10)
    """Largest uncompressed/compressed ratio of a zip part (Excel's own files stay under 30)."""
    import_max_rows: int = Field(default=2_000_000, ge=1)
    """Rows per sheet (or CSV file)."""
    import_max_columns: int = Field(default=200, ge=30)
    """Columns per row (the templates have 27 at most)."""
    import_max_cell_chars: int = Field(default=10_000, ge=100)
    """Characters in one cell (a shared string counts as a cell)."""
    import_max_shared_strings: int = Field(default=5_000_000, ge=1)
    """Distinct strings in an xlsx's shared-string table."""
    import_worker_memory_mb: int = Field(default=3072, ge=256)
    """Address space of an import's worker process; passed: the worker is killed (413)."""
    import_worker_seconds: int = Field(default=1800, ge=10)
    """Wall-clock time an import's worker process may run; passed: it is killed (413)."""
    # TLS and certificate sign-in (api/tls.py, graph_service/services/certificates.py)
    tls_cert: Path | None = None
    """PEM certificate (chain) the service presents; set with ``tls_key``: HTTPS only."""
    tls_key: Path | None = None
    """PEM private key of ``tls_cert``."""
    client_ca: Path | None = None
    """PEM file of the CAs whose client certificates are accepted (mutual TLS, optional per
    connection); unset: no certificate sign-in over direct TLS."""
    allow_plain_http: bool = False
    """Serve plain HTTP on a non-loopback address (only behind a TLS-terminating gateway)."""
    cert_roles: dict[str, Literal["required", "cert_or_totp"]] = {
        "operator": "cert_or_totp",
        "admin": "cert_or_totp",
    }
    """Certificate policy per role (JSON object): ``required``: only a bound certificate signs
    in and every request comes over it; ``cert_or_totp``: a bound certificate or the TOTP code
    is the second factor. Roles not listed may also sign in with a bound certificate."""
    crl_files: list[Path] = []
    """CRL files (PEM or DER), one per trusted CA (JSON list); reloaded every
    ``crl_refresh_seconds``. Unreadable or past nextUpdate: certificate sign-in is refused."""
    crl_refresh_seconds: float = Field(default=60.0, gt=0)
    trusted_proxies: list[str] = []
    """Addresses (or networks) of gateways that terminate TLS (国密) and pass the verified client
    certificate in ``client_cert_header``; the header from any other address is ignored."""
    client_cert_header: str = "x-ssl-client-cert"
    """Header with the URL-encoded PEM client certificate (nginx ``$ssl_client_escaped_cert``)."""


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from the command line)."""
    return Settings(**overrides)  # type: ignore[arg-type]
