#!/usr/bin/env bash
# System data rscovlm reads at run time, installed when missing (`make install` runs this):
#   WordNet 3.0: Debian/Ubuntu package `wordnet-base`, dict files in /usr/share/wordnet,
#   read through nltk by the LRS-VQA rule, VQAMetric(rule='lrsvqa'). RSCOVLM_WORDNET_DIR
#   names another directory holding WordNet 3.0's dict files (data.noun, index.noun, ...).
# Non-interactive and quiet. Never fails the set-up: without apt-get, or without root and
# password-less sudo, it prints how to install and goes on.
set -u

wordnet_dir="${RSCOVLM_WORDNET_DIR:-/usr/share/wordnet}"
if [ -f "$wordnet_dir/data.noun" ]; then
  exit 0
fi

how="install WordNet 3.0 (Debian/Ubuntu: sudo apt-get install wordnet-base), or set"
how="$how RSCOVLM_WORDNET_DIR to a directory with its dict files"
note() {
  echo "note: no WordNet 3.0 in $wordnet_dir; VQAMetric(rule='lrsvqa') and its test need it: $how ($1)"
}

if ! command -v apt-get >/dev/null 2>&1; then
  note "no apt-get on this machine"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  note "not root and no password-less sudo"
  exit 0
fi

apt_install() {
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends wordnet-base >/dev/null
}
echo "installing wordnet-base (WordNet 3.0, for the LRS-VQA metric)"
if ! apt_install; then
  # a fresh image may have no package lists yet
  $sudo apt-get update -q >/dev/null && apt_install || note "apt-get failed"
fi
if [ "$wordnet_dir" != /usr/share/wordnet ] && [ ! -f "$wordnet_dir/data.noun" ]; then
  note "wordnet-base installs into /usr/share/wordnet, not RSCOVLM_WORDNET_DIR"
fi
exit 0
