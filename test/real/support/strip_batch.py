"""Writes a flow file without its @batch decorators: Metaflow's local runtime would otherwise submit those steps to AWS Batch.

Usage: strip_batch.py SOURCE TARGET
"""
import ast
import sys

tree = ast.parse(open(sys.argv[1]).read())
for node in ast.walk(tree):
    if isinstance(node, ast.FunctionDef):
        node.decorator_list = [
            d for d in node.decorator_list
            if not ((isinstance(d, ast.Call) and getattr(d.func, "id", None) == "batch") or getattr(d, "id", None) == "batch")
        ]
open(sys.argv[2], "w").write(ast.unparse(tree) + "\n")
