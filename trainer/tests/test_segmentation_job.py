"""The segmentation job end to end, in-process: outputs, learning, ONNX, determinism, bad input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import torch
from PIL import Image

from trainer.data import normalize
from trainer.models.deeplabv3plus import build_model

from .conftest import JobRun, segmentation_spec
from .synthetic import NUM_CLASSES, SyntheticDataset, mean_iou, read_map

RunSpec = Callable[[dict[str, Any]], JobRun]


def test_outputs_and_events_follow_the_contract(trained_job: JobRun) -> None:
    out = trained_job.output_dir
    assert {p.name for p in out.iterdir()} == {"model.onnx", "checkpoint.pt", "metrics.json", "train.log"}
    kinds = [e["event"] for e in trained_job.events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert kinds.count("epoch") == kinds.count("checkpoint") == 30
    epoch = trained_job.of("epoch")[-1]
    assert {"epoch", "epochs", "step", "steps", "loss", "lr", "etaSeconds"} <= set(epoch)
    assert (epoch["epoch"], epoch["step"], epoch["steps"]) == (30, 60, 60)  # 10 items, batch 5
    metrics = trained_job.metrics
    assert trained_job.of("done")[0]["metrics"] == metrics
    assert metrics["inputName"] == "image" and metrics["outputName"] == "logits"
    assert metrics["mean"] == [0.485, 0.456, 0.406] and metrics["std"] == [0.229, 0.224, 0.225]
    assert metrics["numClasses"] == NUM_CLASSES and len(metrics["epochLosses"]) == 30
    assert metrics["finalLoss"] == metrics["epochLosses"][-1] and metrics["trainSeconds"] > 0
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 30 and state["specHash"] == metrics["specHash"]
    assert {"model", "optimizer", "rng"} <= set(state)
    assert "epoch 30/30" in (out / "train.log").read_text()


def test_loss_falls(trained_job: JobRun) -> None:
    losses = trained_job.metrics["epochLosses"]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3])


def _onnx_session(run: JobRun) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(run.output_dir / "model.onnx"), providers=["CPUExecutionProvider"])


def test_onnx_matches_pytorch_at_any_size(trained_job: JobRun) -> None:
    model = build_model("tiny", NUM_CLASSES, 8)
    model.load_state_dict(torch.load(trained_job.output_dir / "checkpoint.pt", weights_only=True)["model"])
    model.eval()
    session = _onnx_session(trained_job)
    graph = onnx.load(str(trained_job.output_dir / "model.onnx")).graph
    assert [i.name for i in graph.input] == ["image"] and [o.name for o in graph.output] == ["logits"]
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", 3, "height", "width"]
    generator = torch.Generator().manual_seed(3)
    for shape in [(1, 3, 64, 64), (2, 3, 50, 77), (1, 3, 128, 96)]:
        image = torch.randn(*shape, generator=generator)
        with torch.no_grad():
            expected = model(image).numpy()
        (actual,) = session.run(["logits"], {"image": image.numpy()})
        assert actual.shape == (shape[0], NUM_CLASSES, shape[2], shape[3])
        np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=0)


def test_model_beats_its_pseudo_labels(trained_job: JobRun, dataset: SyntheticDataset) -> None:
    """What ALC relies on: the model's predictions on the training images beat their labels."""
    session = _onnx_session(trained_job)
    truth, pseudo, predicted = [], [], []
    for item_id in dataset.train_ids:
        image = normalize(Image.open(dataset.root / "images" / f"{item_id}.png").convert("RGB"))
        (logits,) = session.run(["logits"], {"image": image[None].numpy()})
        predicted.append(logits[0].argmax(0).astype(np.uint8))
        truth.append(read_map(dataset.root / "gt" / f"{item_id}.png"))
        pseudo.append(read_map(dataset.root / "pseudo" / f"{item_id}.png"))
    pseudo_miou = mean_iou(np.stack(truth), np.stack(pseudo))
    model_miou = mean_iou(np.stack(truth), np.stack(predicted))
    assert model_miou > pseudo_miou + 0.05, (pseudo_miou, model_miou)


def test_same_seed_same_losses_other_labels_other_losses(
    dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec, trained_job: JobRun
) -> None:
    again = run_spec(segmentation_spec(dataset, tmp_path / "again"))
    assert again.code == 0
    assert again.metrics["epochLosses"] == trained_job.metrics["epochLosses"]
    assert again.metrics["specHash"] == trained_job.metrics["specHash"]
    first = torch.load(trained_job.output_dir / "checkpoint.pt", weights_only=True)["model"]
    second = torch.load(again.output_dir / "checkpoint.pt", weights_only=True)["model"]
    assert all(torch.equal(first[k], second[k]) for k in first)

    # Another label version (`labels.dir`: here the ground truth) is another job.
    gt = run_spec(
        segmentation_spec(
            dataset,
            tmp_path / "gt",
            labels={"dir": str(dataset.root / "gt")},
            hyperparameters={"epochs": 2, "batchSize": 5, "cropSize": 64},
        )
    )
    assert gt.code == 0
    assert gt.metrics["labelFingerprint"] != trained_job.metrics["labelFingerprint"]
    assert gt.metrics["epochLosses"] != trained_job.metrics["epochLosses"][:2]


def test_restart_with_another_spec_is_refused(
    dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec, trained_job: JobRun
) -> None:
    shutil.copy(trained_job.output_dir / "checkpoint.pt", tmp_path / "checkpoint.pt")
    run = run_spec(segmentation_spec(dataset, tmp_path, seed=8))
    assert run.code == 2
    assert run.events[-1]["kind"] == "bad-input" and "written by a different job" in run.events[-1]["message"]


def _bad_input(run: JobRun, fragment: str) -> None:
    assert run.code == 2, run.events
    assert run.events[-1]["event"] == "error" and run.events[-1]["kind"] == "bad-input"
    assert fragment in run.events[-1]["message"], run.events[-1]["message"]
    assert not (run.output_dir / "checkpoint.pt").exists()


def _copy_dataset(dataset: SyntheticDataset, destination: Path) -> Path:
    shutil.copytree(dataset.root, destination)
    return destination


def test_missing_dataset(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    spec = segmentation_spec(dataset, tmp_path / "out", dataset={"root": str(tmp_path / "nowhere")})
    _bad_input(run_spec(spec), "dataset manifest not found")


def test_missing_field_and_wrong_type(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    spec = segmentation_spec(dataset, tmp_path / "out")
    del spec["seed"]
    _bad_input(run_spec(spec), "spec.seed: required field is missing")
    spec = segmentation_spec(dataset, tmp_path / "out", hyperparameters={"epochs": "3"})
    _bad_input(run_spec(spec), 'spec.hyperparameters.epochs: expected an integer, got string "3"')


def test_label_value_out_of_range(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    root = _copy_dataset(dataset, tmp_path / "data")
    label = read_map(root / "pseudo" / f"{dataset.train_ids[3]}.png").copy()
    label[5, 7] = 7
    Image.fromarray(label, mode="L").save(root / "pseudo" / f"{dataset.train_ids[3]}.png")
    spec = segmentation_spec(dataset, tmp_path / "out", dataset={"root": str(root)})
    _bad_input(run_spec(spec), f"item {dataset.train_ids[3]}: label map")
    assert "has value 7, which is neither a class id" in run_spec(spec).events[-1]["message"]


def test_label_size_mismatch_and_rgb_label(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    root = _copy_dataset(dataset, tmp_path / "data")
    Image.fromarray(np.zeros((32, 64), dtype=np.uint8), mode="L").save(root / "pseudo" / f"{dataset.train_ids[0]}.png")
    spec = segmentation_spec(dataset, tmp_path / "out", dataset={"root": str(root)})
    _bad_input(run_spec(spec), "is 64x32 but image")
    Image.fromarray(np.zeros((64, 64, 3), dtype=np.uint8), mode="RGB").save(
        root / "pseudo" / f"{dataset.train_ids[0]}.png"
    )
    _bad_input(run_spec(spec), "expected an 8-bit grey or palette PNG, got mode RGB")


def test_missing_label_version_file(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    labels = tmp_path / "labels"
    shutil.copytree(dataset.root / "pseudo", labels)
    (labels / f"{dataset.train_ids[-1]}.png").unlink()
    spec = segmentation_spec(dataset, tmp_path / "out", labels={"dir": str(labels)})
    _bad_input(run_spec(spec), f"label map not found: {labels / dataset.train_ids[-1]}.png")


def test_missing_pretrained_backbone_and_initial_checkpoint(
    dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec
) -> None:
    spec = segmentation_spec(dataset, tmp_path / "out", model={"config": "tiny", "pretrainedBackbone": "absent.pth"})
    _bad_input(run_spec(spec), "model.pretrainedBackbone: file not found")
    spec = segmentation_spec(dataset, tmp_path / "out", initialCheckpoint=str(tmp_path / "absent.pt"))
    _bad_input(run_spec(spec), "spec.initialCheckpoint: file not found")


def test_manifest_is_read_through_json(dataset: SyntheticDataset, tmp_path: Path, run_spec: RunSpec) -> None:
    root = _copy_dataset(dataset, tmp_path / "data")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["classes"][1]["id"] = 300
    (root / "manifest.json").write_text(json.dumps(manifest))
    spec = segmentation_spec(dataset, tmp_path / "out", dataset={"root": str(root)})
    _bad_input(run_spec(spec), "classes[1].id must be an integer in 0..254")
