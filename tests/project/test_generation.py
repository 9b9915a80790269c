"""The generative workflow through the real Project, job runner, engine, writer and compositor."""
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from engine.classic import MorphEngine
from engine.errors import OutOfMemoryError, WeightsNotFoundError
from seine_editor.errors import PlacementError
from seine_editor.media.synthetic import read_frame_index, read_tint, write_coded_image, write_coded_video
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.render.compositor import Compositor
from seine_editor.timeline import meta
from seine_editor.timeline.otio_io import TimelineSettings
from support import GatedMorph

W, H, FPS = 128, 96, Fraction(24)
A_TINT, B_TINT = (200, 60, 40), (40, 80, 200)
WAIT_MS = 20000


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    return {"a": write_coded_video(folder / "a.mp4", frames=24, width=W, height=H, fps=FPS, tint=A_TINT),
            "b": write_coded_video(folder / "b.mp4", frames=24, width=W, height=H, fps=FPS, tint=B_TINT,
                                   first_index=100),
            "still": write_coded_image(folder / "still.png", width=W, height=H, index=7)}


class FailingMorph(MorphEngine):
    def transition(self, *args, **kwargs):
        raise OutOfMemoryError("needed 9.1 GiB, 6.0 GiB free: try the draft preset")


@pytest.fixture
def project(qapp, tmp_path, media):
    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    project.save_as(tmp_path / "story.otio")
    track = project.document.track_ids("video")[0]
    project.append_clip(media["a"], track)
    project.append_clip(media["b"], track)
    yield project
    project.close()


@pytest.fixture
def controller(project):
    controller = GenerationController(project, settings=EngineSettings("morph", host="in-process"))
    yield controller
    assert controller.shutdown()
    assert controller.alive_threads() == []


def video_track(project):
    return project.document.track_ids("video")[0]


def render(project, frames):
    with Compositor(project.document.render_snapshot(), size=(W, H)) as compositor:
        return [compositor.frame(n) for n in frames]


def close(a, b, tolerance=14):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def test_bridge_transition_is_generated_attached_rendered_and_undone_exactly(project, controller, qtbot):
    before = project.document.to_json()
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, {"prompt": "dusk"},
                                                    duration_frames=12)
    info = project.document.info().clip(item)
    assert (info.start_frame, info.duration_frames, info.generative.status) == (24, 12, "baked")
    assert project.document.info().duration_frames == 60
    frames = render(project, [23, 24, 35, 36])
    assert [read_frame_index(f) for f in frames] == [23, 23, 100, 100]
    assert not np.array_equal(frames[0], frames[1]) and not np.array_equal(frames[2], frames[3])  # no held frame
    step = (np.array(B_TINT) - np.array(A_TINT)) / 13  # 12 frames strictly between A and B: 13 steps
    assert close(read_tint(frames[1]), A_TINT + step, 6) and close(read_tint(frames[2]), B_TINT - step, 6)
    attached = project.document.to_json()
    project.undo_stack.undo()  # the attach
    assert project.document.info().clip(item).generative.status == "pending"
    project.undo_stack.undo()  # the placeholder
    assert project.document.to_json() == before
    project.undo_stack.redo()
    project.undo_stack.redo()
    assert project.document.to_json() == attached


def test_overlap_transition_keeps_the_length_and_covers_a_tail_and_b_head(project, controller, qtbot):
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, mode="overlap", duration_frames=12)
    info = project.document.info().clip(item)
    assert (info.start_frame, info.end_frame, project.document.info().duration_frames) == (18, 30, 48)
    frames = render(project, [17, 18, 29, 30])
    assert [read_frame_index(f) for f in frames] == [17, 17, 106, 106]
    assert not np.array_equal(frames[0], frames[1]) and not np.array_equal(frames[2], frames[3])  # no held frame


def test_extend_a_clip_by_two_seconds(project, controller, qtbot):
    a = project.document.info().track(video_track(project)).clips[0]
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.extend_clip(a.id, 48)
    info = project.document.info().clip(item)
    assert (info.start_frame, info.duration_frames, info.generative.status) == (24, 48, "baked")
    assert all(close(read_tint(f), A_TINT) for f in render(project, [24, 71]))
    assert read_frame_index(render(project, [72])[0]) == 100


def test_animate_a_still_starts_on_the_still(project, controller, qtbot, media):
    track = video_track(project)
    still = project.add_clip(media["still"], track, 48, duration_frames=24)[0]
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.animate_image(still)
    assert project.document.info().clip(item).generative.status == "baked"
    assert read_frame_index(render(project, [48])[0]) == 7


def test_animate_a_frame_of_a_video_clip_starts_on_that_frame(project, controller, qtbot):
    shot = project.document.info().track(video_track(project)).clips[0]
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.animate_image(shot.id, frame=10, duration_frames=12)
    info = project.document.info().clip(item)
    assert (info.start_frame, info.duration_frames, info.generative.status) == (10, 12, "baked")
    assert [read_frame_index(f) for f in render(project, [9, 10, 22])] == [9, 10, 10]


def test_cancel_mid_run_leaves_the_placeholder_exactly_as_it_was(project, controller, qtbot):
    engine = GatedMorph()
    controller.engines.put("morph", {}, engine)
    item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    placed = project.document.to_json()
    assert engine.waiting.wait(10)
    with qtbot.waitSignal(controller.runner.job_cancelled, timeout=WAIT_MS):
        assert controller.cancel(item)
    assert project.document.to_json() == placed
    assert controller.item_state(item).state == "cancelled"
    assert project.undo_stack.count() == 3  # two clips and the placeholder: no attach


def test_an_engine_failure_leaves_the_placeholder_with_its_reason(project, controller, qtbot):
    controller.engines.put("morph", {}, FailingMorph())
    with qtbot.waitSignal(controller.runner.job_failed, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    state = controller.item_state(item)
    assert (state.state, state.error_type) == ("failed", "OutOfMemoryError")
    assert state.reason == "needed 9.1 GiB, 6.0 GiB free: try the draft preset"
    assert project.document.info().clip(item).generative.status == "pending"


def test_a_bad_weights_folder_is_one_clear_error_and_nothing_changes(controller, tmp_path):
    with pytest.raises(WeightsNotFoundError, match=str(tmp_path / "nowhere")):
        controller.set_engine_settings(EngineSettings.for_engine("seine", weights=str(tmp_path / "nowhere")))
    assert controller.settings == EngineSettings("morph", host="in-process")


def test_seine_without_weights_makes_nothing_and_says_what_to_set():
    from seine_editor.errors import EngineNotReady

    with pytest.raises(EngineNotReady, match=r"^SEINE needs weights or checkpoint and sd_path \(Engine settings → "
                                             r"SEINE\); nothing was made with another engine$"):
        EngineSettings("seine").resolve()


def test_trimming_a_source_marks_the_item_stale_and_regenerate_adds_a_take(project, controller, qtbot):
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    b = project.document.info().track(video_track(project)).clips[-1]
    project.trim_clip(b.id, "head", 2, ripple=True)
    assert project.document.info().clip(item).generative.stale
    assert item in controller.pending_items()
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        controller.regenerate(item, seed=7)
    generative = project.document.info().clip(item).generative
    assert (generative.stale, generative.takes, generative.active_take) == (False, ("take1", "take2"), "take2")
    controller.select_take(item, "take1")
    assert project.document.info().clip(item).generative.active_take == "take1"
    project.undo_stack.undo()
    assert project.document.info().clip(item).generative.active_take == "take2"


def test_regenerate_without_a_right_neighbour_is_refused_and_changes_nothing(project, controller, qtbot):
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    b = project.document.info().track(video_track(project)).clips[-1]
    project.trim_clip(b.id, "head", 2)  # leaves a gap after the transition
    before = project.document.to_json()
    with pytest.raises(PlacementError, match="'Transition' has no right source to generate from"):
        controller.regenerate(item, seed=3)
    assert project.document.to_json() == before


def test_a_result_for_a_deleted_item_stays_in_the_cache_only(project, controller, qtbot):
    engine = GatedMorph()
    controller.engines.put("morph", {}, engine)
    item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    assert engine.waiting.wait(10)
    project.delete_clips([item])
    after_delete = project.document.to_json()
    with qtbot.waitSignal(controller.runner.job_finished, timeout=WAIT_MS) as blocker:
        engine.gate.set()
    assert Path(blocker.args[1].path).exists()
    assert project.document.to_json() == after_delete


def test_regenerating_an_unchanged_item_reuses_the_cache(project, controller, qtbot):
    engine = GatedMorph()
    engine.gate.set()
    controller.engines.put("morph", {}, engine)
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        controller.regenerate(item)
    assert engine.calls == 1
    assert controller.item_state(item).reason == "reused from the cache"


def test_quitting_while_a_job_runs_shuts_down_cleanly(project, controller):
    engine = GatedMorph()
    controller.engines.put("morph", {}, engine)
    controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    assert engine.waiting.wait(10)
    assert controller.shutdown()
    assert controller.alive_threads() == []


def test_the_project_owns_one_controller_and_closing_it_joins_the_job_threads(project):
    engine = GatedMorph()
    assert project.generation is project.generation
    project.generation.set_engine_settings(EngineSettings("morph", host="in-process"), persist=False)
    project.generation.engines.put("morph", {}, engine)
    project.generation.add_generative_transition(video_track(project), 24, duration_frames=12)
    assert engine.waiting.wait(10)
    project.close()
    assert project.generation.alive_threads() == []


TINY = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny"


@pytest.mark.skipif(not (TINY / "seine.pt").is_file(), reason="../shared/fixtures/seine_tiny is absent")
def test_a_tiny_seine_transition_lands_on_the_timeline_with_its_true_boundary_frames(project, controller, qtbot):
    controller.set_engine_settings(EngineSettings.for_engine("seine", weights=str(TINY), device="cpu",
                                                               model_size=(48, 64)))
    with qtbot.waitSignal(controller.result_attached, timeout=120000):
        item = controller.add_generative_transition(video_track(project), 24, {"steps": 2}, duration_frames=12)
    generative = project.document.info().clip(item).generative
    assert (generative.status, generative.params["engine"]) == ("baked", "seine")
    assert [read_frame_index(f) for f in render(project, [24, 35])] == [23, 100]


def exported_bridge(project, path):
    """The baked bridge of an .otio export: its provenance and its movie's container tags."""
    import json

    import av

    project.export_interchange(path, background=False)
    clips = json.loads(path.read_text())["tracks"]["children"][0]["children"]
    bridge = next(c for c in clips if "provenance" in c["metadata"]["seine"])
    with av.open(bridge["media_references"]["DEFAULT_MEDIA"]["target_url"]) as container:
        return bridge["metadata"]["seine"]["provenance"], dict(container.metadata)


def test_export_provenance_names_the_morph_engine_its_identity_and_resolved_steps(project, controller, qtbot,
                                                                                  tmp_path):
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        controller.add_generative_transition(video_track(project), 24, {"prompt": "dusk"}, duration_frames=12)
    provenance, tags = exported_bridge(project, tmp_path / "cut.otio")
    assert {k: provenance[k] for k in ("engine", "weights", "preset", "steps", "scheduler", "guidance", "take")} == \
        {"engine": "morph", "weights": "morph/1", "preset": None, "steps": 14, "scheduler": None,
         "guidance": None, "take": "take1"}
    assert (tags["seine_weights"], tags["seine_steps"], "seine_preset" in tags) == ("morph/1", "14", False)


def test_a_result_reused_from_the_cache_keeps_the_provenance_it_was_made_with(project, controller, qtbot):
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(video_track(project), 24, {}, duration_frames=12)
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        controller.regenerate(item)
    assert controller.item_state(item).reason == "reused from the cache"
    clip = next(c for c in project.document.timeline.find_clips() if meta.item_id(c) == item)
    assert [{k: t[k] for k in ("engine_identity", "preset", "steps")} for t in meta.get(clip, "takes")] == \
        [{"engine_identity": "morph/1", "preset": None, "steps": 14}] * 2


@pytest.mark.skipif(not (TINY / "seine.pt").is_file(), reason="../shared/fixtures/seine_tiny is absent")
def test_seine_provenance_has_the_weights_identity_and_the_presets_steps_scheduler_and_guidance(
        project, controller, qtbot, tmp_path):
    controller.set_engine_settings(EngineSettings.for_engine("seine", weights=str(TINY), device="cpu",
                                                               model_size=(48, 64)))
    with qtbot.waitSignal(controller.result_attached, timeout=120000):
        controller.add_generative_transition(video_track(project), 24, {"preset": "preview"}, duration_frames=12)
    provenance, tags = exported_bridge(project, tmp_path / "cut.otio")
    assert provenance["weights"].startswith("seine:") and tags["seine_weights"] == provenance["weights"]
    assert {k: provenance[k] for k in ("engine", "preset", "steps", "scheduler", "guidance")} == \
        {"engine": "seine", "preset": "preview", "steps": 10, "scheduler": "dpm++", "guidance": 8.0}


def job_title(controller, item):
    return controller.runner.job(controller.item_state(item).job_id).title


def test_job_titles_name_the_kind_and_its_clips(project, controller, qtbot, media):
    track = video_track(project)
    a = project.document.info().track(track).clips[0]
    transition = controller.add_generative_transition(track, 24, duration_frames=12)
    extension = controller.extend_clip(a.id, 12)
    still = project.add_clip(media["still"], track, project.document.info().duration_frames, duration_frames=12)[0]
    animation = controller.animate_image(still)
    assert [job_title(controller, i) for i in (transition, extension, animation)] == \
        ["Transition: a.mp4 → b.mp4", "Extend: a.mp4", "Animate: still.png"]
    qtbot.waitUntil(lambda: all(controller.item_state(i).state == "done"
                                for i in (transition, extension, animation)), timeout=WAIT_MS)


def test_a_job_superseded_by_a_new_request_is_replaced_not_cancelled_by_the_person(project, controller, qtbot):
    from seine_editor.jobs.runner import REPLACED

    engine = GatedMorph()
    controller.engines.put("morph", {}, engine)
    item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    first = controller.item_state(item).job_id
    assert engine.waiting.wait(10)
    with qtbot.waitSignal(controller.runner.job_cancelled, timeout=WAIT_MS):
        second = controller.regenerate(item, prompt="night falls")
    engine.gate.set()
    qtbot.waitUntil(lambda: controller.item_state(item).state == "done", timeout=WAIT_MS)
    assert (controller.runner.job(first).state, controller.runner.job(first).cancel_reason) == ("cancelled", REPLACED)
    assert (controller.item_state(item).job_id, controller.runner.job(second).cancel_reason) == (second, "")


def test_the_persons_cancel_has_no_reason(project, controller, qtbot):
    engine = GatedMorph()
    controller.engines.put("morph", {}, engine)
    item = controller.add_generative_transition(video_track(project), 24, duration_frames=12)
    job_id = controller.item_state(item).job_id
    assert engine.waiting.wait(10)
    with qtbot.waitSignal(controller.runner.job_cancelled, timeout=WAIT_MS):
        controller.cancel(item)
    assert (controller.runner.job(job_id).state, controller.runner.job(job_id).cancel_reason) == ("cancelled", "")


def test_an_untitled_projects_export_names_no_file_in_its_scratch_cache(qapp, media, qtbot, tmp_path):
    import json

    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    try:
        project.generation.set_engine_settings(EngineSettings("morph", host="in-process"), persist=False)
        track = video_track(project)
        project.append_clip(media["a"], track)
        project.append_clip(media["b"], track)
        with qtbot.waitSignal(project.generation.result_attached, timeout=WAIT_MS):
            item = project.generation.add_generative_transition(track, 24, duration_frames=12)
        with qtbot.waitSignal(project.generation.result_attached, timeout=WAIT_MS):
            project.generation.regenerate(item, seed=3)
        result = project.export_interchange(tmp_path / "out" / "cut.otio", background=False)
        clips = json.loads((tmp_path / "out" / "cut.otio").read_text())["tracks"]["children"][0]["children"]
        takes = clips[1]["metadata"]["seine"]["takes"]
        assert [(t["key"], t["path"]) for t in takes] == [("take2", str(result.baked[0]))]
        exported = (tmp_path / "out" / "cut.otio").read_text()
        assert Path(takes[0]["path"]).is_file() and str(project.cache_dir) not in exported
    finally:
        project.close(discard_recovery=True)
