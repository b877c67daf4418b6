"""Prints, as JSON, the code package Metaflow's client reads of a flow's latest run: `Run.code`'s path, INFO, flow file
and members, and per task what `Task.environment_info` gives (or the error it raises).

    python client_code.py FLOW
"""
import json
import sys

from metaflow import Flow, namespace

namespace(None)  # runs compiled for Step Functions live in the production namespace
run = Flow(sys.argv[1]).latest_run
code = run.code


def environment_info(task):
    try:
        return task.environment_info
    except Exception as error:  # what a user calling it would get
        return "raised %s: %s" % (type(error).__name__, error)


print(
    json.dumps(
        {
            "path": code and code.path,
            "info": code and code.info,
            # Metaflow 2.19 gives the member's bytes (its docstring says str), for its own packages too
            "flowspec": code and code.flowspec.decode("utf-8"),
            "members": code and sorted(code.tarball.getnames()),
            "environment_info": {task.pathspec: environment_info(task) for step in run for task in step},
        },
        sort_keys=True,
    )
)
