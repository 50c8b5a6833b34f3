"""Settings from the environment (prefix ``UNION_TREE_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
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
    query_timeout_ms: int = 60_000
    pool_size: int = 16
    write_batch_size: int = 5_000
    transfer_expiry_days: int = 90
    demo: bool = False


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from the command line)."""
    return Settings(**overrides)  # type: ignore[arg-type]
