"""Unknown keys in a hand-editable file (a model spec, a training config) are refused, naming the closest
known key: a typo such as ``"colour"`` or ``"epoch"`` would otherwise be ignored without a word."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable


def refuse_unknown_keys(keys: Iterable[str], known: Iterable[str], where: str,
                        error: Callable[[str], Exception], prefix: str = "") -> None:
    """Raise ``error("WHERE: unknown key 'PREFIXkey' (did you mean 'PREFIXname'?)")`` for the first key not
    in ``known``; ``prefix`` (``"input."``) places a nested key in the file."""
    names = list(known)
    for key in keys:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {prefix + close[0]!r}?)" if close else ""
            raise error(f"{where}: unknown key {prefix + str(key)!r}{hint}")
