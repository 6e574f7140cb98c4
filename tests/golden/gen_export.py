#!/usr/bin/env python3
"""Regenerates the committed "Copy as PyTorch" runs of `tests/export_torch.rs`.

Run from the repository root with a Python that has torch (CI never runs this; the outputs are committed):

    /work/venv/bin/python tests/golden/gen_export.py          # every spec in tests/golden/export/
    /work/venv/bin/python tests/golden/gen_export.py run_     # only the specs whose name starts with "run_"

For every `tests/golden/export/NAME.spec.json` (a spec exactly as `optlab run` or `optlab train` takes it):
1. `optlab export-torch NAME.spec.json` writes `NAME.py` (the exporter's text, which the test requires to be
   byte-identical to what the exporter produces today, so that the committed runs stay valid);
2. `python NAME.py` runs that script under torch and its stdout, unchanged, becomes `NAME.out.json` (the
   trace torch printed, which the test compares with optlab's own trace to 1e-9 relative);
3. `provenance.json` records the torch version, and per run its date and the script's run time.
The script compares optlab's trace with torch's here too and prints the largest relative difference.
"""

import datetime
import json
import pathlib
import subprocess
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIR = ROOT / "tests/golden/export"
OPTLAB = ROOT / "target/debug/optlab"


def numbers(x):
    if isinstance(x, list):
        for y in x:
            yield from numbers(y)
    elif isinstance(x, dict):
        for k in sorted(x):
            if k not in ("label", "reason", "diverged"):
                yield from numbers(x[k])
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        yield float(x)


def worst(a, b):
    xs, ys = list(numbers(a)), list(numbers(b))
    assert len(xs) == len(ys), f"{len(xs)} vs {len(ys)} numbers"
    return max((abs(x - y) / max(1.0, abs(y)) for x, y in zip(xs, ys)), default=0.0), len(xs)


def main(only=""):
    subprocess.run(["cargo", "build", "--locked", "--quiet", "--bin", "optlab"], cwd=ROOT, check=True)
    prov_path = DIR / "provenance.json"
    prov = json.loads(prov_path.read_text()) if prov_path.exists() else {"runs": {}}
    today = datetime.date.today().isoformat()
    for run in prov["runs"].values():
        # each run keeps the date it was made (files from before runs had their own took the file's date)
        run.setdefault("date", prov.get("date", today))
    for spec in sorted(DIR.glob("*.spec.json")):
        name = spec.name[: -len(".spec.json")]
        if not name.startswith(only):
            continue
        script = subprocess.run([OPTLAB, "export-torch", spec], check=True, capture_output=True, text=True).stdout
        (DIR / f"{name}.py").write_text(script)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, DIR / f"{name}.py"], check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - t0
        (DIR / f"{name}.out.json").write_text(out)
        command = "run" if name.startswith("run_") else "train"
        mine = subprocess.run([OPTLAB, command, spec], check=True, capture_output=True, text=True).stdout
        w, n = worst(json.loads(mine), json.loads(out))
        prov["runs"][name] = {"date": today, "torch_seconds": round(seconds, 2), "values": n, "worst_relative_difference_vs_optlab": w}
        print(f"{name}: {n} values, worst relative difference {w:.2e}, torch {seconds:.1f} s")
    prov["generator"] = "tests/golden/gen_export.py"
    prov["torch"] = f"torch {torch.__version__} (CPU, float64), Python {sys.version.split()[0]}"
    prov["date"] = today  # the last regeneration; each run says its own
    prov_path.write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
