"""Per-request context: the services, batched loaders and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from graph_service.domain.models import Employer, Union
from graph_service.services.registry import Services


@dataclass
class Context(BaseContext):
    """What every resolver receives as ``info.context``."""

    services: Services
    may_see_personal_data: bool = False
    request_id: str | None = None
    actor: str = "anonymous"
    """Who is asking: recorded as ``recordedBy`` on every change (accounts: access control)."""
    unions: DataLoader[str, Union | None] = field(init=False)
    employers: DataLoader[str, Employer | None] = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        tree = self.services.tree

        async def load_unions(ids: list[str]) -> list[Union | None]:
            found = await tree.get_unions(ids)
            return [found.get(i) for i in ids]

        async def load_employers(ids: list[str]) -> list[Employer | None]:
            found = await tree.get_employers(ids)
            return [found.get(i) for i in ids]

        self.unions = DataLoader(load_fn=load_unions)
        self.employers = DataLoader(load_fn=load_employers)
