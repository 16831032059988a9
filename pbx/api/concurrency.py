"""Safe retries and concurrent edits (docs/api.md).

- `Idempotency-Key` on POST: the first answer (status and body) is stored in the same
  transaction as the work and replayed to a retry with the same key and body, also to
  retries sent while the first is still running (they wait for its answer); the same
  key with another body is `409 idempotency_key_reused`. A request that fails stores
  nothing, so it can be retried.
- `ETag` on detail responses (a digest of the representation the caller sees);
  `If-Match` on PUT, PATCH and DELETE answers `412 precondition_failed` when the object
  changed meanwhile; `If-None-Match` on GET answers `304`.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from pbx.api.exceptions import ApiError, IdempotencyKeyReused, PreconditionFailed
from pbx.models import IdempotencyKey

# The status of a claim whose work has not committed yet (never seen by another request:
# the claim and the answer commit together).
PENDING = 0


def etag_of(data):
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _tags(header):
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def check_if_match(request, current_data):
    """Refuse a write whose If-Match names another version than the current one."""
    header = request.headers.get("If-Match")
    if header and "*" not in header and etag_of(current_data) not in _tags(header):
        raise PreconditionFailed()


def not_modified(request, etag):
    header = request.headers.get("If-None-Match")
    return bool(header) and ("*" in header or etag in _tags(header))


def _owner(request):
    prefix = getattr(request.auth, "prefix", None)
    return f"key:{prefix}" if prefix else f"user:{request.user.pk}"


def _request_hash(request):
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def idempotent(request, do_work):
    """Run `do_work()` (which returns a Response) at most once per Idempotency-Key.

    The key is claimed before the work, in the work's transaction: a row of its own under
    a unique constraint. A concurrent twin's claim waits on that row until the first
    request commits (then it replays the stored answer) or rolls back (then it does the
    work itself, as a retry of a failed request would). However retries interleave, each
    gets the first answer; none reaches the work to collide with it."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return do_work()
    if len(key) > 255:
        raise ApiError("Idempotency-Key is at most 255 characters.")
    owner, request_hash = _owner(request), _request_hash(request)
    expired = timezone.now() - timedelta(hours=settings.PBX_IDEMPOTENCY_HOURS)
    IdempotencyKey.objects.filter(owner=owner, created_at__lt=expired).delete()
    previous = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if previous is not None:
        return _replay(previous, request_hash)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    owner=owner, key=key, request_hash=request_hash, status_code=PENDING
                )
        except IntegrityError:
            claim = None  # a twin committed its answer while this one waited on the claim
        if claim is not None:
            response = do_work()
            claim.status_code, claim.response_body = response.status_code, response.data
            claim.save(update_fields=["status_code", "response_body"])
            return response
    return _replay(IdempotencyKey.objects.get(owner=owner, key=key), request_hash)


def _replay(previous, request_hash):
    if previous.request_hash != request_hash:
        raise IdempotencyKeyReused()
    response = Response(previous.response_body, status=previous.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
