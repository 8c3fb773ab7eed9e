"""Seeded, order-free randomness: a value is a hash of the seed and the row's own keys.

Hashing (instead of a random stream) makes every row independent of how many rows came before it,
so the same seed gives the same bytes whatever the scale, thread count or query plan.
"""

from __future__ import annotations

import hashlib

_DENOM = float(1 << 53)


def install(con, seed: int) -> None:
    """SQL macros u1..u4(keys...) -> uniform double in [0, 1), and h2(a, b) -> ubigint."""
    for n in range(1, 5):
        args = ", ".join(f"k{i}" for i in range(n))
        con.execute(f"create or replace macro u{n}({args}) as (hash({int(seed)}, {args}) >> 11)::double / {_DENOM}")
    con.execute(f"create or replace macro h2(k0, k1) as hash({int(seed)}, k0, k1)")


def pyrand(seed: int, *parts: object) -> float:
    """The same idea in Python, for the small catalogue: uniform in [0, 1) from the seed and keys."""
    digest = hashlib.blake2b("|".join(str(p) for p in (seed, *parts)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / _DENOM
