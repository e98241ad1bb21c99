#!/usr/bin/env bash
# Installs what the project needs, once. A second run only compares a stamp and returns.
# Debian packages go in with --no-install-recommends (the recommended ARM libstdc++ alone is 1.5 GB);
# Python packages go into a venv pinned by requirements.lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HARK_VENV:-$ROOT/.venv}"

APT_PACKAGES=(
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  cmake make gcc libc6-dev
  python3 python3-venv python3-dev
  espeak-ng flite sox
  clang libclang-rt-14-dev llvm cppcheck clang-tidy
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A pyenv or other non-Debian Python counts: the venv needs only a working python3 with ensurepip.
if [ ${#missing[@]} -gt 0 ] && python3 -c 'import ensurepip, venv' 2>/dev/null; then
  keep=()
  for p in "${missing[@]}"; do
    case "$p" in python3|python3-venv|python3-dev) ;; *) keep+=("$p") ;; esac
  done
  missing=("${keep[@]+"${keep[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The training recipe's extra TTS engines (SVOX Pico, MBROLA voices) live outside Debian's main area. Without
# them everything works but building the recipe's corpus, which then names this script.
bash "$ROOT/tools/install_voices.sh" \
  || echo "bootstrap: warning: tools/install_voices.sh failed; 'hark corpus' needs it (or --extra-engines '')" >&2

stamp_want="$(cat "$ROOT/requirements.lock" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
stamp_file="$VENV/.hark-stamp"
if [ ! -f "$stamp_file" ] || [ "$(cat "$stamp_file")" != "$stamp_want" ]; then
  echo "bootstrap: preparing Python venv at $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.lock" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import hark, tensorflow, serial, tflite_micro" 2>/dev/null \
    || { echo "bootstrap: the venv at $VENV does not import its packages; see the pip output above" >&2; exit 1; }
  echo "$stamp_want" > "$stamp_file"
fi

# PlatformIO builds offline from two wrapper packages in the project's .pio-core/ (nothing downloaded).
"$VENV/bin/python" "$ROOT/tools/pio_offline_setup.py" >/dev/null
