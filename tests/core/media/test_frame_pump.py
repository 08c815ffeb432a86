"""The real-time plumbing without Qt: the one-frame slot and the pump that fills it from a real source."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from desktop_app.core.media.frame_pump import FramePump, LatestFrameSlot
from desktop_app.core.media.frame_sources import DemoSource, Frame, FrameSource, SourceError, open_source


def frame(index: int) -> Frame:
    return Frame(index, index / 30, np.zeros((4, 4, 3), np.uint8))


def wait_for(condition, timeout: float = 10.0) -> bool:
    """Poll a condition another thread makes true (no fixed sleep decides the outcome)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_slot_keeps_only_the_newest_frame_and_counts_the_dropped():
    slot = LatestFrameSlot()
    for i in range(3):
        slot.put(frame(i))
    assert slot.take(timeout=0).index == 2
    assert slot.dropped == 2
    assert slot.take(timeout=0) is None  # taken means gone: nothing queues


def test_slot_take_times_out_and_close_wakes_a_waiting_reader():
    slot = LatestFrameSlot()
    assert slot.take(timeout=0.01) is None
    got = []
    reader = threading.Thread(target=lambda: got.append(slot.take(timeout=None)))
    reader.start()
    slot.close()
    reader.join(5)
    assert not reader.is_alive() and got == [None]


def test_pump_reads_a_file_source_to_its_end_in_order():
    slot = LatestFrameSlot()
    seen: list[int] = []
    pump = FramePump(lambda: DemoSource(frames=8, fps=400), slot).start()
    deadline = time.monotonic() + 10
    while not pump.state.finished and time.monotonic() < deadline:
        taken = slot.take(timeout=0.05)
        if taken is not None:
            seen.append(taken.index)
    assert pump.stop() and pump.state.finished
    leftover = slot.take(timeout=0)
    seen += [leftover.index] if leftover else []
    assert pump.state.frames_read == 8
    assert seen == sorted(seen) and seen[-1] == 7  # newest last, never an old frame after a new one
    assert len(seen) + slot.dropped == 8


def test_pump_paused_delivers_nothing_until_stepped_one_frame_at_a_time():
    slot = LatestFrameSlot()
    pump = FramePump(lambda: DemoSource(frames=100, fps=400), slot)
    pump.set_paused(True)
    pump.start()
    assert wait_for(lambda: pump.source is not None)
    assert slot.take(timeout=0.05) is None and pump.state.frames_read == 0
    pump.step()
    first = slot.take(timeout=5)
    pump.step()
    second = slot.take(timeout=5)
    assert (first.index, second.index) == (0, 1)
    assert slot.take(timeout=0.05) is None and pump.state.frames_read == 2
    pump.set_paused(False)
    assert wait_for(lambda: pump.state.frames_read > 10)
    assert pump.stop()


def test_pump_loops_a_file_when_asked():
    slot = LatestFrameSlot()
    pump = FramePump(lambda: DemoSource(frames=5, fps=400), slot, loop=True).start()
    assert wait_for(lambda: pump.state.frames_read >= 12)
    assert not pump.state.finished
    assert pump.stop()


def test_pump_reports_a_source_that_cannot_open(tmp_path):
    slot = LatestFrameSlot()
    pump = FramePump(lambda: open_source(str(tmp_path / "missing.avi")), slot).start()
    assert wait_for(lambda: pump.state.error is not None)
    assert "no such file" in pump.state.error
    assert pump.stop() and slot.take(timeout=0) is None


def test_a_live_source_ends_instead_of_rewinding_when_looped():
    """Looping rewinds files and the demo; a live source that ends (a camera gone) is not rewound."""
    class EndingLiveSource(FrameSource):
        name, is_live = "live test source", True

        def __init__(self) -> None:
            self.frames = iter([frame(0), frame(1)])

        def read(self) -> Frame | None:
            return next(self.frames, None)

    with pytest.raises(SourceError, match="cannot be rewound"):
        EndingLiveSource().rewind()
    slot = LatestFrameSlot()
    pump = FramePump(EndingLiveSource, slot, loop=True).start()
    assert wait_for(lambda: pump.state.finished)
    assert pump.state.frames_read == 2 and pump.state.error is None
    assert pump.stop()


@pytest.fixture
def counted_video(tmp_path):
    """A real MJPG file whose frame i is grey level 8·i: a frame read says which frame it is."""
    from support.media import write_video

    frames = [np.full((48, 64, 3), 8 * i, np.uint8) for i in range(30)]
    return write_video(tmp_path / "counted.avi", frames, fps=30)


def test_seek_while_paused_delivers_that_frame_of_the_file(counted_video):
    slot = LatestFrameSlot()
    pump = FramePump(lambda: open_source(str(counted_video)), slot)
    pump.set_paused(True)
    pump.start()
    assert wait_for(lambda: pump.source is not None)
    assert pump.source.frame_count == 30
    for target in (17, 3, 29, 0):
        pump.seek(target)
        got = slot.take(timeout=5)
        assert got.index == target and got.time_s == pytest.approx(target / 30)
        assert abs(float(got.image.mean()) - 8 * target) < 3  # the pixels of that frame, not a neighbour's
    assert slot.take(timeout=0.05) is None  # one frame per seek while paused
    assert pump.stop()


def test_a_file_at_its_end_waits_for_a_seek_instead_of_ending(counted_video):
    slot = LatestFrameSlot()
    pump = FramePump(lambda: open_source(str(counted_video)), slot).start()
    assert wait_for(lambda: pump.state.finished)
    slot.take(timeout=0)
    pump.seek(12)
    got = slot.take(timeout=5)
    assert got is not None and got.index == 12 and not pump.state.finished  # plays on from there
    assert wait_for(lambda: pump.state.finished)
    assert pump.stop()


def test_an_image_folder_seeks_by_position(tmp_path):
    import cv2

    for i in range(5):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((8, 8, 3), 40 * i, np.uint8))
    slot = LatestFrameSlot()
    pump = FramePump(lambda: open_source(str(tmp_path)), slot)
    pump.set_paused(True)
    pump.start()
    pump.seek(3)
    got = slot.take(timeout=5)
    assert got.index == 3 and got.image.mean() == 120 and pump.source.frame_count == 5
    assert pump.stop()
    assert DemoSource().frame_count is None  # the endless demo has no slider
