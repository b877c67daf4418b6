"""Writes a flow file without its @batch decorators: Metaflow's local runtime would otherwise submit those steps to AWS Batch.

Each removed decorator's lines become blank lines, so every other line keeps its number and text, and a traceback
an artifact holds (`@catch`) reads the same as one from the unchanged file.

Usage: strip_batch.py SOURCE TARGET
"""
import ast
import sys


def is_batch(decorator):
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return getattr(target, "id", None) == "batch"


source = open(sys.argv[1]).read()
lines = source.split("\n")
for node in ast.walk(ast.parse(source)):
    if isinstance(node, ast.FunctionDef):
        for decorator in filter(is_batch, node.decorator_list):
            for number in range(decorator.lineno, decorator.end_lineno + 1):
                lines[number - 1] = ""
open(sys.argv[2], "w").write("\n".join(lines))
