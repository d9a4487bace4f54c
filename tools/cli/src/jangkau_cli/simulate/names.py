"""Plausible names by region: Balinese birth-order names, Jambi Malay and Banten Sundanese names."""

import random

_BALI_ORDER_MEN = ("I Wayan", "I Putu", "I Gede", "I Made", "I Kadek", "I Nyoman", "I Komang", "I Ketut")
_BALI_ORDER_WOMEN = (
    "Ni Wayan",
    "Ni Putu",
    "Ni Luh",
    "Ni Made",
    "Ni Kadek",
    "Ni Nyoman",
    "Ni Komang",
    "Ni Ketut",
)
_BALI_MEN = ("Sudarsana", "Artawan", "Suardana", "Budiarta", "Wirawan", "Suparta", "Adnyana", "Sukadana")
_BALI_WOMEN = ("Sriasih", "Ariani", "Suartini", "Yuliani", "Sukerti", "Rusmini", "Wulandari", "Suwetri")

_MEN = ("Ahmad", "Muhammad", "Budi", "Dedi", "Agus", "Hendra", "Rudi", "Syamsul", "Asep", "Ujang", "Iwan")
_WOMEN = ("Siti", "Nur", "Dewi", "Rina", "Yanti", "Lilis", "Euis", "Neneng", "Fitri", "Sri", "Aisyah")
_JAMBI_FAMILY = ("Hasibuan", "Syahputra", "Rahman", "Hidayat", "Saputra", "Effendi", "Zulkarnain", "Yusuf")
_BANTEN_FAMILY = ("Suherman", "Sutisna", "Hidayat", "Kurniawan", "Rohmat", "Jaenudin", "Mulyana", "Sopandi")


def person_name(rng: random.Random, province: str, *, female: bool) -> str:
    """A name that would not look out of place in the village's province."""
    if province == "51":
        order = rng.choice(_BALI_ORDER_WOMEN if female else _BALI_ORDER_MEN)
        return f"{order} {rng.choice(_BALI_WOMEN if female else _BALI_MEN)}"
    given = rng.choice(_WOMEN if female else _MEN)
    family = rng.choice(_JAMBI_FAMILY if province == "15" else _BANTEN_FAMILY)
    return f"{given} {family}"
