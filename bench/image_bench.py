"""Cover, thumb and body variants of 24-megapixel JPEGs: ours against naive Pillow and a floor.

    python -m bench.image_bench [--quick]

Per source photo (6000×4000, generated here, quality 90, with an EXIF orientation tag), the work is
three outputs: a cover (max side 1600), a thumb (max side 480) and a body picture (max side 960).
- ours: `publisher.render.images.prepare` for each (draft decode, EXIF transpose, Lanczos fit, JPEG
  encode without metadata), the way the channels call it;
- ours, bicubic: the same with a bicubic fit — measured, not adopted: it changes every prepared
  picture's bytes (golden renditions of WeChat and Weibo), which is the channel owners' call;
- naive: `Image.open(...).resize(...)` at full decode for each output, then JPEG encode;
- floor: JPEG decode with `draft()` at each target scale, plus the same encode — no resampling,
  no orientation, no metadata handling: the least any correct pipeline can do.
In-process, one CPU, the fastest of several rounds (median beside it).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time

from PIL import Image

from bench.measure import header, load, machine, write_section
from publisher.render import images
from publisher.render.images import prepare

SECTION = "## Images: 24 MP JPEG variants (issue 6/7)"
SIZE = (6000, 4000)
TARGETS = {"cover": 1600, "thumb": 480, "body": 960}
GOAL = 1.3


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


def ours(data: bytes) -> int:
    return sum(len(prepare(data, max_side=side, quality=82).data) for side in TARGETS.values())


def _bicubic_fit(im: Image.Image, max_side: int | None) -> Image.Image:
    if max_side and max(im.size) > max_side:
        return im.resize(_fit(im.size, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return im


def ours_bicubic(data: bytes) -> int:
    """`prepare` with bicubic instead of Lanczos resampling (the alternative measured)."""
    saved = images._fit
    images._fit = _bicubic_fit
    try:
        return ours(data)
    finally:
        images._fit = saved


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


def measure(sources: list[bytes], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"floor": [], "ours": [], "ours, bicubic (not adopted)": [], "naive": []}
    pipelines = (("floor", floor), ("ours", ours), ("ours, bicubic (not adopted)", ours_bicubic), ("naive", naive))
    for _ in range(rounds):
        for name, function in pipelines:
            started = time.perf_counter()
            for data in sources:
                function(data)
            times[name].append((time.perf_counter() - started) / len(sources))
    return times


def run(quick: bool = False) -> dict:
    info = machine()
    sources = photos(1 if quick else 3)
    times = measure(sources, 2 if quick else 5)
    return {"info": info, "times": times, "photos": len(sources), "bytes": [len(s) for s in sources],
            "load_after": load(), "quick": quick}


def report(result: dict) -> str:
    times = result["times"]
    best = {k: min(v) for k, v in times.items()}
    ratio = best["ours"] / best["floor"]
    rows = "\n".join(
        f"| {name} | {best[name] * 1000:.0f} | {statistics.median(times[name]) * 1000:.0f} | {best[name] / best['floor']:.2f}× |"
        for name in times
    )
    extra = (f"- Input: {result['photos']} generated 6000×4000 JPEGs (quality 90, "
             f"{sum(result['bytes']) / len(result['bytes']) / 1e6:.1f} MB each); outputs per photo: cover 1600, "
             "body 960, thumb 480 px long side, JPEG quality 82\n")
    return "\n".join([
        header(SECTION, result["info"], "python -m bench.image_bench" + (" --quick" if result["quick"] else ""),
               result["load_after"], extra),
        f"- Goal: ours within {GOAL}× of the floor — {ratio:.2f}×: **{'met' if ratio <= GOAL else 'not met'}**\n",
        "| pipeline (3 outputs per photo) | best ms per photo | median ms | ÷ floor |",
        "| --- | ---: | ---: | ---: |",
        rows, "",
        "floor = JPEG decode with `draft()` at each target's scale + the same JPEG encode as ours (no resampling); ours = "
        "`publisher.render.images.prepare` (draft decode, EXIF transpose, Lanczos with reducing_gap, "
        "encode without metadata); ours, bicubic = the same with bicubic resampling (measured, not "
        "adopted: it changes the bytes of every prepared picture, golden renditions included); naive = full-size decode + `resize()` + encode.",
    ])


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
