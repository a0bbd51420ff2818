"""Server settings: command-line flags override `EMOTTS_*` environment variables, which override defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from emotts.roles.model import ClipPolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMOTTS_", env_file=".env", extra="ignore")

    roles_dir: Path = Path("roles")
    host: str = "127.0.0.1"  # the address chat apps already call
    port: int = Field(default=9880, ge=0, le=65535)
    engine: str = "preview"
    workers: int = Field(default=2, ge=1, description="syntheses that run at once")
    queue_size: int = Field(default=16, ge=0, description="requests that may wait for a worker before 503")
    max_text_length: int = Field(default=2000, ge=1)
    clip_policy: ClipPolicy = "first"
    clip_seed: int | None = None
    watch_roles: bool = True
    sentence_pause: float = Field(default=0.25, ge=0.0, le=5.0, description="seconds between sentences")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    model_dirs: list[Path] = Field(
        default_factory=list,
        description="folders (besides the roles folder) whose clips and weights requests may name",
    )
    allow_control: bool = Field(default=False, description="enable api_v2's /control (restart, exit)")
    # GPT-SoVITS engine
    pretrained_dir: Path | None = Field(
        default=None, description="GPT-SoVITS pretrained_models folder (BERT, HuBERT, sv/)"
    )
    gpt: Path | None = Field(default=None, description="default GPT weights (.ckpt) for roles that name none")
    sovits: Path | None = Field(default=None, description="default SoVITS weights (.pth)")
    model_cache_size: int = Field(default=2, ge=1, description="GPT+SoVITS pairs kept in memory")
    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:1, …")
    g2pw_dir: Path | None = Field(
        default=None,
        description="G2PW polyphone model folder (default: text/G2PWModel beside pretrained_models if any)",
    )
    # upstream engine: an official GPT-SoVITS api_v2 server that speaks for emotts
    upstream_url: str | None = Field(default=None, description="URL of a GPT-SoVITS api_v2 server")
    upstream_path_map: list[str] = Field(
        default_factory=list,
        description="LOCAL=REMOTE: files under LOCAL are seen by the upstream under REMOTE",
    )
    upstream_timeout: float = Field(default=300.0, gt=0, description="seconds to wait for an upstream answer")
