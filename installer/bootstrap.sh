#!/usr/bin/env bash
# Set up everything Reelsmith needs in ./.venv, then run the app or the test suite.
#
#   bash installer/bootstrap.sh run [PROJECT | MEDIA...]   # the app (no arguments: the demo project)
#   bash installer/bootstrap.sh test [PYTEST ARGS...]      # the whole test suite
#
# Idempotent: system packages are installed only when missing, and pip runs again only when
# pyproject.toml or this script changed. Needs Python 3.11 (installed with apt-get if absent).
# REELSMITH_TORCH overrides the torch requirement (default: the tested CUDA-capable build,
# which also runs on the CPU).
set -euo pipefail

mode=${1:-}
case "$mode" in
  run|test) shift ;;
  *) echo "usage: bash installer/bootstrap.sh run|test [ARGS...]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
venv="$root/.venv"
torch_spec=${REELSMITH_TORCH:-"torch==2.14.1 torchvision==0.29.1"}

say() { printf '\033[1;33m==>\033[0m %s\n' "$*" >&2; }

# --- system packages ---------------------------------------------------------------------------
# libportaudio2: sound (sounddevice); the rest: Qt's offscreen and X11/Wayland platforms.
system_packages=(libportaudio2 libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
  libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libnss3)
# The tests also check the desktop installer with the freedesktop tools, and drive the app in
# a real X window (Xvfb) with real mouse and keyboard events (xdotool).
[ "$mode" = test ] && system_packages+=(desktop-file-utils shared-mime-info xdg-utils xvfb xdotool)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get here: install $* with your package manager"; return 0; }
  say "installing system packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || say "could not install $* (no root?); Reelsmith may lack sound or a window"
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
fi

python=""
for candidate in "${PYTHON:-}" python3.11 python3; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    python=$candidate; break
  fi
done
[ -n "$python" ] || missing+=(python3.11 python3.11-venv)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
[ -n "$python" ] || python=python3.11
command -v "$python" >/dev/null 2>&1 || { echo "Reelsmith needs Python 3.11; please install it." >&2; exit 1; }

# --- virtual environment -----------------------------------------------------------------------
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  say "creating $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

stamp="$venv/.reelsmith-$mode"
fingerprint=$(cat pyproject.toml installer/bootstrap.sh | sha256sum | cut -d' ' -f1)$torch_spec
if [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
  say "installing Python packages (first run: several minutes)"
  "${pip[@]}" install -q --upgrade pip
  # torch first, pinned, so that resolving the project never picks another build.
  # shellcheck disable=SC2086
  "${pip[@]}" install -q $torch_spec
  "${pip[@]}" install -q -e .
  if [ "$mode" = test ]; then
    # The dev extra, except scenedetect: it hard-requires the plain opencv-python wheel, whose
    # Qt plugins break PySide6, so it goes in without its dependencies (the rest are listed).
    mapfile -t dev < <("$venv/bin/python" - <<'PY'
import tomllib
for spec in tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dev"]:
    print(spec)
PY
)
    others=(); detector=()
    for spec in "${dev[@]}"; do
      if [[ "$spec" =~ ^scenedetect ]]; then detector+=("$spec"); else others+=("$spec"); fi
    done
    "${pip[@]}" install -q "${others[@]}"
    "${pip[@]}" install -q --no-deps "${detector[@]}"
  fi
  # cv2 must come from the headless wheel; a plain opencv-python (pulled in by anything) wins
  # the shared cv2 folder and breaks the GUI, so remove it and restore the headless files.
  if "${pip[@]}" show opencv-python >/dev/null 2>&1; then
    say "replacing opencv-python with the headless wheel"
    "${pip[@]}" uninstall -q -y opencv-python
    "${pip[@]}" install -q --force-reinstall --no-deps "$("${pip[@]}" show opencv-python-headless | sed -n 's/^Version: /opencv-python-headless==/p')"
  fi
  "$venv/bin/python" -c 'import cv2, PySide6.QtWidgets, numpy, skimage, imageio_ffmpeg' \
    || { echo "the Python packages did not install correctly" >&2; exit 1; }
  echo "$fingerprint" > "$stamp"
fi

# --- go ----------------------------------------------------------------------------------------
if [ "$mode" = test ]; then
  export QT_QPA_PLATFORM=offscreen
  exec "$venv/bin/python" -m pytest "$@"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; then
  mkdir -p out
  say "no display found: rendering the window to out/reelsmith-window.png instead"
  exec "$venv/bin/python" main.py --screenshot out/reelsmith-window.png "$@"
fi
exec "$venv/bin/python" main.py "$@"
