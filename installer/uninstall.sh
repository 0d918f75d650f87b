#!/usr/bin/env bash
# Remove what installer/install.sh added, and nothing else: the files in its manifest, the
# project-type line it put in mimeapps.list, and the folders it made once they are empty
# (with the caches the desktop's tools wrote into them). Your projects, media, trained models
# and logs stay where they are.
set -euo pipefail

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
app_dir="$data_home/reelsmith/app"
manifest="$app_dir/installed-files.txt"
mime_type=application/x-reelsmith-project
[ -f "$manifest" ] || { echo "Reelsmith is not installed for this user (no $manifest)."; exit 0; }

echo "Removing Reelsmith"
mimeapps="${XDG_CONFIG_HOME:-$HOME/.config}/mimeapps.list"
if [ -f "$mimeapps" ]; then
  sed -i "\|^$mime_type=reelsmith.desktop\$|d" "$mimeapps"
  echo "  removed the project file association from $mimeapps"
fi
mapfile -t entries < "$manifest"
for entry in "${entries[@]}"; do
  case "$entry" in
    dir:*) ;;
    */mimeapps.list)  # ours only if nothing else was written to it
      if [ -f "$entry" ] && ! grep -qv '^\[Default Applications\]$' "$entry"; then rm -f "$entry"; echo "  removed $entry"; fi ;;
    *) if [ -e "$entry" ] || [ -L "$entry" ]; then rm -rf "$entry"; echo "  removed $entry"; fi ;;
  esac
done
command -v update-mime-database >/dev/null 2>&1 && [ -d "$data_home/mime/packages" ] \
  && update-mime-database "$data_home/mime" >/dev/null 2>&1 || true
command -v update-desktop-database >/dev/null 2>&1 && [ -d "$data_home/applications" ] \
  && update-desktop-database -q "$data_home/applications" 2>/dev/null || true

# Folders we made, deepest first: gone once nothing but the desktop tools' caches is left.
for ((i = ${#entries[@]} - 1; i >= 0; i--)); do
  entry=${entries[$i]}
  [ "${entry#dir:}" != "$entry" ] || continue
  dir=${entry#dir:}
  [ -d "$dir" ] || continue
  if [ "$dir" = "$data_home/mime" ] && [ -z "$(ls -A "$dir/packages" 2>/dev/null)" ]; then
    rm -rf "$dir"  # nothing but caches built from no packages
  else
    rm -f "$dir/mimeinfo.cache" "$dir/icon-theme.cache"
    [ -n "$(ls -A "$dir")" ] || rmdir "$dir"
  fi
done
echo "Reelsmith is removed. Your projects, trained models and logs in $data_home/reelsmith were left alone."
