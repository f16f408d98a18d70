#!/usr/bin/env python3
"""Writes the tests' own GeoIP database (MaxMind format, GeoLite2-City layout) with mmdb-writer from PyPI.
The end-to-end tests send visits from chosen loopback addresses (127.x.y.z), so those ranges are mapped to
known places; documentation ranges are mapped too for the unit tests.

    python3 Tests/e2e/data/make_test_geo.py OUT.mmdb"""
import sys
from mmdb_writer import MMDBWriter
from netaddr import IPSet

PLACES = {
    # network: (country, region, city)
    "127.1.0.0/16": ("DE", "Bavaria", "Munich"),
    "127.2.0.0/16": ("JP", "Tokyo", "Tokyo"),
    "127.3.0.0/16": ("BR", "", ""),  # a country without a region or city
    "192.0.2.0/24": ("FR", "Île-de-France", "Paris"),
    "2001:db8:1::/48": ("NZ", "Wellington Region", "Wellington"),
}

writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"],
                    description={"en": "shortlink test database"})
for network, (country, region, city) in PLACES.items():
    record = {"country": {"iso_code": country, "names": {"en": country}}}
    if region:
        record["subdivisions"] = [{"names": {"en": region}}]
    if city:
        record["city"] = {"names": {"en": city}}
    writer.insert_network(IPSet([network]), record)
writer.to_db_file(sys.argv[1])
