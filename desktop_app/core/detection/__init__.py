"""Where the faces are: MediaPipe's BlazeFace and face-landmark models run in LiteRT.

- ``face_detection``: ``FaceDetector``, the detector the pipeline builds (kinds auto, short, full, group).
- ``room_scan``: auto, the default: the whole frame always, tiles as often as the scene needs them.
- ``coasting``: auto on a steady video: every other frame's faces predicted from the last two detections.
- ``blazeface_model``: one BlazeFace ``.tflite`` in an interpreter and MediaPipe's whole-frame view.
- ``blazeface_decoding``: raw outputs → boxes, keypoints, scores (anchors, weighted NMS).
- ``tiling``: group mode's overlapping tiles, run in turns.
- ``box_overlap``: vectorised IoU and cover, shared by decoding, tiling and tracking.
- ``landmark_model``: the one owner of ``face_landmark.tflite``.
- ``face_presence``: is this candidate a face? (the landmark model's presence output)
- ``face_landmarks``: the 468 landmarks of a face; ``face_geometry``: named features from them.
- ``face_crop``: the one face-crop function (square, margin, eyes level, replicated borders).
- ``no_face_hint``: what to try when a source has shown no face for a few seconds.
"""
