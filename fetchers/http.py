"""HTTP(S) downloads with retries for transient faults and checks against partial bodies.

Transient faults (timeouts, connection errors, HTTP 5xx and 429, a body shorter than its
Content-Length) are retried with exponential backoff by tenacity; permanent ones (4xx, a body
over the size cap) are not. Nothing is written here: the caller stores complete bodies only.

Retries and the between-bytes timeout alone would let a server that sends one byte a second hold a run
for as long as it drips, so each download also has an overall deadline (SITREP_FETCH_DEADLINE seconds,
default 120, retries included), and the run's fetch stage one more (SITREP_FETCH_STAGE_DEADLINE, default
3600, passed in as `stage_deadline`, a wall-clock time). Past either the download fails, not retried,
with "deadline exceeded".
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import httpx
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from sitrep.config import env_int
from sitrep.errors import FetchError, TransientFetchError

MAX_BYTES = 200 * 1024 * 1024
USER_AGENT = "sitrep/0.1 (+https://github.com/sitrep; humanitarian report pipeline)"
DEADLINE_ENV = "SITREP_FETCH_DEADLINE"
STAGE_DEADLINE_ENV = "SITREP_FETCH_STAGE_DEADLINE"
DEFAULT_DEADLINE = 120
DEFAULT_STAGE_DEADLINE = 3600


def download_deadline() -> int:
    """Seconds one download may take, retries included (SITREP_FETCH_DEADLINE, default 120)."""
    return env_int(os.environ, DEADLINE_ENV, minimum=1) or DEFAULT_DEADLINE


def stage_deadline_from_now() -> float:
    """The wall-clock time by which a run's fetch stage must be done (SITREP_FETCH_STAGE_DEADLINE seconds
    from now, default 3600)."""
    return time.time() + (env_int(os.environ, STAGE_DEADLINE_ENV, minimum=1) or DEFAULT_STAGE_DEADLINE)


@dataclass(frozen=True)
class _Deadline:
    until: float  # time.monotonic()
    why: str  # which limit it is, for the message

    @classmethod
    def of(cls, seconds: float | None, stage_deadline: float | None) -> _Deadline:
        seconds = download_deadline() if seconds is None else seconds
        until, why = time.monotonic() + seconds, f"the download took over {seconds:g}s ({DEADLINE_ENV})"
        if stage_deadline is not None:
            stage_until = time.monotonic() + (stage_deadline - time.time())
            if stage_until < until:
                until, why = stage_until, f"the run's fetch stage ran past its limit ({STAGE_DEADLINE_ENV})"
        return cls(until, why)

    def left(self) -> float:
        return self.until - time.monotonic()

    def error(self, url: str, received: int, report: str) -> FetchError:
        return FetchError(f"deadline exceeded: {self.why}; {received:,} bytes received from {url}", report=report)


def download(url: str, *, timeout: float = 30.0, max_bytes: int = MAX_BYTES, attempts: int = 4,
             backoff: float = 1.0, name: str | None = None, deadline: float | None = None,
             stage_deadline: float | None = None) -> tuple[bytes, str]:
    """Body and final URL of `url`, retried on transient faults, within `deadline` seconds overall (default
    SITREP_FETCH_DEADLINE) and before the wall-clock `stage_deadline`. Raises FetchError."""
    limit = _Deadline.of(deadline, stage_deadline)
    backoff_wait = wait_exponential(multiplier=backoff, max=30)

    @retry(
        retry=retry_if_exception_type(TransientFetchError),
        stop=stop_after_attempt(attempts),
        wait=lambda state: max(0.0, min(backoff_wait(state), limit.left())),  # no sleeping past the deadline
        reraise=True,
    )
    def attempt() -> tuple[bytes, str]:
        if limit.left() <= 0:
            raise limit.error(url, 0, name or url)
        return _get_once(url, timeout=timeout, max_bytes=max_bytes, name=name, limit=limit)

    return attempt()


def _get_once(url: str, *, timeout: float, max_bytes: int, name: str | None, limit: _Deadline) -> tuple[bytes, str]:
    report = name or url
    received = 0
    try:
        with httpx.Client(follow_redirects=True, timeout=max(0.1, min(timeout, limit.left())),
                          headers={"User-Agent": USER_AGENT}) as client:
            with client.stream("GET", url) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise TransientFetchError(f"HTTP {response.status_code} from {url}", report=report)
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {url}", report=report)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"response of {int(declared):,} bytes is over the {max_bytes:,} byte cap",
                                     report=report)
                # decoded bytes count against the cap too: a small gzip body can inflate to gigabytes
                chunks, total = [], 0
                try:
                    for chunk in response.iter_bytes():
                        total += len(chunk)
                        received = response.num_bytes_downloaded
                        if limit.left() <= 0:  # a dripping server: bytes keep coming, too slowly
                            raise limit.error(url, received, report)
                        if total > max_bytes:
                            raise FetchError(f"response over the {max_bytes:,} byte cap", report=report)
                        chunks.append(chunk)
                except (httpx.RemoteProtocolError, httpx.ReadError) as exc:  # connection dropped mid-body
                    expected = f" of {int(declared):,}" if declared and declared.isdigit() else ""
                    raise TransientFetchError(
                        f"truncated download: connection dropped after {response.num_bytes_downloaded:,}"
                        f"{expected} bytes", report=report) from exc
                body = b"".join(chunks)
                received = response.num_bytes_downloaded  # on the wire, before any content-encoding
                if declared and declared.isdigit() and received != int(declared):
                    raise TransientFetchError(
                        f"truncated download: {received:,} of {int(declared):,} bytes", report=report)
                return body, str(response.url)
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        if limit.left() <= 0:
            raise limit.error(url, received, report) from exc
        raise TransientFetchError(f"{type(exc).__name__} fetching {url}: {exc}", report=report) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}", report=report) from exc
