"""The `emotts` command: serve roles over HTTP, speak a line, check and scaffold role folders, and train
and score emotion classifiers."""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from emotts import __version__
from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.metrics import print_report
from emotts.emotion.training.settings import TrainSettings
from emotts.errors import EmottsError
from emotts.roles.registry import RoleRegistry
from emotts.settings import Settings

console = Console()

ROLES_OPTION = click.option(
    "--roles",
    "roles_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("roles"),
    show_default=True,
    help="Folder holding one sub-folder per role (<name>/config.json).",
)


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _load_roles(roles_dir: Path) -> RoleRegistry:
    if not roles_dir.is_dir():
        raise EmottsError(f"roles folder {roles_dir} does not exist; pass --roles DIR")
    registry = RoleRegistry(roles_dir)
    registry.reload()
    return registry


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what libraries print (Python-level and native, fd 1) to stderr meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)  # unwrapped, so paths and messages stay greppable
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="emotts")
def main() -> None:
    """emotts: character voices that speak with the emotion of what they say.

    Each role is a folder with a config.json, a default reference clip and clips per
    emotion (refAudio/<emotion>/*.wav). For every sentence emotts finds the emotion,
    picks that role's clip for it and synthesizes with the role's voice.
    """


def engine_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options of the GPT-SoVITS and upstream engines, shared by `serve` and `say`."""
    path = click.Path(path_type=Path)
    options = [
        click.option(
            "--engine", default=None,
            help="Engine for roles that name none: preview, gptsovits or upstream.  "
            "[default: upstream with --upstream, else preview]",
        ),
        click.option(
            "--pretrained",
            "pretrained_dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar="EMOTTS_PRETRAINED_DIR",
            help="GPT-SoVITS pretrained_models folder (chinese-roberta…, chinese-hubert-base, sv/).",
        ),
        click.option("--gpt", type=path, envvar="EMOTTS_GPT", help="Default GPT weights (.ckpt)."),
        click.option("--sovits", type=path, envvar="EMOTTS_SOVITS", help="Default SoVITS weights (.pth)."),
        click.option(
            "--model-cache", "model_cache_size", default=2, show_default=True, type=click.IntRange(min=1),
            help="GPT+SoVITS pairs kept loaded (roles with their own weights).",
        ),
        click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:1…"),
        click.option(
            "--g2pw", "g2pw_dir", type=click.Path(file_okay=False, path_type=Path), envvar="EMOTTS_G2PW_DIR",
            help="G2PW polyphone model folder (GPT-SoVITS's G2PWModel; needs emotts[g2pw]) for Mandarin with "
            "v2+ voices.  [default: text/G2PWModel beside --pretrained if it exists, else off]",
        ),
        click.option(
            "--upstream", "upstream_url", envvar="EMOTTS_UPSTREAM_URL", metavar="URL",
            help="A running GPT-SoVITS api_v2 server (e.g. http://gpu-box:9880) that speaks for emotts: "
            "emotts picks role, emotion and clip, the upstream synthesizes.",
        ),
        click.option(
            "--upstream-map", "upstream_path_map", multiple=True, metavar="LOCAL=REMOTE",
            help="Files under LOCAL are seen by the upstream under REMOTE, e.g. roles=/data/roles "
            "(repeatable; the longest matching LOCAL wins).",
        ),
        click.option(
            "--upstream-timeout", default=300.0, show_default=True,
            type=click.FloatRange(min=0, min_open=True),
            help="Seconds to wait for one upstream answer.",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _engine_settings(engine: str | None, upstream_url: str | None, **options: Any) -> dict[str, Any]:
    """Settings keywords from `engine_options`; --upstream alone selects the upstream engine."""
    chosen = engine or ("upstream" if upstream_url else "preview")
    return {"engine": chosen, "upstream_url": upstream_url, **options}


@main.command()
@ROLES_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9880, show_default=True, type=int, help="Port (9880 is what chat apps call).")
@click.option("--workers", default=2, show_default=True, type=int, help="Syntheses that run at once.")
@click.option(
    "--queue-size", default=16, show_default=True, type=int, help="Requests that may wait; more get 503."
)
@click.option(
    "--watch/--no-watch", default=True, show_default=True, help="Reload roles when their files change."
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option(
    "--models",
    "model_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose weights and clips requests may name (repeatable); the roles folder always is.",
)
@click.option("--allow-control", is_flag=True, help="Enable api_v2's /control (restart, exit).")
@engine_options
def serve(
    roles_dir: Path,
    host: str,
    port: int,
    workers: int,
    queue_size: int,
    watch: bool,
    log_level: str,
    model_dirs: tuple[Path, ...],
    allow_control: bool,
    **engine: Any,
) -> None:
    """Run the HTTP server (role contract POST /tts, GET /running, /roles, /emotion).

    With --engine gptsovits, roles speak with their GPT-SoVITS weights (config.json `gpt`/`sovits`, else
    --gpt/--sovits), which needs --pretrained pointing at a GPT-SoVITS pretrained_models folder.
    With --upstream URL, an official GPT-SoVITS api_v2 server speaks: emotts sends it the role's clip (paths
    translated by --upstream-map) and switches its weights when a role needs others.
    """
    import uvicorn

    from emotts.engines.registry import EngineSet
    from emotts.server.app import check_settings, create_app

    _setup_logging(log_level)
    settings = Settings(
        roles_dir=roles_dir,
        host=host,
        port=port,
        workers=workers,
        queue_size=queue_size,
        watch_roles=watch,
        log_level=log_level,
        model_dirs=list(model_dirs),
        allow_control=allow_control,
        **_engine_settings(**engine),
    )
    try:
        # fail here, with a clear message, rather than inside uvicorn
        check_settings(settings, EngineSet(settings=settings))
    except EmottsError as exc:
        _fail(exc)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


@main.command()
@click.argument("text")
@click.option("--role", "-r", required=True, help="Role (folder name) to speak with.")
@click.option("--emotion", "-e", default=None, help="Force an emotion (label, id or English name).")
@click.option("--lang", default=None, help="Language of the text (zh, yue, en, auto…); default: the role's.")
@click.option("--speed", default=None, type=float, help="Speaking speed, 1.0 = normal.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("out.wav"),
    show_default=True,
    help="WAV file to write.",
)
@ROLES_OPTION
@click.option("--url", default=None, help="Ask a running server instead of synthesizing in-process.")
@engine_options
def say(
    text: str,
    role: str,
    emotion: str | None,
    lang: str | None,
    speed: float | None,
    output: Path,
    roles_dir: Path,
    url: str | None,
    **engine: Any,
) -> None:
    """Speak TEXT with a role's voice into a WAV file."""
    _setup_logging("warning")
    try:
        if url:
            headers, audio = _say_remote(url, text, role, emotion, lang, speed)
        else:
            settings = Settings(roles_dir=roles_dir, **_engine_settings(**engine))
            headers, audio = _say_local(settings, text, role, emotion, lang, speed)
    except EmottsError as exc:
        _fail(exc)
    output.write_bytes(audio)
    console.print(f"wrote {output} ({headers['duration']} s)")
    table = Table("sentence", "emotion", "source", "reference")
    for row in headers["sentences"]:
        table.add_row(*row)
    console.print(table)


def _say_local(
    settings: Settings,
    text: str,
    role: str,
    emotion: str | None,
    lang: str | None,
    speed: float | None,
) -> tuple[dict, bytes]:
    from emotts.audio.encode import encode
    from emotts.engines.registry import EngineSet
    from emotts.pipeline import SpeechInput, SpeechPipeline
    from emotts.server.paths import public_path

    roles_dir = settings.roles_dir
    pipeline = SpeechPipeline(
        registry=_load_roles(roles_dir), engines=EngineSet(settings=settings), default_engine=settings.engine
    )
    speech = pipeline.speak(SpeechInput(text=text, role=role, emotion=emotion, language=lang, speed=speed))
    rows = [
        (s.text, s.emotion, str(s.source), public_path(part.choice.reference.audio_path, roles_dir))
        for part in speech.plan.parts
        for s in part.sentences
    ]
    return {"duration": f"{speech.duration:.2f}", "sentences": rows}, encode(
        speech.samples, speech.sample_rate, "wav"
    )


def _say_remote(
    url: str, text: str, role: str, emotion: str | None, lang: str | None, speed: float | None
) -> tuple[dict, bytes]:
    from emotts.client import TTSClient

    params = {key: value for key, value in {"text_lang": lang, "speed": speed}.items() if value is not None}
    with TTSClient(url) as client:
        reply = client.speak(text, role, emotion, **params)
    rows = [("", *row) for row in zip(reply.emotions, reply.sources, reply.references, strict=False)]
    return {"duration": reply.duration, "sentences": rows}, reply.audio


@main.group()
def roles() -> None:
    """Check or create role folders."""


@roles.command("check")
@click.argument("roles_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def roles_check(roles_dir: Path) -> None:
    """Report, role by role, what is wrong in ROLES_DIR. Exits 1 if any role has errors."""
    from emotts.roles.check import check_roles
    from emotts.server.paths import public_text

    results = check_roles(roles_dir)
    if not results:
        click.echo(f"no role folders found in {roles_dir}", err=True)
        sys.exit(1)
    table = Table("role", "status", "severity", show_lines=True)
    table.add_column("problem", overflow="fold")
    for result in results:
        status = "[green]ok[/green]" if result.ok else "[red]broken[/red]"
        if not result.problems:
            table.add_row(result.name, status, "", "")
        for index, problem in enumerate(result.problems):
            colour = "red" if problem.severity == "error" else "yellow"
            first = index == 0
            table.add_row(
                result.name if first else "",
                status if first else "",
                f"[{colour}]{problem.severity}[/{colour}]",
                public_text(str(problem), roles_dir),
            )
    console.print(table)
    broken = [result.name for result in results if not result.ok]
    console.print(f"{len(results) - len(broken)} of {len(results)} role(s) ok")
    sys.exit(1 if broken else 0)


@roles.command("new")
@click.argument("name")
@click.option(
    "--ref", "ref_clip", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--text", required=True, help="Transcript of the reference clip.")
@click.option("--lang", default="zh", show_default=True, help="Language of the reference clip.")
@ROLES_OPTION
def roles_new(name: str, ref_clip: Path, text: str, lang: str, roles_dir: Path) -> None:
    """Create a role folder NAME with a reference clip and a valid config.json."""
    from emotts.roles.scaffold import scaffold_role

    try:
        folder = scaffold_role(roles_dir, name, ref_clip, text, lang)
    except EmottsError as exc:
        _fail(exc)
    console.print(f"created {folder}; add clips under {folder / 'refAudio'}/<emotion>/ (3–10 s WAV each)")


@main.command()
@click.argument("text")
@click.option("--role", "-r", default=None, help="Use this role's classifier and threshold.")
@ROLES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def emotion(text: str, role: str | None, roles_dir: Path, as_json: bool) -> None:
    """Show the emotion emotts finds in each sentence of TEXT."""
    from emotts.engines.registry import EngineSet
    from emotts.pipeline import SpeechPipeline

    _setup_logging("warning")
    try:
        registry = _load_roles(roles_dir) if role else RoleRegistry(roles_dir)
        pipeline = SpeechPipeline(registry=registry, engines=EngineSet())
        sentences = pipeline.analyze(text, registry.get(role) if role else None)
    except EmottsError as exc:
        _fail(exc)
    if as_json:
        rows = [
            {"text": s.text, "emotion": s.emotion, "source": str(s.source), "confidence": s.confidence}
            for s in sentences
        ]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("sentence", "emotion", "source", "confidence")
    for s in sentences:
        table.add_row(
            s.text, s.emotion, str(s.source), f"{s.confidence:.2f}" if s.confidence is not None else ""
        )
    console.print(table)


_TRAIN = TrainSettings()  # the defaults shown in --help


@main.command("train-emotion")
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--base-model",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Local folder of the model to fine-tune (config.json, weights, vocab.txt), e.g. a downloaded "
    "bert-base-chinese. Nothing is downloaded.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to save the model in; copy it to roles/<name>/BERT/ to give a role its classifier.",
)
@click.option(
    "--folds",
    default=_TRAIN.folds,
    show_default=True,
    type=click.IntRange(min=2),
    help="Cross-validation folds; each label's lines are spread evenly over them.",
)
@click.option(
    "--epochs",
    default=_TRAIN.epochs,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most epochs per fold; early stopping usually ends sooner.",
)
@click.option(
    "--batch-size",
    default=_TRAIN.batch_size,
    show_default=True,
    type=click.IntRange(min=1),
    help="Lines per training step.",
)
@click.option(
    "--lr",
    default=_TRAIN.lr,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Peak learning rate of AdamW: linear warm-up over the first 10% of steps, then linear decay.",
)
@click.option(
    "--seed",
    default=_TRAIN.seed,
    show_default=True,
    type=int,
    help="Seed of the split, the augmentation, the shuffling and the new classification head.",
)
@click.option(
    "--max-length",
    default=_TRAIN.max_length,
    show_default=True,
    type=click.IntRange(8, 512),
    help="Tokens per line; longer lines are cut.",
)
@click.option(
    "--patience",
    default=_TRAIN.patience,
    show_default=True,
    type=click.IntRange(min=1),
    help="Epochs without a better validation macro-F1 before a fold stops.",
)
@click.option(
    "--variants",
    default=_TRAIN.variants,
    show_default=True,
    type=click.IntRange(min=0),
    help="Augmented variants per training line (other ending, punctuation width, an interjection); 0: none.",
)
@click.option("--device", default=None, help="cpu, cuda, cuda:1…  [default: the GPU when there is one]")
def train_emotion(
    data: Path,
    base_model: Path,
    out: Path,
    folds: int,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    max_length: int,
    patience: int,
    variants: int,
    device: str | None,
) -> None:
    """Fine-tune a BERT model on labelled lines into a role's emotion classifier.

    DATA is a .jsonl or .csv file with `text` and `label` (an id 0-14, a label such as 愤怒, or its English
    name); every label used needs at least 5 lines. The lines are split into stratified folds first and only
    the training folds are augmented, so no variant of a validation line is trained on. Each fold trains with
    early stopping on validation macro-F1; the metrics of every fold, their mean and the confusion matrix
    are printed. Then one model trains on all the lines for the folds' mean best epoch count and is saved to
    --out with a config.json naming the labels and model_config.json (settings, data, metrics).
    """
    try:
        from emotts.emotion.training.bert_trainer import SUMMARY_METRICS, FoldResult, train_emotion_model
    except ImportError as exc:
        _fail(EmottsError(f"{exc}; train-emotion needs torch and the bert extra: pip install 'emotts[bert]'"))

    _setup_logging("warning")

    def show_fold(fold: FoldResult) -> None:
        report = fold.report
        console.print(
            f"fold {fold.fold}: best epoch {fold.best_epoch} of {fold.epochs_run}, accuracy "
            f"{report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f} ({report.n} validation lines)"
        )

    settings = TrainSettings(
        folds=folds,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        max_length=max_length,
        patience=patience,
        variants=variants,
        device=device,
    )
    try:
        result = train_emotion_model(data, base_model, out, settings, on_fold=show_fold)
    except EmottsError as exc:
        _fail(exc)
    table = Table("fold", "best epoch", "lines", "accuracy", "macro-F1", "weighted-F1", title="folds")
    for fold in result.folds:
        report = fold.report
        table.add_row(
            str(fold.fold),
            str(fold.best_epoch),
            str(report.n),
            f"{report.accuracy:.3f}",
            f"{report.macro_f1:.3f}",
            f"{report.weighted_f1:.3f}",
        )
    table.add_row(
        "mean ± sd",
        f"{statistics.fmean(fold.best_epoch for fold in result.folds):.1f}",
        str(result.out_of_fold.n),
        *(f"{result.mean(metric):.3f} ± {result.stdev(metric):.3f}" for metric in SUMMARY_METRICS),
        style="bold",
    )
    console.print(table)
    print_report(result.out_of_fold, console, title="all validation folds together")
    console.print(f"trained on all lines for {result.final_epochs} epoch(s); saved to {out}")


@main.command("eval-emotion")
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--role", "-r", default=None, help="Score this role's classifier (BERT/, else the built-in).")
@ROLES_OPTION
@click.option(
    "--model",
    "model_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Score the BERT model in this folder.",
)
@click.option(
    "--as-spoken",
    is_flag=True,
    help="Score the label a role would speak: below the confidence threshold (the role's emotion_threshold "
    "with --role, else 0.35) a line counts as 中性.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def eval_emotion(
    data: Path, role: str | None, roles_dir: Path, model_dir: Path | None, as_spoken: bool, as_json: bool
) -> None:
    """Score an emotion classifier on labelled lines: accuracy, macro-F1, per label and confusion matrix.

    DATA is a .jsonl or .csv file with `text` and `label`. The built-in classifier is scored unless --role
    or --model names another. Each line counts the classifier's top label; with --as-spoken, what the
    role would speak (中性 below the threshold).
    --json prints {"classifier", "threshold", "n", "accuracy", "macro_f1", "weighted_f1", per-label scores,
    "confusion"}.
    """
    from emotts.emotion.training.dataset import load_examples
    from emotts.emotion.training.evaluate import evaluate

    if role and model_dir:
        raise click.UsageError("give --role or --model, not both")
    _setup_logging("warning")
    try:
        examples = load_examples(data)
        classifier, role_threshold = _scored_classifier(role, roles_dir, model_dir)
        threshold = role_threshold if as_spoken else None
        report = evaluate(classifier, examples, threshold)
    except EmottsError as exc:
        _fail(exc)
    if as_json:
        body = {"classifier": classifier.name, "threshold": threshold, **report.to_dict()}
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    spoken = f", 中性 below confidence {threshold}" if threshold is not None else ""
    print_report(report, console, title=f"{classifier.name} on {data}{spoken}")


def _scored_classifier(
    role: str | None, roles_dir: Path, model_dir: Path | None
) -> tuple[EmotionClassifier, float]:
    """The classifier `eval-emotion` scores and the threshold it is spoken with; a BERT model that does not
    load is an error, not a fallback."""
    from emotts.emotion.bert import BertEmotionClassifier
    from emotts.emotion.builtin import BuiltinClassifier
    from emotts.emotion.decide import DEFAULT_THRESHOLD
    from emotts.emotion.provider import ClassifierProvider

    if model_dir is not None:
        model = BertEmotionClassifier(model_dir)
        model.load()
        return model, DEFAULT_THRESHOLD
    builtin = BuiltinClassifier()
    if role is None:
        return builtin, DEFAULT_THRESHOLD
    provider = ClassifierProvider(builtin)
    found = _load_roles(roles_dir).get(role)
    failure = provider.failure(found)
    if failure:
        raise EmottsError(failure)
    return provider.for_role(found), found.config.emotion_threshold


@main.group()
def gsv() -> None:
    """GPT-SoVITS model files: inspect them, check parity with the reference, make random ones."""


@gsv.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def gsv_inspect(file: Path, as_json: bool) -> None:
    """Show the kind (GPT or SoVITS), detected version, hyper-parameters and LoRA rank of FILE."""
    from emotts.engines.gptsovits.checkpoints import inspect_checkpoint

    try:
        summary = inspect_checkpoint(file).to_dict()
    except EmottsError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    table = Table("field", "value", title=str(file))
    for key, value in summary.items():
        if key == "hparams":
            for name, setting in value.items():
                table.add_row(f"  {name}", str(setting))
        elif key != "path":
            table.add_row(key, str(value))
    console.print(table)


@gsv.command("parity")
@click.argument("fixture_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def gsv_parity(fixture_dir: Path, as_json: bool) -> None:
    """Run every stage of every version in FIXTURE_DIR against the reference outputs.

    FIXTURE_DIR is laid out like GPT-SoVITS's reference fixtures (models/, pretrained/, reference/,
    cases/<version>/*.npz, frontend/*.jsonl, segmentation.jsonl). Exit status 0 only when every stage of
    v1–v2ProPlus passes within the tolerances; v3/v4 stages are listed as not yet supported.
    """
    from emotts.engines.gptsovits.parity import run_parity

    _setup_logging("warning")
    if as_json:  # native libraries (OpenJTalk) print to fd 1: keep stdout for the JSON object alone
        with _stdout_to_stderr():
            report = run_parity(fixture_dir)
    else:
        report = run_parity(fixture_dir)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        table = Table("version", "stage", "pass", "max |diff|", "note", title="stages")
        for stage in report.stages:
            mark = {True: "[green]yes[/]", False: "[red]NO[/]", None: "–"}[stage.passed]
            worst = "" if stage.max_abs_diff is None else f"{stage.max_abs_diff:.2e}"
            table.add_row(stage.version, stage.stage, mark, worst, stage.reason or "")
        console.print(table)
        frontend = Table("set", "cases", "identical", "%", title="text frontend")
        for name, counts in report.frontend.items():
            share = 100 * counts["identical"] / counts["cases"] if counts["cases"] else 0.0
            frontend.add_row(name, str(counts["cases"]), str(counts["identical"]), f"{share:.1f}")
        console.print(frontend)
    sys.exit(0 if report.ok else 1)


@gsv.command("make-random")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--version",
    "model_version",
    default="v2",
    show_default=True,
    type=click.Choice(["v1", "v2", "v2Pro", "v2ProPlus"]),
)
@click.option(
    "--size",
    default="full",
    show_default=True,
    type=click.Choice(["full", "tiny"]),
    help="full: the official widths (for benchmarks); tiny: a few MB (for tests).",
)
@click.option("--seed", default=0, show_default=True, type=int)
def gsv_make_random(out: Path, model_version: str, size: str, seed: int) -> None:
    """Write random-weight gpt.ckpt, sovits.pth and pretrained_models/ in the official formats to OUT."""
    from emotts.engines.gptsovits.random_weights import make_random

    with console.status(f"writing random {size}-size {model_version} models to {out}"):
        paths = make_random(out, model_version, size, seed)  # type: ignore[arg-type]
    for name, path in paths.items():
        console.print(f"{name}: {path}")
