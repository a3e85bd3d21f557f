"""Reads digitlab's TensorBoard event files with TensorBoard's own reader and prints what it read.

Usage: interop/run-tensorboard [LOGDIR]   (without LOGDIR: trains a short run with --tensorboard into a temporary
folder first). Fails unless TensorBoard reads the run's configuration text and every scalar series, with one
per-epoch point per epoch.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

ROOT = Path(__file__).resolve().parent.parent


def main():
    if len(sys.argv) > 1:
        logdir = Path(sys.argv[1])
    else:
        work = Path(tempfile.mkdtemp(prefix="digitlab-tb-"))
        logdir = work / "tb"
        subprocess.run([str(ROOT / "digitlab"), "train", "--limit", "6000", "--epochs", "3", "--val-split", "0.1",
                        "--out", str(work / "run"), "--tensorboard", str(logdir)], check=True, capture_output=True)
    files = sorted(logdir.glob("events.out.tfevents.*"))
    if not files:
        sys.exit(f"no event files in {logdir}")
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    print(f"TensorBoard {__import__('tensorboard').__version__} read {len(files)} file(s) in {logdir}")
    print("| series | points | first step | last step | last value |")
    print("|---|---|---|---|---|")
    for tag in sorted(tags["scalars"]):
        events = acc.Scalars(tag)
        print(f"| {tag} | {len(events)} | {events[0].step} | {events[-1].step} | {events[-1].value:.4f} |")
    for tag in sorted(tags["tensors"]):
        t = acc.Tensors(tag)[0]
        text = t.tensor_proto.string_val[0].decode()
        print(f"| {tag} (text) | {len(acc.Tensors(tag))} | {t.step} | {t.step} | {len(text)} characters, starts {text[:30]!r} |")
    epochs = len(acc.Scalars("epoch/train_loss"))
    needed = {"train/loss", "train/accuracy", "train/lr", "train/images_per_second", "epoch/train_loss",
              "epoch/train_accuracy", "epoch/seconds"}
    missing = needed - set(tags["scalars"])
    if missing or "config" not in tags["tensors"] or epochs < 1:
        sys.exit(f"missing: {sorted(missing)}, config text: {'config' in tags['tensors']}, epochs: {epochs}")


if __name__ == "__main__":
    main()
