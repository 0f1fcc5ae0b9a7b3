#!/usr/bin/env bash
# Install arxref with its test dependencies (and the real clients the tests drive), type-check it, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v pandoc >/dev/null || need_apt+=(pandoc)
command -v pdflatex >/dev/null || need_apt+=(texlive-latex-recommended)
command -v bibtex >/dev/null || need_apt+=(texlive-latex-recommended)
kpsewhich plainnat.bst >/dev/null 2>&1 || need_apt+=(texlive-latex-recommended)
command -v biber >/dev/null || need_apt+=(biber)
kpsewhich biblatex.sty >/dev/null 2>&1 || need_apt+=(texlive-bibtex-extra)
# IEEEtran.bst and ACM-Reference-Format.bst for the style matrix (tests/test_real_clients.py)
kpsewhich IEEEtran.bst >/dev/null 2>&1 || need_apt+=(texlive-publishers)
kpsewhich ACM-Reference-Format.bst >/dev/null 2>&1 || need_apt+=(texlive-publishers)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -m pip install -q -e '.[test]'
python3 -m mypy
python3 -m pytest -q -rs "$@"
