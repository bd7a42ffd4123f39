"""Constant reference data the generated records draw from: stations, countries, names.

Kept apart from the generator so the realism (unicode addresses, currencies, VAT
rates, connector powers) can be read and extended in one place.

:data:`STATIONS` is what charging sessions pick from (its order and contents pin
every seeded session, so it only ever grows at the end, if at all); :data:`SITES`
is the stations directory the ``/api/v1/stations/`` endpoints serve: the
:data:`STATIONS` entries that have a name, an address and coordinates, with the
facts only the map shows (operator, amenities, opening hours), plus a few
stations no seeded session was charged at.
"""

from __future__ import annotations

import hashlib
from typing import Final, NamedTuple

__all__ = [
    "COUNTRIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "MAIL_DOMAINS",
    "SITES",
    "STATIONS",
    "Country",
    "Site",
    "Station",
]


class Country(NamedTuple):
    """Billing facts of a country: lower-case currency, VAT in tenths of a percent,
    and the range of a plausible kWh price in minor units."""

    currency: str
    vat_permille: int
    kwh_price_range: tuple[int, int]


COUNTRIES: Final[dict[str, Country]] = {
    "DE": Country("eur", 190, (39, 79)),
    "AT": Country("eur", 200, (39, 75)),
    "FR": Country("eur", 200, (35, 69)),
    "CH": Country("chf", 81, (45, 85)),
    "GB": Country("gbp", 200, (45, 79)),
    "PL": Country("pln", 230, (189, 349)),
    "SE": Country("sek", 250, (350, 790)),
    "DK": Country("dkk", 250, (350, 600)),
    "NO": Country("nok", 250, (350, 600)),
    "CZ": Country("czk", 210, (900, 1500)),
}

_AC: Final = "IEC_62196_T2"
_CCS: Final = "IEC_62196_T2_COMBO"
_CHADEMO: Final = "CHADEMO"
_SCHUKO: Final = "DOMESTIC_F"


class Station(NamedTuple):
    """A charging station; ``connectors`` lists (OCPI standard, power in kW) by EVSE number."""

    name: str | None
    address: str | None
    country: str
    latitude: str | None
    longitude: str | None
    support_phone: str | None
    logo_url: str | None
    is_partner: bool
    evse_code: str
    connectors: tuple[tuple[str, float], ...]


def _logo(slug: str | None) -> str | None:
    if slug is None:
        return None
    digest = hashlib.md5(slug.encode(), usedforsecurity=False).hexdigest()
    generation = 1_700_000_000_000_000 + int(digest[:12], 16) % 99_999_999_999_999
    size = 4_000 + int(digest[12:16], 16) % 20_000
    return (
        f"https://storage.googleapis.com/cariqa-cpo-logos/{slug}.png"
        f"?generation={generation}&md5_hash={digest}&size={size}"
    )


def _evse_code(address: str | None, name: str | None) -> str:
    # OCPI EVSE ids are upper-case alphanumerics; derive a stable one per station.
    raw = hashlib.blake2b(f"{name}|{address}".encode(), digest_size=16).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in raw[:12])


def _station(
    name: str | None,
    address: str | None,
    country: str,
    lat: str | None,
    lon: str | None,
    phone: str | None,
    logo: str | None,
    partner: bool,
    connectors: tuple[tuple[str, float], ...],
) -> Station:
    return Station(
        name, address, country, lat, lon, phone, _logo(logo), partner, _evse_code(address, name),
        connectors,
    )  # fmt: skip


STATIONS: Final[tuple[Station, ...]] = (
    _station("EVA Charge", "Ludwigstraße, 9, 67547, Worms", "DE", "49.630383", "8.368902",
             "+4971134214480", "evacharge", True, ((_AC, 22), (_AC, 22))),
    _station("Stadtwerke München", "Müllerstraße, 12, 80469, München", "DE", "48.131726",
             "11.568954", "+49892361234", "swm", True, ((_AC, 11), (_AC, 22), (_AC, 11))),
    _station("EnBW HyperNetz", "Königstraße, 1A, 70173, Stuttgart", "DE", "48.780521",
             "9.180136", "+4972163000", "enbw", False, ((_CCS, 150), (_CCS, 300), (_CHADEMO, 50))),
    _station("IONITY Gräfenhausen", "Raststätte Gräfenhausen West, A5, 64331, Weiterstadt", "DE",
             "49.938120", "8.614003", None, "ionity", False, ((_CCS, 300), (_CCS, 300))),
    _station(None, "Schloßstraße, 88, 12163, Berlin", "DE", "52.458210", "13.321790", None, None,
             False, ((_SCHUKO, 3.7), (_AC, 7.4))),
    _station("Wien Energie", "Mariahilfer Straße, 77, 1060, Wien", "AT", "48.198112",
             "16.350471", "+4314004", "wienenergie", True, ((_AC, 11), (_AC, 11))),
    _station("SMATRICS", "Grazer Straße, 3, 8045, Graz", "AT", "47.103920", "15.418300",
             "+43800223300", "smatrics", False, ((_CCS, 50), (_AC, 22))),
    _station("Move Mobility", "Bahnhofstrasse, 10, 8001, Zürich", "CH", "47.372140", "8.538980",
             "+41800150150", "move", True, ((_AC, 22), (_CCS, 150))),
    _station("Groupe E", "Rue du Rhône, 14, 1204, Genève", "CH", "46.203770", "6.147460", None,
             "groupe-e", False, ((_AC, 11),)),
    _station("GreenWay", "ul. Marszałkowska, 104, 00-017, Warszawa", "PL", "52.232850",
             "21.010590", "+48525110000", "greenway", True,
             ((_CCS, 50), (_CHADEMO, 50), (_AC, 22))),
    _station("ORLEN Charge", "ul. Łódzka, 12, 90-001, Łódź", "PL", "51.759250", "19.455980",
             None, None, False, ((_CCS, 150),)),
    _station("Vattenfall InCharge", "Götgatan, 36, 118 26, Stockholm", "SE", "59.314020",
             "18.072560", "+46200224466", "incharge", True, ((_AC, 22), (_AC, 11))),
    _station("Mer", "Åsögatan, 120, 116 24, Stockholm", "SE", "59.312660", "18.081990",
             "+4687505000", "mer", False, ((_CCS, 150), (_AC, 7.4))),
    _station("Pod Point", "King's Road, 151, SW3 5TX, London", "GB", "51.487490", "-0.168650",
             "+442072474110", "podpoint", True, ((_AC, 7.4), (_AC, 22))),
    _station("Clever", "Nørrebrogade, 20, 2200, København", "DK", "55.688940", "12.557310",
             None, "clever", False, ((_CCS, 300), (_AC, 11))),
    _station("Recharge", "Karl Johans gate, 5, 0154, Oslo", "NO", "59.911490", "10.748780",
             "+4722470000", "recharge", True, ((_AC, 22),)),
    _station("Izivia", "Avenue des Champs-Élysées, 92, 75008, Paris", "FR", "48.871450",
             "2.301640", "+33969321515", "izivia", False, ((_CCS, 150), (_AC, 22))),
    _station("ČEZ", "Václavské náměstí, 1, 110 00, Praha", "CZ", "50.081650", "14.426360",
             "+420371100100", "cez", True, ((_CCS, 50), (_AC, 22))),
    _station("Parkhaus Zentrum", None, "DE", None, None, None, None, False, ((_AC, 11),)),
)  # fmt: skip


class Site(NamedTuple):
    """A station of the directory: its catalogue entry and the facts the map shows.

    ``hours`` lists ``(weekday, begin, end)`` opening periods (``None`` times: closed
    that day); an empty tuple means open around the clock.
    """

    station: Station
    operator: str
    operator_id: str
    amenities: tuple[str, ...]
    hours: tuple[tuple[str, str | None, str | None], ...]


_ALWAYS: Final[tuple[tuple[str, str | None, str | None], ...]] = ()
_SHOP_HOURS: Final = (
    ("MONDAY", "07:00", "22:00"), ("TUESDAY", "07:00", "22:00"),
    ("WEDNESDAY", "07:00", "22:00"), ("THURSDAY", "07:00", "22:00"),
    ("FRIDAY", "07:00", "22:00"), ("SATURDAY", "08:00", "20:00"), ("SUNDAY", None, None),
)  # fmt: skip
_GARAGE_HOURS: Final = (("ALL", "06:00", "23:30"),)

SITES: Final[tuple[Site, ...]] = (
    Site(STATIONS[0], "EVA Charge", "evacharge", ("RESTAURANT", "CAFE"), _ALWAYS),
    Site(STATIONS[1], "Stadtwerke München", "swm", ("SUPERMARKET",), _SHOP_HOURS),
    Site(STATIONS[2], "EnBW", "enbw", ("MALL", "CAFE", "WIFI"), _ALWAYS),
    Site(STATIONS[3], "IONITY", "ionity", ("FUEL_STATION", "RESTAURANT"), _ALWAYS),
    Site(STATIONS[5], "Wien Energie", "wienenergie", ("TRAIN_STATION",), _ALWAYS),
    Site(STATIONS[6], "SMATRICS", "smatrics", (), _ALWAYS),
    Site(STATIONS[7], "Move", "move", ("TRAIN_STATION", "TAXI_STAND"), _ALWAYS),
    Site(STATIONS[8], "Groupe E", "groupe-e", ("MUSEUM",), _GARAGE_HOURS),
    Site(STATIONS[9], "GreenWay", "greenway", ("MALL",), _ALWAYS),
    Site(STATIONS[10], "ORLEN", "orlen", ("FUEL_STATION",), _ALWAYS),
    Site(STATIONS[11], "Vattenfall InCharge", "incharge", ("SUPERMARKET",), _SHOP_HOURS),
    Site(STATIONS[12], "Mer", "mer", ("CAFE",), _ALWAYS),
    Site(STATIONS[13], "Pod Point", "podpoint", ("SUPERMARKET", "WIFI"), _SHOP_HOURS),
    Site(STATIONS[14], "Clever", "clever", ("BUS_STOP",), _ALWAYS),
    Site(STATIONS[15], "Recharge", "recharge", ("HOTEL",), _ALWAYS),
    Site(STATIONS[16], "Izivia", "izivia", ("HOTEL", "RESTAURANT", "MUSEUM"), _GARAGE_HOURS),
    Site(STATIONS[17], "ČEZ", "cez", ("TRAIN_STATION",), _ALWAYS),
    # Map-only stations: neighbours for "around" and clusters on a tile.
    Site(_station("Stadtwerke Worms", "Bahnhofstraße, 2, 67547, Worms", "DE", "49.634460",
                  "8.357040", "+496241848100", "evacharge", True, ((_AC, 22), (_AC, 22))),
         "EVA Charge", "evacharge", ("TRAIN_STATION", "BUS_STOP"), _ALWAYS),
    Site(_station("EWR Ladepunkt", "Alzeyer Straße, 131, 67549, Worms", "DE", "49.637200",
                  "8.339800", "+4962418480", None, False, ((_CCS, 150), (_AC, 22))),
         "EWR", "ewr", ("SUPERMARKET",), _SHOP_HOURS),
    Site(_station("Ladepark Alexanderplatz", "Alexanderstraße, 7, 10178, Berlin", "DE",
                  "52.521918", "13.413215", "+4972163000", "enbw", False,
                  ((_CCS, 150), (_CCS, 150), (_AC, 22))),
         "EnBW", "enbw", ("CAFE", "SUPERMARKET", "TRAIN_STATION"), _ALWAYS),
    Site(_station("Parkhaus Mitte", "Karl-Liebknecht-Straße, 13, 10178, Berlin", "DE",
                  "52.522510", "13.408760", None, None, False, ((_AC, 11), (_SCHUKO, 3.7))),
         "Berliner Stadtwerke", "berlinerstadtwerke", ("MALL",), _GARAGE_HOURS),
    Site(_station("Shell Recharge Kurfürstendamm", "Kurfürstendamm, 26, 10719, Berlin", "DE",
                  "52.503390", "13.331160", "+498002345678", "shellrecharge", True,
                  ((_CCS, 300), (_CCS, 300), (_CHADEMO, 50))),
         "Shell Recharge", "shellrecharge", ("FUEL_STATION", "CAFE", "WIFI"), _ALWAYS),
    Site(_station("Allego Hafen", "Rheinkaistraße, 1, 68159, Mannheim", "DE", "49.490820",
                  "8.453670", "+31889500700", "allego", True, ((_CCS, 50), (_AC, 22))),
         "Allego", "allego", ("RECREATION_AREA", "NATURE"), _ALWAYS),
)  # fmt: skip

FIRST_NAMES: Final = (
    "anna", "lukas", "marie", "jonas", "sofia", "finn", "emma", "paul", "lena", "noah",
    "zofia", "jakub", "elin", "oscar", "chloe", "liam", "mia", "felix", "ida", "jan",
)  # fmt: skip
LAST_NAMES: Final = (
    "mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker",
    "kowalski", "nowak", "andersson", "johansson", "smith", "jones", "dubois", "martin",
    "novak", "hansen", "keller", "huber",
)  # fmt: skip
MAIL_DOMAINS: Final = ("example.com", "example.de", "example.org", "mail.example.net")
