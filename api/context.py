"""Per-request context: the services, batched loaders and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.dataloaders import SharedDataLoader
from graph_service.domain.accounts import Principal
from graph_service.domain.models import Employer, Union
from graph_service.services.registry import Services


@dataclass
class Context(BaseContext):
    """What every resolver receives as ``info.context``."""

    services: Services
    principal: Principal
    """The authenticated caller (api/auth.py); every resolver scopes what it reads to it."""
    request_id: str | None = None
    client_address: str | None = None
    full_reads: list[tuple[str, str]] = field(default_factory=list)
    """(kind, id) of every object whose full certificate number or phone this request returned;
    written to the audit log once per request."""
    unions: DataLoader[str, Union | None] = field(init=False)
    employers: DataLoader[str, Employer | None] = field(init=False)

    @property
    def actor(self) -> str:
        """Who is asking: recorded as ``recordedBy`` on every change."""
        return self.principal.actor

    @property
    def may_see_personal_data(self) -> bool:
        """Role allows full values (object-level scope checks refine this)."""
        return self.principal.may_see_full_values

    def note_full_read(self, kind: str, object_id: str) -> None:
        """Record that a full certificate number or phone of this object was returned."""
        self.full_reads.append((kind, object_id))

    def __post_init__(self) -> None:
        super().__init__()
        tree = self.services.tree

        async def load_unions(ids: list[str]) -> list[Union | None]:
            found = await tree.get_unions(ids)
            return [found.get(i) for i in ids]

        async def load_employers(ids: list[str]) -> list[Employer | None]:
            found = await tree.get_employers(ids)
            return [found.get(i) for i in ids]

        self.unions = SharedDataLoader(load_fn=load_unions)
        self.employers = SharedDataLoader(load_fn=load_employers)
