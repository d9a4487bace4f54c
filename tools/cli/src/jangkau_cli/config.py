"""Where the services are and which team token to use: a TOML file, overridden by the environment."""

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from jangkau_cli.errors import ConfigError

DEFAULT_URLS = {
    "registration_url": "http://127.0.0.1:8101",
    "campaigns_url": "http://127.0.0.1:8102",
    "metrics_url": "http://127.0.0.1:8103",
}
#: Keys ``jangkau config set`` accepts (dashes or underscores), and the environment variable of each.
ENV_VARS = {
    "registration_url": "JANGKAU_REGISTRATION_URL",
    "campaigns_url": "JANGKAU_CAMPAIGNS_URL",
    "metrics_url": "JANGKAU_METRICS_URL",
    "token": "JANGKAU_TOKEN",
    "branch": "JANGKAU_BRANCH",
    # Ops only, to set and delete targets: the metrics service's own variable (deploy/local.env).
    "metrics_admin_token": "JANGKAU_METRICS_ADMIN_TOKEN",
}
#: Settings shown masked by ``jangkau config show``.
SECRETS = frozenset({"token", "metrics_admin_token"})


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one invocation."""

    registration_url: str = DEFAULT_URLS["registration_url"]
    campaigns_url: str = DEFAULT_URLS["campaigns_url"]
    metrics_url: str = DEFAULT_URLS["metrics_url"]
    token: str | None = None
    branch: str | None = None
    metrics_admin_token: str | None = None

    def require_token(self) -> str:
        """Return the team token, or explain how to set one."""
        if not self.token:
            raise ConfigError(
                "no team token configured: run `jangkau config set token <your token>` "
                "or set JANGKAU_TOKEN (ask your branch's ops team for a token)"
            )
        return self.token

    def require_metrics_admin_token(self) -> str:
        """Return the metrics admin token (ops: targets), or explain where it comes from."""
        if not self.metrics_admin_token:
            raise ConfigError(
                "setting or deleting a target needs the metrics admin token: run "
                "`jangkau config set metrics-admin-token <token>` or set JANGKAU_METRICS_ADMIN_TOKEN "
                "(the local stack's is JANGKAU_METRICS_ADMIN_TOKEN in deploy/local.env)"
            )
        return self.metrics_admin_token


def config_path() -> Path:
    """Return the config file path: $JANGKAU_CONFIG, else ~/.config/jangkau/config.toml."""
    explicit = os.environ.get("JANGKAU_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jangkau" / "config.toml"


def normalize_key(key: str) -> str:
    """Turn ``registration-url`` into ``registration_url`` and check it is known."""
    name = key.strip().lower().replace("-", "_")
    if name not in ENV_VARS:
        known = ", ".join(k.replace("_", "-") for k in ENV_VARS)
        raise ConfigError(f"unknown setting {key!r}; known settings: {known}")
    return name


def read_file(path: Path) -> dict[str, str]:
    """Read the config file (missing file: empty), keeping only known string keys."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config file {path}: {err}") from err
    return {normalize_key(k): str(v) for k, v in data.items() if k.replace("-", "_") in ENV_VARS}


def write_file(path: Path, values: dict[str, str]) -> None:
    """Write the settings as TOML, readable by the owner only (it holds the token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# jangkau command configuration (jangkau config set KEY VALUE ...)"]
    lines += [f"{key} = {_toml_string(value)}" for key, value in sorted(values.items())]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", "utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def load_settings(path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Resolve settings: defaults, then the file, then the environment (which wins)."""
    env = dict(os.environ) if env is None else env
    values: dict[str, str] = read_file(path or config_path())
    values.update({key: env[var] for key, var in ENV_VARS.items() if env.get(var)})
    settings = replace(Settings(), **{f.name: values[f.name] for f in fields(Settings) if f.name in values})
    for key in DEFAULT_URLS:
        url = getattr(settings, key)
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{key.replace('_', '-')} must start with http:// or https://, not {url!r}")
    return settings
