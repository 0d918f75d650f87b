#!/usr/bin/env bash
# Install Reelsmith for this user, as a desktop app: no root needed, nothing outside $HOME.
#
#   bash installer/install.sh [--torch auto|cpu|cuda] [--desktop-icon] [--python PYTHON]
#
# What it does, and prints as it goes:
#   - a private Python environment in the data folder (~/.local/share/reelsmith/app/env) holding
#     Reelsmith and everything it needs; torch is the CUDA build where an NVIDIA driver answers,
#     the CPU build otherwise (--torch to choose);
#   - a launcher, ~/.local/bin/reelsmith;
#   - the icon in the hicolor theme, and reelsmith.desktop in the applications menu (and on the
#     desktop with --desktop-icon);
#   - the project file type (*.reelsmith, application/x-reelsmith-project), opened by Reelsmith
#     on a double click.
# Every file it adds is listed in ~/.local/share/reelsmith/app/installed-files.txt, which
# installer/uninstall.sh reads to remove exactly those. Running it again upgrades in place.
# REELSMITH_INSTALL_ENV=DIR uses an existing environment that already has Reelsmith's
# dependencies instead of building one (the tests use it; it is not for creators).
set -euo pipefail

torch_choice=auto
desktop_icon=0
python=${PYTHON:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch_choice=${2:?--torch needs auto, cpu or cuda}; shift 2 ;;
    --desktop-icon) desktop_icon=1; shift ;;
    --python) python=${2:?--python needs a path}; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$torch_choice" in auto|cpu|cuda) ;; *) echo "install.sh: --torch is auto, cpu or cuda" >&2; exit 2 ;; esac

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir="$data_home/reelsmith/app"
env_dir="$app_dir/env"
manifest="$app_dir/installed-files.txt"
bin_dir="$HOME/.local/bin"
launcher="$bin_dir/reelsmith"
applications="$data_home/applications"
desktop_file="$applications/reelsmith.desktop"
mime_xml="$data_home/mime/packages/reelsmith.xml"
mime_type=application/x-reelsmith-project

say() { printf '  %s\n' "$*"; }
added=()
record() { added+=("$1"); }
# Folders are made one level at a time so the uninstaller knows which ones were ours.
make_dir() {
  local dir=$1
  [ -d "$dir" ] && return 0
  make_dir "$(dirname "$dir")"
  mkdir "$dir"
  record "dir:$dir"
}
# On a re-run the folders made last time are still ours.
if [ -f "$manifest" ]; then
  while IFS= read -r line; do case "$line" in dir:*) added+=("$line") ;; esac; done < "$manifest"
fi

echo "Installing Reelsmith from $source_dir"
for dir in "$app_dir" "$bin_dir" "$applications" "$(dirname "$mime_xml")"; do make_dir "$dir"; done

# --- the environment ---------------------------------------------------------------------------
if [ -n "${REELSMITH_INSTALL_ENV:-}" ]; then
  env_python="$REELSMITH_INSTALL_ENV/bin/python"
  say "using the existing environment $REELSMITH_INSTALL_ENV"
else
  if [ -z "$python" ]; then
    for candidate in python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        python=$candidate; break
      fi
    done
  fi
  [ -n "$python" ] || { echo "Reelsmith needs Python 3.11; install it (apt-get install python3.11 python3.11-venv) and run this again." >&2; exit 1; }
  if [ ! -x "$env_dir/bin/python" ]; then
    "$python" -m venv "$env_dir"
    say "created the environment $env_dir"
  else
    say "upgrading the environment $env_dir"
  fi
  env_python="$env_dir/bin/python"
  if [ "$torch_choice" = auto ]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then torch_choice=cuda; else torch_choice=cpu; fi
  fi
  pip=("$env_python" -m pip --disable-pip-version-check -q)
  "${pip[@]}" install --upgrade pip
  if [ "$torch_choice" = cuda ]; then
    "${pip[@]}" install "torch==2.14.1" "torchvision==0.29.1"
    say "installed torch with CUDA (it also runs on the CPU)"
  else
    "${pip[@]}" install --index-url https://download.pytorch.org/whl/cpu "torch<=2.14.1" "torchvision<=0.29.1" \
      || "${pip[@]}" install "torch<=2.14.1" "torchvision<=0.29.1"
    say "installed torch for the CPU"
  fi
  "${pip[@]}" install --upgrade "$source_dir"
  # The headless OpenCV wheel only: the plain one carries Qt plugins that break the window.
  "${pip[@]}" uninstall -y opencv-python >/dev/null 2>&1 || true
  say "installed Reelsmith $("$env_python" -c 'import core; print(core.__version__)') and its dependencies"
fi

# --- resources and the launcher ----------------------------------------------------------------
# The models, fonts and icons travel beside the environment (a wheel cannot carry a top-level
# folder); the launcher tells Reelsmith where they are.
rm -rf "$app_dir/resources"
cp -r "$source_dir/resources" "$app_dir/resources"
record "$app_dir/resources"
code_path=""
[ -z "${REELSMITH_INSTALL_ENV:-}" ] || code_path="export PYTHONPATH=\"$source_dir\""
cat > "$launcher" <<EOF
#!/bin/sh
# Reelsmith's launcher, written by installer/install.sh.
export REELSMITH_RESOURCES="$app_dir/resources"
$code_path
exec "$env_python" -c 'import sys; from main import main; sys.exit(main())' "\$@"
EOF
chmod +x "$launcher"
record "$launcher"
say "launcher: $launcher"

# --- icons -------------------------------------------------------------------------------------
icons="$data_home/icons/hicolor"
for png in "$source_dir"/resources/icons/reelsmith-*.png; do
  size=$(basename "$png" .png); size=${size#reelsmith-}
  target="$icons/${size}x${size}/apps/reelsmith.png"
  make_dir "$(dirname "$target")"
  cp "$png" "$target"
  record "$target"
done
make_dir "$icons/scalable/apps"
cp "$source_dir/resources/icons/reelsmith.svg" "$icons/scalable/apps/reelsmith.svg"
record "$icons/scalable/apps/reelsmith.svg"
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
say "icon: $icons/*/apps/reelsmith.png"

# --- the menu entry ----------------------------------------------------------------------------
cat > "$desktop_file" <<EOF
[Desktop Entry]
Type=Application
Version=1.0
Name=Reelsmith
GenericName=Video Editor
Comment=Edit short videos with an assistant: smart cuts, backdrops, music, captions
Exec=$launcher %f
TryExec=$launcher
Icon=reelsmith
Terminal=false
Categories=AudioVideo;Video;AudioVideoEditing;
MimeType=$mime_type;
Keywords=video;editor;shorts;reels;tiktok;captions;
StartupNotify=true
StartupWMClass=Reelsmith
EOF
record "$desktop_file"
say "menu entry: $desktop_file"
if [ "$desktop_icon" = 1 ]; then
  desktop_dir=$(command -v xdg-user-dir >/dev/null 2>&1 && xdg-user-dir DESKTOP || echo "$HOME/Desktop")
  make_dir "$desktop_dir"
  cp "$desktop_file" "$desktop_dir/reelsmith.desktop"
  chmod +x "$desktop_dir/reelsmith.desktop"
  command -v gio >/dev/null 2>&1 && gio set "$desktop_dir/reelsmith.desktop" metadata::trusted true 2>/dev/null || true
  record "$desktop_dir/reelsmith.desktop"
  say "desktop icon: $desktop_dir/reelsmith.desktop"
fi

# --- the project file type ---------------------------------------------------------------------
cat > "$mime_xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="$mime_type">
    <comment>Reelsmith project</comment>
    <sub-class-of type="application/json"/>
    <glob pattern="*.reelsmith"/>
    <icon name="reelsmith"/>
  </mime-type>
</mime-info>
EOF
record "$mime_xml"
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$data_home/mime" >/dev/null 2>&1 || true
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$applications" 2>/dev/null || true
# Make Reelsmith the default for its projects (the line is removed again on uninstall).
mimeapps="${XDG_CONFIG_HOME:-$HOME/.config}/mimeapps.list"
make_dir "$(dirname "$mimeapps")"
[ -f "$mimeapps" ] || { touch "$mimeapps"; record "$mimeapps"; }
if ! grep -qx "$mime_type=reelsmith.desktop" "$mimeapps"; then
  if grep -q '^\[Default Applications\]' "$mimeapps"; then
    sed -i "/^\[Default Applications\]/a $mime_type=reelsmith.desktop" "$mimeapps"
  else
    printf '[Default Applications]\n%s=reelsmith.desktop\n' "$mime_type" >> "$mimeapps"
  fi
fi
say "project files (*.reelsmith) open with Reelsmith"

# --- the manifest ------------------------------------------------------------------------------
[ -n "${REELSMITH_INSTALL_ENV:-}" ] || record "$env_dir"
cp "$source_dir/installer/uninstall.sh" "$app_dir/uninstall.sh"
record "$app_dir/uninstall.sh"
record "$manifest"
printf '%s\n' "${added[@]}" | awk '!seen[$0]++' > "$manifest"
echo "Done. Start Reelsmith from your applications menu, or run: $launcher"
echo "To remove it: bash $app_dir/uninstall.sh"
case ":$PATH:" in *":$bin_dir:"*) ;; *) echo "(Add $bin_dir to your PATH to type 'reelsmith' in a terminal.)" ;; esac
