"""Fault profiles, seeded and reproducible: the same seed and request sequence, same faults.

- `none`: a well-behaved API.
- `flaky`: every request gets 20-400 ms of added latency (when served); 6 % answer 500;
  3 % lose the connection after the server did the work (a POST's job exists, its answer is
  lost); 3 % answer with a truncated body; while agent jobs are active, 8 % of requests
  start a burst of 2-4 consecutive 502s (an HTML page, as a gateway sends).
- `storm`: in every 120 s (real time when served), a 25 s storm at a seeded offset during which
  90 % of requests get 429 with a long `Retry-After` (30-120 s).
- `trickle`: every answer is sent a byte at a time, `trickle_delay_s` (0.5 s) apart when
  served, so a whole job status takes minutes (for client deadlines).
- `hold`: a request whose method is in `hold_methods` (POST) is done (the job is created)
  but its answer is never sent (for the lost-answer tests); other methods behave.

Faults touch only `/v1/...`; the control surface and upload URLs always behave.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.simulator.world.model import seeded_rng

FAULT_PROFILES = ("none", "flaky", "storm", "trickle", "hold")
TRICKLE_DELAY_S = 0.5
HOLD_METHODS = ("POST",)

FLAKY_500_SHARE = 0.06
FLAKY_RESET_SHARE = 0.03
FLAKY_TRUNCATE_SHARE = 0.03
FLAKY_502_BURST_START = 0.08
FLAKY_502_BURST_LEN = (2, 4)
FLAKY_LATENCY_S = (0.02, 0.4)
STORM_PERIOD_S = 120.0
STORM_LENGTH_S = 25.0
STORM_SHARE = 0.9
STORM_RETRY_AFTER_S = (30, 120)


@dataclass(frozen=True, slots=True)
class Fault:
    """What goes wrong with one request.

    `kind`: latency | status | reset | truncate | trickle | hold.
    """

    kind: str
    latency_s: float = 0.0
    status: int = 0
    retry_after: int | None = None
    byte_delay_s: float = 0.0

    def describe(self) -> str:
        if self.kind == "status":
            return f"{self.status}" + (
                f" retry-after={self.retry_after}" if self.retry_after else ""
            )
        return self.kind


class FaultInjector:
    def __init__(self, profile: str = "none", seed: int = 0) -> None:
        self.configure(profile, seed)

    def configure(
        self,
        profile: str,
        seed: int | None = None,
        *,
        trickle_delay_s: float | None = None,
        hold_methods: tuple[str, ...] | None = None,
    ) -> None:
        if profile not in FAULT_PROFILES:
            raise ValueError(f"fault profile must be one of {', '.join(FAULT_PROFILES)}")
        if trickle_delay_s is not None and not 0 <= trickle_delay_s <= 60:
            raise ValueError("trickle_delay_s must be between 0 and 60")
        self.profile = profile
        if seed is not None:
            self.seed = seed
        self.trickle_delay_s = TRICKLE_DELAY_S if trickle_delay_s is None else trickle_delay_s
        self.hold_methods = tuple(m.upper() for m in (hold_methods or HOLD_METHODS))
        # Counting requests from the switch makes a run reproducible from that point.
        self.requests = 0
        self._burst_left = 0

    def describe(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "seed": self.seed,
            "trickle_delay_s": self.trickle_delay_s,
            "hold_methods": list(self.hold_methods),
        }

    def decide(
        self, now_mono: float, *, agent_active: bool, method: str = "GET"
    ) -> Fault | None:
        if self.profile == "none":
            return None
        if self.profile == "trickle":
            return Fault("trickle", byte_delay_s=self.trickle_delay_s)
        if self.profile == "hold":
            return Fault("hold") if method.upper() in self.hold_methods else None
        self.requests += 1
        rng = seeded_rng(self.seed, self.profile, self.requests)
        if self.profile == "storm":
            period = int(now_mono // STORM_PERIOD_S)
            offset = seeded_rng(self.seed, "storm-window", period).uniform(
                0, STORM_PERIOD_S - STORM_LENGTH_S
            )
            into = now_mono - period * STORM_PERIOD_S
            if offset <= into < offset + STORM_LENGTH_S and rng.random() < STORM_SHARE:
                return Fault("status", status=429, retry_after=rng.randint(*STORM_RETRY_AFTER_S))
            return None
        latency = rng.uniform(*FLAKY_LATENCY_S)
        if self._burst_left > 0:
            self._burst_left -= 1
            return Fault("status", latency, status=502)
        if agent_active and rng.random() < FLAKY_502_BURST_START:
            self._burst_left = rng.randint(*FLAKY_502_BURST_LEN) - 1
            return Fault("status", latency, status=502)
        roll = rng.random()
        if roll < FLAKY_500_SHARE:
            return Fault("status", latency, status=500)
        roll -= FLAKY_500_SHARE
        if roll < FLAKY_RESET_SHARE:
            return Fault("reset", latency)
        roll -= FLAKY_RESET_SHARE
        if roll < FLAKY_TRUNCATE_SHARE:
            return Fault("truncate", latency)
        return Fault("latency", latency)
