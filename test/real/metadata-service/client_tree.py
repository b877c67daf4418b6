"""Prints, as JSON, what Metaflow's client reads of a flow's latest run: its status, and per step its tasks with their
parents, children and artifacts. Tasks are named `<step>[<foreach index>]`, so runs with other ids compare equal.

    python client_tree.py FLOW
"""
import json
import sys

from metaflow import Flow, namespace

namespace(None)  # runs compiled for Step Functions live in the production namespace
run = Flow(sys.argv[1]).latest_run


def label(task):
    return "%s[%s]" % (task.parent.id, task.index)


tasks = [task for step in run for task in step]
labels = {task.pathspec: label(task) for task in tasks}


def value(data):
    # a dict built in a foreach join keeps the order its inputs arrived in; a Step Functions join gets them in the
    # order of a DynamoDB string set, not in split order: a known difference, not one of the metadata compared here
    return repr(dict(sorted(data.items()))) if isinstance(data, dict) else repr(data)


def labelled(pathspecs):
    return sorted(labels.get(p, "?" + p) for p in pathspecs)


steps = {}
for task in tasks:
    steps.setdefault(task.parent.id, []).append(
        {
            "task": labels[task.pathspec],
            "successful": task.successful,
            "parents": labelled(task.parent_task_pathspecs),
            "children": labelled(task.child_task_pathspecs),
            "artifacts": {a.id: value(a.data) for a in task.artifacts if not a.id.startswith("_")},
        }
    )
for step_tasks in steps.values():
    step_tasks.sort(key=lambda t: t["task"])
print(json.dumps({"successful": run.successful, "finished": run.finished, "steps": steps}, sort_keys=True))
