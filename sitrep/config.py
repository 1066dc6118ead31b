"""Where sitrep keeps things, and the environment its libraries need before they are imported.

Everything lives under one data folder (default `data/` in the working directory):
`raw/` content-addressed report files, `stages/` per-report stage outputs, `prefect/` Prefect's
home, `dq/` Great Expectations Data Docs, and the warehouse file itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"


@dataclass(frozen=True)
class Paths:
    warehouse: Path

    @property
    def data_dir(self) -> Path:
        return self.warehouse.parent

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def stages_dir(self) -> Path:
        return self.data_dir / "stages"

    @property
    def dq_dir(self) -> Path:
        return self.data_dir / "dq"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    @classmethod
    def for_warehouse(cls, warehouse: str | os.PathLike | None) -> Paths:
        return cls(Path(warehouse or DEFAULT_WAREHOUSE).absolute())


def samples_dir() -> Path:
    """The five sample reports that ship inside the package."""
    return Path(str(resources.files("sitrep").joinpath("samples")))


def prepare_environment(paths: Paths, verbose: bool = False) -> None:
    """Set the variables Prefect and Great Expectations read at import time.

    Prefect's home goes inside the data folder (not ~/.prefect), analytics are off (no network
    here), and the ephemeral API gets a generous start-up timeout for slow, busy machines.
    Without `verbose`, Prefect logs to a file in its home instead of the terminal.
    Values already set by the user win.
    """
    set_environment(paths, verbose)
    with contextlib.suppress(OSError):  # a read-only data folder still serves status, report and export
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # runs check that the data folder is writable (sitrep.preflight)
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


def set_environment(paths: Paths, verbose: bool = False) -> None:
    """The variables of `prepare_environment`, without creating any folder (for checks that must write
    nothing, but may import Prefect)."""
    defaults = {
        "PREFECT_HOME": str(paths.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": os.environ.get("SITREP_PREFECT_LOG_LEVEL", "WARNING"),
        "PREFECT_UI_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    if not verbose:  # Prefect's logs (tracebacks included) go to data/prefect/sitrep.log
        defaults["PREFECT_LOGGING_SETTINGS_PATH"] = str(resources.files("sitrep").joinpath("logging.yml"))
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


def env_int(env: Mapping[str, str], key: str, minimum: int) -> int | None:
    """A whole-number setting from the environment: None when unset or empty, ConfigError when it is not
    a whole number of at least `minimum`."""
    from sitrep.errors import ConfigError

    value = (env.get(key) or "").strip()
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number (got {value!r})") from None
    if n < minimum:
        raise ConfigError(f"{key} must be at least {minimum} (got {n})")
    return n


def env_float(env: Mapping[str, str], key: str, minimum: float) -> float | None:
    """A number setting from the environment: None when unset or empty, ConfigError when it is not a number
    greater than `minimum`."""
    from sitrep.errors import ConfigError

    value = (env.get(key) or "").strip()
    if not value:
        return None
    try:
        x = float(value)
    except ValueError:
        raise ConfigError(f"{key} must be a number (got {value!r})") from None
    if not x > minimum or x != x or x == float("inf"):
        raise ConfigError(f"{key} must be a number greater than {minimum:g} (got {value})")
    return x
