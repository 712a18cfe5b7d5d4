"""Mutation testing of the rule modules: ``make mutation`` (see docs/mutation.md).

Each module in ``MODULES`` is mutated with its own, fast test selection:

1. mutmut 3 mutates the bodies of its functions and methods (one mutant at a time,
   each run against the tests that executed the function);
2. mutmut never touches module-level code, so the rule *tables* (the per-type windows,
   default rules, ...) are mutated here, one literal at a time: every number (+1 and -1),
   string, bool, and every use of a sibling constant (``AFTER_TOGGLE`` ->
   ``THIRTY_DAYS_BEFORE``) inside a module-level assignment or a class-level default;
   each mutant runs the module's tests in a fresh interpreter.

Survivors listed in ``scripts/mutation_equivalent.toml`` are equivalent (no test could
tell them apart) and are left out of the score. The run ends with exactly one line::

    mutation.killed=N mutation.survived=N mutation.equivalent=N mutation.score=0.NN

Usage: ``python scripts/mutation.py [MODULE ...]`` (a path or part of one; default all).
"""

from __future__ import annotations

import argparse
import ast
import importlib.abc
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: each run in its own folder (two runs at once never share mutmut's state): RUN holds
#: links to the project, mutmut's work tree is RUN/mutants, as mutmut expects
RUN = Path(os.environ.get("MUTATION_RUN") or ROOT / "mutants" / f"run-{os.getpid()}")
WORK = RUN / "mutants"
RESULTS = RUN / "results"
PROJECT = ("integrations", "core", "syncadmin", "alerts", "templates", "static", "tests")
PROJECT_FILES = ("manage.py", "pyproject.toml")
EQUIVALENT_FILE = ROOT / "scripts" / "mutation_equivalent.toml"


@dataclass(frozen=True)
class Module:
    """A rule module and the pytest arguments that select its (fast) tests."""

    path: str
    tests: tuple[str, ...]


# One line per rule module: the file, then the tests that pin its rules.
MODULES: tuple[Module, ...] = (
    Module(
        "integrations/rules/timeline_windows.py",
        (
            "tests/integrations/rules/test_subjects_and_rules.py",
            "tests/integrations/rules/test_windows.py",
        ),
    ),
    Module(
        "integrations/rules/activity_types.py",
        (
            "tests/integrations/rules/test_windows.py",
            "tests/integrations/rules/test_subjects_and_rules.py",
            "tests/integrations/pages/activities/test_activity_type_rows.py",
            "tests/integrations/engine/activities/test_every_type_syncs.py",
        ),
    ),
    Module(
        "integrations/rules/mapping_rules.py",
        (
            "tests/integrations/rules/test_mapping_rules.py",
            "tests/integrations/rules/test_mapping_rules_record.py",
        ),
    ),
    Module(
        "integrations/rules/inclusion.py",
        (
            "tests/integrations/engine/contacts/test_inclusion_pause.py",
            "tests/integrations/engine/reconcile/test_reconcile_inclusion_pause.py",
        ),
    ),
    Module(
        "integrations/rules/auto_create.py",
        (
            "tests/integrations/rules/test_auto_create_rule.py",
            "tests/integrations/engine/contacts/test_auto_create_sync.py",
        ),
    ),
    Module(
        "integrations/rules/assigned_to.py",
        (
            "tests/integrations/rules/test_subjects_and_rules.py",
            "tests/integrations/rules/test_assigned_to_rule.py",
        ),
    ),
    Module(
        "integrations/rules/multi_contact.py",
        (
            "tests/integrations/rules/test_subjects_and_rules.py",
            "tests/integrations/rules/test_main_contact_rule.py",
        ),
    ),
)

#: mutmut exit codes (mutmut.stats.status_by_exit_code) that mean "a test noticed"
NO_TESTS_COLLECTED = 5  # pytest's exit code
KILLED_STATUSES = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass
class Outcome:
    """One mutant's result, with a stable id a developer can list as equivalent."""

    module: str
    mutant_id: str
    stable_id: str
    status: str  # killed / survived (anything not killed counts as survived)
    diff: str = ""


@dataclass
class ModuleReport:
    module: Module
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableMutant:
    start: int  # byte offsets in the source file
    end: int
    old: str
    new: str
    context: str

    def stable_id(self, path: str) -> str:
        return f"{path}::{self.context}: {self.old} -> {self.new}"


def _offsets(source: bytes) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _sibling_constants(tree: ast.Module) -> dict[str, list[str]]:
    """Names that stand for one value among siblings: each maps to its alternatives.

    Siblings are the ALL_CAPS names of one ``from ... import`` statement, or a run of
    adjacent module-level ALL_CAPS assignments of a plain literal.
    """
    groups: list[list[str]] = []
    run: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names = [a.asname or a.name for a in node.names if (a.asname or a.name).isupper()]
            if len(names) > 1:
                groups.append(names)
        target = _single_target(node)
        value = getattr(node, "value", None)
        if target and target.isupper() and isinstance(value, ast.Constant):
            run.append(target)
            continue
        if len(run) > 1:
            groups.append(run)
        run = []
    if len(run) > 1:
        groups.append(run)
    return {name: [other for other in group if other != name] for group in groups for name in group}


def _single_target(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def table_mutants(source: str) -> list[TableMutant]:
    """Every one-literal change to the module-level tables of ``source``."""
    tree = ast.parse(source)
    raw = source.encode()
    line_starts = _offsets(raw)
    siblings = _sibling_constants(tree)
    fields = _class_fields(tree)
    mutants: list[TableMutant] = []

    def span(node: ast.expr) -> tuple[int, int]:
        start = line_starts[node.lineno - 1] + node.col_offset
        end = line_starts[node.end_lineno - 1] + node.end_col_offset
        return start, end

    def add(node: ast.expr, new: str, context: str) -> None:
        start, end = span(node)
        old = raw[start:end].decode()
        mutants.append(TableMutant(start, end, old, new, context))

    def visit(node: ast.AST, context: str) -> None:
        if isinstance(node, ast.JoinedStr):
            return  # f-strings: their parts have no usable positions
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                add(node, repr(not value), context)
            elif isinstance(value, int | float):
                add(node, repr(value + 1), context)
                add(node, repr(value - 1), context)
            elif isinstance(value, str):
                add(node, json.dumps(f"XX{value}XX", ensure_ascii=False), context)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in siblings:
            for other in siblings[node.id]:
                add(node, other, context)
            return
        if isinstance(node, ast.Call):
            visit(node.func, context)
            label = _record_label(node)
            names = fields.get(ast.unparse(node.func), [])
            for index, arg in enumerate(node.args):
                name = names[index] if index < len(names) else str(index)
                visit(arg, f"{context}[{label}].{name}")
            for keyword in node.keywords:
                visit(keyword.value, f"{context}[{label}].{keyword.arg}")
            return
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None:
                    visit(key, f"{context}{{key}}")
                    visit(value, f"{context}[{ast.unparse(key)}]")
            return
        for child in ast.iter_child_nodes(node):
            visit(child, context)

    def visit_statement(node: ast.stmt, prefix: str) -> None:
        if isinstance(node, ast.ImportFrom | ast.Import) or _is_docstring(node):
            return
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            name = _single_target(node) or "?"
            if name == "__all__":
                return
            visit(node.value, prefix + name)

    for statement in tree.body:
        if isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                visit_statement(inner, f"{statement.name}.")
        else:
            visit_statement(statement, "")

    seen: dict[str, int] = {}
    unique: list[TableMutant] = []
    for mutant in mutants:
        key = f"{mutant.context}: {mutant.old} -> {mutant.new}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            mutant = TableMutant(
                mutant.start, mutant.end, mutant.old, mutant.new, f"{mutant.context}#{seen[key]}"
            )
        unique.append(mutant)
    return unique


def _class_fields(tree: ast.Module) -> dict[str, list[str]]:
    """The annotated fields of each class of the module, in order (dataclass arguments)."""
    return {
        node.name: [
            item.target.id
            for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        ]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def _record_label(call: ast.Call) -> str:
    """What names a row of a table: the first literal string argument of its call."""
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return ast.unparse(call.func)


def apply_table_mutant(source: str, mutant: TableMutant) -> str:
    raw = source.encode()
    return (raw[: mutant.start] + mutant.new.encode() + raw[mutant.end :]).decode()


def table_diff(path: str, source: str, mutant: TableMutant) -> str:
    import difflib

    mutated = apply_table_mutant(source, mutant)
    return "\n".join(
        difflib.unified_diff(
            source.splitlines(), mutated.splitlines(), path, path, n=1, lineterm=""
        )
    )


PYTEST_ARGS = ("-x", "-q", "--no-header", "-p", "no:randomly", "-p", "no:cacheprovider")


class _MutatedModule(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves one module from a mutated source instead of its file (in a forked child)."""

    def __init__(self, name: str, path: Path, source: str) -> None:
        self.name, self.path, self.source = name, path, source

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        exec(compile(self.source, str(self.path), "exec"), module.__dict__)


def _fork_pytest(args: list[str], module: Module, source: str | None) -> int:
    """Run pytest in a forked child (``source`` replacing the module's code); its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        if source is not None:
            name = module.path.removesuffix(".py").replace("/", ".")
            sys.meta_path.insert(0, _MutatedModule(name, WORK / module.path, source))
        import pytest

        code = int(pytest.main([*PYTEST_ARGS, *args]))
    finally:
        os._exit(code)


def table_worker(module: Module) -> None:
    """Every table mutant of ``module`` against its tests, ``MUTATION_JOBS`` at a time.

    The children are forked from this process, which has imported pytest and Django but
    none of the project, so each child imports the project afresh with the mutant in it.
    """
    os.chdir(WORK)
    sys.path[:] = [str(WORK), *(p for p in sys.path if Path(p or ".").resolve() != WORK)]
    sys.dont_write_bytecode = True
    os.environ["MUTANT_UNDER_TEST"] = ""
    import django  # noqa: F401  (imported once here, not in every child)
    import pytest  # noqa: F401
    import pytest_django  # noqa: F401

    source = (ROOT / module.path).read_text()
    mutants = table_mutants(source)
    jobs = int(os.environ.get("MUTATION_JOBS", "2"))
    tests = list(module.tests)
    if mutants:
        _, status = os.waitpid(_fork_pytest(tests, module, source), 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{module.path}: its tests fail without any mutation")

    # each mutant: first its row's tests (-k <row key>, when the tests name the row), then all
    todo: list[tuple[int, list[str]]] = []
    for index, mutant in enumerate(mutants):
        row = mutant.context.partition("[")[2].partition("]")[0]
        todo.append((index, [*tests, "-k", row] if row.isidentifier() else tests))
    running: dict[int, tuple[int, bool]] = {}
    killed: set[int] = set()
    while todo or running:
        while todo and len(running) < jobs:
            index, args = todo.pop(0)
            mutated = apply_table_mutant(source, mutants[index])
            running[_fork_pytest(args, module, mutated)] = (index, "-k" in args)
        pid, status = os.wait()
        index, first_pass = running.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, NO_TESTS_COLLECTED):
            killed.add(index)
        elif first_pass:
            todo.insert(0, (index, tests))
            continue
        verdict = "killed" if index in killed else "survived"
        print(f"table mutant {index + 1}/{len(mutants)} {verdict}: {mutants[index].context}")
        sys.stdout.flush()
    rows = [
        {
            "module": module.path,
            "mutant_id": mutant.stable_id(module.path),
            "stable_id": mutant.stable_id(module.path),
            "status": "killed" if index in killed else "survived",
            "diff": "" if index in killed else table_diff(module.path, source, mutant),
        }
        for index, mutant in enumerate(mutants)
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{_dotted(module)}.tables.json").write_text(json.dumps(rows, indent=1))


def run_table_mutants(module: Module, log: Path) -> list[Outcome]:
    run_worker("tables", module, log)
    rows = json.loads((RESULTS / f"{_dotted(module)}.tables.json").read_text())
    return [
        Outcome(r["module"], r["mutant_id"], r["stable_id"], r["status"], r["diff"]) for r in rows
    ]


def _dotted(module: Module) -> str:
    return module.path.removesuffix(".py").replace("/", ".")


# --------------------------------------------------------------------------- mutmut


def mutmut_config(module: Module | None):
    """mutmut's config from pyproject.toml, with this script's module list and tests."""
    from dataclasses import replace

    import mutmut.configuration as configuration

    base = configuration._load_config()
    selection = list(module.tests) if module else base.pytest_add_cli_args_test_selection
    return replace(
        base,
        only_mutate=[m.path for m in MODULES],
        pytest_add_cli_args_test_selection=selection,
    )


def worker(argv: list[str]) -> None:
    """In a child process (mutmut keeps global state and calls exit()): one mutmut step."""
    os.chdir(RUN)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "scripts"]
    step, *rest = argv
    module = next((m for m in MODULES if m.path == rest[0]), None) if rest else None
    if step == "tables":
        assert module is not None
        table_worker(module)
        return

    import mutmut.configuration as configuration

    configuration._config = mutmut_config(module)
    from mutmut import __main__ as mutmut_main
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    jobs = int(os.environ.get("MUTATION_JOBS", "2"))
    if step == "prepare":
        from mutmut.mutation.trampoline import set_mutant_under_test
        from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir

        set_mutant_under_test("mutant_generation")
        WORK.mkdir(exist_ok=True)
        copy_src_dir()
        copy_also_copy_files()
        mutmut_main.create_mutants(jobs)
        return
    assert module is not None
    name = module.path.removesuffix(".py").replace("/", ".")
    mutmut_main._run([f"{name}.*"], jobs)
    data = SourceFileMutationData(path=Path(module.path))
    data.load()
    outcomes = []
    for key, code in sorted(data.exit_code_by_key.items(), key=lambda kv: _mutant_order(kv[0])):
        status = status_by_exit_code[code]
        killed = status in KILLED_STATUSES
        diff = "" if killed else get_diff_for_mutant(key, path=module.path)
        outcomes.append(
            {
                "module": module.path,
                "mutant_id": key,
                "stable_id": _stable_id(module.path, key, diff) if diff else key,
                "status": "killed" if killed else "survived",
                "mutmut_status": status,
                "diff": diff,
            }
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(outcomes, indent=1))


def _mutant_order(key: str) -> tuple[str, int]:
    head, _, number = key.rpartition("__mutmut_")
    return head, int(number) if number.isdigit() else 0


def _stable_id(path: str, key: str, diff: str) -> str:
    """``path::function: removed -> added``: survives renumbering when the code changes."""
    function = key.rpartition(".")[2].partition("__mutmut_")[0]
    function = function.removeprefix("x_").replace("ǁ", ".").strip(".")
    removed = " / ".join(
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    )
    added = " / ".join(
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )
    return f"{path}::{function}: {removed} -> {added}"


def run_worker(step: str, module: Module | None, log: Path) -> None:
    args = [sys.executable, str(Path(__file__)), "--worker", step]
    if module:
        args.append(module.path)
    env = {**os.environ, "MUTATION_RUN": str(RUN)}
    env.pop("PYTHONPATH", None)
    with log.open("a") as out:
        code = subprocess.run(
            args, cwd=RUN, env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"mutmut {step} {module.path if module else ''} failed ({code}):\n{tail}")


def run_function_mutants(module: Module, log: Path) -> list[Outcome]:
    name = module.path.removesuffix(".py").replace("/", ".")
    meta = WORK / f"{module.path}.meta"
    if not meta.exists() or not json.loads(meta.read_text())["exit_code_by_key"]:
        return []  # no function bodies to mutate (a module of tables only)
    run_worker("run", module, log)
    rows = json.loads((RESULTS / f"{name}.json").read_text())
    return [
        Outcome(r["module"], r["mutant_id"], r["stable_id"], r["status"], r["diff"]) for r in rows
    ]


# --------------------------------------------------------------------------- report


def load_equivalent() -> dict[str, str]:
    if not EQUIVALENT_FILE.exists():
        return {}
    return dict(tomllib.loads(EQUIVALENT_FILE.read_text()).get("equivalent", {}))


def report(reports: list[ModuleReport], equivalent: dict[str, str], seconds: float) -> None:
    used: set[str] = set()
    totals = {"killed": 0, "survived": 0, "equivalent": 0}
    survivors: list[Outcome] = []
    print()
    for rep in reports:
        counts = {"killed": 0, "survived": 0, "equivalent": 0}
        for outcome in rep.outcomes:
            if outcome.status == "killed":
                counts["killed"] += 1
                continue
            reason_key = next(
                (k for k in (outcome.stable_id, outcome.mutant_id) if k in equivalent), None
            )
            if reason_key:
                used.add(reason_key)
                counts["equivalent"] += 1
            else:
                counts["survived"] += 1
                survivors.append(outcome)
        for key, value in counts.items():
            totals[key] += value
        print(
            f"module {rep.module.path}: killed={counts['killed']} survived={counts['survived']} "
            f"equivalent={counts['equivalent']} score={_score(counts):.2f} ({rep.seconds:.0f}s)"
        )
    if survivors:
        print(f"\n{len(survivors)} surviving mutant(s), each a rule change no test noticed:")
        for outcome in survivors:
            print(f"\n# {outcome.stable_id}")
            if outcome.mutant_id != outcome.stable_id:
                print(f"#   mutmut id: {outcome.mutant_id}")
            print(outcome.diff)
    stale = sorted(set(equivalent) - used)
    ran = {rep.module.path for rep in reports}
    stale = [key for key in stale if key.split("::", 1)[0] in ran]
    if stale:
        print(
            f"\n{len(stale)} entry(ies) of {EQUIVALENT_FILE.name} match no survivor (remove them):"
        )
        for key in stale:
            print(f"  {key}")
    print(f"\nmutation.wall_seconds={seconds:.0f}")
    print(
        f"mutation.killed={totals['killed']} mutation.survived={totals['survived']} "
        f"mutation.equivalent={totals['equivalent']} mutation.score={_score(totals):.2f}"
    )


def _score(counts: dict[str, int]) -> float:
    tried = counts["killed"] + counts["survived"]
    return counts["killed"] / tried if tried else 1.0


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="paths (or parts) of MODULES to run")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    chosen = [m for m in MODULES if not args.modules or any(s in m.path for s in args.modules)]
    if not chosen:
        raise SystemExit(f"no module of MODULES matches {args.modules}")
    missing = [m.path for m in MODULES if not (ROOT / m.path).exists()]
    if missing:
        raise SystemExit(f"MODULES names files that do not exist: {missing}")

    started = time.monotonic()
    _drop_abandoned_runs()
    RUN.mkdir(parents=True)  # every run starts fresh: no stale verdicts
    for name in (*PROJECT, *PROJECT_FILES):
        (RUN / name).symlink_to(ROOT / name)
    log = RUN / "mutation.log"
    print(f"mutating {len(chosen)} module(s); mutmut's output goes to {log.relative_to(ROOT)}")
    run_worker("prepare", None, log)
    reports = []
    keep = os.environ.get("MUTATION_KEEP") == "1"
    for module in chosen:
        module_started = time.monotonic()
        rep = ModuleReport(module)
        rep.outcomes += run_function_mutants(module, log)
        rep.outcomes += run_table_mutants(module, log)
        rep.seconds = time.monotonic() - module_started
        killed = sum(o.status == "killed" for o in rep.outcomes)
        print(f"  {module.path}: {len(rep.outcomes)} mutants, {killed} killed ({rep.seconds:.0f}s)")
        reports.append(rep)
    if not keep:
        shutil.rmtree(RUN)
    report(reports, load_equivalent(), time.monotonic() - started)


def _drop_abandoned_runs() -> None:
    """Work folders of runs that are no longer running (killed, or kept)."""
    for folder in (ROOT / "mutants").glob("run-*"):
        pid = folder.name.removeprefix("run-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
