"""The page's files and plotly.js go out gzipped (once per file, not per request) with an ETag a
browser revalidates against; nothing outside the page's folder is served."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.app import FRONTEND, PLOTLY_JS

GZIP = {"accept-encoding": "gzip"}


@pytest.mark.parametrize("path, source", [
    ("/static/plotly.min.js", PLOTLY_JS), ("/", FRONTEND / "index.html"),
    ("/js/main.js", FRONTEND / "js" / "main.js"), ("/css/playground.css",
                                                   FRONTEND / "css" / "playground.css")])
def test_files_go_out_gzipped_and_unchanged(client: TestClient, path: str, source: Path) -> None:
    raw = client.get(path, headers=GZIP)  # httpx decodes the body: it must equal the file
    assert raw.status_code == 200 and raw.headers["content-encoding"] == "gzip"
    assert raw.content == source.read_bytes()
    with client.stream("GET", path, headers=GZIP) as stream:
        sent = b"".join(stream.iter_raw())
    assert gzip.decompress(sent) == source.read_bytes()
    assert len(sent) < 0.5 * source.stat().st_size  # what crosses the Wi-Fi


def test_plotly_is_cacheable_and_revalidated(client: TestClient) -> None:
    first = client.get("/static/plotly.min.js", headers=GZIP)
    assert "max-age=86400" in first.headers["cache-control"]
    assert first.headers["content-type"].startswith("text/javascript")
    again = client.get("/static/plotly.min.js", headers={**GZIP,
                                                         "if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_page_files_revalidate_on_every_load(client: TestClient) -> None:
    page = client.get("/js/api.js")
    assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]
    assert client.get("/js/api.js", headers={"if-none-match": page.headers["etag"]}
                      ).status_code == 304
    assert "content-encoding" not in client.get("/js/api.js",
                                                headers={"accept-encoding": "identity"}).headers


@pytest.mark.parametrize("path", ["/../server/app.py", "/%2e%2e/server/app.py", "/js/nothing.js",
                                  "/js/../../pyproject.toml"])
def test_nothing_outside_the_page_folder(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404
