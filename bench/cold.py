"""One cold run: a fresh process runs one recorded query set through db.query and prints its time as JSON.

python -m bench.cold <query_sets.json> <key>
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()
from bench.queries import decode  # noqa: E402  (imports are timed apart from the queries)
from burden import access, db  # noqa: E402


def main() -> None:
    import_s = time.perf_counter() - started
    queries = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))[sys.argv[2]]
    t0 = time.perf_counter()
    access.set_current(access.local_scope())  # the recorded pages ran as the local single user
    for name, params in queries:
        db.query(name, **decode(params))
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "import_s": import_s, "queries": len(queries)}))


if __name__ == "__main__":
    main()
