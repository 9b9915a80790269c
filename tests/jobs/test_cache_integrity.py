"""A cached result is reused only if it is the file that was written: each generated movie is sealed (size and
content hash beside it) and checked before reuse, so one a copy, a disk or a person damaged is made again, said once.
Cache copies go file by file, atomically."""
from pathlib import Path

import pytest

from engine.classic import MorphEngine
from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.media import cache
from seine_editor.media.probe import probe


class CountingMorph(MorphEngine):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def transition(self, *args, **kwargs):
        self.calls += 1
        return super().transition(*args, **kwargs)


class Said(HeadlessContext):
    def __init__(self):
        super().__init__()
        self.messages = []

    def report(self, progress) -> None:
        self.messages.append(progress.message)


@pytest.fixture
def run(coded_media, tmp_path):
    engine = CountingMorph()
    engines = EngineCache()
    engines.put("morph", {}, engine)
    spec = GenerateSpec("transition", "t1", (SourceFrames("left", str(coded_media.a), (23,)),
                                             SourceFrames("right", str(coded_media.b), (0,))),
                        GenerationParams(seed=1), coded_media.width, coded_media.height, coded_media.fps, 12,
                        str(tmp_path / "cache"), engine="morph")

    def once(ctx=None):
        return generate(spec, ctx or HeadlessContext(), engines)
    once.engine = engine
    return once


def test_a_generated_movie_is_sealed_and_reused_while_it_matches(run):
    first = run()
    assert cache.intact(first.path) is True
    again = run()
    assert (again.from_cache, run.engine.calls) == (True, 1)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_cached_movie_is_made_again_and_said_once(run, damage):
    path = Path(run().path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "truncate" else data[:-10] + bytes(10))
    said = Said()
    result = run(said)
    assert (result.from_cache, result.info["replaced_damaged_cache"], run.engine.calls) == (False, True, 2)
    assert [m for m in said.messages if "damaged" in m] == [f"the cached result {path.name} is damaged: making it "
                                                            "again"]
    assert cache.intact(path) is True and probe(path).frame_count == 12


def test_an_unsealed_movie_from_before_seals_is_trusted_once_it_decodes_and_then_sealed(run):
    path = Path(run().path)
    cache.seal_path(path).unlink()
    assert (run().from_cache, run.engine.calls) == (True, 1)
    assert cache.intact(path) is True


def test_an_unsealed_movie_that_does_not_decode_is_made_again(run):
    path = Path(run().path)
    cache.seal_path(path).unlink()
    path.write_bytes(path.read_bytes()[:2000])
    assert (run().from_cache, run.engine.calls) == (False, 2)


def test_a_cache_copy_that_fails_midway_leaves_no_half_entry_under_its_name(tmp_path, monkeypatch):
    source, target = tmp_path / "old", tmp_path / "new"
    (source / "generated").mkdir(parents=True)
    for name in ("a.mov", "b.mov"):
        (source / "generated" / name).write_bytes(name.encode() * 10_000)
        cache.seal(source / "generated" / name)
    real_copy = cache.shutil.copyfile

    def copy_then_fill_the_disk(src, dst, **kwargs):
        if Path(src).name == "b.mov":
            Path(dst).write_bytes(b"half")
            raise OSError(28, "No space left on device")
        return real_copy(src, dst, **kwargs)

    monkeypatch.setattr(cache.shutil, "copyfile", copy_then_fill_the_disk)
    with pytest.raises(OSError, match="No space left"):
        cache.copy_tree(source, target)
    names = sorted(p.name for p in (target / "generated").iterdir())
    assert names in (["a.mov", "a.mov.seal"], [])  # whatever was copied is whole; b.mov is not there at all
    if names:
        assert cache.intact(target / "generated" / "a.mov") is True
