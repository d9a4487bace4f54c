"""HTTP contracts of the registration API (request and response bodies, problems)."""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from jangkau_shared.events import Channel, PayerType, Programme, Segment

MAX_BATCH_ITEMS = 1000
VILLAGE_PATTERN = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"


class RegistrationIn(BaseModel):
    """One worker to register, as a field tool sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: UUID = Field(
        description="Id the field tool generated for this item. Replaying it returns the first answer; "
        "reusing it for different content answers 409."
    )
    nik: str = Field(
        min_length=1,
        max_length=32,
        description="16-digit NIK: known province code, real birth date (day + 40 for women), serial "
        "from 0001. Stored encrypted; shown masked in errors.",
        examples=["5171015508170001"],
    )
    name: str = Field(min_length=1, max_length=200, description="Full name (letters). Stored encrypted.")
    village_code: str = Field(
        pattern=VILLAGE_PATTERN,
        description="Kemendagri desa/kelurahan code; must exist and be served by a branch the token may act "
        "for. The owning branch is derived from it.",
        examples=["51.71.01.1003"],
    )
    branch: str | None = Field(
        default=None,
        description="Optional: the branch the team expects. When given it must be the branch serving the "
        "village, else 422.",
        examples=["denpasar"],
    )
    segment: Segment = Field(description="Kind of informal work.")
    programmes: list[Programme] = Field(
        min_length=1, max_length=3, description="JKK and JKM required; JHT optional."
    )
    income_bracket: int = Field(description="Declared monthly income bracket in rupiah, from the rate table.")
    channel: Channel = Field(description="Channel through which the registration was taken.")
    registered_on: date = Field(description="Day of registration in the field; not in the future, not before "
                                "the programme began (2015-07-01).")  # fmt: skip
    campaign_id: UUID | None = Field(default=None, description="Campaign that brought this worker.")
    birth_date: date | None = Field(default=None, description="Optional; must match the NIK's birth date.")
    sex: Literal["F", "M"] | None = Field(
        default=None, description="Optional; must match the NIK (F: day + 40)."
    )


class RegistrationOut(BaseModel):
    """Outcome of one registration (201)."""

    status: Literal["created"] = Field(description="The worker is now a participant.")
    participant_id: UUID = Field(description="Random participant id, the key of the worker's events.")


class ContributionIn(BaseModel):
    """One payment for consecutive months of a participant."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: UUID = Field(description="Id the field tool generated for this payment; it becomes the "
                            "contribution id. Replays return the first answer.")  # fmt: skip
    participant_id: UUID = Field(
        description="Participant the payment is for (of a branch the token may act for)."
    )
    first_month: str = Field(description="First month covered, YYYY-MM.", examples=["2026-04"])
    months: Literal[1, 3, 6, 12] = Field(description="Months covered: 1, 3, 6 or 12.")
    amount: int = Field(
        description="Rupiah received; must equal the sum of the rates in force for each month."
    )
    payer_type: PayerType = Field(description="Who paid; APBD/APBN payers get no 2026 discount.")
    channel: Channel = Field(description="Channel through which the payment was taken.")
    paid_on: date = Field(description="Day the money was received; not in the future.")
    campaign_id: UUID | None = Field(default=None, description="Campaign the payment is attributed to.")


class ContributionOut(BaseModel):
    """Outcome of one payment (201)."""

    status: Literal["recorded"] = Field(description="The payment is stored and its event queued.")
    contribution_id: UUID = Field(description="The client id of the payment.")
    participant_id: UUID = Field(description="Participant paid for.")
    paid_through: str = Field(description="Month the participant is now paid through, YYYY-MM.")
    reactivated: bool = Field(description="True when the participant had lapsed and coverage restarted.")


class QuotedMonthOut(BaseModel):
    """One month of a quote: its amount and where the amount comes from."""

    month: str = Field(description="Month covered, YYYY-MM.")
    amount: int = Field(description="Rupiah due for this month.")
    rate_from: str = Field(description="First month of the rate period in force (rates.toml), YYYY-MM.")
    rate_until: str | None = Field(description="Last month of that rate period, YYYY-MM; null: open-ended.")
    discounts: list[str] = Field(description="Names of the discounts applied this month (may be empty).")


class QuoteOut(BaseModel):
    """The amount a payment must have, and what it would do; computed by the code that checks payments."""

    participant_id: UUID = Field(description="Participant the payment would be for.")
    first_month: str = Field(description="First month covered, YYYY-MM.")
    months: int = Field(description="Months covered: 1, 3, 6 or 12.")
    last_month: str = Field(description="Last month covered, YYYY-MM.")
    payer_type: PayerType = Field(description="Who would pay (the discounts depend on it).")
    paid_on: date = Field(description="Day the money would be received (the quote is valid for it).")
    amount: int = Field(description="Rupiah to send as `amount` of `POST /v1/contributions`.")
    paid_through: str = Field(description="Month the participant would be paid through, YYYY-MM.")
    reactivates: bool = Field(description="True when the participant has lapsed and coverage would restart.")
    monthly: list[QuotedMonthOut] = Field(description="Each month covered, with its rate period.")


class ParticipantOut(BaseModel):
    """A participant's enrolment and standing on a day; no personal data."""

    participant_id: UUID
    branch: str = Field(description="Owning branch office.")
    village_code: str
    segment: Segment
    programmes: list[Programme]
    income_bracket: int
    channel: Channel
    registered_on: date
    campaign_id: UUID | None
    paid_through: str | None = Field(
        description="Last month paid by the contributions paid on or before as_of, YYYY-MM; null: none."
    )
    as_of: date = Field(description="Day the standing is told for.")
    state: Literal["never_paid", "active", "arrears", "lapsed"] = Field(
        description="never_paid; active (paid through the last month due, due by the 15th); arrears (1-3 "
        "due months unpaid, recoverable); lapsed (more than 3)."
    )
    arrears_months: int = Field(description="Due months unpaid (0 when never paid or active).")


class BatchIn(BaseModel):
    """Up to 1,000 items from an offline queue; each is validated and answered on its own."""

    items: list[dict[str, Any]] = Field(
        description=f"Items shaped like the single-item request. Over {MAX_BATCH_ITEMS} answers 413."
    )


def batch_body(schema: str) -> dict[str, Any]:
    """OpenAPI request body of a batch whose items are ``schema`` (validated one by one, not up front)."""
    items = {
        "type": "array",
        "maxItems": MAX_BATCH_ITEMS,
        "items": {"$ref": f"#/components/schemas/{schema}"},
    }
    body = {"type": "object", "required": ["items"], "properties": {"items": items}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


class FieldError(BaseModel):
    """One rejected field."""

    field: str = Field(description="Dotted path of the field.")
    value: Any = Field(description="The value received (NIK masked; name and birth date hidden).")
    reason: str = Field(description="Which rule it breaks.")


class BatchItemOut(BaseModel):
    """The answer to one batch item."""

    index: int = Field(description="Position of the item in the request.")
    client_id: str | None = Field(description="The item's client id, when readable.")
    status: Literal[
        "created", "recorded", "already_registered", "conflict", "invalid", "forbidden", "not_found"
    ] = Field(description="created/recorded: stored; already_registered: NIK known (participant_id given); "
              "conflict: client id reused with other content; invalid: see errors; forbidden: branch out of "
              "scope; not_found: no such participant for this token.")  # fmt: skip
    http_status: int = Field(description="Status the single-item endpoint would answer.")
    participant_id: UUID | None = None
    paid_through: str | None = None
    reactivated: bool | None = None
    replayed: bool = Field(default=False, description="True when this repeats an earlier answer.")
    errors: list[FieldError] = Field(default_factory=list)
    expected_amount: int | None = Field(default=None, description="On an amount mismatch: the amount due.")


class BatchOut(BaseModel):
    """Answers to a batch, in request order."""

    results: list[BatchItemOut]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(default=None, description="Rejected fields (422).")
    participant_id: UUID | None = Field(
        default=None, description="On 409 already registered: the participant."
    )
    expected: int | None = Field(default=None, description="On an amount mismatch: the amount due.")
    given: int | None = Field(default=None, description="On an amount mismatch: the amount sent.")
