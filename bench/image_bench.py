"""Cover, thumb and body variants of 24-megapixel JPEGs: ours against naive Pillow and a floor.

    python -m bench.image_bench [--quick]

Per source photo (6000×4000, generated here, quality 90, with an EXIF orientation tag), the work is
three outputs: a cover (max side 1600), a thumb (max side 480) and a body picture (max side 960).
- ours: `publisher.render.images.prepare_many` with the three, the way the channels call it since
  issue 17 (one draft decode at the scale the cover needs, the body and thumb box-reduced from it
  to their own draft scale, EXIF transpose, bicubic fit, JPEG encode without metadata);
- ours before (one decode per variant): `prepare` for each — the pipeline until the shared decode,
  its bytes unchanged (measured in the same run, so the change's effect is a same-run ratio);
- naive: `Image.open(...).resize(...)` at full decode for each output, then JPEG encode;
- floor: JPEG decode with `draft()` at each target scale, plus the same encode — no resampling,
  no orientation, no metadata handling: the least a pipeline that decodes each output on its own
  can do (issue 17's yardstick; sharing one decode, ours can go below it).
In-process, one thread, the rounds interleaved (each round runs every pipeline in turn). Per row:
CPU ms (user + system of this process, which is every process of the run: nothing is forked) and
wall ms, the fastest round and the median; the ratio is on CPU (it moves far less with the load of
a shared machine than wall time does); the 1-minute load average over the row's rounds.
Beside the table: SSIM of ours against ours before and against a full-decode Lanczos reference
(bench/ssim.py) on the same photos — visual equivalence of the change, not only its speed (the
cover is the same bytes in both; the body and thumb are the ones that differ).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time

from PIL import Image, ImageOps

from bench.measure import header, load, machine, write_section
from bench.ssim import ssim
from publisher.render.images import prepare, prepare_many

SECTION = "## Images: 24 MP JPEG variants (issue 6/7)"
SIZE = (6000, 4000)
TARGETS = {"cover": 1600, "thumb": 480, "body": 960}
GOAL = 1.2  # issue 17
BEFORE = "ours before (one decode per variant)"


def photos(count: int) -> list[bytes]:
    """`count` 24 MP camera-like JPEGs (noise over gradients: realistic entropy for the codec)."""
    out = []
    for index in range(count):
        small = Image.effect_noise((SIZE[0] // 8, SIZE[1] // 8), 40 + 10 * index).convert("RGB")
        gradient = Image.linear_gradient("L").resize(small.size).convert("RGB")
        small = Image.blend(small, gradient, 0.5)
        big = small.resize(SIZE, Image.Resampling.BICUBIC)
        grain = Image.effect_noise(SIZE, 12).convert("RGB")
        photo = Image.blend(big, grain, 0.15)
        exif = Image.Exif()
        exif[0x0112] = 1  # orientation tag present, as cameras write it
        buffer = io.BytesIO()
        photo.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
        out.append(buffer.getvalue())
    return out


def _encode(im: Image.Image) -> bytes:
    # The same encoder settings as ours (publisher.render.images._encode): only decoding and resampling differ.
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=82, optimize=True, progressive=False, subsampling="4:2:0")
    return buffer.getvalue()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


VARIANTS = [{"max_side": side, "quality": 82} for side in TARGETS.values()]


def ours(data: bytes) -> int:
    return sum(len(made.data) for made in prepare_many(data, VARIANTS))


def ours_before(data: bytes) -> int:
    """One `prepare` (one decode) per variant: the channels' calls before the shared decode."""
    return sum(len(prepare(data, **variant).data) for variant in VARIANTS)


def naive(data: bytes) -> int:
    total = 0
    for side in TARGETS.values():
        with Image.open(io.BytesIO(data)) as im:
            total += len(_encode(im.resize(_fit(im.size, side))))
    return total


def floor(data: bytes) -> int:
    total = 0
    for side in TARGETS.values():
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (side, side))
            im.load()
            total += len(_encode(im))
    return total


PIPELINES = (("floor", floor), ("ours", ours), (BEFORE, ours_before), ("naive", naive))


def measure(sources: list[bytes], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Per pipeline: CPU and wall seconds per photo of each round, and the 1-minute load
    average at the start and end of each."""
    times: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": [], "load": []} for name, _ in PIPELINES}
    for _ in range(rounds):
        for name, function in PIPELINES:
            row = times[name]
            row["load"].append(os.getloadavg()[0])
            wall, cpu = time.perf_counter(), time.process_time()
            for data in sources:
                function(data)
            row["cpu"].append((time.process_time() - cpu) / len(sources))
            row["wall"].append((time.perf_counter() - wall) / len(sources))
            row["load"].append(os.getloadavg()[0])
    return times


def reference(data: bytes, side: int) -> Image.Image:
    """The best the picture can look at this size: full decode, orientation, Lanczos, no encode."""
    with Image.open(io.BytesIO(data)) as im:
        full = ImageOps.exif_transpose(im).convert("RGB")
    return full.resize(_fit(full.size, side), Image.Resampling.LANCZOS) if max(full.size) > side else full


def similarity(sources: list[bytes]) -> dict[str, list[float]]:
    """SSIM of each prepared variant: ours against ours before, and each against the reference."""
    out: dict[str, list[float]] = {"ours~before": [], "ours~reference": [], "before~reference": []}
    for data in sources:
        for variant, made in zip(VARIANTS, prepare_many(data, VARIANTS), strict=True):
            new = Image.open(io.BytesIO(made.data))
            old = Image.open(io.BytesIO(prepare(data, **variant).data))
            ref = reference(data, variant["max_side"])
            out["ours~before"].append(ssim(new, old))
            out["ours~reference"].append(ssim(new, ref))
            out["before~reference"].append(ssim(old, ref))
    return out


def run(quick: bool = False) -> dict:
    info = machine()
    sources = photos(1 if quick else 3)
    times = measure(sources, 2 if quick else 5)
    return {"info": info, "times": times, "photos": len(sources), "bytes": [len(s) for s in sources],
            "load_after": load(), "quick": quick, "ssim": similarity(sources)}


def _ms(values: list[float]) -> str:
    return f"{min(values) * 1000:.0f} / {statistics.median(values) * 1000:.0f}"


def report(result: dict) -> str:
    times = result["times"]
    cpu = {name: min(row["cpu"]) for name, row in times.items()}
    wall = {name: min(row["wall"]) for name, row in times.items()}
    ratio = cpu["ours"] / cpu["floor"]
    rows = "\n".join(
        f"| {name} | {_ms(row['cpu'])} | {_ms(row['wall'])} | {cpu[name] / cpu['floor']:.2f}× | "
        f"{wall[name] / wall['floor']:.2f}× | {min(row['load']):.1f}–{max(row['load']):.1f} |"
        for name, row in times.items()
    )
    extra = (f"- Input: {result['photos']} generated 6000×4000 JPEGs (quality 90, "
             f"{sum(result['bytes']) / len(result['bytes']) / 1e6:.1f} MB each); outputs per photo: cover 1600, "
             "body 960, thumb 480 px long side, JPEG quality 82\n")
    lines = [
        header(SECTION, result["info"], "python -m bench.image_bench" + (" --quick" if result["quick"] else ""),
               result["load_after"], extra),
        f"- Goal (issue 17): ours within {GOAL}× of the floor in CPU — {ratio:.2f}×: "
        f"**{'met' if ratio <= GOAL else 'not met'}**; before (one decode per variant), same run: "
        f"{cpu[BEFORE] / cpu['floor']:.2f}×\n",
        "| pipeline (3 outputs per photo) | CPU ms per photo, best / median | wall ms, best / median | "
        "÷ floor (CPU) | ÷ floor (wall) | load (1 min) during its rounds |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        rows, "",
    ]
    if result.get("ssim"):
        s = result["ssim"]
        lines += [
            "SSIM (luma, Gaussian 11×11 σ 1.5; 1 = identical) over the photos' "
            f"{len(s['ours~before'])} variants, mean (min): ours against before "
            f"{statistics.mean(s['ours~before']):.4f} ({min(s['ours~before']):.4f}); against a full-decode "
            f"Lanczos reference, ours {statistics.mean(s['ours~reference']):.4f} ({min(s['ours~reference']):.4f}), "
            f"before {statistics.mean(s['before~reference']):.4f} ({min(s['before~reference']):.4f}). "
            "These photos are pixel-level noise, the hardest case for any resampling change; on the "
            "sample content's photos see tests/render/test_picture_quality.py.", "",
        ]
    lines.append(
        "floor = JPEG decode with `draft()` at each target's scale + the same JPEG encode as ours (no resampling); ours = "
        "`publisher.render.images.prepare_many` (one draft decode for the three, box reduction to each one's draft "
        "scale, EXIF transpose, bicubic with reducing_gap, encode without metadata); ours before = `prepare` per "
        "variant (a decode each, the pipeline until the shared decode); naive = full-size decode + `resize()` + encode.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.image_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    text = report(run(args.quick))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
