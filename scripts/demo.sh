#!/usr/bin/env bash
# The first command of the README: shows facegate finding and comparing faces in
# the fixture photos. Nothing is written anywhere but the terminal.
set -euo pipefail
bin=$1
fixtures=$2

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Faces found in a group photo (insightface t1.jpg) and a portrait"
"$bin" detect "$fixtures/t1.jpg" "$fixtures/obama.jpg"

step "The same as JSON, one document per image"
"$bin" detect --json "$fixtures/t1.jpg"

step "Same person? obama.jpg vs obama2.jpg"
"$bin" compare "$fixtures/obama.jpg" "$fixtures/obama2.jpg"

step "Same person? obama.jpg vs biden.jpg"
"$bin" compare "$fixtures/obama.jpg" "$fixtures/biden.jpg"

step "A bad input gets an error naming it, and the other images are still processed"
printf 'not an image' | "$bin" detect "$fixtures/obama3.jpg" /dev/stdin || echo "(exit status $?: some inputs failed)"
