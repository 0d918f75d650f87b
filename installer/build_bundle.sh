#!/usr/bin/env bash
# Build the one-folder app with PyInstaller and smoke-test it:
#   bash installer/build_bundle.sh        -> dist/Reelsmith/reelsmith
# Uses its own environment (build/bundle-env) with the CPU build of torch, which keeps the
# bundle far smaller than the CUDA build the development environment carries.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
env_dir=build/bundle-env
torch_spec=${REELSMITH_BUNDLE_TORCH:-"torch==2.13.0"}
started=$(date +%s)

if [ ! -x "$env_dir/bin/python" ]; then
  python3.11 -m venv "$env_dir"
fi
pip=("$env_dir/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install --upgrade pip
# shellcheck disable=SC2086
"${pip[@]}" install $torch_spec
"${pip[@]}" install "pyinstaller>=6.3" "PySide6>=6.6,<6.12" "opencv-python-headless>=4.8,<5" \
  "imageio-ffmpeg>=0.5" "numpy>=1.26" "scikit-image>=0.22" "sounddevice>=0.4.6" "pillow>=9.2" scipy \
  "ai-edge-litert>=1.2,<3" "silero-vad>=6.2,<7" "pocketsphinx>=5,<6" \
  "opentimelineio>=0.17,<0.19" "otio-cmx3600-adapter>=1,<2" "otio-fcpx-xml-adapter>=1,<2"
"${pip[@]}" install --no-deps "$root"  # Reelsmith itself (torchvision is not needed at run time)
"${pip[@]}" uninstall -y opencv-python >/dev/null 2>&1 || true

"$env_dir/bin/pyinstaller" --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  installer/reelsmith.spec
built=$(date +%s)

smoke_data=$(mktemp -d)
QT_QPA_PLATFORM=offscreen REELSMITH_DATA_DIR="$smoke_data" dist/Reelsmith/reelsmith --smoke | tee "$smoke_data/smoke.txt"
grep -q "Reelsmith .* started" "$smoke_data/smoke.txt"
QT_QPA_PLATFORM=offscreen REELSMITH_DATA_DIR="$smoke_data" dist/Reelsmith/reelsmith backdrop --seconds 1 \
  --size 320x180 --fps 10 --out "$smoke_data/backdrop.mp4"
echo "bundle: $(du -sh dist/Reelsmith | cut -f1) in dist/Reelsmith; built in $((built - started)) s; smoke test passed"
