"""Every example in the OpenAPI spec parses, through the client, to the expected verdict.

The spec is a copy of `shared/reference/descript-openapi.yml` (kept in `tests/data/` so a clean
checkout runs this). A new example in the spec fails `test_every_example_is_covered` until
its expected outcome is written down here.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitedError,
    UnauthorizedError,
    error_from_response,
)
from tui.api.models import Job, JobCreated, JobPage, Outcome

SPEC_PATH = Path(__file__).parents[2] / "data" / "descript-openapi.yml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
JSON = "application/json"


def job_examples() -> dict[str, Any]:
    ok = SPEC["paths"]["/jobs/{job_id}"]["get"]["responses"]["200"]
    return {name: ex["value"] for name, ex in ok["content"][JSON]["examples"].items()}


def list_examples() -> dict[str, Any]:
    ok = SPEC["paths"]["/jobs"]["get"]["responses"]["200"]
    return {name: ex["value"] for name, ex in ok["content"][JSON]["examples"].items()}


def error_examples() -> list[tuple[str, int, dict[str, Any]]]:
    """(id, status, body) for every error example of every operation."""
    found = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    ref = response["$ref"].rsplit("/", 1)[-1]
                    response = SPEC["components"]["responses"][ref]
                examples = response.get("content", {}).get(JSON, {}).get("examples", {})
                if not str(status).startswith(("4", "5")):
                    continue
                for name, example in examples.items():
                    found.append(
                        (f"{method} {path} {status} {name}", int(status), example["value"])
                    )
    return found


EXPECTED: dict[str, tuple[Outcome, tuple[str, ...]]] = {
    "import_success": (Outcome.SUCCESS, ()),
    "import_partial": (Outcome.PARTIAL, ("outro.mp4",)),
    "agent_success": (Outcome.SUCCESS, ()),
    "job_running": (Outcome.RUNNING, ()),
    "agent_running": (Outcome.RUNNING, ()),
    "publish_success": (Outcome.SUCCESS, ()),
    "publish_running": (Outcome.RUNNING, ()),
    "publish_failed": (Outcome.FAILED, ()),
    "job_failed": (Outcome.FAILED, ()),
    "job_cancelled": (Outcome.CANCELLED, ()),
}
ERROR_CLASSES = {
    400: BadRequestError,
    401: UnauthorizedError,
    402: PaymentRequiredError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}


def test_every_example_is_covered() -> None:
    assert set(job_examples()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_job_status_example_parses_through_the_client(name: str) -> None:
    example = job_examples()[name]
    outcome, failed = EXPECTED[name]
    clock = ManualClock(auto_advance=True)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=example))
    async with DescriptClient(
        "t", base_url="https://api.test/v1", transport=transport, clock=clock, rng=random.Random(0)
    ) as api:
        job = await api.get_job(example["job_id"])
    assert job.outcome is outcome
    assert job.is_finished is outcome.is_terminal
    assert tuple(f.name for f in job.failed_files) == failed
    assert job.raw == example
    assert job.job_type == example["job_type"]
    assert job.created_at is not None


def test_publish_running_keeps_its_progress_extras() -> None:
    job = Job.from_json(job_examples()["publish_running"])
    assert job.progress is not None
    assert job.progress.raw["share_url"] == "https://share.descript.com/view/abc123"


@pytest.mark.parametrize("name", sorted(list_examples()))
def test_list_example_parses(name: str) -> None:
    page = JobPage.from_json(list_examples()[name])
    assert [job.outcome for job in page.jobs] == [Outcome.SUCCESS, Outcome.RUNNING]
    assert page.next_cursor == "YTFiMmMzZDQtNTY3OC05MGFiLWNkZWYtMTIzNDU2Nzg5MGFi"


@pytest.mark.parametrize(
    "operation", ["/jobs/import/project_media", "/jobs/agent", "/jobs/publish"]
)
def test_created_answers_built_from_the_schema_examples_parse(operation: str) -> None:
    schema = SPEC["paths"][operation]["post"]["responses"]["201"]["content"][JSON]["schema"]
    body = {
        key: prop.get("example") for key, prop in schema["properties"].items() if "example" in prop
    }
    created = JobCreated.from_json(body)
    assert created.job_id == body["job_id"] and created.project_id == body["project_id"]


@pytest.mark.parametrize(("case", "status", "body"), error_examples(), ids=lambda v: str(v)[:60])
def test_error_examples_map_to_their_class(case: str, status: int, body: dict[str, Any]) -> None:
    request = httpx.Request("GET", "https://api.test/v1/x")
    err = error_from_response(httpx.Response(status, json=body, request=request))
    assert type(err) is ERROR_CLASSES[status]
    assert err.error == body["error"] and err.message == body["message"]
    assert err.remedy


def test_there_are_error_examples_for_each_documented_status() -> None:
    assert {status for _, status, _ in error_examples()} == set(ERROR_CLASSES)
