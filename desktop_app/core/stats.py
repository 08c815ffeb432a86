"""Per-stage timing summaries (median and p95), shared by the analyze CLI and the benchmark."""
from __future__ import annotations

from collections import defaultdict

import numpy as np


class StageTimes:
    def __init__(self) -> None:
        self._ms: dict[str, list[float]] = defaultdict(list)

    def add(self, timings_ms: dict[str, float]) -> None:
        for stage, ms in timings_ms.items():
            self._ms[stage].append(ms)

    def summary(self) -> dict[str, tuple[float, float]]:
        """stage → (median ms, p95 ms)."""
        return {s: (float(np.median(v)), float(np.percentile(v, 95))) for s, v in self._ms.items() if v}

    def format(self, stages: tuple[str, ...] | None = None) -> str:
        summary = self.summary()
        names = [s for s in (stages or tuple(summary)) if s in summary]
        width = max((len(n) for n in names), default=5)
        lines = [f"  {'stage':<{width}}  median ms    p95 ms"]
        lines += [f"  {n:<{width}}  {summary[n][0]:9.3f} {summary[n][1]:9.3f}" for n in names]
        return "\n".join(lines)
