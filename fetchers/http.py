"""HTTP(S) downloads with retries for transient faults and checks against partial bodies.

Transient faults (timeouts, connection errors, HTTP 5xx and 429, a body shorter than its
Content-Length) are retried with exponential backoff by tenacity; permanent ones (4xx, a body
over the size cap) are not. Nothing is written here: the caller stores complete bodies only.
"""

from __future__ import annotations

import httpx
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from sitrep.errors import FetchError, TransientFetchError

MAX_BYTES = 200 * 1024 * 1024
USER_AGENT = "sitrep/0.1 (+https://github.com/sitrep; humanitarian report pipeline)"


def download(url: str, *, timeout: float = 30.0, max_bytes: int = MAX_BYTES, attempts: int = 4,
             backoff: float = 1.0, name: str | None = None) -> tuple[bytes, str]:
    """Body and final URL of `url`, retried on transient faults. Raises FetchError."""

    @retry(
        retry=retry_if_exception_type(TransientFetchError),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=30),
        reraise=True,
    )
    def attempt() -> tuple[bytes, str]:
        return _get_once(url, timeout=timeout, max_bytes=max_bytes, name=name)

    return attempt()


def _get_once(url: str, *, timeout: float, max_bytes: int, name: str | None) -> tuple[bytes, str]:
    report = name or url
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}) as client:
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
        raise TransientFetchError(f"{type(exc).__name__} fetching {url}: {exc}", report=report) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}", report=report) from exc
