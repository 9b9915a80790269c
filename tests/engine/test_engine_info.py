"""EngineInfo: every engine describes itself, and the description survives a trip through JSON."""
import json

import pytest

from engine import CanvasRule, EngineInfo, EngineInputError, engine_info, engine_names, load_engine
from engine.registry import check_options


@pytest.mark.parametrize("name", ["seine", "morph", "crossfade", "wan_vace"])
def test_every_engine_description_round_trips_through_json(name):
    info = engine_info(name)
    assert EngineInfo.from_json(json.loads(json.dumps(info.to_json()))) == info


def test_seine_describes_its_clip_canvas_presets_and_weights():
    info = engine_info("seine")
    assert (info.native_frames, info.fps, info.default_preset) == (16, 8.0, "draft")
    assert [(p.name, p.sampler, p.steps, p.guidance_scale) for p in info.presets] == [
        ("draft", "dpm++", 25, 8.0), ("preview", "dpm++", 10, 8.0), ("final", "ddpm", 250, 8.0)]
    assert [o.name for o in info.options] == ["weights", "checkpoint", "sd_path", "device", "dtype", "compile",
                                              "warmup"]
    assert info.required == (("weights",), ("checkpoint", "sd_path"))


def test_a_classic_engine_works_at_the_timeline_size_and_needs_nothing():
    info = engine_info("morph")
    assert (info.native_frames, info.presets, info.required) == (None, (), ())
    assert info.canvas.canvas_for((1080, 1920), (720, 1280)) == (720, 1280)
    assert info.ready({})


def test_a_built_engine_reports_its_identity_in_its_info():
    assert load_engine("morph", flow="farneback").info.identity == "morph/1:farneback@480"


def test_ready_needs_one_whole_group_of_required_options():
    info = engine_info("seine")
    assert not info.ready({"checkpoint": "seine.pt"})
    assert info.ready({"checkpoint": "seine.pt", "sd_path": "sd"})
    assert info.ready({"weights": "w"})


def test_an_area_canvas_keeps_the_source_aspect_in_multiples():
    rule = CanvasRule(area=320 * 512, multiple=8)
    assert rule.canvas_for((1080, 1920), (1080, 1920)) == (304, 536)
    assert rule.canvas_for((1920, 1080), (1080, 1920)) == (536, 304)


def test_bucket_canvas_picks_the_nearest_aspect():
    rule = CanvasRule(buckets=((512, 512), (320, 512), (240, 560)), multiple=8)
    assert rule.canvas_for((1080, 1920), (1080, 1920)) == (320, 512)
    assert rule.canvas_for((1000, 1000), (1080, 1920)) == (512, 512)
    assert rule.canvas_for((800, 1920), (1080, 1920)) == (240, 560)
    rule.check((64, 96))  # a canvas named by hand need only be whole multiples
    with pytest.raises(EngineInputError, match=r"canvas 300×500 is not allowed: both sides must be positive multiples "
                                               r"of 8"):
        rule.check((300, 500))


def test_an_option_of_the_wrong_kind_is_named_with_what_it_allows():
    with pytest.raises(EngineInputError, match=r"option device = 'tpu' is not allowed; allowed: auto, cuda, cpu"):
        check_options("seine", {"device": "tpu"})
    with pytest.raises(EngineInputError, match=r"option work_side = 'big' must be a whole number"):
        check_options("morph", {"work_side": "big"})


def test_an_unknown_preset_is_named_with_the_engines_presets():
    with pytest.raises(EngineInputError, match=r"preset 'best' is not one of seine's presets: draft, preview, final"):
        engine_info("seine").preset("best")


def test_the_registry_lists_every_engine_in_order():
    assert engine_names() == ("seine", "morph", "crossfade", "wan_vace", "ltx2")
