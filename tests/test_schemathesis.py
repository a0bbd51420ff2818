"""Requests generated from the OpenAPI schema by schemathesis: whatever a client sends, no 5xx."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emotts.server.app import create_app
from emotts.settings import Settings

from fake_engines import ToneEngine, engine_set

# one operation of each API surface, which must be in the schema
SURFACES = {"POST /tts", "GET /tts", "GET /running", "POST /emotion", "GET /set_gpt_weights",
            "POST /control", "POST /v1/audio/speech", "GET /v1/models"}  # fmt: skip
EXAMPLES_PER_OPERATION = 40  # bounded: about 800 requests in all, a few seconds
# (role field, text field) per operation that speaks or classifies with a role
ROLE_FIELDS = {"/tts": ("role", "text"), "/v1/audio/speech": ("voice", "input"), "/emotion": ("role", "text")}
VALID = st.one_of(
    st.none(), st.tuples(st.sampled_from(["demo", "other"]), st.sampled_from(["你好。", "Hi!"]))
)


def _with_role(case: schemathesis.Case, valid: tuple[str, str] | None) -> schemathesis.Case:
    """Random strings never name a role, and optional fields are often left out: often put a real role and
    a speakable text in (the other fields stay random), so synthesis itself is exercised."""
    fields = ROLE_FIELDS.get(case.path)
    if valid is None or fields is None:
        return case
    target = case.body if isinstance(case.body, dict) else case.query if case.method == "GET" else None
    if isinstance(target, dict):
        target[fields[0]] = valid[0]
        target.setdefault(fields[1], valid[1])
    return case


def test_no_generated_request_gets_a_server_error(roles_dir: Path) -> None:
    # a short text limit keeps generated texts (and their audio) small; /control stays disabled
    app = create_app(
        Settings(roles_dir=roles_dir, watch_roles=False, max_text_length=120), engine_set(ToneEngine())
    )
    outcomes: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    with TestClient(app):  # runs the lifespan: roles loaded, worker pool started
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        labels = {operation.label for operation in operations}
        assert labels >= SURFACES, SURFACES - labels
        for operation in operations:

            @given(case=st.builds(_with_role, operation.as_strategy(), VALID))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,  # the same requests on every run: a failure here is reproducible
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case) -> None:
                response = case.call()
                outcomes[(f"{case.method} {case.path}", response.status_code)] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path} {case.body!r}: {response.text[:200]}")

            call()
    assert not failures, "\n".join(failures[:10])
    # the generated requests reached synthesis, not only validation
    assert outcomes[("POST /tts", 200)] and outcomes[("POST /v1/audio/speech", 200)], outcomes
