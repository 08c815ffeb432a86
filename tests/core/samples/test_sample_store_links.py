"""A dataset never writes or moves a sample through a link: a symlinked label folder or ``.trash`` is
refused (StoreError, one line for the user), and nothing outside the dataset changes."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.samples.sample_records import TRASH, StoreError
from desktop_app.core.samples.sample_store import SampleStore

CROP = np.full((224, 224, 3), 120, np.uint8)


def test_a_symlinked_label_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "ds"
    root.mkdir()
    (root / "Happy").symlink_to(outside, target_is_directory=True)
    with SampleStore(root) as store, pytest.raises(StoreError, match="link out of the dataset"):
        store.save_crop(store.make_sample((0, 0, 10, 10), None, "Happy"), CROP)
    assert list(outside.iterdir()) == []


def test_a_symlinked_trash_is_refused_and_the_sample_stays(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "ds"
    with SampleStore(root) as store:
        sample = store.save_crop(store.make_sample((0, 0, 10, 10), None, "Sad"), CROP)
    (root / TRASH).rmdir()
    (root / TRASH).symlink_to(outside, target_is_directory=True)
    with SampleStore(root) as store:
        with pytest.raises(StoreError, match="link out of the dataset"):
            store.delete(sample.id)
        assert not store.get(sample.id).deleted
    assert (root / "Sad" / f"{sample.id}.png").is_file() and list(outside.iterdir()) == []


def test_a_label_folder_linked_to_another_label_folder_is_refused(tmp_path):
    """A link that stays inside the dataset is refused too: a sample saved as Happy through ``Happy`` →
    ``Sad`` would sit in Sad/ while the manifest says Happy, and the next open would relabel it silently."""
    root = tmp_path / "ds"
    (root / "Sad").mkdir(parents=True)
    (root / "Happy").symlink_to(root / "Sad", target_is_directory=True)
    with SampleStore(root) as store, pytest.raises(StoreError, match="is a link"):
        store.save_crop(store.make_sample((0, 0, 10, 10), None, "Happy"), CROP)
    assert list((root / "Sad").iterdir()) == []
