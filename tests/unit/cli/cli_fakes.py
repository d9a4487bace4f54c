"""Fake registration and metrics APIs on httpx.MockTransport: they answer like the services and keep
every request, so a test can tell what the command asked (which day, which branch)."""

import uuid
from collections import Counter
from typing import Any

import httpx
import orjson

from jangkau_cli.simulate.rules import month_index, month_text


class FakeRegistry:
    """Just enough of the registration API for the field tools: batches, single items, participants.

    Like the service, it remembers the answers that stored something, not rejections: a corrected
    item sent again under the same client id is judged anew, while other content under the id of
    a stored item answers ``conflict``. ``fail_after_batches`` makes later
    batches fail to connect; ``interrupt_after_batches`` raises KeyboardInterrupt instead, as
    Python does when the user presses Ctrl-C while the command waits for an answer.
    """

    def __init__(
        self,
        *,
        fail_after_batches: int | None = None,
        interrupt_after_batches: int | None = None,
        status: int | None = None,
        monthly: int | None = None,
    ) -> None:
        self.fail_after_batches = fail_after_batches
        self.interrupt_after_batches = interrupt_after_batches
        self.status = status
        #: With a monthly rate the fake quotes and checks amounts at it (the programme's rates are
        #: not the fake's business: a command that priced payments itself would be refused).
        self.monthly = monthly
        self.batches = 0
        self.received: Counter[str] = Counter()  # client id -> times sent
        self.answers: dict[str, dict[str, Any]] = {}
        self.stored_items: dict[str, dict[str, Any]] = {}  # client id -> the item whose answer is kept
        self.by_nik: dict[str, str] = {}
        self.participants: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        """The transport to give the client."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Route one request."""
        self.requests.append(request)
        if self.status is not None:
            return httpx.Response(self.status, json={"title": "no", "detail": "token not accepted"})
        path = request.url.path
        if request.method == "GET" and path.endswith("/quote"):
            return self.quote(path.split("/")[3], request.url.params)
        if request.method == "GET" and path.startswith("/v1/participants/"):
            found = self.participants.get(path.rsplit("/", 1)[1])
            return (
                httpx.Response(200, json=found) if found else httpx.Response(404, json={"detail": "no such"})
            )
        body = orjson.loads(request.content)
        if path.endswith(":batch"):
            if self.fail_after_batches is not None and self.batches >= self.fail_after_batches:
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            if self.interrupt_after_batches is not None and self.batches >= self.interrupt_after_batches:
                raise KeyboardInterrupt
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
        client_id = str(item["client_id"])
        self.received[client_id] += 1
        if client_id in self.stored_items and self.stored_items[client_id] != item:
            error = {"field": "client_id", "value": client_id, "reason": "already used for a different item"}
            return {"client_id": client_id, "status": "conflict", "errors": [error]}
        return self.answers.get(client_id)

    def _keep(self, item: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        self.answers[str(item["client_id"])] = answer
        self.stored_items[str(item["client_id"])] = dict(item)
        return answer

    def register(self, item: dict[str, Any]) -> dict[str, Any]:
        """Store a registration whose NIK is 16 digits; same NIK again answers already_registered."""
        if (previous := self._seen(item)) is not None:
            return previous
        nik = str(item.get("nik", ""))
        if len(nik) != 16 or not nik.isdigit():
            error = {"field": "nik", "value": "<hidden>", "reason": "must be exactly 16 digits"}
            return {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        if nik in self.by_nik:
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
        return self._keep(item, answer)

    def quote(self, participant_id: str, params: httpx.QueryParams) -> httpx.Response:
        """Quote ``months`` months at the fake's monthly rate, its only rate period: 2027-01 onward."""
        if self.monthly is None or participant_id not in self.participants:
            return httpx.Response(404, json={"detail": f"participant_id: no participant {participant_id}"})
        first, months = params["first_month"], int(params.get("months", "1"))
        if first < "2027-01":
            reason = "no contribution rate is in force for this month"
            error = {"field": "first_month", "value": first, "reason": reason}
            return httpx.Response(422, json={"title": "Invalid request", "status": 422, "errors": [error]})
        covered = [month_text(month_index(first) + n) for n in range(months)]
        monthly = [{"month": m, "amount": self.monthly, "rate_from": "2027-01", "rate_until": None,
                    "discounts": []} for m in covered]  # fmt: skip
        quoted = {
            "participant_id": participant_id, "first_month": first, "months": months,
            "last_month": covered[-1], "payer_type": params.get("payer_type", "self"),
            "paid_on": params.get("paid_on"), "amount": self.monthly * months,
            "paid_through": covered[-1], "reactivates": False, "monthly": monthly,
        }  # fmt: skip
        return httpx.Response(200, json=quoted)

    def contribute(self, item: dict[str, Any]) -> dict[str, Any]:
        """Store a contribution for a known participant (of the amount due, with a monthly rate)."""
        if (previous := self._seen(item)) is not None:
            return previous
        due = None if self.monthly is None else self.monthly * int(item.get("months", 1))
        if due is not None and item.get("amount") != due:
            error = {"field": "amount", "value": item.get("amount"), "reason": f"must be {due}"}
            return {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        if item.get("participant_id") not in self.participants:
            error = {
                "field": "participant_id",
                "value": item.get("participant_id"),
                "reason": "unknown participant",
            }
            return {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        if item.get("amount", 0) <= 0:
            error = {"field": "amount", "value": item.get("amount"), "reason": "must be more than 0"}
            return {"client_id": item["client_id"], "status": "invalid", "errors": [error]}
        pid = item["participant_id"]
        return self._keep(item, {"client_id": item["client_id"], "status": "created", "participant_id": pid})


#: Participants by state in the fake metrics' rows.
STATES = {
    "registered": 4600,
    "never_paid": 600,
    "active": 1200,
    "arrears_1": 300,
    "arrears_2": 200,
    "arrears_3": 100,
    "lapsed": 2200,
}


class FakeMetrics:
    """Just enough of the metrics JSON API for `jangkau status`, answering for the day it is asked.

    Without ``as_of`` it answers for its own clock's day (``clock_day``), as the service does.
    Its target's ``achieved`` is measured on that clock day, like the service's, so a command that
    shows it for another day shows a wrong figure. ``extras=False``: only coverage by branch.
    """

    def __init__(
        self, *, measure: str = "registered", extras: bool = True, clock_day: str = "2026-11-23"
    ) -> None:
        self.measure, self.extras, self.clock_day = measure, extras, clock_day
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        """The transport to give the client."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Route one request."""
        self.requests.append(request)
        query, path = request.url.params, request.url.path
        day = query.get("as_of") or self.clock_day
        if path == "/v1/coverage" and query.get("by") == "branch":
            rows = [{"key": "denpasar", **STATES}, {"key": "jambi", **STATES, "registered": 1}]
            return httpx.Response(200, json={"as_of": day, "by": "branch", "rows": rows})
        if not self.extras:
            return httpx.Response(404, json={"detail": "Not Found"})
        if path == "/v1/coverage":
            return httpx.Response(200, json={"as_of": day, "rows": [{"key": "51.71.01.1003", **STATES}]})
        if path == "/v1/targets":
            target = {"branch": "denpasar", "year": int(query["year"]), "target": 23_000, "actual": 9_200}
            return httpx.Response(200, json=[target | {"achieved": 0.4, "measure": self.measure}])
        if path == "/v1/timeseries":
            return httpx.Response(
                200, json=self._series(query.get("from"), query.get("to") or self.clock_day)
            )
        return httpx.Response(404, json={"detail": "Not Found"})

    @staticmethod
    def _series(first: str | None, last: str) -> list[dict[str, Any]]:
        """Denpasar's movement: 12 registrations on 2 January of the day's year, and some on the last day."""
        movement = {"branch": "denpasar", "registrations": 5, "contributions": 30, "rupiah": 504_000}
        rows = [{**movement, "day": last}]
        january = f"{last[:4]}-01-02"
        if first is not None and first <= january < last:
            rows.insert(0, {**movement, "day": january, "registrations": 12, "contributions": 0, "rupiah": 0})
        return rows
