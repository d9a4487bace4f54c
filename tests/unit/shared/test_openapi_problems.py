"""OpenAPI documents list every problem answer as application/problem+json."""

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from jangkau_shared.http import BodyLimit, document_problems, install_problem_handlers


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodyLimit, max_bytes=1024)
    document_problems(app, max_body_bytes=1024)
    install_problem_handlers(app)

    @app.post("/things", responses={409: {"description": "Taken."}})
    async def create(body: Thing) -> Thing:
        return body

    @app.get("/things/{name}")
    async def read(name: str) -> Thing:
        return Thing(name=name)

    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test")


async def test_every_4xx_of_every_route_is_documented_as_a_problem() -> None:
    async with _client() as client:
        document = (await client.get("/openapi.json")).json()

    create = document["paths"]["/things"]["post"]["responses"]
    read = document["paths"]["/things/{name}"]["get"]["responses"]
    assert {"400", "409", "413", "422"} <= set(create)
    assert "400" not in read
    assert "413" not in read
    for response in [*(create[s] for s in ("400", "409", "413", "422")), read["422"]]:
        assert response["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
        }
    assert "ProblemDetails" in document["components"]["schemas"]


async def test_the_documented_problem_matches_what_a_bad_body_gets() -> None:
    async with _client() as client:
        invalid = await client.post("/things", json={"name": 3})
        not_json = await client.post(
            "/things", content=b"\x80\x06", headers={"content-type": "application/json"}
        )
        too_large = await client.post("/things", json={"name": "x" * 2000})

    assert [invalid.status_code, not_json.status_code, too_large.status_code] == [422, 400, 413]
    for answer in (invalid, not_json, too_large):
        assert answer.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(answer.json())
    assert invalid.json()["errors"][0]["field"] == "name"


async def test_a_body_streamed_past_the_limit_is_a_413_not_a_parse_error() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        yield b"x" * 2000
        yield b'"}'

    async with _client() as client:
        streamed = await client.post(
            "/things", content=chunks(), headers={"content-type": "application/json"}
        )

    assert streamed.status_code == 413, streamed.text
    assert streamed.json()["max_bytes"] == 1024
