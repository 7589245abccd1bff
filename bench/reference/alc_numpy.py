#!/usr/bin/env python3
"""Straightforward vectorised NumPy implementation of the ALC/A2LC acquisition of ../shared/alc-spec.md:
per-superpixel scoring, A2LC class weights and abc, and the global selection.

It is the reference the TypeScript engine (engine/) is checked against and timed against, so it
follows the same float64 summation order, chosen to be explicit here:
- P is widened to float64; per-pixel sums over classes (squared norms, dot products) run c = 0..C-1
  as whole-image vector operations, one class at a time;
- per-superpixel sums use np.bincount with weights, which adds in input order, i.e. row-major;
- abc = sum over c ascending of w[c] * T[c], T[c] = sum over E with u(x) = c of cos * e;
- zero-vector pixels count in the votes (d, q) and in D, but are left out of the mean over D and of E.

Usage: alc_numpy.py MANIFEST.json OUT.json
MANIFEST: {"classes": C, "mode": "alc"|"a2lc", "tau": t, "score": "sim"|"cil"|"pixel"|"abc",
           "budget": B, "skipQueried": true, "queried": [{"image", "superpixel"}],
           "repeat": 1, "images": [{"id", "height", "width", "softLabels": .npy path,
           "labels": raw uint8 path, "superpixels": raw uint32 path}]}
OUT: {"weights": [...], "superpixels": [records], "selected": [records + rank],
      "timing": {"scoreMs": {id: [ms of each repeat]}}, "peakRssMB": float}
"""

import json
import math
import resource
import sys
import time

import numpy as np

IGNORE = 255


def score_image(P32, L, S, mode, tau):
    """Scores of every superpixel of one image, as arrays indexed like `ids`."""
    C = P32.shape[0]
    hw = P32.shape[1] * P32.shape[2]
    P = P32.reshape(C, hw).astype(np.float64)
    L = L.reshape(hw).astype(np.int64)
    S = S.reshape(hw)
    if np.any((L >= C) & (L != IGNORE)):
        raise ValueError("label out of range")

    ids = np.unique(S)
    ids = ids[ids != 0]
    n = len(ids)
    in_r = S != 0
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return {
            "ids": ids,
            "pixels": empty,
            "expansion": empty,
            "dominant": empty,
            "rep": empty,
            "label": empty,
            "pixel": np.zeros(0),
            "cil": np.zeros(0),
            "sim": np.zeros(0),
            "classTerms": np.zeros((0, C)),
            "labelCounts": np.zeros((0, C), dtype=np.int64),
        }
    # Compact index of each pixel's superpixel (meaningless where S is 0).
    k = np.searchsorted(ids, S)
    k[~in_r] = 0

    A = np.argmax(P32.reshape(C, hw), axis=0)  # first maximum: ties go to the smallest class
    sumsq = np.zeros(hw)
    for c in range(C):
        sumsq = sumsq + P[c] * P[c]
    norm = np.sqrt(sumsq)
    u = np.where(L != IGNORE, L, A)
    e = 1.0 - P[u, np.arange(hw)]

    kr = k[in_r]
    pixels = np.bincount(kr, minlength=n)
    dominant = np.argmax(np.bincount(kr * C + A[in_r], minlength=n * C).reshape(n, C), axis=1)
    labelled = in_r & (L != IGNORE)
    label_counts = np.bincount(k[labelled] * C + L[labelled], minlength=n * C).reshape(n, C)

    in_d = in_r & (A == dominant[k])
    d_vec = in_d & (norm > 0)
    d_count = np.bincount(k[d_vec], minlength=n)
    mean = np.zeros((n, C))
    for c in range(C):
        mean[:, c] = np.bincount(k[d_vec], weights=P[c][d_vec], minlength=n)
    has_mean = d_count > 0
    mean[has_mean] = mean[has_mean] / d_count[has_mean][:, None]
    mean_sq = np.zeros(n)
    for c in range(C):
        mean_sq = mean_sq + mean[:, c] * mean[:, c]
    mean_norm = np.where(has_mean, np.sqrt(mean_sq), 0.0)

    def cosines(vectors, vector_norms, mask):
        idx = np.nonzero(mask & (norm > 0) & (vector_norms[k] > 0))[0]
        kk = k[idx]
        dot = np.zeros(len(idx))
        for c in range(C):
            dot = dot + P[c][idx] * vectors[kk, c]
        return idx, dot / (norm[idx] * vector_norms[kk])

    # r: pixel of D with the highest cosine to m, first in row-major order on ties.
    idx, cos_m = cosines(mean, mean_norm, in_d)
    best = np.full(n, -np.inf)
    np.maximum.at(best, k[idx], cos_m)
    at_best = idx[cos_m == best[k[idx]]]
    rep = np.full(n, -1)
    found, first = np.unique(k[at_best], return_index=True)
    rep[found] = at_best[first]

    if mode == "alc":
        has_rep = rep >= 0
        vectors = np.zeros((n, C))
        vectors[has_rep] = P[:, rep[has_rep]].T
        vector_norms = np.where(has_rep, norm[np.maximum(rep, 0)], 0.0)
        label = np.where(has_rep, u[np.maximum(rep, 0)], 0)
    else:
        vectors, vector_norms = mean, mean_norm
        votes = np.bincount(k[in_d] * (C + 1) + np.where(L[in_d] == IGNORE, C, L[in_d]), minlength=n * (C + 1))
        top = np.argmax(votes.reshape(n, C + 1), axis=1)
        label = np.where(top == C, dominant, top)

    idx, cos_v = cosines(vectors, vector_norms, in_r)
    in_e = cos_v >= tau
    ie = idx[in_e]
    ke = k[ie]
    weighted = cos_v[in_e] * e[ie]
    expansion = np.bincount(ke, minlength=n)
    error_sum = np.bincount(ke, weights=e[ie], minlength=n)
    sim = np.bincount(ke, weights=weighted, minlength=n)
    class_terms = np.bincount(ke * C + u[ie], weights=weighted, minlength=n * C).reshape(n, C)
    scored = expansion > 0
    cil = np.full(n, np.nan)
    cil[scored] = error_sum[scored] / expansion[scored]
    pixel = np.full(n, np.nan)
    pixel[scored] = 1.0 - P[label[scored], rep[scored]]
    sim = np.where(scored, sim, np.nan)
    return {
        "ids": ids,
        "pixels": pixels,
        "expansion": expansion,
        "dominant": dominant,
        "rep": rep,
        "label": label,
        "pixel": pixel,
        "cil": cil,
        "sim": sim,
        "classTerms": class_terms,
        "labelCounts": label_counts,
    }


def class_weights(counts):
    total = 0.0
    present = 0
    smallest = math.inf
    for n in counts:
        if n > 0:
            total += n
            present += 1
            smallest = min(smallest, n)
    weights = [0.0] * len(counts)
    if present == 0:
        return weights
    kl = 0.0
    for n in counts:
        if n > 0:
            p = n / total
            kl += p * math.log(p * present)
    exponent = kl * kl * kl
    for c, n in enumerate(counts):
        if n > 0:
            weights[c] = (smallest / n) ** exponent
    return weights


def abc_scores(class_terms, weights):
    abc = np.zeros(class_terms.shape[0])
    for c, w in enumerate(weights):
        abc = abc + w * class_terms[:, c]
    return abc


def peak_rss_mb():
    """Peak resident set: Linux's VmHWM (getrusage's maxrss also counts the parent that forked us)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    manifest_path, out_path = sys.argv[1], sys.argv[2]
    with open(manifest_path) as f:
        manifest = json.load(f)
    C = manifest["classes"]
    mode = manifest["mode"]
    tau = float(manifest.get("tau", 0.0))
    score = manifest.get("score", "sim" if mode == "alc" else "abc")
    repeat = int(manifest.get("repeat", 1))
    queried = {(q["image"], q["superpixel"]) for q in manifest.get("queried", [])}

    results = {}
    timing = {}
    for image in manifest["images"]:
        H, W = image["height"], image["width"]
        P = np.load(image["softLabels"])
        if P.dtype == np.float16:
            P = P.astype(np.float32)
        if P.dtype != np.float32 or P.shape != (C, H, W):
            raise ValueError(f"{image['softLabels']}: expected float32 {C}x{H}x{W}, got {P.dtype} {P.shape}")
        L = np.fromfile(image["labels"], dtype=np.uint8).reshape(H, W)
        S = np.fromfile(image["superpixels"], dtype=np.uint32).reshape(H, W)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            results[image["id"]] = score_image(P, L, S, mode, tau)
            times.append((time.perf_counter() - start) * 1000)
        timing[image["id"]] = times

    totals = [0.0] * C
    for image_id, r in results.items():
        for i, sp in enumerate(r["ids"]):
            if (image_id, int(sp)) not in queried:
                for c in range(C):
                    totals[c] += int(r["labelCounts"][i, c])
    weights = class_weights(totals)

    widths = {image["id"]: image["width"] for image in manifest["images"]}
    records = []
    for image_id, r in results.items():
        abc = abc_scores(r["classTerms"], weights)
        for i, sp in enumerate(r["ids"]):
            if r["expansion"][i] == 0:
                continue
            rep = int(r["rep"][i])
            W = widths[image_id]
            records.append(
                {
                    "image": image_id,
                    "superpixel": int(sp),
                    "pixels": int(r["pixels"][i]),
                    "expansion": int(r["expansion"][i]),
                    "dominant": int(r["dominant"][i]),
                    "rep": [rep // W, rep % W],
                    "label": int(r["label"][i]),
                    "pixel": float(r["pixel"][i]),
                    "cil": float(r["cil"][i]),
                    "sim": float(r["sim"][i]),
                    "abc": float(abc[i]),
                }
            )
    candidates = [
        r for r in records if not (manifest.get("skipQueried", True) and (r["image"], r["superpixel"]) in queried)
    ]
    candidates.sort(key=lambda r: (-r[score], r["image"], r["superpixel"]))
    selected = [dict(r, rank=i + 1) for i, r in enumerate(candidates[: manifest["budget"]])]
    peak_mb = peak_rss_mb()
    with open(out_path, "w") as f:
        json.dump(
            {
                "weights": weights,
                "superpixels": records,
                "selected": selected,
                "timing": {"scoreMs": timing},
                "peakRssMB": peak_mb,
            },
            f,
        )


if __name__ == "__main__":
    main()
