#!/usr/bin/env python3
"""Writes Metaflow's core-suite flows (graphs x tests) for the metaflow-cdk compatibility harness.

Everything that decides what a combination is comes from Metaflow's own files, imported unmodified from the suite:
`run_tests.iter_graphs`/`iter_tests` enumerate graphs and tests, `metaflow_test.formatter.FlowFormatter` writes the
flow and its checker, `contexts.json` says what the `python3-sfn` context runs. The folder of each combination is laid
out as `run_tests.run_test` lays out its temporary folder (test_flow.py, check_flow.py, a copy of metaflow_test/ and the
test's REQUIRED_FILES); it becomes the flow's code package.

Prints one JSON document (the matrix) on stdout; errors are one line on stderr with exit code 2.

Usage: generate.py --suite METAFLOW_SRC --out DIR [--tests A,B] [--graphs x,y] [--context python3-sfn]
"""

import argparse
import difflib
import json
import os
import re
import shutil
import sys

SUPPORTED_VERSION = re.compile(r"^2\.19\.")
SUPPORTED_TEXT = "2.19.x"


class SuiteError(Exception):
    pass


def read_version(src):
    version_file = os.path.join(src, "metaflow", "version.py")
    if not os.path.isfile(version_file):
        raise SuiteError(
            "%s holds no metaflow/version.py: point --suite (or MFCDK_METAFLOW_SRC) at a Metaflow source tree "
            "(the folder with metaflow/ and test/core/, e.g. ../shared/vendor/metaflow)" % src
        )
    match = re.search(r"metaflow_version\s*=\s*[\"']([^\"']+)[\"']", open(version_file).read())
    if not match:
        raise SuiteError("%s does not name a version: use an unmodified Metaflow %s source tree" % (version_file, SUPPORTED_TEXT))
    return match.group(1)


def load_suite(src):
    core = os.path.join(src, "test", "core")
    for part in ("run_tests.py", "contexts.json", "graphs", "tests", os.path.join("metaflow_test", "formatter.py")):
        if not os.path.exists(os.path.join(core, part)):
            raise SuiteError(
                "%s has no test/core/%s: the harness needs a Metaflow source checkout with its core suite "
                "(git clone https://github.com/Netflix/metaflow; a pip-installed metaflow has no tests)" % (src, part)
            )
    version = read_version(src)
    if not SUPPORTED_VERSION.match(version):
        raise SuiteError(
            "the suite at %s is Metaflow %s; this harness reads the core suite of Metaflow %s "
            "(its formatter, contexts.json and checkers): check out a %s tag, e.g. git checkout 2.19.38"
            % (src, version, SUPPORTED_TEXT, SUPPORTED_TEXT)
        )
    sys.path.insert(0, src)
    sys.path.insert(0, core)
    cwd = os.getcwd()
    os.chdir(core)  # run_tests.iter_tests imports test modules relative to the suite, as run_tests.py does
    try:
        import run_tests
        from metaflow_test.formatter import FlowFormatter

        graphs = list(run_tests.iter_graphs())
        tests = sorted(run_tests.iter_tests(), key=lambda t: t.PRIORITY)
    finally:
        os.chdir(cwd)
    with open(os.path.join(core, "contexts.json")) as f:
        contexts = json.load(f)
    return core, version, graphs, tests, contexts, FlowFormatter


def extension_decorators():
    """Step and flow decorators the suite's own metaflow_extensions add (on PYTHONPATH in every task, as in an image)."""
    from metaflow.plugins import FLOW_DECORATORS, STEP_DECORATORS

    return sorted(d.name for d in STEP_DECORATORS + FLOW_DECORATORS if d.__module__.startswith("metaflow_extensions"))


def has_node(graph, key):
    return any(key in node for node in graph["graph"].values())


def needs_extension_packages(test):
    """Whether the test's docstring requires Metaflow's test/extensions/packages (CardExtensionsImportTest's card types)."""
    return "extensions/packages" in (test.__class__.__doc__ or "")


def classify(formatter, graph, test, context):
    """(kind, reason): kind is 'sfn' (python3-sfn runs it), 'beyond' (it cannot) or 'not-applicable'."""
    test_name = test.__class__.__name__
    if not formatter.valid:
        return "not-applicable", "Metaflow's formatter finds no valid flow for this graph (SKIP_GRAPHS, ONLY_GRAPHS or a required step unmatched)"
    if formatter.should_resume:
        return "not-applicable", "resume test: the scheduler executor skips it (no resume on Step Functions, none in metaflow-cdk)"
    if needs_extension_packages(test):
        return "not-applicable", (
            "needs the packages of Metaflow's test/extensions/packages pip-installed where its tasks run (Metaflow's CI "
            "installs them before the core suite); the harness gives the tasks the suite's source tree alone"
        )
    if test_name in context.get("disabled_tests", []):
        return "beyond", "disabled in %s" % context["name"]
    if context.get("disable_parallel") and has_node(graph, "num_parallel"):
        return "beyond", "@parallel graph: %s skips it (disable_parallel); step-functions create refuses @parallel" % context["name"]
    if has_node(graph, "switch"):
        return "beyond", "switch graph: step-functions create refuses switch statements"
    enabled = context.get("enabled_tests", [])
    if enabled and test_name not in enabled:
        return "not-applicable", "not among the enabled tests of %s" % context["name"]
    return "sfn", ""


def write_combination(core, formatter, directory):
    if os.path.exists(directory):
        shutil.rmtree(directory)
    os.makedirs(directory)
    with open(os.path.join(directory, "test_flow.py"), "w") as f:
        f.write(formatter.flow_code)
    with open(os.path.join(directory, "check_flow.py"), "w") as f:
        f.write(formatter.check_code)
    shutil.copytree(os.path.join(core, "metaflow_test"), os.path.join(directory, "metaflow_test"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in formatter.copy_files:
        shutil.copy2(os.path.join(core, "tests", name), os.path.join(directory, name))


def parse_names(text):
    return {name.strip().lower() for name in (text or "").split(",") if name.strip()}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tests", default="")
    parser.add_argument("--graphs", default="")
    parser.add_argument("--context", default="python3-sfn")
    parser.add_argument("--list-only", action="store_true", help="classify without writing flows")
    args = parser.parse_args(argv)

    src = os.path.abspath(args.suite)
    if not os.path.isdir(src):
        raise SuiteError("the suite path %s does not exist: set MFCDK_METAFLOW_SRC (or --suite) to a Metaflow %s source tree, e.g. ../shared/vendor/metaflow" % (src, SUPPORTED_TEXT))
    core, version, graphs, tests, contexts, FlowFormatter = load_suite(src)
    context = next((c for c in contexts["contexts"] if c["name"] == args.context), None)
    if context is None:
        names = ", ".join(c["name"] for c in contexts["contexts"])
        raise SuiteError("contexts.json has no context %r: pick one of %s" % (args.context, names))

    test_names = {t.__class__.__name__.lower(): t.__class__.__name__ for t in tests}
    graph_names = {g["name"].lower(): g["name"] for g in graphs}
    for given, known, kind in ((args.tests, test_names, "test"), (args.graphs, graph_names, "graph")):
        for name in [n.strip() for n in (given or "").split(",") if n.strip()]:
            if name.lower() not in known:
                close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.5)
                hint = "did you mean %s?" % " or ".join(known[c] for c in close) if close else "the suite has %d: %s" % (len(known), ", ".join(sorted(known.values())))
                raise SuiteError("no %s named %s in the suite at %s: %s" % (kind, name, core, hint))
    only_tests, only_graphs = parse_names(args.tests), parse_names(args.graphs)

    combinations = []
    for test in tests:
        name = test.__class__.__name__
        if only_tests and name.lower() not in only_tests:
            continue
        for graph in graphs:
            if only_graphs and graph["name"].lower() not in only_graphs:
                continue
            formatter = FlowFormatter(graph, test)
            kind, reason = classify(formatter, graph, test, context)
            entry = {
                "test": name,
                "graph": graph["name"],
                "kind": kind,
                "reason": reason,
                "priority": test.PRIORITY,
                "flowName": formatter.flow_name,
                "shouldFail": bool(formatter.should_fail),
                "steps": len(graph["graph"]),
                "parallel": has_node(graph, "num_parallel"),
                "foreach": has_node(graph, "foreach"),
                "parameters": sorted(getattr(test, "PARAMETERS", {}) or {}),
            }
            if kind != "not-applicable":
                directory = os.path.join(os.path.abspath(args.out), graph["name"], name)
                if not args.list_only:
                    write_combination(core, formatter, directory)
                entry["directory"] = directory
            combinations.append(entry)
    json.dump({
        "metaflowVersion": version,
        "extensionDecorators": extension_decorators(),
        "suite": core,
        "context": context,
        "checks": contexts["checks"],
        "graphs": [g["name"] for g in graphs],
        "combinations": combinations,
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SuiteError as error:
        sys.stderr.write("error: %s\n" % error)
        sys.exit(2)
