"""A module that only `tests/core/test_deferred.py` imports, through a deferred reference."""


def double(x: int) -> int:
    return 2 * x
