"""Image-stage operations: applied to the composed image, before ``spec.invert``.

Photometric ops (noise, brightness, JPEG, dropout, invert) change only the image
(:meth:`ImageLayers.set_image`); moving ops (warps, blurs) transform the image, the clean
ink and every glyph's ownership identically (:meth:`ImageLayers.move`), so the engine
can recompute the mask and boxes exactly.
"""

from __future__ import annotations

import numpy as np

from seqstudio.core.augment import imgaug_backend as ia
from seqstudio.core.augment.glyph_ops import draw_corners
from seqstudio.core.augment.kernels import (
    corner_offsets,
    elastic_map,
    gaussian_ksize,
    motion_kernel,
    remap,
)
from seqstudio.core.augment.operation import Operation, ParamSchema, float_range, int_range
from seqstudio.core.cv import cv2


def _per_pixel(choice: np.ndarray, image: np.ndarray) -> np.ndarray:
    """An (H, W) choice broadcast over the channels of an RGB image."""
    return choice[..., None] if image.ndim == 3 else choice


class GaussianNoise(Operation):
    def apply_image(self, layers, values, rand):
        sigma = values["sigma"]
        if sigma <= 0:
            return
        noise = np.rint(rand.generator().normal(0.0, sigma, layers.image.shape)).astype(np.int16)
        layers.set_image(ia.add_elementwise(layers.image, noise))


class SaltPepper(Operation):
    def apply_image(self, layers, values, rand):
        amount = values["amount"]
        if amount <= 0:
            return
        gen = rand.generator()
        image = layers.image
        draws = gen.random((2,) + image.shape[:2])
        replace = draws[0] < amount
        salt = (draws[1] < values["salt"])[replace].astype(np.uint8) * 255
        if image.ndim == 3:  # RGB: a replaced pixel is white or black in every channel
            out = image.copy()
            out[replace] = salt[:, None]
            layers.set_image(out)
            return
        layers.set_image(ia.replace_elementwise(image, replace, salt))


class GaussianBlur(Operation):
    moving = True

    def apply_image(self, layers, values, rand):
        sigma = values["sigma"]
        if sigma <= 0:
            return
        k = gaussian_ksize(sigma)
        layers.move(
            lambda a: cv2.GaussianBlur(
                a, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT
            )
        )


class MotionBlur(Operation):
    moving = True

    def apply_image(self, layers, values, rand):
        kernel = motion_kernel(values["length"], values["angle"])
        layers.move(lambda a: cv2.filter2D(a, -1, kernel, borderType=cv2.BORDER_CONSTANT))


class BrightnessContrast(Operation):
    def apply_image(self, layers, values, rand):
        image = layers.image
        if values["brightness"] != 1.0:
            image = ia.multiply_scalar(image, values["brightness"])
        if values["contrast"] != 1.0:
            image = ia.adjust_contrast_linear(image, values["contrast"])
        if image is not layers.image:
            if image.dtype != np.uint8:  # pragma: no cover - imgaug returns uint8 for uint8 input
                image = np.clip(image, 0, 255).astype(np.uint8)
            layers.set_image(image)


class Jpeg(Operation):
    def apply_image(self, layers, values, rand):
        image = layers.image
        colour = image.ndim == 3
        if colour:  # OpenCV's codecs take BGR
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(values["quality"])])
        if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
            raise RuntimeError("JPEG encoding failed")
        if colour:
            decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
            layers.set_image(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))
        else:
            layers.set_image(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))


class Dropout(Operation):
    def apply_image(self, layers, values, rand):
        rate = values["rate"]
        if rate <= 0:
            return
        image = layers.image
        drop = rand.generator().random(image.shape[:2]) < rate
        layers.set_image(np.where(_per_pixel(drop, image), np.uint8(0), image))


class CoarseDropout(Operation):
    def apply_image(self, layers, values, rand):
        rate, size = values["rate"], values["size"]
        if rate <= 0:
            return
        image = layers.image
        h, w = image.shape[:2]
        grid = rand.generator().random((-(-h // size), -(-w // size))) < rate
        drop = np.repeat(np.repeat(grid, size, axis=0), size, axis=1)[:h, :w]
        layers.set_image(np.where(_per_pixel(drop, image), np.uint8(0), image))


class ElasticImage(Operation):
    moving = True

    def apply_image(self, layers, values, rand):
        if values["alpha"] <= 0:
            return
        shape = layers.image.shape[:2]
        coords = elastic_map(shape, values["alpha"], values["sigma"], rand.generator())
        layers.move(lambda a: remap(a, coords))


class Perspective(Operation):
    moving = True

    def sample_extra(self, values, rand, params):
        draw_corners(values, rand)

    def apply_image(self, layers, values, rand):
        h, w = layers.image.shape[:2]
        offsets = corner_offsets(values, h)
        if not offsets.any():
            return
        src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
        matrix = cv2.getPerspectiveTransform(src, src + offsets)
        layers.move(
            lambda a: cv2.warpPerspective(a, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        )


class Invert(Operation):
    def apply_image(self, layers, values, rand):
        layers.set_image(255 - layers.image)


IMAGE_OPS: tuple[Operation, ...] = (
    GaussianNoise(
        "gaussian_noise",
        "image",
        "Gaussian noise",
        "Add per-pixel Gaussian noise (clipped to 0–255).",
        (
            float_range(
                "sigma", (0.0, 10.0), 0.0, 100.0, "grey levels", "Noise standard-deviation range."
            ),
        ),
    ),
    SaltPepper(
        "salt_pepper",
        "image",
        "Salt and pepper",
        "Set a fraction of pixels to white (salt) or black (pepper).",
        (
            float_range(
                "amount", (0.0, 0.02), 0.0, 0.5, "fraction", "Fraction of pixels replaced."
            ),
            ParamSchema(
                "salt",
                "float",
                0.5,
                0.0,
                1.0,
                "fraction",
                "Share of replaced pixels that are white.",
            ),
        ),
    ),
    GaussianBlur(
        "gaussian_blur",
        "image",
        "Gaussian blur",
        "Gaussian-blur the whole image.",
        (float_range("sigma", (0.0, 1.0), 0.0, 3.0, "px", "Gaussian sigma range."),),
    ),
    MotionBlur(
        "motion_blur",
        "image",
        "Motion blur",
        "Blur along a line, as from a moving camera.",
        (
            int_range("length", (3, 5), 3, 15, "px", "Length range of the blur line."),
            float_range(
                "angle", (-45.0, 45.0), -180.0, 180.0, "°", "Direction range of the blur line."
            ),
        ),
    ),
    BrightnessContrast(
        "brightness_contrast",
        "image",
        "Brightness / contrast",
        "Multiply brightness, then scale contrast about mid-grey (clipped to 0–255).",
        (
            float_range(
                "brightness",
                (1.0, 1.0),
                0.1,
                3.0,
                "×",
                "Brightness factor range (Keras brightness_range).",
            ),
            float_range(
                "contrast", (1.0, 1.0), 0.1, 3.0, "×", "Contrast factor range about grey 127."
            ),
        ),
    ),
    Jpeg(
        "jpeg",
        "image",
        "JPEG artefacts",
        "Encode and decode as JPEG at a quality drawn from the range.",
        (
            int_range(
                "quality", (50, 90), 1, 100, "", "JPEG quality range (lower = more artefacts)."
            ),
        ),
    ),
    Dropout(
        "dropout",
        "image",
        "Dropout",
        "Set a random fraction of pixels to black.",
        (float_range("rate", (0.0, 0.05), 0.0, 0.5, "fraction", "Fraction of pixels dropped."),),
    ),
    CoarseDropout(
        "coarse_dropout",
        "image",
        "Coarse dropout",
        "Set random square blocks to black.",
        (
            float_range("rate", (0.0, 0.05), 0.0, 0.3, "fraction", "Fraction of blocks dropped."),
            int_range("size", (2, 4), 1, 14, "px", "Block side length range."),
        ),
    ),
    ElasticImage(
        "elastic_image",
        "image",
        "Elastic distortion (image)",
        "Warp the whole image with a smooth random displacement field; masks and boxes follow.",
        (
            float_range("alpha", (0.0, 2.0), 0.0, 4.0, "px", "Range of the largest displacement."),
            ParamSchema(
                "sigma", "float", 4.0, 2.0, 10.0, "px", "Field smoothness (Gaussian sigma)."
            ),
        ),
    ),
    Perspective(
        "perspective",
        "image",
        "Perspective (image)",
        "Move each image corner by a random offset; masks and boxes follow.",
        (
            float_range(
                "strength", (0.0, 0.05), 0.0, 0.1, "× height", "Largest corner offset range."
            ),
        ),
    ),
    Invert(
        "invert",
        "image",
        "Invert",
        "Replace every value v by 255 − v (before the spec's own invert).",
        (),
    ),
)
"""The image-stage operations, in display order."""
