"""The three scenarios, built from the figures in the field reports (docs/domain.md#field-figures).

Village codes are real Kemendagri codes (copied from the registration service's reference data,
not imported: a field tool depends on no service package). Figures marked "assumed" are not in
the reports; they only shape the demo.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Village:
    """A real village and the branch office (KC) that serves its regency."""

    code: str
    name: str
    branch: str


@dataclass(frozen=True)
class CampaignSpec:
    """An outreach campaign the scenario plans and holds before enrolling people through it."""

    name: str
    kind: str
    place: str
    partners: tuple[str, ...]
    target_registrations: int
    target_first_payments: int


@dataclass(frozen=True)
class Wave:
    """Enrolments of one kind over a date range (counts are at scale 1)."""

    name: str
    villages: tuple[Village, ...]
    count: int
    start: date
    end: date
    channel: str
    segments: tuple[str, ...]
    campaign: CampaignSpec | None = None
    pays_on_spot: float = 0.3  # share paying their first month the day they register
    payer_type: str = "self"
    # Payment behaviour mix: never pays, one month, three months once, pays k months then stops,
    # keeps paying monthly, pays a year ahead (and renews).
    behaviour: tuple[tuple[str, float], ...] = (
        ("never", 0.2),
        ("one", 0.2),
        ("three", 0.15),
        ("stops", 0.2),
        ("keeps", 0.2),
        ("yearly", 0.05),
    )


@dataclass(frozen=True)
class Scenario:
    """A named, seeded story: who enrols where and when, and the simulated 'today'."""

    name: str
    description: str
    waves: tuple[Wave, ...]
    today: date
    default_scale: float
    targets: dict[str, int] = field(default_factory=dict)


SESETAN = Village("51.71.01.1003", "Sesetan", "denpasar")
UBUNG_KAJA = Village("51.71.04.2008", "Ubung Kaja", "denpasar")
DANGIN_PURI_KANGIN = Village("51.71.04.2001", "Dangin Puri Kangin", "denpasar")
URBAN = ("trader", "street_vendor", "driver", "home_industry", "domestic_worker", "artist")

#: The 2016 pilot in three Denpasar villages: village, people enrolled, channel, campaign kind.
_PILOT_2016 = (
    (SESETAN, 2000, "door_to_door", "door_to_door"),
    (UBUNG_KAJA, 1000, "village_office", "village_launch"),
    (DANGIN_PURI_KANGIN, 1000, "village_office", "village_launch"),
)
#: The village leaders who carried the pilot, as the report names them.
_PILLARS = ("Kepala desa/lurah", "Bhabinkamtibmas", "Babinsa")

SESETAN_2017 = Scenario(
    name="sesetan-2017",
    description="Denpasar: the 2016 pilot in three villages and the Sesetan Karnaval booth, 13-17 Aug 2017.",
    today=date(2018, 2, 20),
    default_scale=0.1,
    targets={"denpasar": 22_964},
    waves=(
        *(
            Wave(
                f"Pilot {village.name} 2016",
                (village,),
                count,
                date(2016, 3, 1),
                date(2016, 12, 20),
                channel,
                URBAN,
                CampaignSpec(
                    f"Pilot BPU 2016: {village.name}",
                    kind,
                    f"{village.name}, Denpasar",
                    _PILLARS,
                    count,
                    count,
                ),
            )
            for village, count, channel, kind in _PILOT_2016
        ),
        Wave(
            "Sesetan Karnaval booth",
            (SESETAN,),
            600,  # assumed: the report gives no booth figure
            date(2017, 8, 13),
            date(2017, 8, 17),
            "booth",
            URBAN,
            CampaignSpec(
                "Sesetan Karnaval & Pekan Olahraga Kelurahan Sesetan 2017",
                "festival_booth",
                "Lapangan Pegok, Sesetan",
                ("Kelurahan Sesetan", "Banjar youth groups"),
                600,
                400,
            ),
            pays_on_spot=0.7,
        ),
    ),
)

_JAMBI = (
    (Village("15.04.03.2015", "Sungai Baung", "jambi"), date(2018, 3, 20), ("farmer", "trader")),
    (Village("15.05.11.2002", "Talang Duku", "jambi"), date(2018, 5, 8), ("farmer", "fisher", "trader")),
    (Village("15.05.06.2005", "Kasang Pudak", "jambi"), date(2018, 7, 17), ("trader", "farmer", "driver")),
    (Village("15.05.01.2007", "Mendalo Darat", "jambi"), date(2018, 9, 11), ("farmer", "trader")),
    (Village("15.06.11.2005", "Bram Itam Raya", "jambi"), date(2018, 10, 23), ("fisher", "farmer")),
)

JAMBI_2018 = Scenario(
    name="jambi-2018",
    description="Jambi: 'desa sadar jaminan sosial' launches in five villages towards 36,000 in 2018.",
    today=date(2019, 1, 31),
    default_scale=0.015,
    targets={"jambi": 36_000},
    waves=tuple(
        Wave(
            f"Desa sadar {village.name}",
            (village,),
            7_200,  # the 36,000 target spread over the five launches (assumed even)
            launch,
            launch + timedelta(days=30),
            "village_office",
            segments,
            CampaignSpec(
                f"Desa Sadar Jaminan Sosial {village.name}",
                "village_launch",
                f"Balai Desa {village.name}",
                ("Kepala Desa", "Bhabinkamtibmas", "Babinsa"),
                7_200,
                3_600,
            ),
            pays_on_spot=0.5,
        )
        for village, launch, segments in _JAMBI
    ),
)

#: Three real villages per Banten regency/city and the KC serving it (branches.toml).
_BANTEN_VILLAGES = (
    (
        "pandeglang",
        (("36.01.01.2001", "Sumberjaya"), ("36.01.12.2015", "Banyumekar"), ("36.01.23.2002", "Pasireurih")),
    ),
    (
        "rangkasbitung",
        (
            ("36.02.01.2002", "Cilangkahan"),
            ("36.02.10.2001", "Pasindangan"),
            ("36.02.18.2007", "Kaduagung Barat"),
        ),
    ),
    (
        "tigaraksa",
        (("36.03.01.1001", "Balaraja"), ("36.03.10.2003", "Rawa Kidang"), ("36.03.18.2012", "Pasir Jaya")),
    ),
    (
        "serang",
        (("36.04.05.2001", "Kramatwatu"), ("36.04.15.2002", "Leuwi Limus"), ("36.04.25.2008", "Rancasumur")),
    ),
    (
        "tangerang",
        (
            ("36.71.01.1001", "Sukarasa"),
            ("36.71.05.1009", "Poris Plawad Utara"),
            ("36.71.09.1004", "Panunggangan Barat"),
        ),
    ),
    (
        "cilegon",
        (("36.72.01.1001", "Cibeber"), ("36.72.03.1004", "Suralaya"), ("36.72.06.1003", "Rawa Arum")),
    ),
    (
        "serang-kota",
        (("36.73.01.1001", "Serang"), ("36.73.03.1001", "Walantaka"), ("36.73.04.1009", "Curug Manis")),
    ),
    (
        "serpong",
        (("36.74.01.1001", "Ciater"), ("36.74.03.1003", "Pondok Karya"), ("36.74.05.1003", "Pisangan")),
    ),
)
BANTEN_VILLAGES = tuple(
    Village(code, name, branch) for branch, villages in _BANTEN_VILLAGES for code, name in villages
)
_PANDEGLANG = tuple(v for v in BANTEN_VILLAGES if v.branch == "pandeglang")

BANTEN = Scenario(
    name="banten",
    description="Banten: '100 people per village' across 1,238 villages and 14 offices, and Pandeglang's "
    "22,000 vulnerable workers paid by the regional budget; 2026, with the April-December discount.",
    today=date(2026, 11, 20),
    default_scale=0.005,
    waves=(
        Wave(
            "100 per village",
            BANTEN_VILLAGES,
            123_800,  # 100 people x 1,238 villages
            date(2026, 1, 5),
            date(2026, 10, 30),
            "community_agent",
            ("farmer", "fisher", "trader", "construction", "driver", "street_vendor"),
        ),
        Wave(
            "Pandeglang APBD",
            _PANDEGLANG,
            22_000,
            date(2026, 2, 2),
            date(2026, 6, 30),
            "village_office",
            ("farmer", "fisher"),
            pays_on_spot=0.0,
            payer_type="regional_budget",
            behaviour=(("keeps", 0.9), ("stops", 0.1)),
        ),
    ),
)

SCENARIOS = {scenario.name: scenario for scenario in (SESETAN_2017, JAMBI_2018, BANTEN)}
