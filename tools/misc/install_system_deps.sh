#!/usr/bin/env bash
# System packages rscovlm's metrics and tests need, installed when missing (`make install`
# runs this):
#   WordNet 3.0: Debian/Ubuntu package `wordnet-base`, dict files in /usr/share/wordnet,
#     read through nltk by the LRS-VQA rule, VQAMetric(rule='lrsvqa'). RSCOVLM_WORDNET_DIR
#     names another directory holding WordNet 3.0's dict files (data.noun, index.noun, ...).
#   Chromium and its WebDriver: Debian's `chromium` and `chromium-driver`, which the web
#     demo's browser test (tests/test_tools/test_web_demo.py) drives headless. CHROMIUM and
#     CHROMEDRIVER name other binaries; RSCOVLM_NO_BROWSER=1 skips installing them.
# Non-interactive and quiet. Never fails the set-up: without apt-get, or without root and
# password-less sudo, it prints how to install and goes on.
set -u

wordnet_dir="${RSCOVLM_WORDNET_DIR:-/usr/share/wordnet}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
chromedriver="${CHROMEDRIVER:-/usr/bin/chromedriver}"

packages=()
why=()
if [ ! -f "$wordnet_dir/data.noun" ]; then
  packages+=(wordnet-base)
  why+=("WordNet 3.0 for VQAMetric(rule='lrsvqa')")
fi
if [ "${RSCOVLM_NO_BROWSER:-0}" != 1 ] && { [ ! -x "$chromium" ] || [ ! -x "$chromedriver" ]; }; then
  packages+=(chromium chromium-driver)
  why+=("Chromium for the web demo's browser test")
fi
[ ${#packages[@]} -eq 0 ] && exit 0

note() {
  echo "note: not installed: ${packages[*]} ($(IFS=';'; echo "${why[*]}")): $1." \
       "Install them (Debian/Ubuntu: sudo apt-get install ${packages[*]}); the tests that" \
       "need them fail (WordNet) or skip (Chromium) and say why"
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
    apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null
}
echo "installing ${packages[*]} ($(IFS=';'; echo "${why[*]}"))"
if ! apt_install; then
  # a fresh image may have no package lists yet
  $sudo apt-get update -q >/dev/null && apt_install || note "apt-get failed"
fi
if [ "$wordnet_dir" != /usr/share/wordnet ] && [ ! -f "$wordnet_dir/data.noun" ]; then
  echo "note: wordnet-base installs into /usr/share/wordnet, not RSCOVLM_WORDNET_DIR"
fi
exit 0
