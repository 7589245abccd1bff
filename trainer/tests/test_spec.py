"""Spec validation: every rejection names the field, defaults follow the model config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trainer.errors import BadInputError
from trainer.spec import ClassifierSpec, SegmentationSpec, load_spec, parse_spec


def minimal(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "version": 1,
        "kind": "segmentation",
        "dataset": {"root": "data"},
        "split": "train",
        "model": {"config": "tiny"},
        "seed": 1,
        "outputDir": "out",
        "device": "cpu",
    }
    spec.update(overrides)
    return spec


def rejection(document: Any) -> str:
    with pytest.raises(BadInputError) as caught:
        parse_spec(document, Path("/jobs/a"))
    return str(caught.value)


def test_defaults_follow_the_model_config() -> None:
    tiny = parse_spec(minimal(), Path("/jobs/a"))
    paper = parse_spec(minimal(model={"config": "paper"}), Path("/jobs/a"))
    assert isinstance(tiny, SegmentationSpec) and isinstance(paper, SegmentationSpec)
    assert (paper.hyperparameters.crop_size, paper.hyperparameters.batch_size) == (513, 16)
    assert (paper.hyperparameters.learning_rate, paper.hyperparameters.momentum) == (0.01, 0.9)
    assert paper.hyperparameters.weight_decay == 1e-4 and paper.model.output_stride == 16
    assert tiny.model.output_stride == 8 and tiny.hyperparameters.crop_size == 96
    # Relative paths resolve against the spec's directory; the manifest against the dataset root.
    assert tiny.dataset.root == Path("/jobs/a/data")
    assert tiny.dataset.manifest == Path("/jobs/a/data/manifest.json")
    assert tiny.output_dir == Path("/jobs/a/out") and tiny.labels_dir is None


def test_overrides_and_optional_fields() -> None:
    spec = parse_spec(
        minimal(
            labels={"dir": "/labels/v3"},
            model={"config": "paper", "outputStride": 8, "pretrainedBackbone": "/weights/r101.pth"},
            hyperparameters={"epochs": 3, "learningRate": 0.5},
            initialCheckpoint="prev/checkpoint.pt",
        ),
        Path("/jobs/a"),
    )
    assert isinstance(spec, SegmentationSpec)
    assert spec.labels_dir == Path("/labels/v3") and spec.model.output_stride == 8
    assert spec.hyperparameters.epochs == 3 and spec.hyperparameters.learning_rate == 0.5
    # A pretrained backbone trains at a tenth of the head's rate, as in the seed repository.
    assert spec.hyperparameters.backbone_lr_multiplier == 0.1
    assert spec.initial_checkpoint == Path("/jobs/a/prev/checkpoint.pt")


def test_classifier_spec_defaults_are_the_a2lc_recipe() -> None:
    spec = parse_spec(
        {
            "version": 1,
            "kind": "label-correction-classifier",
            "features": "f.npy",
            "labels": "l.npy",
            "numClasses": 21,
            "seed": 0,
            "outputDir": "out",
            "device": "cpu",
        },
        Path("/jobs/c"),
    )
    assert isinstance(spec, ClassifierSpec)
    hp = spec.hyperparameters
    assert (hp.epochs, hp.batch_size, hp.learning_rate) == (100, 8, 1e-4)
    assert spec.class_weights is None and spec.features == Path("/jobs/c/f.npy")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "spec: expected an object, got an array"),
        (minimal(version=2), "spec.version: expected 1, got number 2"),
        ({k: v for k, v in minimal().items() if k != "seed"}, "spec.seed: required field is missing"),
        ({k: v for k, v in minimal().items() if k != "dataset"}, "spec.dataset: required field is missing"),
        (minimal(dataset={}), "spec.dataset.root: required field is missing"),
        (minimal(kind="detection"), 'spec.kind: expected one of "segmentation" | "label-correction-classifier"'),
        (minimal(seed="7"), 'spec.seed: expected an integer, got string "7"'),
        (minimal(seed=True), "spec.seed: expected an integer, got boolean true"),
        (minimal(seed=-1), "spec.seed: expected an integer >= 0, got -1"),
        (minimal(device="tpu"), 'spec.device: expected one of "cpu" | "cuda", got "tpu"'),
        (minimal(split="val"), 'spec.split: expected one of "train", got "val"'),
        (minimal(model={"config": "huge"}), 'spec.model.config: expected one of "tiny" | "paper", got "huge"'),
        (minimal(model={"config": "tiny", "outputStride": 4}), "spec.model.outputStride: expected one of 8, 16"),
        (
            minimal(hyperparameters={"epochs": "ten"}),
            'spec.hyperparameters.epochs: expected an integer, got string "ten"',
        ),
        (minimal(hyperparameters={"epochs": 0}), "spec.hyperparameters.epochs: expected an integer >= 1, got 0"),
        (minimal(hyperparameters={"learningRate": -1}), "spec.hyperparameters.learningRate: expected a number > 0"),
        (minimal(hyperparameters={"batchSize": 1}), "spec.hyperparameters.batchSize: expected an integer >= 2"),
        (
            minimal(hyperparameters={"scaleMin": 2.0, "scaleMax": 1.0}),
            "spec.hyperparameters.scaleMax: must be >= scaleMin",
        ),
        (minimal(hyperparameters={"epoch": 3}), "spec.hyperparameters.epoch: unknown field"),
        (minimal(outputdir="x"), "spec.outputdir: unknown field"),
        (minimal(labels={"dir": ""}), "spec.labels.dir: expected a non-empty string"),
    ],
)
def test_rejections_name_the_field(document: Any, expected: str) -> None:
    assert expected in rejection(document)


def test_unreadable_spec_files(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read the spec file"):
        load_spec(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(BadInputError, match="is not valid JSON"):
        load_spec(broken)
