"""Where frames come from and how they travel: sources, the one-frame slot, image files.

- ``frame_sources``: camera, video file, image files or folder, and the bundled demo behind one protocol.
- ``frame_pump``: the latest-frame slot and the thread that fills it (never a queue).
- ``image_files``: reading image files safely (size checked from the header before decoding).
- ``images``: any decoded image → contiguous uint8 BGR.
- ``demo_media``: synthetic clips built from the bundled real face.
- ``room_media``: rooms built from it: a table of six, a group photo tiled 3×3, a face swapped in a seat.
"""
