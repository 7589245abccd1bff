"""An untrained (randomly initialised, seeded) DeepLabV3+ in the trainer's output layout, for timing:
the `paper` model (ResNet-101) takes hours to train on a CPU, and its speed does not depend on its
weights. Used by `npm run bench -- inference`.

    python bench/reference/export_untrained.py OUT_DIR [--config paper] [--classes 21] [--seed 0]

Writes OUT_DIR/checkpoint.pt (the `modelConfig` and `model` entries of the trainer's checkpoint,
which is what torch_predict.py reads), OUT_DIR/model.onnx (exported and checked against PyTorch
by the trainer's own export function) and a minimal OUT_DIR/metrics.json (the fields inference
reads). Prints one JSON line: the files, the parameter count and the export's max difference.
"""

import argparse
import json
from pathlib import Path

import torch

from trainer.data import IMAGENET_MEAN, IMAGENET_STD
from trainer.export import export_onnx
from trainer.models.deeplabv3plus import ARCH_CONFIGS, build_model
from trainer.segmentation_job import INPUT_NAME, OUTPUT_NAME

DEFAULT_OUTPUT_STRIDE = {"paper": 16, "tiny": 8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--config", choices=sorted(ARCH_CONFIGS), default="paper")
    parser.add_argument("--classes", type=int, default=21, help="C, the number of output channels")
    parser.add_argument("--output-stride", type=int, choices=(8, 16), default=None, help="default: the config's")
    parser.add_argument("--seed", type=int, default=0, help="seeds the random initialisation")
    args = parser.parse_args()
    output_stride = args.output_stride or DEFAULT_OUTPUT_STRIDE[args.config]

    torch.manual_seed(args.seed)
    model = build_model(args.config, args.classes, output_stride).eval()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    model_config = {"config": args.config, "outputStride": output_stride}
    torch.save({"modelConfig": model_config, "model": model.state_dict()}, args.out_dir / "checkpoint.pt")

    # As the trainer's export (segmentation_job.py), with a small example: the graph is the same
    # for any size, and the check inputs differ in shape from it so a frozen dimension is caught.
    generator = torch.Generator().manual_seed(args.seed)
    report = export_onnx(
        model,
        torch.randn(2, 3, 96, 96, generator=generator),
        args.out_dir / "model.onnx",
        input_name=INPUT_NAME,
        output_name=OUTPUT_NAME,
        dynamic_axes={
            0: torch.export.Dim("batch"),
            2: torch.export.Dim("height", min=16),
            3: torch.export.Dim("width", min=16),
        },
        check_inputs=[torch.randn(1, 3, 61, 83, generator=generator), torch.randn(3, 3, 96, 64, generator=generator)],
    )
    parameters = sum(p.numel() for p in model.parameters())
    metrics = {
        "kind": "segmentation",
        "untrained": True,
        "seed": args.seed,
        "numClasses": args.classes,
        "inputName": report.input_name,
        "outputName": report.output_name,
        "mean": list(IMAGENET_MEAN),
        "std": list(IMAGENET_STD),
        "model": {**model_config, "parameters": parameters},
        "onnx": {"file": report.path.name, "opset": report.opset, "maxAbsDiffVsTorch": report.max_abs_diff},
    }
    (args.out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps({"outDir": str(args.out_dir), "parameters": parameters, "maxAbsDiffVsTorch": report.max_abs_diff}))


if __name__ == "__main__":
    main()
