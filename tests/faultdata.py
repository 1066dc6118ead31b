"""Builders of bad report files for the fault tests, made at test time (no binary junk in the repo).

Each builder returns the bytes of one bad file; `write_bad_reports(folder)` writes the whole set
with the names the fault tests expect.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from tests.densedata import flate_bomb_pdf

SAMPLES = Path(__file__).resolve().parents[1] / "sitrep" / "samples"
GTRM_2019 = SAMPLES / "gtrm-peru-sitrep-2019-10.pdf"
GTRM_2021 = SAMPLES / "gtrm-peru-sitrep-2021-02.pdf"
ARR = SAMPLES / "unhcr-arr-peru-2023.pdf"
R4V = SAMPLES / "r4v-peru-sitrep-2023-09.html"
GLOBAL_FOCUS = SAMPLES / "unhcr-global-focus-peru-2020.html"


def truncated_pdf(fraction: float = 0.5) -> bytes:
    """A real report cut short (as a dropped download saved without checks would be)."""
    data = GTRM_2021.read_bytes()
    return data[: int(len(data) * fraction)]


def encrypted_pdf(password: str = "secret") -> bytes:
    """A real report encrypted with a user password (it cannot be opened without it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(GTRM_2021).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_only_pdf(pages: int = 2) -> bytes:
    """A 'scanned' report: pictures of text, no text layer (Pillow saves images as a PDF)."""
    from PIL import Image, ImageDraw

    images = []
    for n in range(pages):
        image = Image.new("RGB", (850, 1100), "white")
        draw = ImageDraw.Draw(image)
        draw.text((60, 60), f"GTRM Peru Situation Report - page {n + 1}", fill="black")
        draw.text((60, 120), "More than 1,200,000 refugees and migrants from Venezuela", fill="black")
        draw.rectangle((60, 200, 790, 600), outline="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=100)
    return out.getvalue()


def many_pages_pdf(pages: int = 300, source: Path = GTRM_2019) -> bytes:
    """A long PDF: the pages of a real report repeated to `pages` pages."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for page in reader.pages:
            if len(writer.pages) >= pages:
                break
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def error_page(status: str = "404 Not Found", message: str = "The requested URL was not found on this server.",
               encoding: str = "utf-8") -> bytes:
    """A web server's error page (what a broken link saves instead of the report)."""
    return (f"<!DOCTYPE html><html><head><title>{status}</title></head><body>"
            f"<h1>{status.split(' ', 1)[-1]}</h1><p>{message}</p><hr>"
            f"<address>Apache/2.4.41 (Ubuntu) Server at www.example.org Port 443</address>"
            f"</body></html>").encode(encoding)


def access_denied_page() -> bytes:
    """A CDN's 'Access denied' page, as served with status 200 by some sites."""
    return (b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
            b"You don't have permission to access \"http://www.example.org/report.pdf\" on this server.<p>"
            b"Reference #18.2f7c1002.1700000000.5a1b2c3</p></body></html>")


def unknown_structure_page() -> bytes:
    """A web page of no known report family, with figures in prose."""
    return (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Community newsletter, March 2024</title>"
            b"</head><body><h1>Community newsletter</h1>"
            b"<p>In March 2024 the food bank served 1,250 families in Lima, and 37 volunteers joined.</p>"
            b"<p>The clinic treated more than 400 patients this month.</p>"
            b"<ul><li>Shelter places: 85</li><li>Funding received: USD 12,500</li></ul>"
            b"</body></html>")


def latin1_page() -> bytes:
    """A web page in Windows-1252 (declared in a meta tag) with accented words next to figures."""
    text = ("<!DOCTYPE html><html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
            "<title>Boletín de la comunidad – marzo 2024</title></head><body><h1>Boletín</h1>"
            "<p>En marzo 2024 la organización atendió a 1.250 niños y niñas en Perú y Ecuador; "
            "según el informe, más de 300 familias recibieron asistencia alimentaria en Tumbes.</p>"
            "<p>Año de la campaña: 2024. Señalización “nueva” – 45 carteles.</p>"
            "</body></html>")
    return text.encode("cp1252")


def script_page(marker: Path) -> bytes:
    """A page whose scripts would write `marker` if anything executed them."""
    js = f"require('fs').writeFileSync({str(marker)!r}, 'executed');"
    py = f"open({str(marker)!r}, 'w').write('executed')"
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Field update April 2024</title>"
            f"<script>{js}</script><script type='text/python'>{py}</script></head>"
            f"<body onload=\"{js}\"><h1>Field update</h1><p>Some 640 people were reached in Tacna.</p>"
            f"<img src=x onerror=\"{js}\"><iframe src='javascript:{js}'></iframe>"
            f"<script>{py}</script></body></html>").encode()


def random_bytes(size: int = 4096, seed: int = 7) -> bytes:
    """Noise with a report's extension (made never to start like a PDF or a web page)."""
    data = bytearray(random.Random(seed).randbytes(size))
    data[:4] = b"\x00\xff\x13\x37"
    return bytes(data.replace(b"%PDF-", b"%PDx-").replace(b"<html", b"<xtml").replace(b"<body", b"<xody"))


# name -> bytes of every bad file that goes through one CLI run next to good reports
def bad_reports() -> dict[str, bytes]:
    return {
        "zero-bytes.pdf": b"",
        "truncated.pdf": truncated_pdf(),
        "encrypted.pdf": encrypted_pdf(),
        "scanned-image-only.pdf": image_only_pdf(),
        "error-page-saved-as.pdf": error_page(),
        "unknown-structure.html": unknown_structure_page(),
        "latin1-page.html": latin1_page(),
        "random-bytes.pdf": random_bytes(),
        "random-bytes.html": random_bytes(seed=8),
        "flate-bomb.pdf": flate_bomb_pdf(),  # 2.5 MB inflating to 2.5 GB
    }


def write_bad_reports(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, data in bad_reports().items():
        path = folder / name
        path.write_bytes(data)
        written[name] = path
    return written
