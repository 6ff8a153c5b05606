#!/usr/bin/env bash
# Install citykg with a plain `pip install .` (no extras) into a fresh virtual environment and run
# every main job the README shows: build, query, a YAML-mapped load, networks, metrics, a map,
# figures and every export format. Fails on the first job that does not work.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q .
citykg="$work/venv/bin/citykg"
store="$work/store"
cd "$work"
"$citykg" build --quiet --store "$store"
"$citykg" query partners -p city=Omsk --store "$store" --format csv > partners.csv
"$citykg" load "$OLDPWD/tests/data/tables/districts/pairs.csv" --mapping wikipedia-raw --store "$store" 2> load.log
"$citykg" network --out network.html --store "$store"
"$citykg" network --out network.png --store "$store"
"$citykg" network --out network.svg --store "$store"
"$citykg" map --out map.html --store "$store"
"$citykg" metrics --store "$store" > metrics.txt
for format in ttl nt nq trig jsonld rdf graphml gexf csv; do
  "$citykg" export --out "graph.$format" --store "$store"
done
for file in partners.csv network.html network.png network.svg map.html metrics.txt graph.ttl graph.nt graph.nq \
            graph.trig graph.jsonld graph.rdf graph.graphml graph.gexf graph.csv; do
  [ -s "$file" ] || { echo "plain install: $file is empty" >&2; exit 1; }
done
grep -q Manzhouli partners.csv
echo "plain install: every main job works"
