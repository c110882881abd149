"""Shared fixtures: an in-process Descript API simulator on a virtual clock.

Other test modules rely on these names; keep them stable:
- `sim_clock`: a `ManualClock` (virtual time; `await sim_clock.advance(s)`).
- `sim_world`: an empty `World` on `sim_clock` with two demo-Drive projects
  ("Interview with Ada" and "Podcast [rough]", each with one composition).
- `sim_app`: the simulator app over `sim_world`; `demo_app`: over the seeded demo world.
- `sim_transport`: `httpx.ASGITransport(app=sim_app)`.
- `sim_client`: an `httpx.AsyncClient` on `sim_transport`, base URL `SIM_BASE_URL`, demo token.
- `make_sim_client(app=None, token=DEMO_TOKEN)`: more clients (another token, the demo app).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.applications import Starlette

from tui.api.clock import ManualClock
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app
from tui.simulator.demo import demo_world
from tui.simulator.world import DEMO_TOKEN, World

SIM_BASE_URL = IN_PROCESS_BASE_URL


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim_world(sim_clock: ManualClock) -> World:
    world = World.empty(sim_clock, seed=0)
    world.add_project("Interview with Ada", compositions=["Rough Cut"])
    world.add_project("Podcast [rough]", compositions=["Episode 12"])
    return world


@pytest.fixture
def sim_app(sim_world: World, sim_clock: ManualClock) -> Starlette:
    return create_app(sim_world, clock=sim_clock)


@pytest.fixture
def demo_app(sim_clock: ManualClock) -> Starlette:
    return create_app(demo_world(0, sim_clock), clock=sim_clock)


@pytest.fixture
def sim_transport(sim_app: Starlette) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=sim_app)


def sim_async_client(
    app: Starlette | httpx.ASGITransport, token: str | None = DEMO_TOKEN
) -> httpx.AsyncClient:
    """An AsyncClient talking in-process to a simulator app (or transport) with `token`."""
    transport = app if isinstance(app, httpx.ASGITransport) else httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url=SIM_BASE_URL, headers=headers)


@pytest.fixture
async def sim_client(sim_transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with sim_async_client(sim_transport) as client:
        yield client


@pytest.fixture
async def make_sim_client(
    sim_app: Starlette,
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(app: Starlette | None = None, token: str | None = DEMO_TOKEN) -> httpx.AsyncClient:
        client = sim_async_client(app or sim_app, token)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
