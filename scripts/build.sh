#!/usr/bin/env bash
# Install citykg into .venv and build the knowledge graph of the bundled Omsk 2016 tables.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/citykg build "$@"
