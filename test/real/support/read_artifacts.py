"""Prints, as JSON, a Metaflow run's status and the repr of every artifact of its `end` step, read with Metaflow's client.

Usage: read_artifacts.py FLOW RUN_ID|latest   (METAFLOW_DATASTORE_SYSROOT_LOCAL and the metadata settings come from env)
"""
import json
import re
import sys

from metaflow import Flow, namespace

namespace(None)
flow = Flow(sys.argv[1])
run = flow.latest_run if sys.argv[2] == "latest" else flow[sys.argv[2]]
task = run["end"].task
# A traceback names the flow file by where it ran (a reference copy, a task's working directory): compare by name.
FLOW_FILE = re.compile(r'File (\\?)"[^"]*/([^/"\\]+\.py)\\?"')
artifacts = {a.id: FLOW_FILE.sub(r'File \1"\2\1"', repr(a.data)) for a in task.artifacts if not a.id.startswith("_")}
print(json.dumps({"run": run.id, "successful": run.successful, "artifacts": artifacts}))
