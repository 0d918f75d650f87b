"""The Quality table of docs/models.md for a model file: SWD by level, MS-SSIM diversity and the
nearest training picture, on 210 samples (30 a style, seed 9) against 210 held-out procedural
backdrops (seed 77); memorisation on the first 50 samples.

Run: .venv/bin/python bench/gan_quality.py MODEL.pt
"""
import sys

import numpy as np

from core.gan.data import STYLES, procedural_dataset
from core.gan.metrics import diversity, generate_samples, nearest_neighbour, swd

model = sys.argv[1]
samples = np.concatenate([generate_samples(model, 30, style=s, seed=9) for s in STYLES])
held = procedural_dataset(210, seed=77)[0]
levels = swd(held, samples)
print("SWD x1e3 by level", [round(v) for v in levels], "mean", round(float(np.mean(levels))))
print("diversity", round(diversity(samples), 3))
training, _ = procedural_dataset(2100, seed=0)
nn = nearest_neighbour(samples[:50], training)
print("nearest training picture: mean SSIM", round(nn.ssim, 3), "max", round(nn.max_ssim, 3))
