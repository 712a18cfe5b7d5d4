"""Rolling-window rate limits shared by every worker process and host.

``rate_limit_acquire`` blocks until a call fits in the window, then records
it. The window lives in Redis when ``REDIS_URL`` is set (a sorted set per
bucket, checked and written by one Lua script), otherwise in the database
(rows of ``RateLimitCall``, counted under a lock on the bucket row). Either
way N workers together never exceed the limit.
"""

from __future__ import annotations

import time
import uuid
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Min

from integrations.models import RateLimitBucket, RateLimitCall

#: our clock and the vendor's see a call at slightly different instants; a call
#: admitted right at our window's edge must still be outside the vendor's
EDGE_MARGIN_S = 0.25
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


def rate_limit_acquire(bucket: str, *, limit: int, window_s: float) -> float:
    """Block until one more call fits ``limit`` per rolling ``window_s``; returns seconds waited."""
    window = window_s + EDGE_MARGIN_S
    admit = _admit_redis if settings.REDIS_URL else _admit_db
    waited = 0.0
    while True:
        wait = admit(bucket, limit, window)
        if wait <= 0:
            return waited
        time.sleep(wait)
        waited += wait
