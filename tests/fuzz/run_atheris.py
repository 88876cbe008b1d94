"""Coverage-guided fuzzing of one reader with atheris (libFuzzer), by hand.

    pip install atheris            # a manylinux wheel; not in the test extras
    python tests/fuzz/run_atheris.py TARGET [libFuzzer args]
    python tests/fuzz/run_atheris.py crio -max_total_time=600 -rss_limit_mb=2048
    python tests/fuzz/run_atheris.py --list

TARGET is a name from ``targets.TARGETS``. The seed corpus (tests/fixtures, examples/,
the shared corpus) is written to ``tests/fuzz/.work/corpus/TARGET`` on the first run, and new
interesting inputs are added there, so a second run resumes where the first stopped;
crashes go to ``tests/fuzz/.work/crashes/TARGET``. Replay one with
``python tests/fuzz/run_atheris.py TARGET tests/fuzz/.work/crashes/TARGET/crash-...``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Corpus and crashes stay beside the harness, ignored by git (see _work_folder).
WORK = HERE / ".work"


def _work_folder() -> None:
    WORK.mkdir(exist_ok=True)
    (WORK / ".gitignore").write_text("*\n", encoding="utf-8")


def _seed_corpus(name: str) -> Path:
    from fuzz.seeds import seeds

    folder = WORK / "corpus" / name
    folder.mkdir(parents=True, exist_ok=True)
    for data in seeds().get(name, ()):
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return folder


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))  # tests/: import the targets as the `fuzz` package
    from fuzz.targets import TARGETS

    if len(argv) < 2 or argv[1] in ("-h", "--help", "--list"):
        print(__doc__.strip())
        print("\ntargets:", ", ".join(TARGETS))
        return 0 if len(argv) >= 2 else 2
    name, extra = argv[1], argv[2:]
    if name not in TARGETS:
        print(f"unknown target {name!r}; one of: {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install atheris", file=sys.stderr)
        return 2
    _work_folder()
    replay = [arg for arg in extra if not arg.startswith("-")]
    crashes = WORK / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    args = [argv[0], f"-artifact_prefix={crashes}/", *extra]
    if not replay:
        args.append(str(_seed_corpus(name)))
    target = TARGETS[name]
    # Instrument pauselint (and the parsers it calls) for coverage; not the harness.
    with atheris.instrument_imports(include=["pauselint", "yaml", "tomllib"]):
        import pauselint.compat
        import pauselint.config
        import pauselint.imageref
        import pauselint.reading
        import pauselint.sources.containerd
        import pauselint.sources.crio
        import pauselint.sources.detect
        import pauselint.sources.k3s
        import pauselint.sources.kubeadm
        import pauselint.sources.kubelet
        import pauselint.suppressions  # noqa: F401
    atheris.Setup(args, target)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
