#!/usr/bin/env bash
# Installs the TTS engines beyond espeak-ng and flite that the training recipe speaks with: SVOX Pico
# (pico2wave), espeak-ng's MBROLA voices (us1, us2, us3, en1) and RHVoice's English voices (RHVoice-test). A second
# run finds them and returns.
#
# Debian ships them in its contrib and non-free areas, Ubuntu in multiverse; most machines list only main. The
# extra areas are read from a package list private to this project (.apt-voices/), so the machine's own
# /etc/apt sources stay as they are. Licences: Pico is Apache-2.0; the MBROLA voice databases are free for
# non-commercial, non-military use (see /usr/share/doc/mbrola-us1/copyright once installed); RHVoice and its voices
# alan, bdl and clb are LGPL-2.1+, evgeniy-eng and lyubov CC-BY-NC-ND-4.0 (/usr/share/doc/rhvoice-english/copyright).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES=(libttspico-utils mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1)
# RHVoice only builds an optional corpus (docs/datasets.md): where the release has no such package the install goes
# on without it, and a marker keeps later runs from asking apt again.
OPTIONAL=(rhvoice rhvoice-english)
DIR="$ROOT/.apt-voices"

required() {
  command -v pico2wave >/dev/null && command -v mbrola >/dev/null \
    && for v in us1 us2 us3 en1; do [ -f "/usr/share/mbrola/$v/$v" ] || return 1; done
}
optional() { { command -v RHVoice-test >/dev/null && [ -d /usr/share/RHVoice/voices/clb ]; } || [ -f "$DIR/no-rhvoice" ]; }
required && optional && exit 0

. /etc/os-release
case "${ID:-}:${ID_LIKE:-}" in
  debian:*) line="deb http://deb.debian.org/debian ${VERSION_CODENAME} main contrib non-free" ;;
  ubuntu:*|*:*ubuntu*) line="deb http://archive.ubuntu.com/ubuntu ${UBUNTU_CODENAME:-$VERSION_CODENAME} main universe multiverse" ;;
  *) echo "install_voices: no package source known for '${ID:-unknown}'; install ${PACKAGES[*]} by hand" >&2; exit 1 ;;
esac

mkdir -p "$DIR/lists/partial"
echo "$line" > "$DIR/sources.list"
OPTS=(-o "Dir::Etc::sourcelist=$DIR/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$DIR/lists"
      -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install_voices: installing ${PACKAGES[*]} ${OPTIONAL[*]} (from: $line)"
$SUDO apt-get "${OPTS[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${OPTS[@]}" install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
required || { echo "install_voices: installed, but pico2wave or an MBROLA voice is still missing" >&2; exit 1; }
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${OPTS[@]}" install -y -qq --no-install-recommends \
     "${OPTIONAL[@]}" >/dev/null 2>&1; then
  echo "install_voices: ${OPTIONAL[*]} not available here; the optional RHVoice corpus cannot be built" >&2
  touch "$DIR/no-rhvoice"
fi
