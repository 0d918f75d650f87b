"""How good, and how original, a GAN's pictures are. No metric needs downloaded weights.

- Quality: sliced Wasserstein distance (SWD) between Laplacian-pyramid patches of generated and
  real pictures, the recipe of Karras et al. (ProGAN), scaled down for small sets. Each pyramid
  level compares the two sets' distributions of 7x7 patches at that scale, from fine texture
  to the layout of colours; lower is better, and 0 means the same distribution.
- Memorisation: the seed article's MSE and SSIM (scikit-image), used as what they honestly are
  between random pictures: a nearest-neighbour check. A sample whose nearest training picture
  has an SSIM near 1 is a copy, not a new picture. They say nothing about quality.
- Diversity: the mean MS-SSIM between pairs of samples. Lower means more varied; a generator
  that collapsed to one picture scores near 1.

Pictures are RGB uint8 arrays (N, H, W, 3) of one size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PATCH = 7
PATCHES_PER_PICTURE = 64
DIRECTIONS = 256
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def laplacian_pyramid(picture: np.ndarray, smallest: int = 16) -> list[np.ndarray]:
    """Band-pass levels, finest first, down to ``smallest`` pixels (its Gaussian level last)."""
    import cv2

    levels, current = [], picture.astype(np.float32)
    while current.shape[0] // 2 >= smallest:
        smaller = cv2.pyrDown(current)
        levels.append(current - cv2.pyrUp(smaller, dstsize=(current.shape[1], current.shape[0])))
        current = smaller
    levels.append(current)
    return levels


def _patches(pictures: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Per pyramid level: random 7x7 patches of every picture, flattened (count, 147)."""
    per_level: list[list[np.ndarray]] = []
    for picture in pictures:
        for level, band in enumerate(laplacian_pyramid(picture)):
            if len(per_level) <= level:
                per_level.append([])
            ys = rng.integers(0, band.shape[0] - PATCH + 1, PATCHES_PER_PICTURE)
            xs = rng.integers(0, band.shape[1] - PATCH + 1, PATCHES_PER_PICTURE)
            windows = np.lib.stride_tricks.sliding_window_view(band, (PATCH, PATCH), axis=(0, 1))
            per_level[level].append(windows[ys, xs].reshape(PATCHES_PER_PICTURE, -1))
    return [np.concatenate(level) for level in per_level]


def _normalise(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sets standardised by the real set's statistics (per descriptor dimension)."""
    mean, std = a.mean(axis=0), a.std(axis=0) + 1e-6
    return (a - mean) / std, (b - mean) / std


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, directions: int = DIRECTIONS, seed: int = 0) -> float:
    """Mean over random unit directions of the 1-D Wasserstein distance of the projections."""
    rng = np.random.default_rng(seed)
    count = min(len(a), len(b))
    a = a[rng.permutation(len(a))[:count]]
    b = b[rng.permutation(len(b))[:count]]
    dirs = rng.normal(size=(a.shape[1], directions))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    pa, pb = np.sort(a @ dirs, axis=0), np.sort(b @ dirs, axis=0)
    return float(np.abs(pa - pb).mean())


def swd(real: np.ndarray, fake: np.ndarray, seed: int = 0) -> list[float]:
    """SWD per Laplacian-pyramid level, finest first (x1000 as in the ProGAN paper's tables)."""
    rng = np.random.default_rng(seed)
    real_levels, fake_levels = _patches(real, rng), _patches(fake, rng)
    distances = []
    for r, f in zip(real_levels, fake_levels, strict=True):
        r, f = _normalise(r, f)
        distances.append(1000 * sliced_wasserstein(r, f, seed=seed))
    return distances


def _grey(picture: np.ndarray) -> np.ndarray:
    return picture.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _ssim_parts(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean luminance term and mean contrast-structure term of SSIM (Gaussian window, sigma 1.5)."""
    import cv2

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image):
        return cv2.GaussianBlur(image, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    luminance = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    contrast_structure = (2 * cov + c2) / (vx + vy + c2)
    return float(luminance.mean()), float(contrast_structure.mean())


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Multi-scale SSIM of two pictures (Wang et al. 2003), on brightness, as many scales (up to
    five) as the size allows, with the standard weights renormalised."""
    import cv2

    x, y = _grey(a), _grey(b)
    scales = max(1, min(len(MS_SSIM_WEIGHTS), int(np.log2(min(x.shape) / 16)) + 1))
    weights = np.array(MS_SSIM_WEIGHTS[:scales])
    weights /= weights.sum()
    result = 1.0
    for scale in range(scales):
        luminance, contrast_structure = _ssim_parts(x, y)
        result *= max(contrast_structure, 0.0) ** weights[scale]
        if scale == scales - 1:
            result *= max(luminance, 0.0) ** weights[scale]
        else:
            x, y = cv2.pyrDown(x), cv2.pyrDown(y)
    return float(result)


def diversity(samples: np.ndarray, pairs: int = 64, seed: int = 0) -> float:
    """Mean MS-SSIM of random pairs of distinct samples: lower is more varied."""
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(pairs):
        i, j = rng.choice(len(samples), 2, replace=False)
        scores.append(ms_ssim(samples[i], samples[j]))
    return float(np.mean(scores))


@dataclass
class NearestNeighbour:
    mse: float  # mean over samples of the MSE to the closest training picture (0..255^2)
    ssim: float  # mean over samples of the SSIM to that picture
    max_ssim: float  # the closest any sample came to a training picture


def nearest_neighbour(samples: np.ndarray, training: np.ndarray, size: int = 64) -> NearestNeighbour:
    """The seed article's MSE and SSIM, as a memorisation check: each sample against the
    training picture closest to it (by MSE, at ``size`` pixels)."""
    import cv2
    from skimage.metrics import structural_similarity

    def small(pictures):
        return np.stack([cv2.resize(p, (size, size), interpolation=cv2.INTER_AREA) for p in pictures]).astype(np.float32)

    s, t = small(samples), small(training)
    errors, similarities = [], []
    flat_t = t.reshape(len(t), -1)
    for picture in s:
        mse = ((flat_t - picture.reshape(1, -1)) ** 2).mean(axis=1)
        nearest = int(np.argmin(mse))
        errors.append(float(mse[nearest]))
        similarities.append(structural_similarity(picture, t[nearest], channel_axis=-1, data_range=255))
    return NearestNeighbour(float(np.mean(errors)), float(np.mean(similarities)), float(np.max(similarities)))


def generate_samples(model_path, count: int, style: str | None = None, seed: int = 1) -> np.ndarray:
    """``count`` pictures from a model file's generator (a style's, or spread over all styles)."""
    import torch

    from core.gan.train import build_generator, load_model_file

    data = load_model_file(model_path)
    generator = build_generator(data)
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(count, generator.z_dim, generator=rng)
    labels = [data["styles"].index(style)] * count if style else [i % len(data["styles"]) for i in range(count)]
    with torch.no_grad():
        pictures = generator(z, torch.tensor(labels))
    return ((pictures.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
