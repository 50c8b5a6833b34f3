"""The services wired on one store."""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.repositories.rollups import HistoryRepository, RollupRepository
from graph_service.repositories.tree import EmployerRepository, MemberRepository, UnionRepository
from graph_service.services.demo import DemoLoader
from graph_service.services.stats import StatsService
from graph_service.services.tree import TreeService
from graph_service.settings import Settings
from graph_service.store import GraphStore


@dataclass(frozen=True)
class Services:
    """Every use case, ready to call."""

    tree: TreeService
    stats: StatsService
    demo: DemoLoader

    @classmethod
    def build(cls, store: GraphStore, settings: Settings) -> Services:
        """Wire repositories and services on ``store``."""
        tree = TreeService(
            UnionRepository(store), EmployerRepository(store), MemberRepository(store)
        )
        stats = StatsService(tree, RollupRepository(store), HistoryRepository(store))
        demo = DemoLoader(store, stats, batch_size=settings.write_batch_size)
        return cls(tree=tree, stats=stats, demo=demo)
