"""EngineCache: engines are built once per name and options, and a failed load is not remembered."""
import pytest

from engine.errors import EngineInputError
from seine_editor.jobs.engines import EngineCache


def test_the_same_name_and_options_give_the_same_engine():
    cache = EngineCache()
    assert cache.get("morph") is cache.get("morph", {})
    assert cache.get("morph", {"work_side": 64}) is not cache.get("morph")
    assert len(cache) == 2


def test_an_unknown_engine_is_refused_and_not_cached():
    cache = EngineCache()
    with pytest.raises(EngineInputError, match="unknown engine 'dream'; known engines: seine, morph, crossfade, wan_vace"):
        cache.get("dream")
    assert len(cache) == 0
