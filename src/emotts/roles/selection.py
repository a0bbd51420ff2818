"""Choosing the reference clip a role speaks an emotion with.

Fallback chain: clips of the requested emotion → clips of 中性 → the role's default ref_audio/ref_text.
Among several clips the policy decides: the role's `clip_policy`, else the selector's default.
- first: the first clip in path order, always;
- round_robin: each (role, emotion folder) cycles through its clips;
- random: a seeded pick, reproducible: with the same seed (the role's `clip_seed`, else the selector's) the
  n-th choice of an emotion for a role is always the same clip.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from emotts.emotion.labels import NEUTRAL, parse_emotion
from emotts.engines.base import Reference
from emotts.roles.model import ClipPolicy, ReferenceClip, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReferenceChoice:
    reference: Reference
    emotion: str  # the emotion asked for
    clip_emotion: str | None  # the emotion folder the clip came from; None for the role's default reference
    fallback: bool  # True when the clip is not of the emotion asked for


class ClipSelector:
    """Thread-safe: counters and random generators are shared by all requests."""

    def __init__(self, policy: ClipPolicy = "first", seed: int | None = None) -> None:
        self.policy: ClipPolicy = policy
        self.seed = seed
        self._lock = threading.Lock()
        self._turns: dict[tuple[str, str], int] = {}
        self._rngs: dict[tuple[str, str, int | None], random.Random] = {}

    def choose(self, role: Role, emotion: str) -> ReferenceChoice:
        label = parse_emotion(emotion) or emotion
        for candidate in (label, NEUTRAL):
            clips = role.clips.get(candidate)
            if clips:
                clip = self._pick(role, candidate, clips)
                return ReferenceChoice(clip.reference, emotion, candidate, fallback=candidate != label)
        log.debug("role %s has no %s or %s clips; using its default reference", role.name, label, NEUTRAL)
        return ReferenceChoice(role.default_reference, emotion, None, fallback=True)

    def _pick(self, role: Role, emotion: str, clips: tuple[ReferenceClip, ...]) -> ReferenceClip:
        policy = role.config.clip_policy or self.policy
        if policy == "first" or len(clips) == 1:
            return clips[0]
        with self._lock:
            if policy == "round_robin":
                turn = self._turns.get((role.name, emotion), 0)
                self._turns[(role.name, emotion)] = turn + 1
                return clips[turn % len(clips)]
            seed = role.config.clip_seed if role.config.clip_seed is not None else self.seed
            # One generator per (role, emotion, seed): picks of other emotions or roles do not shift it.
            rng = self._rngs.setdefault((role.name, emotion, seed), random.Random(seed))
            return rng.choice(clips)
