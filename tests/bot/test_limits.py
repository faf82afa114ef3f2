"""A body larger than the limit is refused before any route runs."""

import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def test_too_large_body_is_refused(api):
    r = await api.post("/api/business/leads", content=b"{}",
                       headers={"content-length": str(26 * 1024 * 1024), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
