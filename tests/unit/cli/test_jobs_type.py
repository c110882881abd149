"""`jobs list --type` takes a job_type this client does not know (issue 13, item 9)."""

from __future__ import annotations

import json

from tests.unit.cli.conftest import CliRunner
from tui.simulator.world import DEMO_TOKEN, World


def legacy_job(world: World) -> str:
    """An import in the world, renamed to a job type a newer API could send."""
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    body = {"project_name": "Legacy", "add_media": {"a.mp4": {"url": "https://m.example/a.mp4"}}}
    job, _ = world.submit_import(user, body, queued_s=1, run_s=30)
    job.job_type = "transcode/legacy"
    return job.job_id


def test_list_by_an_unknown_job_type(sim_world: World, sim_cli: CliRunner) -> None:
    legacy = legacy_job(sim_world)
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    body = {"project_name": "Plain", "add_media": {"b.mp4": {"url": "https://m.example/b.mp4"}}}
    sim_world.submit_import(user, body, queued_s=1, run_s=30)
    result = sim_cli("jobs", "list", "--json", "--type", "transcode/legacy")
    assert result.code == 0, result.err
    assert [item["job_id"] for item in json.loads(result.out)] == [legacy]
    assert "matching job_type exactly" in result.err  # a typo would say so, not just list none
    # The short names still work, and say nothing.
    known = sim_cli("jobs", "list", "--json", "--type", "import")
    assert known.code == 0 and "note:" not in known.err
    assert legacy not in known.out and len(json.loads(known.out)) == 1
