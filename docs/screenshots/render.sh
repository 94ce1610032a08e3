#!/usr/bin/env bash
# Renders every picture in the README headless with capsviz's own --screenshot option and perturb command.
# Run from the repository root after `pip install -e .`; the first run surveys the test set (then cached).
set -euo pipefail
out=docs/screenshots
shot() { capsviz --screenshot "$out/$1.png" "${@:2}"; }

shot main
shot insight-where --panel where --where
shot insight-what --panel what --data-ranges
shot insight-why --panel why --panel-only
shot insight-counterfactuals --panel counterfactuals --panel-only
shot insight-invariance --panel invariance --panel-only
shot insight-compare --panel compare --keep 1,2,3 --panel-only
shot insight-gallery --panel gallery --panel-only
shot cnn-beside --sample 582 --cnn
shot two-digits --panel two-digits --pair 8 --panel-only
shot overview --panel overview --enlarge --panel-only
shot drawn-as-drawn --sample 18 --drawn 0.15 --draw-only --as-drawn
shot drawn-mnist-width --sample 18 --drawn 0.15 --draw-only

digit="$(mktemp -d)/MNIST test 0.png"
python - "$digit" <<'PY'
import sys
from PIL import Image
from capsviz.data.mnist import load_shipped_test_set
Image.fromarray(load_shipped_test_set()[0][0]).save(sys.argv[1])
PY
capsviz perturb "$digit" --labels --out "$out/insight-figure4.png"
capsviz animate "$digit" --out "$out/routing.gif"
capsviz animate "$digit" --what sweep --dim 5 --steps 13 --out "$out/sweep.gif"
rm -r "$(dirname "$digit")"
capsviz robustness --limit 2000 --out "$out/robustness.png" > /dev/null
capsviz affnist --out "$out/affnist.png" --examples "$out/affnist-examples.png" > /dev/null
pair="$(mktemp -d)"
python - "$pair" <<'PY'
import sys
from PIL import Image
from capsviz.data.mnist import load_shipped_test_set
images = load_shipped_test_set()[0]
Image.fromarray(images[0]).save(f"{sys.argv[1]}/seven.png")
Image.fromarray(images[1]).save(f"{sys.argv[1]}/two.png")
PY
capsviz morph "$pair/seven.png" "$pair/two.png" --out "$out/morph.png"
rm -r "$pair"
