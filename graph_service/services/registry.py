"""The services wired on one store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph_service.repositories.accounts import AccountRepository
from graph_service.repositories.audit import AuditRepository
from graph_service.repositories.certificates import CertificateRepository
from graph_service.repositories.rollups import HistoryRepository, RollupRepository
from graph_service.repositories.tree import EmployerRepository, MemberRepository, UnionRepository
from graph_service.sealed_secrets import SecretSealer
from graph_service.services.accounts import AccountService
from graph_service.services.affiliation import AffiliationService
from graph_service.services.anomalies import AnomalyService
from graph_service.services.audit import AuditService
from graph_service.services.certificate_admin import CertificateAdmin
from graph_service.services.certificates import CertificateRegister, RevocationLists, load_cas
from graph_service.services.data_quality import DataQualityService
from graph_service.services.demo import DemoLoader
from graph_service.services.imports import ImportService
from graph_service.services.membership import MembershipService
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
    anomalies: AnomalyService
    membership: MembershipService
    imports: ImportService
    affiliation: AffiliationService
    data_quality: DataQualityService
    audit: AuditService
    accounts: AccountService
    certificates: CertificateAdmin

    @classmethod
    def build(cls, store: GraphStore, settings: Settings) -> Services:
        """Wire repositories and services on ``store``."""
        tree = TreeService(
            UnionRepository(store), EmployerRepository(store), MemberRepository(store)
        )
        rollups = RollupRepository(store)
        stats = StatsService(tree, rollups, HistoryRepository(store))
        demo = DemoLoader(store, stats, batch_size=settings.write_batch_size)
        anomalies = AnomalyService(store, tree, rollups)
        membership = MembershipService(store, tree, settings)
        imports = ImportService(store, tree, stats)
        affiliation = AffiliationService(store, tree, stats)
        audit = AuditService(AuditRepository(store), tree)
        register = certificate_register(store, settings)
        accounts = AccountService(
            AccountRepository(store, sealer_for(settings)), tree, settings, audit=audit,
            certificates=register,
        )  # fmt: skip
        return cls(
            tree=tree,
            stats=stats,
            demo=demo,
            anomalies=anomalies,
            membership=membership,
            imports=imports,
            affiliation=affiliation,
            data_quality=DataQualityService(store, tree, rollups),
            audit=audit,
            accounts=accounts,
            certificates=CertificateAdmin(accounts, register, audit),
        )


def sealer_for(settings: Settings) -> SecretSealer:
    """The TOTP sealer of these settings: UNION_TREE_TOTP_KEY, else <data_dir>/totp.key."""
    key = settings.totp_key.get_secret_value() if settings.totp_key else None
    return SecretSealer.load(Path(settings.data_dir), key)


def certificate_register(store: GraphStore, settings: Settings) -> CertificateRegister:
    """Bindings on ``store``, the CRLs of ``crl_files`` and the CAs of ``client_ca``."""
    cas = load_cas(settings.client_ca)
    crls = RevocationLists(
        settings.crl_files, cas=cas, refresh_seconds=settings.crl_refresh_seconds
    )
    if crls.enabled:
        crls.reload()  # at start: an unusable CRL is logged now, not at the first sign-in
    return CertificateRegister(
        CertificateRepository(store), crls, cas=cas, cache_seconds=settings.principal_cache_seconds
    )
