"""Member transfers (会籍接转): the path between two unions and the transfer record."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from graph_service.domain.codes import TransferState, UnionLevel
from graph_service.domain.models import GraphModel, OptionalGraphDate, Union

__all__ = ["OPEN_STATES", "MemberTransfer", "MembershipChange", "TransferPath"]

OPEN_STATES: tuple[TransferState, ...] = (TransferState.REQUESTED, TransferState.RELEASED)
"""States in which a transfer is under way (the member is TRANSFERRING)."""


class TransferPath(BaseModel):
    """The way a member travels through the tree: up to the common ancestor, then down."""

    model_config = ConfigDict(frozen=True)

    from_union: Union
    to_union: Union
    common_ancestor: Union
    up: list[Union]
    """From ``from_union`` up to, not including, the common ancestor."""
    down: list[Union]
    """From below the common ancestor down to ``to_union``."""
    hops: int
    boundary: UnionLevel
    """The common ancestor's level."""
    cross_region: bool
    """The boundary is COUNTY or higher."""


class MemberTransfer(GraphModel):
    """A ``(:Transfer)`` node: one member moving from one union to another."""

    id: str
    member_id: str = Field(alias="memberId")
    from_union_id: str = Field(alias="fromUnionId")
    to_union_id: str = Field(alias="toUnionId")
    to_employer_id: str | None = Field(None, alias="toEmployerId")
    state: TransferState
    requested_on: OptionalGraphDate = Field(None, alias="requestedOn")
    released_on: OptionalGraphDate = Field(None, alias="releasedOn")
    completed_on: OptionalGraphDate = Field(None, alias="completedOn")
    expires_on: OptionalGraphDate = Field(None, alias="expiresOn")
    closed_on: OptionalGraphDate = Field(None, alias="closedOn")
    reason: str | None = None
    note: str | None = None
    recorded_by: str | None = Field(None, alias="recordedBy")

    @property
    def is_open(self) -> bool:
        """Whether the transfer is still under way."""
        return self.state in OPEN_STATES


class MembershipChange(GraphModel):
    """A ``(:MembershipChange)`` log entry (会籍变化: 1 入会 … 6 退会)."""

    id: str
    member_id: str = Field(alias="memberId")
    type: str
    reason: str | None = None
    union_id: str | None = Field(None, alias="unionId")
    effective_on: OptionalGraphDate = Field(None, alias="effectiveOn")
    recorded_at: str | None = Field(None, alias="recordedAt")
    recorded_by: str | None = Field(None, alias="recordedBy")
    transfer_id: str | None = Field(None, alias="transferId")
