"""Rolling-window rate limits shared by every worker process and host.

``rate_limit_acquire`` blocks until a call fits in the window, then records
it. The window lives where every worker that shares the database can see it:

- in Redis when ``REDIS_URL`` is set (a sorted set per bucket, checked and written
  by one Lua script);
- beside the database file on SQLite (a small file per bucket, read and written
  under an exclusive ``flock``): SQLite means one host, and a row per call would
  take SQLite's one write lock, which the workers' bookkeeping needs;
- otherwise in the database (rows of ``RateLimitCall``, counted under a lock on
  the bucket row).

Either way N workers together never exceed the limit.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
import uuid
from array import array
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min

from integrations.models import RateLimitBucket, RateLimitCall

#: our clock and the vendor's see a call at slightly different instants (the time
#: between admitting a call and its arrival varies by a few milliseconds): a call
#: admitted right at our window's edge must still be outside the vendor's. Every
#: window is this much longer than the vendor's: 10 % of the one-second search window.
EDGE_MARGIN_S = 0.1
#: how long the database keeps admitted calls beyond the window
KEEP_S = 60.0

_ADMIT_LUA = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
    tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


@cache
def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    return client, client.register_script(_ADMIT_LUA)


def _admit_redis(bucket: str, limit: int, window_s: float) -> float:
    _, script = _redis()
    now = time.time()  # the script runs atomically: no wait between this and admission
    key = f"syncadmin:{settings.Q_CLUSTER['name']}:ratelimit:{bucket}"
    wait = float(script(keys=[key], args=[now, window_s, limit, f"{now}:{uuid.uuid4().hex}"]))
    return wait


def _admit_db(bucket: str, limit: int, window_s: float) -> float:
    RateLimitBucket.objects.get_or_create(name=bucket)
    with transaction.atomic():
        # On PostgreSQL this row lock serialises the bucket's callers; SQLite's
        # IMMEDIATE transactions already serialise all writers.
        RateLimitBucket.objects.select_for_update().get(name=bucket)
        # the clock is read once the lock is held: a caller that waited for it is sent
        # now, so it is recorded now (a time read before the wait would let the next
        # callers through too early, and the vendor would see more than the limit)
        now = time.time()
        in_window = RateLimitCall.objects.filter(bucket_id=bucket, at__gt=now - window_s)
        if in_window.count() < limit:
            RateLimitCall.objects.create(bucket_id=bucket, at=now)
            if int(now) % 10 == 0:
                RateLimitCall.objects.filter(bucket_id=bucket, at__lt=now - KEEP_S).delete()
            return 0.0
        oldest = in_window.aggregate(oldest=Min("at"))["oldest"]
        return max(oldest + window_s - now, 0.001)


def _windows_dir() -> Path:
    """The folder of the SQLite database's bucket files (one per database file, so two
    databases on one machine, such as two test runs, never share a window)."""
    database = Path(connection.settings_dict["NAME"])
    return database.with_name(f"{database.name}.ratelimit")


def _admit_file(bucket: str, limit: int, window_s: float) -> float:
    folder = _windows_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(folder / re.sub(r"[^A-Za-z0-9_.-]", "_", bucket), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        now = time.time()  # read under the lock, as for the database's bucket
        admitted = array("d")
        admitted.frombytes(os.pread(fd, os.fstat(fd).st_size, 0))
        in_window = [at for at in admitted if at > now - window_s]
        if len(in_window) >= limit:
            return max(min(in_window) + window_s - now, 0.001)
        kept = array("d", [*in_window, now]).tobytes()
        os.pwrite(fd, kept, 0)
        os.ftruncate(fd, len(kept))
        return 0.0
    finally:
        os.close(fd)  # and with it the lock


def _admit_for() -> Callable[[str, int, float], float]:
    if settings.REDIS_URL:
        return _admit_redis
    return _admit_file if connection.vendor == "sqlite" else _admit_db


def rate_limit_reset() -> None:
    """Forget every call in every window (tests start from empty windows)."""
    if settings.REDIS_URL:
        client, _ = _redis()
        keys = list(client.scan_iter(f"syncadmin:{settings.Q_CLUSTER['name']}:ratelimit:*"))
        if keys:
            client.delete(*keys)
    elif connection.vendor == "sqlite":
        shutil.rmtree(_windows_dir(), ignore_errors=True)
    else:
        RateLimitCall.objects.all().delete()


def rate_limit_acquire(bucket: str, *, limit: int, window_s: float) -> float:
    """Block until one more call fits ``limit`` per rolling ``window_s``; returns seconds waited."""
    window = window_s + EDGE_MARGIN_S
    admit = _admit_for()
    waited = 0.0
    while True:
        wait = admit(bucket, limit, window)
        if wait <= 0:
            return waited
        time.sleep(wait)
        waited += wait
