"""load_engine / available_engines: the one way the editor gets an engine."""
import subprocess
import sys
from pathlib import Path

import pytest

from engine import EngineInputError, available_engines, load_engine, registry
from engine.classic import CrossfadeEngine, MorphEngine

ROOT = Path(__file__).resolve().parents[2]


def test_available_engines_names_every_engine():
    assert list(available_engines()) == ["seine", "morph", "crossfade", "wan_vace", "ltx2"]


@pytest.mark.parametrize("name, cls, identity", [("morph", MorphEngine, "morph/1"),
                                                 ("crossfade", CrossfadeEngine, "crossfade/1")])
def test_load_engine_builds_the_classic_engines(name, cls, identity):
    engine = load_engine(name)
    assert type(engine) is cls
    assert engine.identity == identity


def test_options_reach_the_engine_and_its_identity():
    engine = load_engine("morph", fps=24.0, work_side=320, flow="farneback")
    assert engine.fps == 24.0
    assert engine.identity == "morph/1:farneback@320"


def test_unknown_engine_lists_the_known_ones():
    with pytest.raises(EngineInputError, match=r"unknown engine 'sein'; known engines: seine, morph, crossfade, wan_vace"):
        load_engine("sein")


def test_unknown_option_is_named_with_the_accepted_ones():
    with pytest.raises(EngineInputError, match=r"engine 'crossfade' does not take option\(s\) steps, work_side; "
                                               r"it takes: fps, push_in"):
        load_engine("crossfade", work_side=320, steps=4)


def test_bad_option_value_is_named_with_its_range():
    with pytest.raises(EngineInputError, match=r"work_side must be an integer in \[32, 4096\] pixels, got 5"):
        load_engine("morph", work_side=5)


def test_engine_missing_from_the_installation_is_an_input_error(monkeypatch):
    monkeypatch.setitem(registry._ENGINES, "ghost", ("engine.no_such_module", "GhostEngine"))
    with pytest.raises(EngineInputError, match="engine 'ghost' is not available in this installation: "
                                               "No module named 'engine.no_such_module'"):
        load_engine("ghost")


def test_seine_options_are_checked_before_any_weights_are_read():
    try:
        from engine.seine import SeineEngine  # noqa: F401
    except ImportError:
        pytest.skip("engine.seine.SeineEngine is not in this checkout")
    with pytest.raises(EngineInputError, match=r"engine 'seine' does not take option\(s\) bogus"):
        load_engine("seine", bogus=1)


def test_importing_engine_and_loading_morph_does_not_import_torch():
    code = ("import sys, numpy as np\nimport engine\nfrom engine import load_engine, TransitionRequest\n"
            "e = load_engine('morph')\n"
            "e.transition(np.zeros((8, 8, 3), np.uint8), np.ones((8, 8, 3), np.uint8), TransitionRequest(num_frames=3))\n"
            "print([m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
