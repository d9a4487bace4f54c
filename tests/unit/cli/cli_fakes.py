"""A fake registration API on httpx.MockTransport: dedupes by client id, counts what it receives."""

import uuid
from collections import Counter
from typing import Any

import httpx
import orjson


class FakeRegistry:
    """Just enough of the registration API for the field tools: batches, single items, participants."""

    def __init__(self, *, fail_after_batches: int | None = None, status: int | None = None) -> None:
        self.fail_after_batches = fail_after_batches
        self.status = status
        self.batches = 0
        self.received: Counter[str] = Counter()  # client id -> times sent
        self.answers: dict[str, dict[str, Any]] = {}
        self.by_nik: dict[str, str] = {}
        self.participants: dict[str, dict[str, Any]] = {}

    def transport(self) -> httpx.MockTransport:
        """The transport to give the client."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Route one request."""
        if self.status is not None:
            return httpx.Response(self.status, json={"title": "no", "detail": "token not accepted"})
        path = request.url.path
        if request.method == "GET" and path.startswith("/v1/participants/"):
            found = self.participants.get(path.rsplit("/", 1)[1])
            return (
                httpx.Response(200, json=found) if found else httpx.Response(404, json={"detail": "no such"})
            )
        body = orjson.loads(request.content)
        if path.endswith(":batch"):
            if self.fail_after_batches is not None and self.batches >= self.fail_after_batches:
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            self.batches += 1
            item = self.register if path.startswith("/v1/registrations") else self.contribute
            return httpx.Response(200, json={"results": [item(i) for i in body["items"]]})
        answer = (self.register if path == "/v1/registrations" else self.contribute)(body)
        if answer["status"] == "created":
            return httpx.Response(201, json=answer)
        problem = {"type": "about:blank", "title": answer["status"], "detail": "no", "status": 409}
        if answer["status"] == "already_registered":
            return httpx.Response(409, json={**problem, "participant_id": answer["participant_id"]})
        return httpx.Response(422, json={**problem, "status": 422, "errors": answer["errors"]})

    def _seen(self, item: dict[str, Any]) -> dict[str, Any] | None:
        self.received[str(item["client_id"])] += 1
        return self.answers.get(str(item["client_id"]))

    def register(self, item: dict[str, Any]) -> dict[str, Any]:
        """Store a registration whose NIK is 16 digits; same NIK again answers already_registered."""
        if (previous := self._seen(item)) is not None:
            return previous
        nik = str(item.get("nik", ""))
        if len(nik) != 16 or not nik.isdigit():
            error = {"field": "nik", "value": "<hidden>", "reason": "must be exactly 16 digits"}
            answer: dict[str, Any] = {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        elif nik in self.by_nik:
            answer = {
                "client_id": item["client_id"],
                "status": "already_registered",
                "participant_id": self.by_nik[nik],
            }
        else:
            pid = str(uuid.uuid4())
            self.by_nik[nik] = pid
            self.participants[pid] = {
                "participant_id": pid,
                "income_bracket": item.get("income_bracket"),
                "programmes": item.get("programmes"),
            }
            answer = {"client_id": item["client_id"], "status": "created", "participant_id": pid}
        self.answers[str(item["client_id"])] = answer
        return answer

    def contribute(self, item: dict[str, Any]) -> dict[str, Any]:
        """Store a contribution for a known participant."""
        if (previous := self._seen(item)) is not None:
            return previous
        if item.get("participant_id") not in self.participants:
            error = {
                "field": "participant_id",
                "value": item.get("participant_id"),
                "reason": "unknown participant",
            }
            answer: dict[str, Any] = {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        else:
            answer = {
                "client_id": item["client_id"],
                "status": "created",
                "participant_id": item["participant_id"],
            }
        self.answers[str(item["client_id"])] = answer
        return answer
