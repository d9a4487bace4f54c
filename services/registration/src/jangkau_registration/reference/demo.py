"""The villages named in the field reports, with their real Kemendagri codes (checked in tests).

Notes from checking them against the dataset (idn-area-data 4.0.1, Kepmendagri 2025):
- Sesetan is a kelurahan (51.71.01.1003); Ubung Kaja and Dangin Puri Kangin, called
  kelurahan in the reports, are desa (serial 2xxx) in Kecamatan Denpasar Utara.
- "Sungai Baung" names six villages nationwide; the Batanghari one is in Kecamatan Muara
  Bulian (15.04.03.2015).
- The reports' "Muarojambi" is spelled "Muaro Jambi" in the dataset (15.05).
- Bram Itam Raya is a desa in Kecamatan Bram Itam; do not confuse it with the kelurahan
  Bram Itam Kiri (15.06.11.1001) or the desa Bram Itam Kanan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoVillage:
    """A village from the field reports, with the programme it belongs to."""

    code: str
    name: str
    district: str
    regency: str
    programme: str


DENPASAR_PILOT = "Denpasar BPU pilot 2016"
JAMBI_LAUNCH = "Jambi desa sadar jaminan sosial 2018"

SESETAN = DemoVillage("51.71.01.1003", "Sesetan", "Denpasar Selatan", "Kota Denpasar", DENPASAR_PILOT)
UBUNG_KAJA = DemoVillage("51.71.04.2008", "Ubung Kaja", "Denpasar Utara", "Kota Denpasar", DENPASAR_PILOT)
DANGIN_PURI_KANGIN = DemoVillage(
    "51.71.04.2001", "Dangin Puri Kangin", "Denpasar Utara", "Kota Denpasar", DENPASAR_PILOT
)

SUNGAI_BAUNG = DemoVillage(
    "15.04.03.2015", "Sungai Baung", "Muara Bulian", "Kabupaten Batanghari", JAMBI_LAUNCH
)
TALANG_DUKU = DemoVillage("15.05.11.2002", "Talang Duku", "Taman Rajo", "Kabupaten Muaro Jambi", JAMBI_LAUNCH)
KASANG_PUDAK = DemoVillage(
    "15.05.06.2005", "Kasang Pudak", "Kumpeh Ulu", "Kabupaten Muaro Jambi", JAMBI_LAUNCH
)
MENDALO_DARAT = DemoVillage(
    "15.05.01.2007", "Mendalo Darat", "Jambi Luar Kota", "Kabupaten Muaro Jambi", JAMBI_LAUNCH
)
BRAM_ITAM_RAYA = DemoVillage(
    "15.06.11.2005", "Bram Itam Raya", "Bram Itam", "Kabupaten Tanjung Jabung Barat", JAMBI_LAUNCH
)

DENPASAR_PILOT_VILLAGES: tuple[DemoVillage, ...] = (SESETAN, UBUNG_KAJA, DANGIN_PURI_KANGIN)
JAMBI_LAUNCH_VILLAGES: tuple[DemoVillage, ...] = (
    SUNGAI_BAUNG,
    TALANG_DUKU,
    KASANG_PUDAK,
    MENDALO_DARAT,
    BRAM_ITAM_RAYA,
)
DEMO_VILLAGES: tuple[DemoVillage, ...] = DENPASAR_PILOT_VILLAGES + JAMBI_LAUNCH_VILLAGES
