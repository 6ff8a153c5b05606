"""Offline place resolution: Russian names, spelling variants, disambiguation by country."""

from __future__ import annotations

import pytest

from citykg.loaders.gazetteer import normalise_name, resolve_city, resolve_country


@pytest.mark.parametrize(
    "name, country, geonames_id, method",
    [
        ("Омск", "RU", 1496153, "name"),
        ("Маньчжурия", "CN", 2035836, "name"),
        ("Урумчи", "CN", 1529102, "name"),
        ("Кайфын", "CN", 1804879, "name"),
        ("Бургас", "BG", 732770, "name"),
        ("Могилев", "BY", 625665, "name"),
        ("Могилёв", "BY", 625665, "name"),  # ё and е are one letter for matching
        ("Улан-Удэ", "RU", 2014407, "name"),
        ("Чинчжу", "KR", 1846052, "variant"),  # Palladius "чж" for GeoNames' "Чинджу" (Jinju)
        ("Jinju", "KR", 1846052, "name"),
        ("Омскк", "RU", 1496153, "fuzzy"),
    ],
)
def test_report_names_resolve(name, country, geonames_id, method):
    resolution = resolve_city([name], country)
    assert (resolution.city.geonames_id, resolution.method) == (geonames_id, method)


def test_country_disambiguates_petropavlovsk():
    # In Kazakhstan "Петропавловск" is Petropavl, not Petropavlovsk-Kamchatsky
    assert resolve_city(["Петропавловск"], "KZ").city.name == "Petropavl"
    assert resolve_city(["Petropavlovsk-Kamchatsky"], "RU").city.geonames_id == 2122104


def test_country_decides_between_namesakes_and_without_it_the_biggest_wins():
    # Burgas (Bulgaria) and Burgos (Spain) both answer to "Бургас" in GeoNames
    assert resolve_city(["Бургас"], "ES").city.name == "Burgos"
    assert resolve_city(["Бургас"], "BG").city.name == "Burgas"
    assert resolve_city(["Бургас"], None).city.name == "Burgas"


def test_source_country_that_the_gazetteer_contradicts_is_reported_not_overwritten():
    resolution = resolve_city(["Симферополь"], "RU")
    assert resolution.city.name == "Simferopol"
    assert resolution.country_conflict == "UA"


def test_explicit_identifier_wins_over_the_name():
    resolution = resolve_city(["Somewhere else"], "RU", geonames_id=1496153)
    assert (resolution.city.name, resolution.method) == ("Omsk", "explicit-id")


def test_unknown_place_is_unresolved_with_no_guess():
    resolution = resolve_city(["Ксиззивиль"], "RU")
    assert not resolution.resolved and resolution.method == "unresolved"


def test_resolved_city_carries_coordinates_population_country():
    city = resolve_city(["Omsk"], "RU").city
    assert (round(city.latitude, 1), round(city.longitude, 1)) == (55.0, 73.4)
    assert city.population > 1_000_000
    assert city.iri == "https://sws.geonames.org/1496153/"


@pytest.mark.parametrize(
    "value, code",
    [
        ("CN", "CN"),
        ("Китайская Народная Республика (КНР)", "CN"),
        ("Республика Казахстан", "KZ"),
        ("Республика Корея", "KR"),
        ("Republic of Korea", "KR"),
        ("Российская Федерация", "RU"),
        ("Россия", "RU"),
        ("NA", "NA"),  # Namibia, not a missing value
        ("germany", "DE"),
    ],
)
def test_countries(value, code):
    assert resolve_country(value).code == code


def test_unknown_country():
    assert resolve_country("Atlantis") is None


def test_normalise_name():
    assert normalise_name("Ёлкино-на-Волге") == normalise_name("елкино на волге")
    assert normalise_name("São Paulo") == "sao paulo"
