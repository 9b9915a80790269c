"""Parity with the official SEINE code: the general replay tool run on the shared tiny fixture."""
import io
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny"
needs_fixture = pytest.mark.skipif(not (FIXTURE / "manifest.json").is_file(),
                                   reason=f"golden fixture folder {FIXTURE} is absent")


@needs_fixture
def test_every_golden_of_the_fixture_is_reproduced_within_the_manifest_tolerances():
    from engine.seine.parity import run_parity

    report = io.StringIO()
    results = run_parity(FIXTURE, out=report)
    failed = [r.line() for r in results if not r.passed]
    assert failed == [], report.getvalue()
    names = {r.name for r in results}
    # every kind of golden is actually compared: UNet forwards and all four end-to-end cases
    assert {"unet/forward.out", "unet/forward_odd.out", "unet/forward_with_cfg.out"} <= names
    for case in ("transition_onelast1_ddim", "i2v_first1_ddim", "prediction_first4_ddim", "transition_onelast1_ddpm"):
        assert {f"{case}/final_latents", f"{case}/video_uint8", f"{case}/step_eps_cfg[0]"} <= names


WIDE = Path(__file__).resolve().parents[1] / "fixtures" / "seine_tiny_wide"


@pytest.mark.slow
def test_a_fixture_of_another_configuration_made_by_the_official_code_is_reproduced():
    """Two layers per block, a three-layer text encoder, a 6x10 latent that halves to odd sizes, 8 and 16 frames,
    onelast2 and first2 masks, a negative prompt: nothing in the model may assume the first fixture's sizes."""
    import json

    from engine.seine.parity import run_parity

    config = json.loads((WIDE / "manifest.json").read_text())["config"]["unet_3d_effective_config"]
    assert config["layers_per_block"] == 2 and config["cross_attention_dim"] == 48
    report = io.StringIO()
    results = run_parity(WIDE, out=report)
    assert [r.line() for r in results if not r.passed] == [], report.getvalue()
    assert len(results) == 75


@needs_fixture
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_half_precision_replay_passes_the_half_precision_tolerances(dtype):
    import torch

    from engine.seine.parity import run_parity

    report = io.StringIO()
    results = run_parity(FIXTURE, out=report, dtype=getattr(torch, dtype))
    assert [r.line() for r in results if not r.passed] == [], report.getvalue()
    assert len(results) == 87


@needs_fixture
def test_the_loosest_half_precision_tolerance_still_catches_a_missing_rotary_embedding(monkeypatch):
    import torch

    from engine.seine import unet
    from engine.seine.parity import run_parity

    monkeypatch.setattr(unet, "apply_rotary", lambda x, freqs: x)
    results = run_parity(FIXTURE, out=io.StringIO(), dtype=torch.bfloat16)
    assert not next(r for r in results if r.name == "unet/forward.out").passed


@pytest.mark.gpu
@needs_fixture
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_a_cuda_replay_passes_the_tolerances_of_its_precision(dtype):
    import torch

    from engine.seine.parity import run_parity

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    report = io.StringIO()
    results = run_parity(FIXTURE, out=report, device="cuda", dtype=getattr(torch, dtype))
    assert [r.line() for r in results if not r.passed] == [], report.getvalue()


@needs_fixture
def test_parity_command_line_exits_zero_on_the_fixture_and_two_without_a_manifest(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    ok = subprocess.run([sys.executable, "-m", "engine.seine.parity", str(FIXTURE)], cwd=root,
                        capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", "PATH": ""})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "comparisons within tolerance" in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "engine.seine.parity", str(tmp_path)], cwd=root,
                             capture_output=True, text=True)
    assert missing.returncode == 2
    assert str(tmp_path) in missing.stderr


def test_tolerances_are_read_from_the_manifest_wording():
    from engine.seine.parity import parse_tolerances

    manifest = {"determinism": {"suggested_tolerances_for_a_reimplementation": {
        "unet_forward": "max|ours-ref| <= 2e-5 * max|ref| in float32",
        "video_uint8": "|ours-ref| <= 1 for >= 99.5% of values (rounding), never more than 3"}}}
    tolerances, rule = parse_tolerances(manifest)
    assert tolerances["unet_forward"] == 2e-5
    assert tolerances["e2e_step_tensors_and_final_latents"] == 1e-3  # default where the manifest is silent
    assert rule == (1, 0.995, 3)


def test_a_wrong_value_is_reported_as_a_failure():
    import torch

    from engine.seine.parity import compare, compare_uint8

    ref = torch.tensor([1.0, -4.0, 2.0])
    assert compare("x", ref + 1e-5, ref, 1e-4).passed
    bad = compare("x", ref + torch.tensor([0.0, 0.0, 0.01]), ref, 1e-4)
    assert not bad.passed and bad.error == pytest.approx(0.01 / 4, rel=1e-4)
    video = torch.zeros(1000, dtype=torch.uint8)
    ours = video.numpy().copy()
    ours[:2] = 1
    assert compare_uint8("v", ours, video, (1, 0.999, 2)).passed
    ours[0] = 3
    assert not compare_uint8("v", ours, video, (1, 0.999, 2)).passed
