"""Direct upload: signed URLs on the simulator's own storage endpoint."""

from __future__ import annotations

from tui.api.models import Job, JobCreated, Outcome


async def start_upload(client, sizes: dict[str, int]) -> JobCreated:
    body = {
        "project_name": "Uploads",
        "add_media": {
            name: {"content_type": "audio/wav", "file_size": size} for name, size in sizes.items()
        },
    }
    response = await client.post("/jobs/import/project_media", json=body)
    assert response.status_code == 201, response.text
    return JobCreated.from_json(response.json())


async def job(client, job_id: str) -> dict:
    return (await client.get(f"/jobs/{job_id}")).json()


async def test_import_waits_for_the_bytes_then_succeeds(sim_client, sim_clock):
    created = await start_upload(sim_client, {"a.wav": 4, "b.wav": 3})
    target = created.upload_urls["a.wav"]
    assert target.upload_url.startswith("http://simulator.local/_upload/")
    assert target.asset_id and target.artifact_id
    await sim_clock.advance(600)
    waiting = await job(sim_client, created.job_id)
    assert waiting["job_state"] == "running"
    assert waiting["progress"]["label"].startswith("Waiting for upload (0 of 2")
    put = await sim_client.put(target.upload_url, content=b"abcd")
    assert put.status_code == 200
    assert (await job(sim_client, created.job_id))["progress"]["label"].startswith(
        "Waiting for upload (1 of 2"
    )
    await sim_client.put(created.upload_urls["b.wav"].upload_url, content=b"xyz")
    await sim_clock.advance(1)
    assert "Waiting" not in (await job(sim_client, created.job_id))["progress"]["label"]
    await sim_clock.advance(300)
    done = Job.from_json(await job(sim_client, created.job_id))
    assert done.outcome is Outcome.SUCCESS


async def test_a_size_mismatch_fails_that_file(sim_client, sim_clock):
    created = await start_upload(sim_client, {"good.wav": 2, "bad.wav": 10})
    await sim_client.put(created.upload_urls["good.wav"].upload_url, content=b"ok")
    await sim_client.put(created.upload_urls["bad.wav"].upload_url, content=b"short")
    await sim_clock.advance(310)
    done = Job.from_json(await job(sim_client, created.job_id))
    assert done.outcome is Outcome.PARTIAL
    [failed] = done.failed_files
    assert failed.name == "bad.wav"
    assert "5 bytes" in failed.error_message and "10 bytes" in failed.error_message


async def test_an_expired_url_answers_403_and_fails_the_file(sim_client, sim_clock):
    created = await start_upload(sim_client, {"late.wav": 4})
    await sim_clock.advance(3 * 3600)
    put = await sim_client.put(created.upload_urls["late.wav"].upload_url, content=b"abcd")
    assert put.status_code == 403
    assert b"ExpiredToken" in put.content
    await sim_clock.advance(300)
    done = await job(sim_client, created.job_id)
    assert done["result"]["status"] == "error"
    assert "expired" in done["result"]["error_message"]


async def test_an_unknown_upload_token_is_403(sim_client):
    response = await sim_client.put("http://simulator.local/_upload/deadbeef", content=b"x")
    assert response.status_code == 403


async def test_mixed_url_and_upload_returns_upload_urls_only_for_uploads(sim_client):
    body = {
        "project_name": "Mixed",
        "add_media": {
            "intro.mp4": {"url": "https://example.com/intro.mp4"},
            "rec.mp4": {"content_type": "video/mp4", "file_size": 10},
        },
    }
    created = (await sim_client.post("/jobs/import/project_media", json=body)).json()
    assert set(created["upload_urls"]) == {"rec.mp4"}
