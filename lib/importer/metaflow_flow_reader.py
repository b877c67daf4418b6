#!/usr/bin/env python3
"""Reads a Metaflow flow file with `ast` (standard library only, Metaflow need not be installed) and prints
what it declares as JSON on stdout: FlowSpec classes, their steps, `self.next(...)` transitions, decorators with
their literal arguments, and `Parameter(...)` attributes.

It only reports facts. Mapping them onto the flow document and deciding what is supported happens in
`python.ts`, so the rules live in one typed place. A value that is not a Python literal is reported as
`{"nonLiteral": "<source text>"}` instead of being evaluated: the file is never imported or executed.

Usage: python3 metaflow_flow_reader.py FLOW.py
"""

import ast
import json
import sys

METAFLOW_MODULES = ("metaflow",)

# Keyword names of the positional arguments after `name`, as Metaflow 2.19 declares them.
POSITIONAL = {
    "Parameter": ("default", "type", "help", "required", "show_default"),
    "IncludeFile": ("required", "is_text", "encoding", "help", "parser"),
    "Config": ("default", "default_value", "help", "required", "parser"),
}


def literal(node, source):
    """{"value": v} for a Python literal (JSON-safe; a float also says so, as JSON loses 3.0 vs 3), {"nonLiteral": text} otherwise."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return {"nonLiteral": segment(node, source)}
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        # tuples become lists in JSON; sets, bytes, complex and NaN have no JSON form
        if isinstance(value, tuple):
            return literal_tuple(value, node, source)
        return {"nonLiteral": segment(node, source)}
    if isinstance(value, float):
        return {"value": value, "float": True}
    return {"value": value}


def literal_tuple(value, node, source):
    try:
        json.dumps(list(value), allow_nan=False)
        return {"value": list(value)}
    except (TypeError, ValueError):
        return {"nonLiteral": segment(node, source)}


def segment(node, source):
    text = ast.get_source_segment(source, node)
    return text if text is not None else ast.dump(node)


def dotted(node):
    """`a.b.c` -> "a.b.c"; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Names:
    """Resolves local names to what they were imported as (`from metaflow import batch as b`)."""

    def __init__(self, tree):
        self.aliases = {}
        self.module_aliases = set(METAFLOW_MODULES)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "metaflow":
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "metaflow":
                        self.module_aliases.add(alias.asname or alias.name)
        # Module-level presets of Metaflow decorators: `gpu_batch = batch(gpu=1)` makes `@gpu_batch` that call.
        self.presets = {}
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and self.from_metaflow(node.value.func)
            ):
                self.presets[node.targets[0].id] = node.value

    def from_metaflow(self, node):
        """True for a name imported from metaflow (`batch`, `b` for `batch as b`, `metaflow.batch`)."""
        name = dotted(node)
        if name is None:
            return False
        head = name.partition(".")[0]
        return name in self.aliases or ("." in name and head in self.module_aliases)

    def resolve(self, node):
        """The Metaflow name a decorator or call refers to, e.g. "batch" for `b`, `metaflow.batch` or `batch`."""
        name = dotted(node)
        if name is None:
            return None
        if "." in name:
            head, _, rest = name.partition(".")
            if head in self.module_aliases:
                return rest.split(".")[-1]
            return name
        return self.aliases.get(name, name)


def decorator(node, names, source):
    call = node if isinstance(node, ast.Call) else None
    if call is None and isinstance(node, ast.Name) and node.id in names.presets:
        call = names.presets[node.id]
    target = call.func if call else node
    result = {
        "name": names.resolve(target) or segment(target, source),
        "line": node.lineno,
        "called": call is not None,
        "args": [],
        "kwargs": {},
    }
    if call:
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                result["args"].append({"nonLiteral": segment(arg, source)})
            else:
                result["args"].append(literal(arg, source))
        for keyword in call.keywords:
            if keyword.arg is None:
                result["kwargs"]["**"] = {"nonLiteral": segment(keyword.value, source)}
            else:
                result["kwargs"][keyword.arg] = literal(keyword.value, source)
    return result


def self_attr(node):
    """`self.x` -> "x"."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def transition(func, source):
    """The step's last statement, if it is `self.next(...)`: targets, keywords, and why it is invalid if it is."""
    if not func.body:
        return None
    last = func.body[-1]
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)):
        return None
    call = last.value
    if self_attr(call.func) != "next":
        return None
    result = {"line": last.lineno, "targets": [], "kwargs": {}, "switch": False, "cases": [], "invalid": None}
    for arg in call.args:
        target = self_attr(arg)
        if isinstance(arg, ast.Dict):
            result["switch"] = True
            for key, value in zip(arg.keys, arg.values):
                case = self_attr(value)
                if key is None or case is None:
                    result["invalid"] = "the switch case %s does not lead to a step (write 'value': self.<step>)" % segment(value, source)
                    continue
                key_value = literal(key, source)
                result["cases"].append([str(key_value["value"]) if "value" in key_value else key_value["nonLiteral"], case])
                if case not in result["targets"]:
                    result["targets"].append(case)
        elif target is None:
            result["invalid"] = "argument %s is not a step (self.<step>)" % segment(arg, source)
        else:
            result["targets"].append(target)
    for keyword in call.keywords:
        if keyword.arg is None:
            result["invalid"] = "**%s is not allowed in self.next()" % segment(keyword.value, source)
        else:
            result["kwargs"][keyword.arg] = literal(keyword.value, source)
    return result


def literal_assignments(func, source):
    """`self.x = <literal>` when it is the only assignment to self.x in the step and a statement of its body."""
    found = {}
    counts = {}
    for node in ast.walk(func):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            name = self_attr(target)
            if name is not None:
                counts[name] = counts.get(name, 0) + 1
    for stmt in func.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            name = self_attr(stmt.targets[0])
            if name is not None and counts.get(name) == 1:
                value = literal(stmt.value, source)
                if "value" in value:
                    found[name] = {"value": value["value"], "line": stmt.lineno}
    return found


def step_of(func, names, source):
    step_flags = None
    decorators = []
    for node in func.decorator_list:
        deco = decorator(node, names, source)
        if deco["name"] == "step":
            step_flags = deco
        else:
            # Python applies the lowest decorator first: one below @step meets a function that is no step yet
            deco["belowStep"] = step_flags is not None
            decorators.append(deco)
    if step_flags is None:
        return None
    args = func.args
    num_args = len(args.posonlyargs) + len(args.args) + (1 if args.vararg else 0)
    first_line = min([func.lineno] + [d.lineno for d in func.decorator_list])
    return {
        "name": func.name,
        "line": func.lineno,
        "firstLine": first_line,
        "doc": ast.get_docstring(func),
        "numArgs": num_args,
        "step": {"kwargs": step_flags["kwargs"], "args": step_flags["args"], "line": step_flags["line"]},
        # Metaflow applies decorators bottom-up; keep source order (top first) for messages
        "decorators": decorators,
        "next": transition(func, source),
        "literalAssignments": literal_assignments(func, source),
    }


def parameter_of(stmt, names, source):
    """`x = Parameter("name", ...)` (also IncludeFile / Config) as a class attribute."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        attr, value = stmt.targets[0].id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        attr, value = stmt.target.id, stmt.value
    else:
        return None
    if not isinstance(value, ast.Call):
        return None
    kind = names.resolve(value.func)
    if kind not in ("Parameter", "IncludeFile", "Config"):
        return None
    def argument(name, node):
        if name == "type":
            return {"typeName": names.resolve(node) or segment(node, source)}
        return literal(node, source)

    kwargs = {}
    for keyword in value.keywords:
        if keyword.arg is None:
            kwargs["**"] = {"nonLiteral": segment(keyword.value, source)}
        else:
            kwargs[keyword.arg] = argument(keyword.arg, keyword.value)
    # Positional arguments after the name are reported under their keyword (Parameter(name, default, type, ...)).
    positional = POSITIONAL.get(kind, ())
    for index, node in enumerate(value.args[1:]):
        if index < len(positional) and positional[index] not in kwargs and not isinstance(node, ast.Starred):
            kwargs[positional[index]] = argument(positional[index], node)
    return {
        "attribute": attr,
        "kind": kind,
        "line": stmt.lineno,
        "args": [literal(arg, source) for arg in value.args[:1]],
        "kwargs": kwargs,
    }


def class_of(node, names, source):
    steps, parameters = [], []
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            step = step_of(stmt, names, source)
            if step is not None:
                steps.append(step)
        else:
            parameter = parameter_of(stmt, names, source)
            if parameter is not None:
                parameters.append(parameter)
    return {
        "name": node.name,
        "line": node.lineno,
        "bases": [names.resolve(base) or segment(base, source) for base in node.bases],
        "doc": ast.get_docstring(node),
        "decorators": [decorator(d, names, source) for d in node.decorator_list],
        "steps": steps,
        "parameters": parameters,
    }


def is_main_test(test):
    """`__name__ == "__main__"`, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [side for side in sides if isinstance(side, ast.Name) and side.id == "__name__"]
    texts = [side for side in sides if isinstance(side, ast.Constant) and side.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


def main_block(tree, source):
    """The module's `if __name__ == "__main__":` block (its line, and the names it calls), or None when it has none.

    Every task runs `python FLOW.py ... step <name>`; without such a block that only defines the flow and exits 0."""
    for node in tree.body:
        if isinstance(node, ast.If) and is_main_test(node.test):
            calls = []
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.Call):
                        name = dotted(sub.func) or segment(sub.func, source)
                        if name not in calls:
                            calls.append(name)
            return {"line": node.lineno, "calls": calls}
    return None


def read(path):
    with open(path, "r", encoding="utf-8") as handle:
        source = handle.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return {
            "file": path,
            "syntaxError": {"line": error.lineno or 0, "column": error.offset or 0, "message": error.msg, "text": (error.text or "").rstrip("\n")},
            "classes": [],
            "main": None,
        }
    names = Names(tree)
    classes = [class_of(node, names, source) for node in tree.body if isinstance(node, ast.ClassDef)]
    return {"file": path, "syntaxError": None, "classes": classes, "main": main_block(tree, source)}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: metaflow_flow_reader.py FLOW.py\n")
        return 2
    try:
        result = read(argv[1])
    except OSError as error:
        sys.stderr.write("cannot read %s: %s\n" % (argv[1], error.strerror or error))
        return 3
    except UnicodeDecodeError as error:
        sys.stderr.write("cannot read %s: not UTF-8 text (%s)\n" % (argv[1], error.reason))
        return 3
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
