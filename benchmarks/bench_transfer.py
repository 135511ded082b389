"""Does the data transfer? A small CRNN trained on seqstudio sequences, read on other digits.

For each augmentation preset (``none`` is the same-run baseline) and each training seed,
the small CRNN of :mod:`seqstudio.torch.crnn` (CTC) is trained for a fixed number of steps
(not seconds, so load from other processes cannot favour one preset) on fresh seqstudio
sequences of bundled-MNIST *train*-pool glyphs, then evaluated on three held-out sets of the
same layout:

* **in-domain** — clean sequences from the MNIST *test* pool (writers training never saw);
* **equipment** — "other writers on other equipment": the same test-pool digits
  re-rasterised by this script's *own* OpenCV code (:func:`rerasterise`: cropped to the
  ink box and resized to fill a 16 px box with or without keeping the aspect, like USPS;
  thicker or thinner pens; blurred and binarised; captured at 8–12 px and upsampled
  blocky), stitched through a ``folder:`` glyph source, so the digits fill their cell;
* **fonts** — digits rendered from every usable font installed under ``--fonts`` (Debian
  packages fonts-dejavu, fonts-liberation, fonts-freefont-ttf, fonts-urw-base35) through
  seqstudio's ``font:`` source, degraded by this script's own pipeline (:func:`degrade`:
  stroke dilation/erosion, down/up-sampling, blur, ink and paper level, noise, rotation).

None of the evaluation sets uses seqstudio augmentation code, and no handwriting dataset is
used anywhere (do not tune on one: the held-out check uses real handwriting). It prints
exact-sequence accuracy and character error rate (CER) per preset and seed, then the mean ±
half-range over seeds and the change against ``none``. ``--by-variant`` adds the accuracy on
each equipment variant alone. No asserts.

Needs PyTorch (CPU is enough): ``.venv/bin/pip install torch==2.13.0``.

Run (2-core CPU: ~1 min per preset and seed for ``none``, ~2 min with augmentation)::

    nice .venv/bin/python benchmarks/bench_transfer.py --threads 1
    nice .venv/bin/python benchmarks/bench_transfer.py --presets transfer my.json --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from seqstudio.core.augment import load_preset
from seqstudio.core.cv import cv2
from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.font_glyphs import render_font
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec, RandomSequences

try:
    import torch
    from torch import nn

    from seqstudio.torch.crnn import CRNN, edit_distance, greedy_decode
except ModuleNotFoundError:  # pragma: no cover - optional
    sys.exit("bench_transfer needs PyTorch: .venv/bin/pip install torch==2.13.0")

DIGITS = tuple("0123456789")

WIDTH, HEIGHT = 128, 28
LAYOUT = dict(
    random=RandomSequences(min_length=3, max_length=5),
    spacing_min=0,
    spacing_max=8,
    width=WIDTH,
    height=HEIGHT,
    fit="scale",
)
FONT_DIRS = ("/usr/share/fonts",)


# ----------------------------------------------------------------------- model
def _tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1)  # (B, 1, H, W) uint8


def score(model: CRNN, images: np.ndarray, labels: list[str]) -> tuple[float, float]:
    """Exact-sequence accuracy and character error rate."""
    model.eval()
    with torch.no_grad():
        preds = []
        for start in range(0, len(images), 256):
            preds += greedy_decode(model(_tensor(images[start : start + 256])), DIGITS)
    exact = float(np.mean([p == t for p, t in zip(preds, labels)]))
    cer = sum(edit_distance(p, t) for p, t in zip(preds, labels)) / sum(len(t) for t in labels)
    return exact, cer


def train(ops, steps: int, batch: int, seed: int) -> tuple[CRNN, float]:
    """Train on fresh sequences (image i of the spec, never reused); returns model, seconds."""
    torch.manual_seed(seed)
    gen = SequenceGenerator(GenerationSpec(**LAYOUT, pool="train", seed=seed, augment=ops))
    model = CRNN(classes=len(DIGITS))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    begin = time.perf_counter()
    for step in range(steps):
        samples = [gen.generate(step * batch + k, masks=False) for k in range(batch)]
        x = _tensor(np.stack([s.image for s in samples]))
        targets = torch.tensor([int(c) + 1 for s in samples for c in s.label])
        lengths = torch.tensor([len(s.label) for s in samples])
        model.train()
        logp = model(x)  # (T, B, classes + 1) log-probabilities
        loss = ctc(logp, targets, torch.full((batch,), logp.shape[0]), lengths)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
    return model, time.perf_counter() - begin


# ----------------------------------------------------------------------- evaluation sets
def in_domain_set(count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Clean sequences from the MNIST test pool (glyphs training never saw)."""
    gen = SequenceGenerator(GenerationSpec(**LAYOUT, pool="test", seed=seed + 1))
    samples = [gen.generate(i, masks=False) for i in range(count)]
    return np.stack([s.image for s in samples]), [s.label for s in samples]


def usable_fonts(roots) -> list[Path]:
    """Installed fonts that draw all ten digits (symbol fonts are refused by the source)."""
    fonts = []
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf") and path.is_file():
                try:
                    render_font(path)
                except DataError:
                    continue
                fonts.append(path)
    return fonts


def degrade(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """This script's own degradations (plain OpenCV/numpy, not seqstudio ops)."""
    a = image.astype(np.float32) / 255.0
    h, w = a.shape
    if rng.random() < 0.5:  # pen width: thicker or thinner strokes
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        a = cv2.dilate(a, k) if rng.random() < 0.6 else cv2.erode(a, k)
        if a.max() < 0.2:
            a = image.astype(np.float32) / 255.0
    if rng.random() < 0.5:  # capture at a lower resolution
        f = rng.uniform(0.45, 0.85)
        small = cv2.resize(
            a, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
        )
        interp = cv2.INTER_NEAREST if rng.random() < 0.5 else cv2.INTER_LINEAR
        a = cv2.resize(small, (w, h), interpolation=interp)
    angle = rng.uniform(-4, 4)
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    a = cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR)
    sigma = rng.uniform(0.0, 1.0)
    if sigma > 0.2:
        a = cv2.GaussianBlur(a, (0, 0), sigma)
    ink, paper = rng.uniform(0.55, 1.0), rng.uniform(0.0, 0.25)
    a = paper + (ink - paper) * a
    a += rng.normal(0, rng.uniform(0, 0.05), a.shape).astype(np.float32)
    return np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)


def font_set(fonts: list[Path], count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Sequences of font-rendered digits (all fonts), degraded by :func:`degrade`."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for k, font in enumerate(fonts):
            (folder / f"{k:03d}{font.suffix}").symlink_to(font)
        spec = GenerationSpec(**LAYOUT, pool="train", source=f"font:{folder}", seed=seed + 2)
        test_spec = spec.replace(pool="test")
        gens = [SequenceGenerator(spec), SequenceGenerator(test_spec)]  # every font in use
        samples = [gens[i % 2].generate(i, masks=False) for i in range(count)]
    rng = np.random.default_rng(seed + 3)
    images = np.stack([degrade(s.image, rng) for s in samples])
    return images, [s.label for s in samples]


#: Re-rasterisations of the equipment set (USPS-like capture of another writer's digit).
EQUIPMENT = ("fill", "keep-aspect", "thick", "thin", "binarised", "blocky")


def rerasterise(glyph: np.ndarray, variant: str, rng: np.random.Generator) -> np.ndarray:
    """One digit as other equipment would capture it (this script's own OpenCV code).

    The digit's ink box is cropped and resized into a small square box (16 px, like
    USPS) that it fills — stretched to the box (``fill``, ``thick``, ``thin``,
    ``binarised``, ``blocky``) or with its aspect kept (``keep-aspect``) — with the pen
    made thicker or thinner at that resolution, blurred and thresholded like a bilevel
    scanner, or saved at a lower resolution and upsampled blocky (nearest). The box has
    no margin, so the digit fills the glyph cell (MNIST digits fill 20 of 28 rows).
    """
    ys, xs = np.nonzero(glyph > 30)
    ink = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    box = 16 if variant != "blocky" else int(rng.integers(8, 13))
    h, w = ink.shape
    if variant == "keep-aspect" or w < 0.45 * h:  # a "1" is not stretched into a block
        s = box / max(h, w)
        size = (max(1, round(w * s)), max(1, round(h * s)))
    else:
        size = (box, box)
    a = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    pad_x = (box - a.shape[1]) // 2
    a = cv2.copyMakeBorder(a, 0, 0, pad_x, box - a.shape[1] - pad_x, cv2.BORDER_CONSTANT, 0)
    kernel = np.ones((2, 2), np.uint8)
    if variant == "thick":
        a = cv2.GaussianBlur(cv2.dilate(a, kernel), (0, 0), 0.5)
    elif variant == "thin":
        thinner = cv2.erode(a, kernel)
        a = thinner if thinner.max() > 0.3 else a
    elif variant == "binarised":
        a = (cv2.GaussianBlur(a, (0, 0), 0.7) > rng.uniform(0.25, 0.45)).astype(np.float32)
    if variant == "blocky":
        up = int(rng.integers(3, 5))
        a = cv2.resize(a, (box * up, box * up), interpolation=cv2.INTER_NEAREST)
    a = a / max(float(a.max()), 1e-6) * rng.uniform(0.7, 1.0)
    return np.clip(np.rint(a * 255), 0, 255).astype(np.uint8)


def equipment_set(
    count: int, seed: int, variants: tuple[str, ...] = EQUIPMENT
) -> tuple[np.ndarray, list[str]]:
    """Sequences of MNIST *test-pool* digits (writers training never saw) re-rasterised by
    :func:`rerasterise` (about half of ``variants`` per digit), stitched through a
    ``folder:`` glyph source (no seqstudio ops)."""
    from PIL import Image

    from seqstudio.core.glyphs import open_source

    pool = open_source("bundled").pool("test")
    rng = np.random.default_rng(seed + 4)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(len(pool)):
            label = pool.classes[pool.label_ids[i]]
            (folder / label).mkdir(exist_ok=True)
            glyph = pool.images[i, :, : pool.widths[i]]
            for k, variant in enumerate(variants):
                if len(variants) == 1 or rng.random() < 0.5:
                    image = rerasterise(glyph, variant, rng)
                    Image.fromarray(image).save(folder / label / f"{i:05d}-{k}.png")
        spec = GenerationSpec(**LAYOUT, pool="train", source=f"folder:{folder}", seed=seed + 5)
        gens = [SequenceGenerator(spec), SequenceGenerator(spec.replace(pool="test"))]
        samples = [gens[i % 2].generate(i, masks=False) for i in range(count)]
    return np.stack([s.image for s in samples]), [s.label for s in samples]


# ----------------------------------------------------------------------- main
SETS = ("in-domain", "equipment", "fonts")


def _spread(values: list[float]) -> str:
    """``mean ± half-range`` in percent (half-range = 0 with one seed)."""
    half = (max(values) - min(values)) / 2
    return f"{statistics.fmean(values):5.1%} ±{half:4.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--presets",
        nargs="+",
        default=["none", "light", "heavy", "transfer"],
        help="bundled preset names or preset JSON files; 'none' is the baseline",
    )
    parser.add_argument("--steps", type=int, default=1000, help="training steps per preset")
    parser.add_argument("--batch", type=int, default=32, help="sequences per step")
    parser.add_argument("--eval", type=int, default=1000, help="sequences per evaluation set")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1], help="training seeds (one model each)"
    )
    parser.add_argument("--eval-seed", type=int, default=0, help="seed of the evaluation sets")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--fonts", nargs="+", default=list(FONT_DIRS), help="font folders")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="do not train 'none' first (exploration only: no same-run baseline, no Δ column)",
    )
    parser.add_argument(
        "--by-variant",
        action="store_true",
        help="also print exact accuracy on each equipment variant alone (for tuning)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    presets = list(dict.fromkeys([*([] if args.no_baseline else ["none"]), *args.presets]))
    for name in presets:
        try:
            load_preset(name)  # a wrong name or file fails before any training
        except SpecError as exc:
            parser.error(f"--presets: {exc}")
    fonts = usable_fonts(args.fonts)
    if len(fonts) < 2:
        sys.exit(f"need at least 2 usable fonts under {' '.join(args.fonts)} (found {len(fonts)})")
    sets = {
        "in-domain": in_domain_set(args.eval, args.eval_seed),
        "equipment": equipment_set(args.eval, args.eval_seed),
        "fonts": font_set(fonts, args.eval, args.eval_seed),
    }
    variant_sets = {
        v: equipment_set(args.eval // 2, args.eval_seed, (v,)) for v in EQUIPMENT if args.by_variant
    }
    print(
        f"CRNN, {args.steps} steps x {args.batch} fresh sequences (3-5 digits, {WIDTH}x{HEIGHT}, "
        f"bundled MNIST train pool); {args.eval} sequences per set: in-domain = MNIST test "
        f"pool, equipment = MNIST test pool re-rasterised ({', '.join(EQUIPMENT)}), fonts = "
        f"{len(fonts)} fonts + own degradations; eval seed {args.eval_seed}; exact acc / CER"
    )
    columns = "".join(f"  {name:>15}" for name in SETS)
    print(f"{'preset':>16}  {'seed':>4}{columns}  {'train s':>7}")
    results: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in presets}
    for seed in args.seeds:
        for name in presets:
            model, seconds = train(load_preset(name), args.steps, args.batch, seed)
            row = {key: score(model, *sets[key]) for key in SETS}
            results[name].append(row)
            cells = "".join(f"  {row[k][0]:7.1%} / {row[k][1]:.3f}" for k in SETS)
            print(f"{_label(name):>16}  {seed:>4}{cells}  {seconds:7.0f}", flush=True)
            if variant_sets:
                parts = (f"{v} {score(model, *data)[0]:.1%}" for v, data in variant_sets.items())
                print(f"{'':>16}  equipment by variant: {', '.join(parts)}", flush=True)
    print(f"\nmean ± half-range over seeds {' '.join(map(str, args.seeds))} (exact accuracy; CER)")
    print(f"{'preset':>16}" + "".join(f"  {k:>14}  {'CER':>5}  {'Δ none':>7}" for k in SETS))
    for name in presets:
        cells = ""
        for key in SETS:
            acc = [r[key][0] for r in results[name]]
            cer = statistics.fmean(r[key][1] for r in results[name])
            delta = (
                f"{statistics.fmean(acc) - statistics.fmean(r[key][0] for r in results['none']):+6.1%}"
                if "none" in results
                else "   n/a"
            )
            cells += f"  {_spread(acc):>14}  {cer:5.3f}  {delta:>7}"
        print(f"{_label(name):>16}{cells}")


def _label(name: str) -> str:
    return Path(name).stem if name.endswith(".json") else name


if __name__ == "__main__":
    main()
