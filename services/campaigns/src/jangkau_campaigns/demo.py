"""Demo campaigns from the field reports, loaded through the use cases (so they publish events).

Village codes are the real Kemendagri codes (copied from the registration service's reference
data, checked there against the 2025 dataset). Dates, targets and headcounts that the reports do
not give are demo assumptions, listed in docs/campaigns.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid5

from jangkau_campaigns import service
from jangkau_campaigns.domain.campaigns import CampaignStatus, HoldCampaign, PlanCampaign
from jangkau_campaigns.ports import Places, UnitOfWork
from jangkau_shared.events import CampaignKind

SESETAN = "51.71.01.1003"
UBUNG_KAJA = "51.71.04.2008"
DANGIN_PURI_KANGIN = "51.71.04.2001"
SUNGAI_BAUNG = "15.04.03.2015"
TALANG_DUKU = "15.05.11.2002"
KASANG_PUDAK = "15.05.06.2005"
MENDALO_DARAT = "15.05.01.2007"
BRAM_ITAM_RAYA = "15.06.11.2005"

_NAMESPACE = UUID("6f1c1d2e-5a2b-4c0e-9a51-3a4f0c6d7e11")
PILLARS = ("Kepala desa/lurah", "Bhabinkamtibmas", "Babinsa")


@dataclass(frozen=True)
class DemoCampaign:
    """A campaign to plan, and how it went (None: not held yet)."""

    plan: PlanCampaign
    held: HoldCampaign | None
    closed: bool


def _id(slug: str) -> UUID:
    return uuid5(_NAMESPACE, slug)


def _sesetan_carnival() -> DemoCampaign:
    plan = PlanCampaign(
        campaign_id=_id("denpasar/sesetan-karnaval-2017"),
        branch="denpasar",
        name="Booth Sesetan Karnaval & Pekan Olahraga Kelurahan Sesetan 2017",
        kind=CampaignKind.FESTIVAL_BOOTH,
        village_codes=(SESETAN,),
        place="Lapangan Pegok, Sesetan, Denpasar",
        starts_on=date(2017, 8, 13),
        ends_on=date(2017, 8, 17),
        partners=("Panitia Sesetan Karnaval", "Kelurahan Sesetan"),
        target_registrations=500,
        target_first_payments=400,
    )
    held = HoldCampaign(date(2017, 8, 13), date(2017, 8, 17), 3000, "Register and pay on the spot.")
    return DemoCampaign(plan, held, closed=True)


def _denpasar_pilot(slug: str, village: str, name: str, target: int) -> DemoCampaign:
    plan = PlanCampaign(
        campaign_id=_id(f"denpasar/pilot-2016/{slug}"),
        branch="denpasar",
        name=f"Pilot BPU 2016: {name}",
        kind=CampaignKind.DOOR_TO_DOOR,
        village_codes=(village,),
        place=f"Door to door, {name}, Denpasar",
        starts_on=date(2016, 3, 1),
        ends_on=date(2016, 12, 31),
        partners=PILLARS,
        target_registrations=target,
        target_first_payments=target,
    )
    return DemoCampaign(plan, HoldCampaign(date(2016, 3, 1), date(2016, 12, 31), target), closed=True)


def _jambi_launch(slug: str, village: str, name: str, day: date, partners: tuple[str, ...]) -> DemoCampaign:
    plan = PlanCampaign(
        campaign_id=_id(f"jambi/desa-sadar-2018/{slug}"),
        branch="jambi",
        name=f"Peluncuran Desa Sadar Jaminan Sosial {name}",
        kind=CampaignKind.VILLAGE_LAUNCH,
        village_codes=(village,),
        place=f"Kantor Desa {name}",
        starts_on=day,
        ends_on=day,
        partners=partners,
        target_registrations=1000,
        target_first_payments=800,
    )
    return DemoCampaign(plan, HoldCampaign(day, day, 250), closed=False)


def demo_campaigns() -> list[DemoCampaign]:
    """Return the demo campaigns: Sesetan 2017, the Denpasar 2016 pilots, the Jambi 2018 launches."""
    officials = ("Perangkat desa (all enrolled first)", *PILLARS)
    return [
        _sesetan_carnival(),
        _denpasar_pilot("sesetan", SESETAN, "Kelurahan Sesetan", 2000),
        _denpasar_pilot("ubung-kaja", UBUNG_KAJA, "Desa Ubung Kaja", 1000),
        _denpasar_pilot("dangin-puri-kangin", DANGIN_PURI_KANGIN, "Desa Dangin Puri Kangin", 1000),
        _jambi_launch("sungai-baung", SUNGAI_BAUNG, "Sungai Baung", date(2018, 3, 14), officials),
        _jambi_launch("talang-duku", TALANG_DUKU, "Talang Duku", date(2018, 4, 18), PILLARS),
        _jambi_launch("kasang-pudak", KASANG_PUDAK, "Kasang Pudak", date(2018, 5, 16), PILLARS),
        _jambi_launch("mendalo-darat", MENDALO_DARAT, "Mendalo Darat", date(2018, 7, 11), PILLARS),
        _jambi_launch("bram-itam-raya", BRAM_ITAM_RAYA, "Bram Itam Raya", date(2018, 8, 15), PILLARS),
    ]


async def load_demo(uow: Callable[[], UnitOfWork], now: Callable[[], datetime], places: Places) -> list[str]:
    """Bring every demo campaign to its state; steps already done are skipped (idempotent)."""
    actor = service.Everyone()
    done: list[str] = []
    for demo in demo_campaigns():
        campaign_id = demo.plan.campaign_id
        assert campaign_id is not None
        async with uow() as work:
            campaign = await work.campaigns.get(campaign_id)
        if campaign is None:
            campaign = await service.plan_campaign(demo.plan, actor=actor, uow=uow(), places=places, now=now)
            done.append(f"planned {demo.plan.name}")
        if demo.held and campaign.status == CampaignStatus.PLANNED:
            campaign = await service.hold_campaign(campaign_id, demo.held, actor=actor, uow=uow(), now=now)
            done.append(f"held {demo.plan.name}")
        if demo.closed and campaign.status == CampaignStatus.HELD:
            await service.close_campaign(campaign_id, actor=actor, uow=uow(), now=now)
            done.append(f"closed {demo.plan.name}")
    return done
