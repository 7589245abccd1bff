"""The job spec: strict parsing of the JSON a caller hands the trainer.

Every problem is reported as a `BadInputError` whose message names the offending field by its
JSON path (`spec.hyperparameters.epochs: ...`), because the caller shows that message to a person
and never retries it. Unknown fields are rejected too: a misspelt optional field would otherwise
be silently ignored and the job would train with a default the caller did not ask for.

Relative paths are resolved against the directory of the spec file, so a staged job directory
(spec + inputs) can be moved as a whole.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import BadInputError

SPEC_VERSION = 1
ModelConfigName = Literal["tiny", "paper"]
Device = Literal["cpu", "cuda"]


@dataclass(frozen=True)
class SegmentationHyperparameters:
    """SGD with momentum and a poly schedule, as in DeepLabV3Plus-Pytorch."""

    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    momentum: float
    crop_size: int
    scale_min: float
    scale_max: float
    poly_power: float
    backbone_lr_multiplier: float


# Per-config defaults. `paper` is the seed repository's VOC recipe (crop 513, batch 16, lr 0.01,
# wd 1e-4, poly 0.9, random scale 0.5-2.0); its 30k iterations are about 328 epochs of VOC train,
# more than an ALC round needs, hence 50 (set `epochs` to match your budget). `tiny` is tuned on
# the project's synthetic datasets (30 train images, pseudo labels at data mIoU 0.6): it beats
# them clearly in well under a minute on 2 CPU cores; its strong weight decay and wide scale
# range keep it from memorising the label noise of so few images.
SEGMENTATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "tiny": {
        "epochs": 60,
        "batchSize": 8,
        "learningRate": 0.05,
        "weightDecay": 1e-3,
        "momentum": 0.9,
        "cropSize": 96,
        "scaleMin": 0.5,
        "scaleMax": 2.0,
        "polyPower": 0.9,
    },
    "paper": {
        "epochs": 50,
        "batchSize": 16,
        "learningRate": 0.01,
        "weightDecay": 1e-4,
        "momentum": 0.9,
        "cropSize": 513,
        "scaleMin": 0.5,
        "scaleMax": 2.0,
        "polyPower": 0.9,
    },
}


@dataclass(frozen=True)
class ModelSpec:
    config: ModelConfigName
    output_stride: int
    pretrained_backbone: Path | None


@dataclass(frozen=True)
class DatasetSpec:
    root: Path
    manifest: Path


@dataclass(frozen=True)
class SegmentationSpec:
    dataset: DatasetSpec
    labels_dir: Path | None
    split: Literal["train"]
    model: ModelSpec
    hyperparameters: SegmentationHyperparameters
    seed: int
    initial_checkpoint: Path | None
    output_dir: Path
    device: Device
    workers: int

    def identity(self) -> dict[str, Any]:
        """What decides the training result, for the resume hash.

        Paths, device and worker count are left out on purpose: a retry may stage the same inputs
        in a new directory or run on another machine and must still resume. The data itself is
        added to the hash by the job (a fingerprint of the labels it validated).
        """
        return {
            "kind": "segmentation",
            "split": self.split,
            "model": {
                "config": self.model.config,
                "outputStride": self.model.output_stride,
                "pretrainedBackbone": self.model.pretrained_backbone is not None,
            },
            "hyperparameters": asdict(self.hyperparameters),
            "seed": self.seed,
            "initialCheckpoint": self.initial_checkpoint is not None,
        }


@dataclass(frozen=True)
class ClassifierHyperparameters:
    """A2LC's label-correction classifier: Adam, lr 1e-4, 100 epochs, batch 8."""

    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float


CLASSIFIER_DEFAULTS: dict[str, Any] = {
    "epochs": 100,
    "batchSize": 8,
    "learningRate": 1e-4,
    "weightDecay": 0.0,
}


@dataclass(frozen=True)
class ClassifierSpec:
    features: Path
    labels: Path
    class_weights: Path | None
    num_classes: int
    hyperparameters: ClassifierHyperparameters
    seed: int
    output_dir: Path
    device: Device

    def identity(self) -> dict[str, Any]:
        """See `SegmentationSpec.identity`; the job adds a hash of the arrays' contents."""
        return {
            "kind": "label-correction-classifier",
            "numClasses": self.num_classes,
            "hyperparameters": asdict(self.hyperparameters),
            "seed": self.seed,
        }


JobSpec = SegmentationSpec | ClassifierSpec


class _Object:
    """Reads the fields of one JSON object, remembering which were read to reject the rest."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise BadInputError(f"{where}: expected an object, got {_describe(value)}")
        self._value: dict[str, Any] = value
        self._where = where
        self._read: set[str] = set()

    def field(self, name: str) -> str:
        return f"{self._where}.{name}"

    def has(self, name: str) -> bool:
        return name in self._value

    def raw(self, name: str, *, required: bool) -> Any:
        self._read.add(name)
        if name not in self._value:
            if required:
                raise BadInputError(f"{self.field(name)}: required field is missing")
            return None
        return self._value[name]

    def string(self, name: str, *, required: bool = True, choices: tuple[str, ...] = ()) -> str | None:
        value = self.raw(name, required=required)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise BadInputError(f"{self.field(name)}: expected a non-empty string, got {_describe(value)}")
        if choices and value not in choices:
            options = " | ".join(f'"{c}"' for c in choices)
            raise BadInputError(f'{self.field(name)}: expected one of {options}, got "{value}"')
        return value

    def integer(
        self, name: str, *, default: int | None = None, minimum: int | None = None, allowed: tuple[int, ...] = ()
    ) -> int:
        value = self.raw(name, required=default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadInputError(f"{self.field(name)}: expected an integer, got {_describe(value)}")
        if minimum is not None and value < minimum:
            raise BadInputError(f"{self.field(name)}: expected an integer >= {minimum}, got {value}")
        if allowed and value not in allowed:
            raise BadInputError(f"{self.field(name)}: expected one of {', '.join(map(str, allowed))}, got {value}")
        return value

    def number(self, name: str, *, default: float, check: Callable[[float], bool], rule: str) -> float:
        value = self.raw(name, required=False)
        if value is None:
            return float(default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise BadInputError(f"{self.field(name)}: expected a number, got {_describe(value)}")
        if not check(float(value)):
            raise BadInputError(f"{self.field(name)}: expected {rule}, got {value}")
        return float(value)

    def path(self, name: str, base: Path, *, required: bool = True) -> Path | None:
        value = self.string(name, required=required)
        return None if value is None else (base / value).resolve()

    def child(self, name: str, *, required: bool = True) -> _Object | None:
        value = self.raw(name, required=required)
        if value is None and not required:
            return None
        return _Object(value, self.field(name))

    def done(self) -> None:
        unknown = sorted(set(self._value) - self._read)
        if unknown:
            raise BadInputError(f"{self.field(unknown[0])}: unknown field (allowed: {', '.join(sorted(self._read))})")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _positive(value: float) -> bool:
    return value > 0


def _non_negative(value: float) -> bool:
    return value >= 0


def load_spec(path: Path) -> JobSpec:
    """Read and validate a spec file; a missing or unparsable file is bad input too."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot read the spec file {path}: {error.strerror or error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(f"the spec file {path} is not valid JSON: {error}") from error
    return parse_spec(document, path.resolve().parent)


def parse_spec(document: Any, base: Path) -> JobSpec:
    """Validate a decoded spec; relative paths are resolved against `base`."""
    spec = _Object(document, "spec")
    version = spec.raw("version", required=True)
    if version != SPEC_VERSION or isinstance(version, bool):
        raise BadInputError(f"spec.version: expected {SPEC_VERSION}, got {_describe(version)}")
    kind = spec.string("kind", choices=("segmentation", "label-correction-classifier"))
    result = _segmentation(spec, base) if kind == "segmentation" else _classifier(spec, base)
    spec.done()
    return result


def _device(spec: _Object) -> Device:
    return "cuda" if spec.string("device", choices=("cpu", "cuda")) == "cuda" else "cpu"


def _segmentation(spec: _Object, base: Path) -> SegmentationSpec:
    dataset = spec.child("dataset")
    assert dataset is not None
    root = dataset.path("root", base)
    assert root is not None
    manifest = dataset.path("manifest", root, required=False) or root / "manifest.json"
    dataset.done()

    labels = spec.child("labels", required=False)
    labels_dir = None
    if labels is not None:
        labels_dir = labels.path("dir", base)
        labels.done()

    spec.string("split", choices=("train",))

    model = spec.child("model")
    assert model is not None
    config: ModelConfigName = "paper" if model.string("config", choices=("tiny", "paper")) == "paper" else "tiny"
    model_spec = ModelSpec(
        config=config,
        output_stride=model.integer("outputStride", default=8 if config == "tiny" else 16, allowed=(8, 16)),
        pretrained_backbone=model.path("pretrainedBackbone", base, required=False),
    )
    model.done()

    return SegmentationSpec(
        dataset=DatasetSpec(root=root, manifest=manifest),
        labels_dir=labels_dir,
        split="train",
        model=model_spec,
        hyperparameters=_segmentation_hyperparameters(spec, model_spec),
        seed=spec.integer("seed", minimum=0),
        initial_checkpoint=spec.path("initialCheckpoint", base, required=False),
        output_dir=_output_dir(spec, base),
        device=_device(spec),
        workers=spec.integer("workers", default=0, minimum=0),
    )


def _segmentation_hyperparameters(spec: _Object, model: ModelSpec) -> SegmentationHyperparameters:
    defaults: Mapping[str, Any] = SEGMENTATION_DEFAULTS[model.config]
    hp = spec.child("hyperparameters", required=False) or _Object({}, spec.field("hyperparameters"))
    fraction = "a number in (0, 1)"
    result = SegmentationHyperparameters(
        epochs=hp.integer("epochs", default=defaults["epochs"], minimum=1),
        batch_size=hp.integer("batchSize", default=defaults["batchSize"], minimum=2),
        learning_rate=hp.number("learningRate", default=defaults["learningRate"], check=_positive, rule="a number > 0"),
        weight_decay=hp.number(
            "weightDecay", default=defaults["weightDecay"], check=_non_negative, rule="a number >= 0"
        ),
        momentum=hp.number("momentum", default=defaults["momentum"], check=lambda v: 0 <= v < 1, rule=fraction),
        crop_size=hp.integer("cropSize", default=defaults["cropSize"], minimum=16),
        scale_min=hp.number("scaleMin", default=defaults["scaleMin"], check=_positive, rule="a number > 0"),
        scale_max=hp.number("scaleMax", default=defaults["scaleMax"], check=_positive, rule="a number > 0"),
        poly_power=hp.number("polyPower", default=defaults["polyPower"], check=_non_negative, rule="a number >= 0"),
        # The seed repository trains an ImageNet-pretrained backbone at a tenth of the head's rate;
        # a backbone trained from scratch needs the full rate.
        backbone_lr_multiplier=hp.number(
            "backboneLrMultiplier",
            default=0.1 if model.pretrained_backbone is not None else 1.0,
            check=_positive,
            rule="a number > 0",
        ),
    )
    if result.scale_max < result.scale_min:
        raise BadInputError(f"{hp.field('scaleMax')}: must be >= scaleMin ({result.scale_min}), got {result.scale_max}")
    hp.done()
    return result


def _classifier(spec: _Object, base: Path) -> ClassifierSpec:
    hp = spec.child("hyperparameters", required=False) or _Object({}, spec.field("hyperparameters"))
    hyperparameters = ClassifierHyperparameters(
        epochs=hp.integer("epochs", default=CLASSIFIER_DEFAULTS["epochs"], minimum=1),
        batch_size=hp.integer("batchSize", default=CLASSIFIER_DEFAULTS["batchSize"], minimum=1),
        learning_rate=hp.number(
            "learningRate", default=CLASSIFIER_DEFAULTS["learningRate"], check=_positive, rule="a number > 0"
        ),
        weight_decay=hp.number(
            "weightDecay", default=CLASSIFIER_DEFAULTS["weightDecay"], check=_non_negative, rule="a number >= 0"
        ),
    )
    hp.done()
    features = spec.path("features", base)
    labels = spec.path("labels", base)
    assert features is not None and labels is not None
    return ClassifierSpec(
        features=features,
        labels=labels,
        class_weights=spec.path("classWeights", base, required=False),
        num_classes=spec.integer("numClasses", minimum=2),
        hyperparameters=hyperparameters,
        seed=spec.integer("seed", minimum=0),
        output_dir=_output_dir(spec, base),
        device=_device(spec),
    )


def _output_dir(spec: _Object, base: Path) -> Path:
    path = spec.path("outputDir", base)
    assert path is not None
    return path
