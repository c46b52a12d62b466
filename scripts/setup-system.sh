#!/usr/bin/env bash
# Installs the system packages the local stack needs, when they are missing:
# Java 17+ and Maven (to resolve and run Apache Kafka), PostgreSQL's server, Graphviz
# and fonts (the console's diagrams), Chromium (the console's browser tests).
# As root it runs apt-get; otherwise it prints the command to run.
set -euo pipefail

missing=()
if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then
  missing+=(openjdk-17-jre-headless)
fi
command -v mvn >/dev/null 2>&1 || missing+=(maven)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)             # the console's state diagrams
command -v chromium >/dev/null 2>&1 || missing+=(chromium)       # the console's browser tests
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
