"""PyTorch eager soft labels of a trained checkpoint: the reference the onnxruntime-node path is
checked against (integration test) and timed against (`npm run bench -- inference`).

    python bench/reference/torch_predict.py CHECKPOINT NUM_CLASSES OUT_DIR IMAGE... [--repeat N]
        [--no-write] [--warmup N] [--threads N] [--device cpu|cuda]

Writes OUT_DIR/<image stem>.npy (float32 C x H x W softmax) and prints one JSON line with timing:
`images`, `seconds` (one per timed pass over the images, batch 1; decoding and normalisation are
done before timing), `threads` (torch's intra-op threads), `device`, `peakRssMB`, `torch` (version).
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

from trainer.data import normalize, read_image
from trainer.models.deeplabv3plus import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("num_classes", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("images", type=Path, nargs="+")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the images (the first output is kept)")
    parser.add_argument("--no-write", action="store_true", help="time only")
    parser.add_argument("--warmup", type=int, default=0, help="untimed passes on the first image before timing")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default: torch's own)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="cuda falls back to cpu with a note")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("torch_predict: CUDA is not available; running on cpu", file=sys.stderr)
        device = torch.device("cpu")
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    config = state["modelConfig"]
    model = build_model(config["config"], args.num_classes, config["outputStride"])
    model.load_state_dict(state["model"])
    model.eval().to(device)
    inputs = [(path.stem, normalize(read_image(path)).unsqueeze(0).to(device)) for path in args.images]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    seconds = []
    with torch.inference_mode():
        for _ in range(args.warmup):
            torch.softmax(model(inputs[0][1]), dim=1)
        synchronize(device)
        for repeat in range(args.repeat):
            start = time.perf_counter()
            for stem, tensor in inputs:
                probabilities = torch.softmax(model(tensor), dim=1)[0]
                if repeat == 0 and not args.no_write:
                    np.save(args.out_dir / f"{stem}.npy", probabilities.cpu().numpy().astype(np.float32))
            synchronize(device)
            seconds.append(time.perf_counter() - start)
    result = {"images": len(inputs), "seconds": seconds, "threads": torch.get_num_threads()}
    print(json.dumps({**result, "device": device.type, "peakRssMB": peak_rss_mb(), "torch": torch.__version__}))


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM, as getrusage's maxrss may carry the forking parent's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
