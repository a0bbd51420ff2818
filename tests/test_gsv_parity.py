"""`emotts gsv parity` on the shared fixtures: every stage of v1–v2ProPlus passes, v4 is listed as not yet
supported, and the frontend counts are reported per language."""

from __future__ import annotations

import json

from click.testing import CliRunner

from emotts.cli import main

from gsv_fixtures import FIXTURES, needs_fixtures


@needs_fixtures
def test_parity_runner_passes_on_the_shared_fixtures() -> None:
    result = CliRunner().invoke(main, ["gsv", "parity", str(FIXTURES), "--json"])
    report = json.loads(result.stdout)
    failed = [s for s in report["stages"] if s["version"] != "v4" and s["pass"] is not True]
    assert not failed, failed
    assert result.exit_code == 0 and report["ok"] is True
    stages = {(s["version"], s["stage"]) for s in report["stages"]}
    for version in ("v1", "v2", "v2Pro", "v2ProPlus"):
        for stage in ("reference", "bert", "ar_greedy", "ar_ref_free", "ar_batch2", "decode", "pipeline"):
            assert (version, stage) in stages
    v4 = [s for s in report["stages"] if s["version"] == "v4"]
    assert any(s["pass"] is None and "not supported" in s["reason"] for s in v4)
    assert all(s["pass"] is True for s in v4 if s["stage"].startswith("ar_"))  # its GPT runs already
    for name in ("zh", "en", "ja", "ko", "yue", "mixed", "segmentation"):
        counts = report["frontend"][name]
        assert counts["cases"] > 0 and counts["identical"] >= 0.99 * counts["cases"], (name, counts)


@needs_fixtures
def test_a_failing_stage_makes_the_exit_status_non_zero(tmp_path) -> None:
    import shutil

    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy, ignore=shutil.ignore_patterns("v1", "v2Pro", "v2ProPlus", "v4"))
    case = copy / "cases" / "v2" / "ar_greedy.npz"
    import numpy as np

    data = dict(np.load(case, allow_pickle=False))
    data["generated"] = data["generated"][::-1].copy()  # the reference "said" something else
    np.savez(case, **data)
    result = CliRunner().invoke(main, ["gsv", "parity", str(copy), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["ok"] is False
    assert [s["stage"] for s in report["stages"] if s["pass"] is False] == ["ar_greedy"]
