"""PyTorch eager soft labels of a trained checkpoint: the reference the onnxruntime-node path is
checked against (integration test) and timed against (`npm run bench -- inference`).

    python bench/reference/torch_predict.py CHECKPOINT NUM_CLASSES OUT_DIR IMAGE... [--repeat N]

Writes OUT_DIR/<image stem>.npy (float32 C x H x W softmax) and prints one JSON line with timing.
"""

import argparse
import json
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
    args = parser.parse_args()

    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    config = state["modelConfig"]
    model = build_model(config["config"], args.num_classes, config["outputStride"])
    model.load_state_dict(state["model"])
    model.eval()
    inputs = [(path.stem, normalize(read_image(path)).unsqueeze(0)) for path in args.images]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    seconds = []
    with torch.inference_mode():
        for repeat in range(args.repeat):
            start = time.perf_counter()
            for stem, tensor in inputs:
                probabilities = torch.softmax(model(tensor), dim=1)[0]
                if repeat == 0 and not args.no_write:
                    np.save(args.out_dir / f"{stem}.npy", probabilities.numpy().astype(np.float32))
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"images": len(inputs), "seconds": seconds, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
